/**
 * Background Sync in the service worker: woken by the browser when the network is back (the
 * page registered `BACKGROUND_SYNC_TAG` after a failed or offline sync), it runs the app's own
 * sync — push the outbox, pull, upload photos — with no page open. The session is the HttpOnly
 * cookie, which the worker's same-origin requests carry; who is signed in, the outbox and the
 * photos are read from the app's IndexedDB (Dexie), as the page reads them.
 *
 * One sync at a time across the tabs and this worker (the same Web Lock). A try that fails is
 * tried again here for a few minutes with the page's own backoff (jittered, never before the
 * server's `Retry-After`), so a city of tablets does not come back in step on a struggling
 * server; then the event fails and the browser schedules another. A 401 or 426 ends it: only
 * the person can help (sign in, reload), and the page says so when opened.
 */
import { retryAfterMs } from '#lib/api/retry-after.ts';
import { BACKGROUND_SYNC_TAG } from '#lib/sync/background.ts';
import { retryDelay, syncEngine, withSyncLock } from '#lib/sync/engine.ts';
import { getMeta, getSession, sessionIsActive } from '#lib/db/index.ts';

/** How long one wake-up keeps trying (Chromium ends a sync event after about 5 minutes). */
const BUDGET_MS = 4 * 60_000;

/**
 * How long the worker waits before its next try, after `failures` failed ones (0: the first):
 * the page's backoff, with the `Retry-After` the failure carried as a floor.
 */
export function backgroundWait(err: unknown, failures: number, now: number, random = Math.random): number {
  const said = (err as { retryAfter?: unknown } | null)?.retryAfter;
  return retryDelay(retryAfterMs(typeof said === 'string' ? said : null, now), failures, random);
}

interface SyncEventLike extends ExtendableEvent {
  readonly tag: string;
}

export function installBackgroundSync(scope: ServiceWorkerGlobalScope): void {
  scope.addEventListener('sync', (event) => {
    const e = event as SyncEventLike;
    if (e.tag === BACKGROUND_SYNC_TAG) e.waitUntil(syncInBackground());
  });
}

type Try = { result: 'done' | 'stop' } | { result: 'again'; err: unknown };

/**
 * How long a wake-up waits before its first try: until the page's own next try (`retryAt`,
 * which honours a server's Retry-After), so a page in view and its worker do not both come
 * back at once; null when that is past this wake-up's budget (the browser tries again later).
 */
export function firstWait(retryAt: number | undefined, now: number, budgetMs = BUDGET_MS): number | null {
  const wait = Math.max(0, (retryAt ?? 0) - now);
  return wait >= budgetMs ? null : wait;
}

async function syncInBackground(): Promise<void> {
  const deadline = Date.now() + BUDGET_MS;
  const first = firstWait(await getMeta('retryAt').catch(() => undefined), Date.now());
  if (first === null) throw new Error('The server asked for a longer pause: the browser will try again later.');
  if (first > 0) await new Promise((r) => setTimeout(r, first));
  for (let failures = 0; ; failures++) {
    const t = await tryOnce();
    if (t.result !== 'again') return;
    const wait = backgroundWait(t.err, failures, Date.now());
    if (Date.now() + wait > deadline) throw new Error('Not synced yet: the browser will try again later.');
    await new Promise((r) => setTimeout(r, wait));
  }
}

async function tryOnce(): Promise<Try> {
  const session = await getSession();
  if (!sessionIsActive(session)) return { result: 'stop' }; // nobody signed in: nothing to sync as
  try {
    // A page holding the lock is syncing already; look again shortly (it may be closing).
    const r = await withSyncLock(() => syncEngine.syncOnce(session));
    return r === 'busy' ? { result: 'again', err: null } : { result: 'done' };
  } catch (err) {
    const status = (err as { failure?: { kind: string; status?: number } }).failure;
    if (status?.kind === 'http' && (status.status === 401 || status.status === 426)) return { result: 'stop' };
    return { result: 'again', err };
  }
}
