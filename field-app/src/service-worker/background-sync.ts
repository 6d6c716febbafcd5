/**
 * Background Sync in the service worker: woken by the browser when the network is back (the
 * page registered `BACKGROUND_SYNC_TAG` after a failed or offline sync), it runs the app's own
 * sync — push the outbox, pull, upload photos — with no page open. The session is the HttpOnly
 * cookie, which the worker's same-origin requests carry; who is signed in, the outbox and the
 * photos are read from the app's IndexedDB (Dexie), as the page reads them.
 *
 * One sync at a time across the tabs and this worker (the same Web Lock). A try that fails is
 * tried again here with backoff for a few minutes (the browser's own retry comes much later);
 * then the event fails and the browser schedules another. A 401 or 426 ends it: only the
 * person can help (sign in, reload), and the page says so when opened.
 */
import { BACKGROUND_SYNC_TAG } from '#lib/sync/background.ts';
import { syncEngine, withSyncLock } from '#lib/sync/engine.ts';
import { getSession, sessionIsActive } from '#lib/db/index.ts';

/** How long one wake-up keeps trying (Chromium ends a sync event after about 5 minutes). */
const BUDGET_MS = 4 * 60_000;
const FIRST_RETRY_MS = 2_000;
const MAX_RETRY_MS = 30_000;

interface SyncEventLike extends ExtendableEvent {
  readonly tag: string;
}

export function installBackgroundSync(scope: ServiceWorkerGlobalScope): void {
  scope.addEventListener('sync', (event) => {
    const e = event as SyncEventLike;
    if (e.tag === BACKGROUND_SYNC_TAG) e.waitUntil(syncInBackground());
  });
}

type Try = 'done' | 'stop' | 'again';

async function syncInBackground(): Promise<void> {
  const deadline = Date.now() + BUDGET_MS;
  let wait = FIRST_RETRY_MS;
  for (;;) {
    const result = await tryOnce();
    if (result !== 'again') return;
    if (Date.now() + wait > deadline) throw new Error('Not synced yet: the browser will try again later.');
    await new Promise((r) => setTimeout(r, wait));
    wait = Math.min(MAX_RETRY_MS, wait * 2);
  }
}

async function tryOnce(): Promise<Try> {
  const session = await getSession();
  if (!sessionIsActive(session)) return 'stop'; // nobody signed in: nothing to sync as
  try {
    // A page holding the lock is syncing already; look again shortly (it may be closing).
    return (await withSyncLock(() => syncEngine.syncOnce(session))) === 'busy' ? 'again' : 'done';
  } catch (err) {
    const status = (err as { failure?: { kind: string; status?: number } }).failure;
    if (status?.kind === 'http' && (status.status === 401 || status.status === 426)) return 'stop';
    return 'again';
  }
}
