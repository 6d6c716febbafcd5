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

const PHOTO_TIMEOUT_MS = 120_000;

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
    return 'done';
  }
  const body = (await res.json().catch(() => null)) as { error?: { message?: string } } | null;
  const message = body?.error?.message ?? res.statusText;
  if (res.status === 429 || res.status >= 500) {
    r.problem = { kind: res.status === 429 ? 'limited' : 'server', message };
    return 'wait';
  }
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
      else if (e.status === 429) r.problem = { kind: 'limited', message: e.message };
      else if (e.status >= 500) r.problem = { kind: 'server', message: e.message };
      else {
        r.state = 'refused';
        r.problem = { kind: 'refused', message: e.message };
      }
      await saveReport(r);
      return;
    }
    r.caseId = res.data.caseId;
    r.trackKey = res.data.trackKey;
    r.problem = null;
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

/** Sends every report still waiting, oldest first; true when none is left waiting. */
export async function sendWaiting(after?: () => Promise<void>): Promise<boolean> {
  if (typeof navigator !== 'undefined' && navigator.locks) {
    return navigator.locks.request(SEND_LOCK, () => sendAllWaiting(after));
  }
  return sendAllWaiting(after);
}

async function sendAllWaiting(after?: () => Promise<void>): Promise<boolean> {
  for (const r of (await allReports()).reverse()) {
    if (r.state !== 'waiting') continue;
    try {
      await sendOne(r.token);
    } catch (err) {
      console.warn('A report could not be sent yet', err);
    }
    await after?.();
  }
  return (await allReports()).every((r) => r.state !== 'waiting');
}
