/**
 * Sends one report kept on the phone (`outbox.ts`) and its photos: the report with its token
 * (sending it again answers the same case), then each photo. A refusal (the server's 4xx)
 * keeps the server's reason and stops the tries; no signal, a limit or a server error keeps it
 * waiting. Plain TypeScript with no page state: the page's sender (`sender.svelte.ts`) and the
 * service worker's Background Sync (`src/service-worker/report-sync.ts`) both use it.
 */
import type { PublicReportResponse } from '@fieldfix/shared';
import { publicRequest } from '../api.ts';
import { rememberTrackKey } from '../device-keys.ts';
import { allReports, getReport, saveReport, type StoredReport } from './outbox.ts';
import { findProof } from './proof.ts';
import { retryAfterMs } from '../../api/retry-after.ts';

const PHOTO_TIMEOUT_MS = 120_000;
/**
 * The longest a server's `Retry-After` holds a report back: an hour, the window of the
 * residents' limits per phone and per address (a limit per email runs a day; the report is
 * tried again hourly until then).
 */
const REPORT_RETRY_MAX_MS = 60 * 60_000;

/** A limit or a server error: the report waits as long as the server asked, if it did. */
function waitAsked(r: StoredReport, retryAfter: string | null | undefined): void {
  const wait = retryAfterMs(retryAfter, Date.now(), REPORT_RETRY_MAX_MS);
  r.notBefore = wait ? new Date(Date.now() + wait).toISOString() : null;
}

type Outcome = 'done' | 'wait' | 'refused';

async function sendPhoto(r: StoredReport, i: number): Promise<Outcome> {
  const p = r.photos[i]!;
  let res: Response;
  try {
    res = await fetch(`/api/public/reports/${r.token}/photos/${p.id}`, {
      method: 'PUT',
      credentials: 'omit',
      headers: { 'content-type': 'image/jpeg' },
      body: p.bytes,
      signal: AbortSignal.timeout(PHOTO_TIMEOUT_MS),
    });
  } catch {
    r.problem = { kind: 'network', message: '' };
    return 'wait';
  }
  if (res.ok) {
    p.sent = true;
    r.notBefore = null;
    return 'done';
  }
  const body = (await res.json().catch(() => null)) as { error?: { message?: string } } | null;
  const message = body?.error?.message ?? res.statusText;
  if (res.status === 429 || res.status >= 500) {
    r.problem = { kind: res.status === 429 ? 'limited' : 'server', message };
    waitAsked(r, res.headers.get('retry-after'));
    return 'wait';
  }
  r.notBefore = null;
  // A photo the server will not take (too many, not a picture): the report stands without it.
  p.sent = true;
  r.problem = { kind: 'refused', message };
  return 'done';
}

export async function sendOne(token: string): Promise<void> {
  const r = await getReport(token);
  if (!r || r.state !== 'waiting') return;
  if (!r.body.proof) {
    r.body.proof = await findProof(r.token);
    await saveReport(r);
  }
  if (!r.caseId) {
    const res = await publicRequest<PublicReportResponse>('POST', '/api/public/reports', r.body);
    if (!res.ok) {
      const e = res.error;
      if (e.kind === 'network') r.problem = { kind: 'network', message: '' };
      else if (e.status === 429 || e.status >= 500) {
        r.problem = { kind: e.status === 429 ? 'limited' : 'server', message: e.message };
        waitAsked(r, e.retryAfter);
      } else {
        r.state = 'refused';
        r.problem = { kind: 'refused', message: e.message };
      }
      await saveReport(r);
      return;
    }
    r.caseId = res.data.caseId;
    r.trackKey = res.data.trackKey;
    r.problem = null;
    r.notBefore = null;
    rememberTrackKey(res.data.caseId, res.data.trackKey);
    await saveReport(r);
  }
  for (let i = 0; i < r.photos.length; i++) {
    if (r.photos[i]!.sent) continue;
    const outcome = await sendPhoto(r, i);
    await saveReport(r);
    if (outcome === 'wait') return;
  }
  r.state = 'sent';
  if (r.problem?.kind !== 'refused') r.problem = null;
  // The photos' bytes are on the server now: free the phone's storage, keep the small record.
  r.photos = r.photos.map((p) => ({ ...p, bytes: new ArrayBuffer(0) }));
  await saveReport(r);
}

/** One sender at a time across the tabs and the service worker. */
const SEND_LOCK = 'fieldfix-report-send';

/**
 * Sends every report still waiting, oldest first; true when none is left waiting. One the
 * server asked to wait (`notBefore`) is left until then, unless the person asked to send now
 * (`asked`).
 */
export async function sendWaiting(after?: () => Promise<void>, { asked = false } = {}): Promise<boolean> {
  if (typeof navigator !== 'undefined' && navigator.locks) {
    return navigator.locks.request(SEND_LOCK, () => sendAllWaiting(after, asked));
  }
  return sendAllWaiting(after, asked);
}

async function sendAllWaiting(after: (() => Promise<void>) | undefined, asked: boolean): Promise<boolean> {
  for (const r of (await allReports()).reverse()) {
    if (r.state !== 'waiting') continue;
    if (!asked && r.notBefore && Date.parse(r.notBefore) > Date.now()) continue;
    try {
      await sendOne(r.token);
    } catch (err) {
      console.warn('A report could not be sent yet', err);
    }
    await after?.();
  }
  return (await allReports()).every((r) => r.state !== 'waiting');
}
