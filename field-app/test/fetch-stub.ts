import { afterEach, beforeEach, vi } from 'vitest';

/**
 * `fetch` replaced by a fresh mock before each test of the calling suite, and put back after:
 * `stub.mock.mockResolvedValue(new Response(…))`.
 */
export function useFetchStub(): { mock: ReturnType<typeof vi.fn<typeof fetch>> } {
  const stub = { mock: vi.fn<typeof fetch>() };
  beforeEach(() => {
    stub.mock = vi.fn<typeof fetch>();
    vi.stubGlobal('fetch', stub.mock);
  });
  afterEach(() => {
    vi.unstubAllGlobals();
  });
  return stub;
}
