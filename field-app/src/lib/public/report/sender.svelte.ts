/**
 * Sends the reports kept on this phone (`outbox.ts`): each report with its token (sending it
 * again answers the same case), then each photo. Tries at once, again when the browser says
 * the signal is back, and every 20 seconds while something waits. A refusal (the server's
 * 4xx) stops the tries and keeps the server's reason; no signal, a limit or a server error
 * keeps it waiting.
 */
import type { PublicReportResponse } from '@fieldfix/shared';
import { publicRequest } from '../api.ts';
import { rememberTrackKey } from '../device-keys.ts';
import { allReports, getReport, saveReport, type StoredReport } from './outbox.ts';
import { findProof } from './proof.ts';

const RETRY_MS = 20_000;
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

async function sendOne(token: string): Promise<void> {
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

class ReportSender {
  reports = $state<StoredReport[]>([]);
  sending = $state(false);
  #running: Promise<void> | null = null;
  #again = false;
  #timer: ReturnType<typeof setInterval> | null = null;

  /** Starts listening for the signal; call once from the page. Returns a stop function. */
  start(): () => void {
    const online = () => void this.sendAll();
    window.addEventListener('online', online);
    this.#timer = setInterval(() => {
      if (this.reports.some((r) => r.state === 'waiting')) void this.sendAll();
    }, RETRY_MS);
    void this.refresh().then(() => this.sendAll());
    return () => {
      window.removeEventListener('online', online);
      if (this.#timer) clearInterval(this.#timer);
    };
  }

  async refresh(): Promise<void> {
    this.reports = await allReports().catch(() => []);
  }

  /** Sends everything waiting; a call while sending runs once more afterwards. */
  sendAll(): Promise<void> {
    if (this.#running) {
      this.#again = true;
      return this.#running;
    }
    this.sending = true;
    this.#running = (async () => {
      do {
        this.#again = false;
        for (const r of await allReports().catch(() => [])) {
          if (r.state !== 'waiting') continue;
          try {
            await sendOne(r.token);
          } catch (err) {
            console.warn('A report could not be sent yet', err);
          }
          await this.refresh();
        }
      } while (this.#again);
    })().finally(() => {
      this.#running = null;
      this.sending = false;
    });
    return this.#running;
  }

  /** Keeps a new report on the phone, then tries to send it. */
  async add(r: StoredReport): Promise<void> {
    await saveReport(r);
    await this.refresh();
    void this.sendAll();
  }
}

export const sender = new ReportSender();
