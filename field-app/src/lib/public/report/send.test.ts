import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { allReports, forgetReport, getReport, saveReport, type StoredReport } from './outbox.ts';
import { sendWaiting } from './send.ts';

// The residents' sender against a stubbed server: a report the server limits (429) or cannot
// take just now (503) waits as long as the server's `Retry-After` asks before the automatic
// tries send it again; a person pressing "Send now" tries at once.

const NOW = Date.parse('2026-06-10T14:00:00.000Z');

function report(token: string): StoredReport {
  return {
    token,
    createdAt: new Date(NOW).toISOString(),
    // The proof is found already: nothing to compute here.
    body: { token, serviceCode: 'POTHOLE', proof: 'found' } as unknown as StoredReport['body'],
    photos: [],
    state: 'waiting',
    caseId: null,
    trackKey: null,
    problem: null,
    serviceCode: 'POTHOLE',
  };
}

const answer = (status: number, headers: Record<string, string> = {}, details?: unknown) =>
  new Response(
    JSON.stringify({ error: { code: status === 429 ? 'rate-limited' : 'unavailable', message: 'Not now.', details } }),
    { status, headers: { 'content-type': 'application/json', ...headers } },
  );
const created = () =>
  new Response(JSON.stringify({ caseId: '42', trackKey: 'k.42', replayed: false }), {
    status: 201,
    headers: { 'content-type': 'application/json' },
  });

let fetchMock: ReturnType<typeof vi.fn>;

beforeEach(async () => {
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(NOW);
  for (const r of await allReports()) await forgetReport(r.token);
  fetchMock = vi.fn();
  vi.stubGlobal('fetch', fetchMock);
});

afterEach(() => {
  vi.unstubAllGlobals();
  vi.useRealTimers();
});

describe('a report the server asks to wait', () => {
  it('a 429 with Retry-After: 600 is not sent again by the automatic tries before then, and is after', async () => {
    await saveReport(report('t-limited'));
    fetchMock.mockResolvedValueOnce(answer(429, { 'retry-after': '600' }));
    expect(await sendWaiting()).toBe(false);
    expect(fetchMock).toHaveBeenCalledTimes(1);
    const held = await getReport('t-limited');
    expect(held?.problem?.kind).toBe('limited');
    expect(Date.parse(held!.notBefore!)).toBe(NOW + 600_000);

    vi.setSystemTime(NOW + 599_000);
    expect(await sendWaiting()).toBe(false);
    expect(fetchMock).toHaveBeenCalledTimes(1);

    vi.setSystemTime(NOW + 600_001);
    fetchMock.mockResolvedValueOnce(created());
    expect(await sendWaiting()).toBe(true);
    expect(fetchMock).toHaveBeenCalledTimes(2);
    const sent = await getReport('t-limited');
    expect(sent).toMatchObject({ state: 'sent', caseId: '42', notBefore: null, problem: null });
  });

  it('"Send now" tries at once, whatever the server asked', async () => {
    await saveReport(report('t-asked'));
    fetchMock.mockResolvedValueOnce(answer(429, { 'retry-after': '600' }));
    await sendWaiting();
    fetchMock.mockResolvedValueOnce(created());
    expect(await sendWaiting(undefined, { asked: true })).toBe(true);
    expect(fetchMock).toHaveBeenCalledTimes(2);
  });

  it('reads the wait from the body when no header says it, and a 503 waits too', async () => {
    await saveReport(report('t-body'));
    fetchMock.mockResolvedValueOnce(answer(503, {}, { retryAfterSeconds: 30 }));
    await sendWaiting();
    const held = await getReport('t-body');
    expect(held?.problem?.kind).toBe('server');
    expect(Date.parse(held!.notBefore!)).toBe(NOW + 30_000);
  });

  it('without any wait asked, the next automatic try goes as before', async () => {
    await saveReport(report('t-plain'));
    fetchMock.mockResolvedValueOnce(answer(503));
    await sendWaiting();
    expect((await getReport('t-plain'))?.notBefore).toBeNull();
    fetchMock.mockResolvedValueOnce(created());
    expect(await sendWaiting()).toBe(true);
    expect(fetchMock).toHaveBeenCalledTimes(2);
  });

  it('holds a wait of a day to an hour: the limits per phone and address run an hour', async () => {
    await saveReport(report('t-long'));
    fetchMock.mockResolvedValueOnce(answer(429, { 'retry-after': String(24 * 3600) }));
    await sendWaiting();
    expect(Date.parse((await getReport('t-long'))!.notBefore!)).toBe(NOW + 3_600_000);
  });
});
