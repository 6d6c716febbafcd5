import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { session } from '../../../test/fixtures.ts';
import { retryAfterMs, RETRY_AFTER_MAX_MS } from '#lib/api/retry-after.ts';
import { retryDelay } from './engine.ts';

const NOW = Date.parse('2026-06-10T14:00:00.000Z');

describe('reading Retry-After', () => {
  it('reads delta-seconds', () => {
    expect(retryAfterMs('30', NOW)).toBe(30_000);
    expect(retryAfterMs(' 5 ', NOW)).toBe(5_000);
  });

  it('reads zero as "now"', () => {
    expect(retryAfterMs('0', NOW)).toBe(0);
  });

  it('ignores what is absent, negative, fractional or garbage', () => {
    for (const bad of [null, undefined, '', '   ', '-5', '1.5', '5s', 'soon', '0x10', 'Infinity', '1e3']) {
      expect(retryAfterMs(bad, NOW), String(bad)).toBeNull();
    }
  });

  it('reads an HTTP-date: the wait until then, or none when it has passed', () => {
    expect(retryAfterMs('Wed, 10 Jun 2026 14:00:45 GMT', NOW)).toBe(45_000);
    expect(retryAfterMs('Wed, 10 Jun 2026 13:59:00 GMT', NOW)).toBe(0);
    expect(retryAfterMs('Sun, 06 Nov 1994 08:49:37 GMT', NOW)).toBe(0);
    // The obsolete forms RFC 9110 asks a recipient to accept.
    expect(retryAfterMs('Wednesday, 10-Jun-26 14:01:00 GMT', NOW)).toBe(60_000);
    expect(retryAfterMs('Wed Jun 10 14:00:10 2026', NOW)).toBe(10_000);
    // Not an HTTP-date, though Date.parse would take it.
    expect(retryAfterMs('2026-06-10T14:01:00Z', NOW)).toBeNull();
  });

  it('caps what would keep the device waiting too long', () => {
    expect(retryAfterMs('86400', NOW)).toBe(RETRY_AFTER_MAX_MS);
    expect(retryAfterMs('99999999999999999999999', NOW)).toBe(RETRY_AFTER_MAX_MS);
    expect(retryAfterMs('Fri, 01 Jan 2027 00:00:00 GMT', NOW)).toBe(RETRY_AFTER_MAX_MS);
  });
});

describe('the delay before the next try', () => {
  it('without Retry-After: full-jitter backoff, 1 s doubling up to 60 s', () => {
    expect(retryDelay(null, 0, () => 0.5)).toBe(500);
    expect(retryDelay(null, 3, () => 0.5)).toBe(4_000);
    expect(retryDelay(null, 20, () => 1)).toBe(60_000);
    expect(retryDelay(null, 0, () => 0)).toBe(0);
  });

  it('with Retry-After: never before it, a little jitter above it', () => {
    for (const r of [0, 0.25, 0.5, 0.999]) {
      const d = retryDelay(30_000, 0, () => r);
      expect(d).toBeGreaterThanOrEqual(30_000);
      expect(d).toBeLessThanOrEqual(33_000);
    }
    expect(retryDelay(5_000, 0, () => 0.999)).toBeLessThanOrEqual(6_000);
    expect(retryDelay(5_000, 0, () => 0.5)).toBeGreaterThan(5_000); // spread, not all at 5 s
  });

  it('keeps the grown backoff when it is longer than what the server asked', () => {
    expect(retryDelay(5_000, 5, () => 0.5)).toBe(16_000); // 0.5 of 32 s
    expect(retryDelay(0, 0, () => 0.5)).toBe(500);
  });
});

/** A 503 as the sync server sends it when its database is restarting. */
function unavailable(retryAfter: number | null): Response {
  const body = {
    error: {
      code: 'unavailable',
      message: 'The server cannot reach its database just now.',
      ...(retryAfter === null ? {} : { details: { retryAfter } }),
    },
  };
  return new Response(JSON.stringify(body), {
    status: 503,
    headers: {
      'content-type': 'application/json',
      ...(retryAfter === null ? {} : { 'retry-after': String(retryAfter) }),
    },
  });
}

/** A 503 from a proxy in front of the server (nginx, a load balancer): the header, no body. */
function unavailableHeaderOnly(retryAfter: string): Response {
  return new Response(null, { status: 503, headers: { 'retry-after': retryAfter } });
}

/** Lets IndexedDB (fake-indexeddb runs on the real `setImmediate`) catch up. */
async function settle(): Promise<void> {
  for (let i = 0; i < 50; i++) await new Promise((resolve) => setImmediate(resolve));
}

describe('the sync loop after a failed request', () => {
  let fetchMock: ReturnType<typeof vi.fn<typeof fetch>>;

  beforeEach(async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] });
    vi.setSystemTime(NOW);
    vi.spyOn(Math, 'random').mockReturnValue(0.5);
    Object.defineProperty(globalThis.navigator, 'onLine', { configurable: true, get: () => true });
    fetchMock = vi.fn<typeof fetch>();
    vi.stubGlobal('fetch', fetchMock);
    // A fresh engine (it is a module singleton) on an empty device database.
    vi.resetModules();
    const { freshDb } = await import('../../../test/fresh-db.ts');
    await freshDb();
    const { saveSession } = await import('#lib/db/index.ts');
    await saveSession(session());
  });

  afterEach(() => {
    vi.useRealTimers();
    vi.unstubAllGlobals();
    vi.restoreAllMocks();
  });

  const engine = async () => (await import('./engine.ts')).syncEngine;

  it.each([
    [
      'a 503 with Retry-After: 30 (header and body) is not tried again before 30 s, and the status says when',
      () => unavailable(30),
    ],
    ['a 503 with only the Retry-After header is not tried again before it', () => unavailableHeaderOnly('30')],
  ])('%s', async (_name, answer) => {
    fetchMock.mockImplementation(() => Promise.resolve(answer()));
    const sync = await engine();
    await sync.syncNow();
    expect(fetchMock).toHaveBeenCalledTimes(1);
    const problem = sync.status.problem;
    expect(problem?.kind).toBe('retrying');
    const retryAt = problem?.kind === 'retrying' ? problem.retryAt : 0;
    expect(retryAt - NOW).toBeGreaterThanOrEqual(30_000);
    expect(retryAt - NOW).toBeLessThanOrEqual(33_000);

    await vi.advanceTimersByTimeAsync(29_999);
    await settle();
    expect(fetchMock).toHaveBeenCalledTimes(1);

    await vi.advanceTimersByTimeAsync(retryAt - Date.now());
    await vi.waitFor(() => expect(fetchMock).toHaveBeenCalledTimes(2));
  });

  it('the header wins over the copy in the body', async () => {
    const body = { error: { code: 'unavailable', message: 'Busy.', details: { retryAfter: 5 } } };
    fetchMock.mockImplementation(() =>
      Promise.resolve(new Response(JSON.stringify(body), { status: 503, headers: { 'retry-after': '45' } })),
    );
    const sync = await engine();
    await sync.syncNow();
    const problem = sync.status.problem;
    const retryAt = problem?.kind === 'retrying' ? problem.retryAt : 0;
    expect(retryAt - NOW).toBeGreaterThanOrEqual(45_000);
    expect(retryAt - NOW).toBeLessThanOrEqual(49_500);
  });

  it('without Retry-After the backoff is as before: the first retry within a second', async () => {
    fetchMock.mockImplementation(() => Promise.resolve(unavailable(null)));
    const sync = await engine();
    await sync.syncNow();
    expect(fetchMock).toHaveBeenCalledTimes(1);
    expect(sync.status.problem).toMatchObject({ kind: 'retrying', retryAt: NOW + 500 }); // random 0.5 of 1 s

    await vi.advanceTimersByTimeAsync(499);
    await settle();
    expect(fetchMock).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(1);
    await vi.waitFor(() => expect(fetchMock).toHaveBeenCalledTimes(2));
  });

  it('"Sync now" still tries at once while a Retry-After is waited out', async () => {
    fetchMock.mockImplementation(() => Promise.resolve(unavailable(30)));
    const sync = await engine();
    await sync.syncNow();
    await vi.advanceTimersByTimeAsync(1_000);
    expect(fetchMock).toHaveBeenCalledTimes(1);

    await sync.syncNow();
    expect(fetchMock).toHaveBeenCalledTimes(2);
    expect(sync.status.problem).toMatchObject({ kind: 'retrying' });
  });
});
