import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { session } from '../../../test/fixtures.ts';
import type { ApiFailure } from '#lib/api/index.ts';
import { retryAfterOf, retryDelay } from './engine.ts';

const NOW = Date.parse('2026-06-10T14:00:00.000Z');

describe("a failure's Retry-After", () => {
  const http = (over: Partial<Extract<ApiFailure, { kind: 'http' }>>): ApiFailure => ({
    kind: 'http',
    status: 503,
    code: 'unavailable',
    message: 'Not now.',
    ...over,
  });

  it('the header first, else the copy in a 503 body, else none', () => {
    expect(retryAfterOf(http({ retryAfter: '30', details: { retryAfter: 5 } }))).toBe('30');
    expect(retryAfterOf(http({ details: { retryAfter: 5 } }))).toBe('5');
    expect(retryAfterOf(http({ details: { retryAfter: 'Wed, 10 Jun 2026 14:00:45 GMT' } }))).toBe(
      'Wed, 10 Jun 2026 14:00:45 GMT',
    );
    expect(retryAfterOf(http({}))).toBeNull();
    expect(retryAfterOf({ kind: 'network', message: 'offline' })).toBeNull();
  });

  it('a body copy that is no number or text, or no body details at all, is none', () => {
    for (const details of [null, 'later', 5, { retryAfter: true }, { retryAfter: null }, { other: 1 }]) {
      expect(retryAfterOf(http({ details })), JSON.stringify(details)).toBeNull();
    }
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
    // The spread: a tenth of the wait, at least a second.
    expect(retryDelay(30_000, 0, () => 0.5)).toBe(31_500);
    expect(retryDelay(2_000, 0, () => 0.5)).toBe(2_500);
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
    await settle();
    const problem = sync.status.problem;
    expect(problem?.kind).toBe('retrying');
    // Failed again: the backoff grew (random 0.5 of 2 s: 1 s from the second failure; a
    // backoff that had not grown would wait 0.5 s, one that shrank 0.25 s).
    expect((problem?.kind === 'retrying' ? problem.retryAt : 0) - Date.now()).toBeGreaterThan(800);
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
    // One wait at a time: the first one's timer (due 31.5 s in) is gone, the new one (due
    // 32.5 s in) runs from the second failure.
    await vi.advanceTimersByTimeAsync(31_000);
    await settle();
    expect(fetchMock).toHaveBeenCalledTimes(2);
  });
});
