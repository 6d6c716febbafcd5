/**
 * Background Sync: when a sync fails, the device is offline, or the page is hidden with changes
 * or photos still to send, the page asks the browser to wake the service worker once the
 * network is back (at once if it is up), so the outbox and the photos go up even after the
 * tablet is closed (`src/service-worker/background-sync.ts` does the work).
 *
 * Chromium browsers (Chrome, Edge, Samsung Internet, Android WebView-based installs) have the
 * Background Sync API; Safari and Firefox do not. There the page itself syncs when it is
 * opened, focused or shown again (the sync loop's triggers), and nothing syncs while it is
 * closed.
 */

/** The one sync tag: registering it again while it waits changes nothing. */
export const BACKGROUND_SYNC_TAG = 'fieldfix-sync';

interface SyncManagerLike {
  register(tag: string): Promise<void>;
}

/** Asks for a background sync; false where the browser has none (or no service worker yet). */
export async function requestBackgroundSync(): Promise<boolean> {
  if (typeof navigator === 'undefined' || !('serviceWorker' in navigator)) return false;
  try {
    const registration = await navigator.serviceWorker.getRegistration();
    const sync = (registration as { sync?: SyncManagerLike } | undefined)?.sync;
    if (!registration?.active || !sync) return false;
    await sync.register(BACKGROUND_SYNC_TAG);
    return true;
  } catch {
    return false; // refused (e.g. the permission is blocked): the page's own triggers remain
  }
}
