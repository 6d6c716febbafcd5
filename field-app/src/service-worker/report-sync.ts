/**
 * Background Sync for the residents' reports kept on a phone: the browser wakes the worker
 * once the signal is back (the page registered `REPORT_SYNC_TAG` when a report could not be
 * sent) and the waiting reports and their photos are sent with the page closed. The same
 * sender as the page's (`send.ts`, one at a time through a Web Lock); a report still waiting
 * fails the event, and the browser tries again later.
 */
import { REPORT_SYNC_TAG } from '#lib/public/report/background.ts';
import { sendWaiting } from '#lib/public/report/send.ts';

interface SyncEventLike extends ExtendableEvent {
  readonly tag: string;
}

export function installReportSync(scope: ServiceWorkerGlobalScope): void {
  scope.addEventListener('sync', (event) => {
    const e = event as SyncEventLike;
    if (e.tag !== REPORT_SYNC_TAG) return;
    e.waitUntil(
      sendWaiting().then((done) => {
        if (!done) throw new Error('A report is still waiting: the browser will try again later.');
      }),
    );
  });
}
