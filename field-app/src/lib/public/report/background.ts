/**
 * Background Sync for the residents' reports: when a report could not be sent, the page asks
 * the browser to wake the service worker once the signal is back, so the report goes even if
 * the resident has closed the page (`src/service-worker/report-sync.ts`). Chromium browsers
 * have the API; elsewhere the report goes the next time /report is open with a signal.
 */
export const REPORT_SYNC_TAG = 'fieldfix-report';

/** Whether this browser can send a report in the background now (the API, an active worker). */
export async function canSendInBackground(): Promise<boolean> {
  if (typeof navigator === 'undefined' || !('serviceWorker' in navigator)) return false;
  const registration = await navigator.serviceWorker.getRegistration().catch(() => undefined);
  return !!registration?.active && 'sync' in registration;
}

/** Asks for a background send; false where the browser cannot (no API, no worker yet). */
export async function requestReportSync(): Promise<boolean> {
  if (typeof navigator === 'undefined' || !('serviceWorker' in navigator)) return false;
  try {
    const registration = await navigator.serviceWorker.getRegistration();
    const sync = (registration as { sync?: { register(tag: string): Promise<void> } } | undefined)?.sync;
    if (!registration?.active || !sync) return false;
    await sync.register(REPORT_SYNC_TAG);
    return true;
  } catch {
    return false;
  }
}
