/**
 * Sends the reports kept on this phone (`outbox.ts`, one by one with `send.ts`): at once, again
 * when the browser says the signal is back, and every 20 seconds while something waits. Where
 * the browser has Background Sync, the service worker sends them too once the signal returns,
 * with the page closed (`src/service-worker/report-sync.ts`).
 */
import { rememberTrackKey } from '../device-keys.ts';
import { allReports, saveReport, type StoredReport } from './outbox.ts';
import { sendWaiting } from './send.ts';
import { canSendInBackground, requestReportSync } from './background.ts';

const RETRY_MS = 20_000;

class ReportSender {
  reports = $state<StoredReport[]>([]);
  sending = $state(false);
  /**
   * Whether the browser took the waiting reports to send by itself (Background Sync): where it
   * cannot (Safari, Firefox), they go only while /report is open, and the page says so.
   */
  inBackground = $state(false);
  #running: Promise<void> | null = null;
  #again = false;
  #asked = false;
  #timer: ReturnType<typeof setInterval> | null = null;

  /** Starts listening for the signal; call once from the page. Returns a stop function. */
  start(): () => void {
    const online = () => void this.sendAll();
    window.addEventListener('online', online);
    this.#timer = setInterval(() => {
      if (this.reports.some((r) => r.state === 'waiting')) void this.sendAll();
    }, RETRY_MS);
    // Known before any report waits: the page does not say one thing, then the other.
    void canSendInBackground().then((can) => (this.inBackground ||= can));
    void this.refresh().then(() => this.sendAll());
    return () => {
      window.removeEventListener('online', online);
      if (this.#timer) clearInterval(this.#timer);
    };
  }

  async refresh(): Promise<void> {
    this.reports = await allReports().catch(() => []);
    // Sent by the service worker, which cannot reach this page's storage: remember it here.
    for (const r of this.reports) if (r.caseId && r.trackKey) rememberTrackKey(r.caseId, r.trackKey);
  }

  /**
   * Sends everything waiting; a call while sending runs once more afterwards. `asked`: the
   * person pressed "Send now", so a report the server asked to wait is tried too.
   */
  sendAll({ asked = false } = {}): Promise<void> {
    if (this.#running) {
      this.#again = true;
      this.#asked ||= asked;
      return this.#running;
    }
    this.sending = true;
    this.#asked = asked;
    this.#running = (async () => {
      do {
        this.#again = false;
        const now = this.#asked;
        this.#asked = false;
        const done = await sendWaiting(() => this.refresh(), { asked: now }).catch(() => false);
        if (!done) this.inBackground = await requestReportSync();
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
