import { describe, expect, it } from 'vitest';
import { fetchPhotoBytes, fetchServiceTypes, httpFailure, push } from './index.ts';
import { useFetchStub } from '../../../test/fetch-stub.ts';

/** The sync server's rate limit: a 429 with its `ErrorBody` and the header. */
function rateLimited(): Response {
  const body = { error: { code: 'rate-limited', message: 'Too many requests. Wait a minute.' } };
  return new Response(JSON.stringify(body), {
    status: 429,
    headers: { 'content-type': 'application/json', 'retry-after': '60' },
  });
}

describe('an error answer keeps its Retry-After header', () => {
  const fetchStub = useFetchStub();

  it('a 503 with no body (a proxy, nginx) carries the header', async () => {
    fetchStub.mock.mockResolvedValue(new Response(null, { status: 503, headers: { 'retry-after': '30' } }));
    const res = await fetchServiceTypes();
    expect(res).toEqual({
      ok: false,
      error: {
        kind: 'http',
        status: 503,
        code: null,
        message: 'The server had a problem. Try again in a moment.',
        retryAfter: '30',
      },
    });
  });

  it('a 429 from the rate limit carries the header beside the server’s words', async () => {
    fetchStub.mock.mockResolvedValue(rateLimited());
    const res = await push({ clientId: 'c1', mutations: [] });
    expect(res).toEqual({
      ok: false,
      error: {
        kind: 'http',
        status: 429,
        code: 'rate-limited',
        message: 'Too many requests. Wait a minute.',
        details: undefined,
        retryAfter: '60',
      },
    });
  });

  it('keeps an HTTP-date as it came (the engine parses it)', async () => {
    const at = 'Wed, 10 Jun 2026 14:00:45 GMT';
    fetchStub.mock.mockResolvedValue(
      new Response('<html>busy</html>', { status: 503, headers: { 'retry-after': at } }),
    );
    const res = await fetchServiceTypes();
    expect(res.ok ? null : res.error).toMatchObject({ kind: 'http', status: 503, retryAfter: at });
  });

  it('a photo download’s 503 carries the header too', async () => {
    fetchStub.mock.mockResolvedValue(new Response(null, { status: 503, headers: { 'retry-after': '5' } }));
    const res = await fetchPhotoBytes('p1', 'thumb');
    expect(res.ok ? null : res.error).toMatchObject({ kind: 'http', status: 503, retryAfter: '5' });
  });

  it('no header, no retryAfter', async () => {
    fetchStub.mock.mockResolvedValue(new Response(null, { status: 503 }));
    const res = await fetchServiceTypes();
    expect(res.ok).toBe(false);
    expect(res.ok ? null : res.error).not.toHaveProperty('retryAfter');
    expect(httpFailure(500, undefined)).not.toHaveProperty('retryAfter');
  });
});
