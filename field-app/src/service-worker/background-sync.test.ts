import { describe, expect, it } from 'vitest';
import { backgroundWait, firstWait } from './background-sync.ts';

// The service worker's retries follow the page's backoff: a struggling server that says when
// to come back is not asked again before then, and tablets do not come back in step.

const NOW = Date.parse('2026-12-07T12:00:00.000Z');

describe("the background sync's wait between tries", () => {
  it("waits at least as long as the server's Retry-After said, with jitter above it", () => {
    const busy = { retryAfter: '120' };
    for (const r of [0, 0.5, 0.999]) {
      const wait = backgroundWait(busy, 0, NOW, () => r);
      expect(wait).toBeGreaterThanOrEqual(120_000);
      expect(wait).toBeLessThanOrEqual(132_000); // a tenth of the wait at most above it
    }
    expect(backgroundWait(busy, 0, NOW, () => 0.9)).toBeGreaterThan(backgroundWait(busy, 0, NOW, () => 0.1));
    // An HTTP date counts from now.
    expect(backgroundWait({ retryAfter: 'Mon, 07 Dec 2026 12:01:00 GMT' }, 0, NOW, () => 0)).toBe(60_000);
  });

  it('backs off with full jitter when the server said nothing, growing with each failure, to a minute', () => {
    expect(backgroundWait(new Error('no answer'), 0, NOW, () => 1)).toBe(1_000);
    expect(backgroundWait(new Error('no answer'), 3, NOW, () => 1)).toBe(8_000);
    expect(backgroundWait(null, 10, NOW, () => 1)).toBe(60_000);
    expect(backgroundWait(null, 3, NOW, () => 0.25)).toBe(2_000);
    // Two tablets failing together come back at different times.
    expect(backgroundWait(null, 4, NOW, () => 0.2)).not.toBe(backgroundWait(null, 4, NOW, () => 0.7));
  });
});

describe("the background sync's first try", () => {
  it("waits for the page's next try (the server's Retry-After), not coming back at once beside it", () => {
    expect(firstWait(NOW + 90_000, NOW)).toBe(90_000);
    expect(firstWait(NOW - 5_000, NOW)).toBe(0);
    expect(firstWait(undefined, NOW)).toBe(0);
  });

  it('leaves a pause longer than its wake-up to the browser', () => {
    expect(firstWait(NOW + 4 * 60_000, NOW)).toBeNull();
    expect(firstWait(NOW + 10_000, NOW, 10_000)).toBeNull();
    expect(firstWait(NOW + 9_999, NOW, 10_000)).toBe(9_999);
  });
});
