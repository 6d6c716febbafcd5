/**
 * The sync loop: the one place that moves changes between the device and the server.
 *
 * One sync = push every pending change of the signed-in person, oldest first, in batches of
 * at most 500 (each response stored in one transaction: outcomes recorded, exactly those
 * pending mutations deleted); then pull pages from the stored cursor until `hasMore` is false
 * (each page applied in one transaction with its cursor); repeat while changes made meanwhile
 * wait; then upload the bytes of photos whose `attach_photo` is acknowledged (`uploads.ts`);
 * then download the residents' photos the device lacks (`report-photos.ts`); then prune.
 * Everything lives in IndexedDB, so a reload or a crash at any point just
 * means the next sync carries on; a push whose response was lost is pushed again and the
 * server answers the original outcomes (R1).
 *
 * Triggers: start, `online`, the page becoming visible, every 30 s while visible, a queued
 * change, and "Sync now". One tab syncs at a time (Web Locks, `fieldfix-sync`); a tab that
 * finds the lock taken tries again shortly. Network and server failures back off
 * exponentially with full jitter (1 s → 60 s); when the server says how long to wait
 * (`Retry-After`, on a 503 or 429), the next try waits at least that long, plus a little
 * jitter (`retryDelay`). A 401 or 426 stops automatic tries until the person signs in again or
 * reloads; nothing on the device is dropped.
 *
 * Weak links: requests are given up when nothing moves for a while (`#lib/api/stall.ts`), not
 * after a fixed time, and `weak` is set as soon as waiting requests have not moved for
 * `PROBE_MS` (lie-fi: connected, nothing answers). "Sync now" is always available: pressed
 * while a sync hangs it cancels that sync and starts again at once.
 */
import { MAX_PUSH_BATCH, type MutationKind, type PayloadOf, type SessionResponse } from '@fieldfix/shared';
import { fetchServiceTypes, pull, push, request, type ApiFailure } from '#lib/api/index.ts';
import { linkMonitor } from '#lib/api/stall.ts';
import { retryAfterMs } from '#lib/api/retry-after.ts';
import { uploadPhotos, type UploadProgress } from './uploads.ts';
import { downloadReportPhotos } from './report-photos.ts';
import { keepCaseHistories } from './case-histories.ts';
import { requestBackgroundSync } from './background.ts';
import {
  acknowledge,
  addPending,
  addPhoto,
  applyPullPage,
  blockPending,
  deviceFacts,
  getSession,
  pendingBatch,
  prune,
  pushableCount,
  saveServiceTypes,
  serviceTypesMissing,
  sessionIsActive,
  unsyncedWork,
  type NewPhoto,
  type PendingRow,
  type PhotoRow,
} from '#lib/db/index.ts';

const LOCK_NAME = 'fieldfix-sync';
const PERIOD_MS = 30_000;
/** While the server's "pull now" hints flow, the poll is only a safety net. */
const PERIOD_WITH_HINTS_MS = 120_000;
/** A hint stream the server refused or closed is tried again after this long. */
const HINT_RETRY_MS = 60_000;
/** Where a crew device hears of changes as they commit (server-sent events, the session cookie). */
const HINTS_URL = '/api/sync/live';
const BACKOFF_BASE_MS = 1_000;
const BACKOFF_MAX_MS = 60_000;
/** Spread above a `Retry-After`, so a city's devices told the same do not all return at once. */
const RETRY_AFTER_JITTER_MIN_MS = 1_000;
const RETRY_AFTER_JITTER_SHARE = 0.1;
/** When another tab holds the lock: look again this soon (it may have missed our change). */
const BUSY_RETRY_MS = 2_000;
const PULL_LIMIT = 500;
/** Push/pull rounds in one sync while new changes keep arriving (bounded: no busy loop). */
const MAX_ROUNDS = 4;

export type SyncProblem =
  /** The browser says there is no network: wait for `online`. */
  | { kind: 'offline' }
  /** 401: the session ended. Keep everything; ask to sign in. */
  | { kind: 'signed-out'; message: string }
  /** 426: this app is too old for the server; a reload updates it. */
  | { kind: 'update-needed'; message: string }
  /** No answer, a server error, or anything unexpected: tried again at `retryAt`. */
  | { kind: 'retrying'; message: string; retryAt: number };

export interface SyncProgress {
  /** Cases received so far in this pull. */
  cases: number;
  pages: number;
  /** A guess at the total: what came so far, plus a page when the server has more. */
  estimate: number;
}

export interface SyncStatus {
  running: boolean;
  phase: 'idle' | 'pushing' | 'pulling' | 'uploading';
  /** The first pull of this device (or of a new person on it). */
  priming: boolean;
  progress: SyncProgress | null;
  /** Photo bytes while uploading. */
  upload: UploadProgress | null;
  /** Another tab holds the sync lock; its work shows here through the database. */
  otherTab: boolean;
  /** Requests are waiting and nothing has moved for `PROBE_MS`: the signal is too weak to sync. */
  weak: boolean;
  problem: SyncProblem | null;
}

/** A failed request, carried out of the sync to be classified once. */
class SyncFailure extends Error {
  readonly failure: ApiFailure;
  /** The server's `Retry-After` as it came (unparsed: `retryAfterMs` reads it), if any. */
  readonly retryAfter: string | null;
  constructor(failure: ApiFailure) {
    super(failure.message);
    this.failure = failure;
    this.retryAfter = retryAfterOf(failure);
  }
}

/**
 * The `Retry-After` of a failed request: the response's header, which `#lib/api` keeps
 * (`retryAfter`: from the sync server, a proxy, a rate limit's 429, a HEAD's 503 with no
 * body); else the copy the sync server puts in the body of its 503s, `details.retryAfter`.
 */
export function retryAfterOf(f: ApiFailure): string | null {
  if (f.kind !== 'http') return null;
  if (f.retryAfter !== undefined) return f.retryAfter;
  if (typeof f.details !== 'object' || f.details === null) return null;
  const { retryAfter } = f.details as { retryAfter?: unknown };
  return typeof retryAfter === 'number' || typeof retryAfter === 'string' ? String(retryAfter) : null;
}

/**
 * How long the next automatic try waits after `failures` failures in a row (0: the first).
 * Full-jitter exponential backoff; a server's `Retry-After` (ms, from `retryAfterMs`) is a
 * floor, with jitter added above it, never below.
 */
export function retryDelay(retryAfter: number | null, failures: number, random: () => number = Math.random): number {
  const r = random();
  const ceiling = Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** failures);
  const backoff = Math.round(r * ceiling); // full jitter
  if (retryAfter === null) return backoff;
  const spread = Math.max(RETRY_AFTER_JITTER_MIN_MS, retryAfter * RETRY_AFTER_JITTER_SHARE);
  return Math.max(backoff, retryAfter + Math.round(r * spread));
}

const IDLE: SyncStatus = {
  running: false,
  phase: 'idle',
  priming: false,
  progress: null,
  upload: null,
  otherTab: false,
  weak: false,
  problem: null,
};

class SyncEngine {
  #status: SyncStatus = IDLE;
  #listeners = new Set<(s: SyncStatus) => void>();
  #running: Promise<void> | null = null;
  #again = false;
  #failures = 0;
  #retryTimer: ReturnType<typeof setTimeout> | null = null;
  #busyTimer: ReturnType<typeof setTimeout> | null = null;
  /** Set by a 401 or 426: automatic triggers wait for `syncNow()` (sign-in, reload, the button). */
  #halted = false;
  #started = false;
  /** Cancels the running sync's requests ("Sync now" during a hang). */
  #abort: AbortController | null = null;
  /** Set while photos upload: who this sync is for, so a change saved meanwhile can go. */
  #uploading: { userId: string; clientId: string; signal: AbortSignal | undefined } | null = null;
  /** A push sent while photos upload (`nudge`), until it is answered. */
  #sidePush: Promise<unknown> | null = null;
  /** The server's "pull now" hints (a crew device online), and when a sync last began. */
  #hints: EventSource | null = null;
  #hintRetry: ReturnType<typeof setTimeout> | null = null;
  #hintsOpening = false;
  /** Whose hints the stream carries (the person signed in when it opened). */
  #hintsFor: string | null = null;
  /**
   * The newest change a hint told of that the device has not pulled yet: the pull says so,
   * and the server then asks its database rather than answer "nothing new" from a moment ago.
   */
  #toldOf: { userId: string; cursor: bigint } | null = null;
  /** "Sync now" was asked: the next pull wants the server's database, not its memory. */
  #asked = false;
  #lastRunAt = 0;

  constructor() {
    linkMonitor.subscribe((q) => this.#set({ weak: q === 'weak' }));
  }

  get status(): SyncStatus {
    return this.#status;
  }

  /** Calls `fn` now and on every status change; returns the unsubscribe. */
  subscribe(fn: (s: SyncStatus) => void): () => void {
    this.#listeners.add(fn);
    fn(this.#status);
    return () => this.#listeners.delete(fn);
  }

  /**
   * Installs the triggers and syncs once. Call once, in a page. Also the fallback where the
   * browser has no Background Sync (Safari, Firefox): a page syncs when opened, focused or
   * shown again. (The service worker runs `syncOnce` itself, and never calls this.)
   */
  start(): void {
    const doc = pageDocument();
    if (this.#started || !doc) return;
    this.#started = true;
    addEventListener('online', () => void this.syncNow());
    addEventListener('offline', () => this.#set({ problem: { kind: 'offline' } }));
    addEventListener('focus', () => this.#trigger());
    doc.addEventListener('visibilitychange', () => {
      if (doc.visibilityState === 'visible') this.#trigger();
      else void this.#handOver();
    });
    setInterval(() => {
      if (doc.visibilityState !== 'visible') return;
      // With hints flowing a change comes as it commits: poll seldom, as a safety net.
      const hinted = this.#hints?.readyState === EventSource.OPEN;
      if (hinted && Date.now() - this.#lastRunAt < PERIOD_WITH_HINTS_MS) return;
      this.#trigger();
    }, PERIOD_MS);
    if (!navigator.onLine) this.#set({ problem: { kind: 'offline' } });
    void this.syncNow();
  }

  /**
   * The page is hidden (the worker switched apps or closed the tablet), the last moment a page
   * is sure to run: with changes or photos still to send, even mid-sync on a good signal, the
   * browser is asked to finish in the service worker. A closed page's requests stop with it;
   * the worker pushes the same changes again (the server applies each once) and resumes the
   * uploads where the server stopped.
   */
  async #handOver(): Promise<void> {
    const session = await getSession();
    if (!sessionIsActive(session)) return;
    const [changes, work] = await Promise.all([pushableCount(session.user.id), unsyncedWork(session.user.id)]);
    if (changes > 0 || work.photos > 0) await requestBackgroundSync();
  }

  /**
   * A crew device online hears "pull now" from the server as a change in its department
   * commits (`GET /api/sync/live`), and syncs when it is behind that change's cursor: a
   * lead's move reaches the tablet in a second or two instead of at the next poll. The
   * browser reconnects a dropped stream by itself; a refused or closed one is tried again
   * later. Leads and admins have no such stream (their board has its own).
   */
  async #listenForHints(): Promise<void> {
    if (typeof EventSource === 'undefined' || this.#hintRetry || this.#hintsOpening) return;
    this.#hintsOpening = true;
    const session = await getSession().finally(() => (this.#hintsOpening = false));
    const worker = session?.user.role === 'worker' ? session.user.id : null;
    if (this.#hints && this.#hintsFor === worker) return;
    // Signed out, or someone else signed in since the stream opened: not their hints.
    this.#hints?.close();
    this.#hints = null;
    if (!worker) return;
    const source = new EventSource(HINTS_URL);
    this.#hints = source;
    this.#hintsFor = worker;
    source.addEventListener('pull', (e) => void this.#hinted((e as MessageEvent<string>).data));
    source.onerror = () => {
      if (source.readyState !== EventSource.CLOSED) return;
      this.#hints = null;
      this.#hintRetry = setTimeout(() => {
        this.#hintRetry = null;
        void this.#listenForHints();
      }, HINT_RETRY_MS);
    };
  }

  async #hinted(cursor: string): Promise<void> {
    const session = await getSession();
    // Someone else signed in meanwhile: their own stream opens with their next sync.
    if (!session || session.user.id !== this.#hintsFor) return;
    const { cursor: mine } = await deviceFacts(session.user);
    if (!/^\d+$/.test(cursor) || !/^\d+$/.test(mine)) return this.#trigger();
    if (BigInt(cursor) <= BigInt(mine)) return;
    const told = this.#toldOf?.userId === session.user.id ? this.#toldOf.cursor : 0n;
    this.#toldOf = { userId: session.user.id, cursor: BigInt(cursor) > told ? BigInt(cursor) : told };
    this.#trigger();
  }

  /**
   * "Sync now", back online, signed in again: try at once, even while backing off. A sync
   * already running is cancelled and started again (it may be hanging on a dead link); what
   * it stored stays stored, and a push whose answer was lost is answered again (R1).
   */
  syncNow(): Promise<void> {
    this.#halted = false;
    this.#asked = true;
    this.#clearRetry();
    if (this.#running && this.#abort) {
      this.#again = true;
      this.#abort.abort();
    }
    return this.#run();
  }

  /** A change was queued: sync soon, unless waiting out a backoff or a session problem. */
  nudge(): void {
    this.#trigger();
    // Photos can take minutes to go up on a weak link: a change saved meanwhile (a fix, a
    // note) goes now, beside them, not after their last byte.
    if (this.#uploading && !this.#sidePush) {
      const { userId, clientId, signal } = this.#uploading;
      this.#sidePush = this.#pushAll(userId, clientId, signal)
        .catch((err: unknown) => console.warn('A push beside the photo uploads failed; the next round sends it', err))
        .finally(() => {
          this.#sidePush = null;
          if (this.#uploading) this.#set({ phase: 'uploading' });
        });
    }
  }

  #trigger(): void {
    if (this.#halted || this.#retryTimer) return;
    void this.#run();
  }

  #run(): Promise<void> {
    this.#lastRunAt = Date.now();
    // Whoever is signed in now (a sign-in happens after the engine starts): hints if a crew's.
    if (this.#started) void this.#listenForHints();
    if (this.#running) {
      this.#again = true;
      return this.#running;
    }
    this.#running = (async () => {
      do {
        this.#again = false;
        await this.#attempt();
      } while (this.#again && !this.#retryTimer && !this.#halted);
    })().finally(() => (this.#running = null));
    return this.#running;
  }

  async #attempt(): Promise<void> {
    if (!navigator.onLine) {
      this.#set({ problem: { kind: 'offline' } });
      return;
    }
    const session = await getSession();
    if (!session) return; // nobody signed in on this device: nothing to sync as
    this.#set({ running: true, otherTab: false });
    const abort = new AbortController();
    this.#abort = abort;
    try {
      const done = await withSyncLock(() => this.#syncOnce(session, abort.signal));
      if (done === 'busy') {
        this.#set({ otherTab: true });
        if (!this.#busyTimer)
          this.#busyTimer = setTimeout(() => {
            this.#busyTimer = null;
            this.#trigger();
          }, BUSY_RETRY_MS);
        return;
      }
      this.#failures = 0;
      this.#set({ problem: null });
      void reportPosition(session);
    } catch (err) {
      // Cancelled by "Sync now": the loop starts again at once, no backoff.
      if (!abort.signal.aborted) this.#fail(err);
    } finally {
      this.#abort = null;
      this.#set({ running: false, phase: 'idle', priming: false, progress: null, upload: null });
    }
  }

  /**
   * Test seam, never called by the app: one sync as `session` (push, pull, uploads, prune)
   * with no trigger, cross-tab lock, status problem or retry; a failure is thrown (a
   * `SyncFailure`, its `failure` the request's). Lets a test drive several simulated devices
   * step by step through this loop (sync-server's convergence test).
   */
  syncOnce(session: SessionResponse): Promise<void> {
    this.#asked = true; // as "Sync now": the test decides when a device syncs
    return this.#syncOnce(session);
  }

  async #syncOnce(session: SessionResponse, signal?: AbortSignal): Promise<void> {
    const userId = session.user.id;
    const { clientId } = await deviceFacts(session.user);
    // The device knows it is behind when asked to sync now or after a push of its own: the
    // pull then says so, and is answered from the server's database (see `pull`).
    let behind = this.#asked;
    this.#asked = false;
    for (let round = 0; round < MAX_ROUNDS; round++) {
      if ((await this.#pushAll(userId, clientId, signal)) > 0) behind = true;
      await this.#pullAll(session.user, clientId, signal, behind);
      if ((await pushableCount(userId)) === 0) break;
    }
    this.#uploading = { userId, clientId, signal };
    let failure;
    try {
      failure = await uploadPhotos(userId, (upload) => this.#set({ phase: 'uploading', upload }), signal);
    } finally {
      this.#uploading = null;
    }
    // A push sent beside the uploads ends before this sync does (and its pull follows: `#again`).
    await this.#sidePush;
    if (failure) throw new SyncFailure(failure);
    await downloadReportPhotos().catch((err: unknown) =>
      console.warn('Keeping the residents’ photos on this device failed', err),
    );
    await keepCaseHistories().catch((err: unknown) => console.warn('Keeping the cases’ histories failed', err));
    await prune();
  }

  /** Pushes every change waiting; returns how many the server answered for. */
  async #pushAll(userId: string, clientId: string, signal?: AbortSignal): Promise<number> {
    let size = MAX_PUSH_BATCH;
    let sent = 0;
    for (;;) {
      const rows = await pendingBatch(userId, size);
      if (rows.length === 0) return sent;
      this.#set({ phase: 'pushing' });
      const res = await push({ clientId, mutations: rows.map((r) => r.mutation) }, signal);
      if (res.ok) {
        const answered = await acknowledge(res.data.outcomes);
        sent += answered;
        if (answered === 0) {
          throw new SyncFailure({
            kind: 'invalid-response',
            status: 200,
            message: 'The server did not answer for the changes sent. Try again later.',
          });
        }
        this.#recovered();
        continue;
      }
      const e = res.error;
      if (e.kind === 'http' && (e.status === 413 || e.code === 'invalid-body')) {
        // Too big, or something in the batch is refused as malformed: narrow it down, and
        // set aside (not delete) the one change the server will not take, so the rest flow.
        if (rows.length > 1) {
          size = e.status === 413 ? Math.ceil(rows.length / 2) : 1;
          continue;
        }
        await blockPending(rows[0]!.seq, e.message);
        continue;
      }
      throw new SyncFailure(e);
    }
  }

  async #pullAll(
    user: SessionResponse['user'],
    clientId: string,
    signal: AbortSignal | undefined,
    behind: boolean,
  ): Promise<void> {
    const { priming, cursor: from } = await deviceFacts(user);
    let cursor = from;
    if (priming || (await serviceTypesMissing())) await this.#loadServiceTypes(signal);
    let cases = 0;
    let pages = 0;
    this.#set({ phase: 'pulling', priming, progress: { cases, pages, estimate: 0 } });
    for (;;) {
      const told = this.#toldOf?.userId === user.id && this.#toldOf.cursor > BigInt(cursor);
      const res = await pull(cursor, PULL_LIMIT, clientId, signal, behind || told, priming);
      if (!res.ok) throw new SyncFailure(res.error);
      const page = res.data;
      await applyPullPage(page, { user, replaceCases: from === '0' && pages === 0, priming });
      this.#recovered();
      pages++;
      cases += page.cases.length;
      this.#set({ progress: { cases, pages, estimate: page.hasMore ? cases + PULL_LIMIT : cases } });
      if (!page.hasMore) break;
      if (page.cursor === cursor) {
        throw new SyncFailure({
          kind: 'invalid-response',
          status: 200,
          message: 'The server sent the same page twice. Try again later.',
        });
      }
      cursor = page.cursor;
    }
    if (await serviceTypesMissing()) await this.#loadServiceTypes(signal);
  }

  async #loadServiceTypes(signal?: AbortSignal): Promise<void> {
    const res = await fetchServiceTypes(signal);
    if (!res.ok) throw new SyncFailure(res.error);
    await saveServiceTypes(res.data);
  }

  #fail(err: unknown): void {
    const f: ApiFailure =
      err instanceof SyncFailure
        ? err.failure
        : {
            kind: 'invalid-response',
            status: 0,
            message: 'This device could not store what the server sent. Free some space or reload the app.',
          };
    if (!(err instanceof SyncFailure)) console.error('Sync failed', err);

    if (f.kind === 'network' && !navigator.onLine) {
      this.#set({ problem: { kind: 'offline' } });
      return;
    }
    if (f.kind === 'http' && f.status === 401) {
      this.#halted = true;
      this.#set({ problem: { kind: 'signed-out', message: f.message } });
      return;
    }
    if (f.kind === 'http' && f.status === 426) {
      this.#halted = true;
      this.#set({ problem: { kind: 'update-needed', message: f.message } });
      return;
    }
    // Everything else is worth another try later: no answer, 5xx, 429, 409 (server older
    // than the app), or a response this version does not understand. Not before the server
    // said to, when it did (`Retry-After`).
    const now = Date.now();
    const retryAfter = err instanceof SyncFailure ? retryAfterMs(err.retryAfter, now) : null;
    const delay = retryDelay(retryAfter, this.#failures);
    this.#failures++;
    this.#clearRetry();
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = null;
      this.#trigger();
    }, delay);
    this.#set({ problem: { kind: 'retrying', message: f.message, retryAt: now + delay } });
  }

  /** The server answered and the answer is stored: an earlier problem no longer holds. */
  #recovered(): void {
    if (this.#status.problem) this.#set({ problem: null });
  }

  #clearRetry(): void {
    if (this.#retryTimer) clearTimeout(this.#retryTimer);
    this.#retryTimer = null;
  }

  #set(patch: Partial<SyncStatus>): void {
    this.#status = { ...this.#status, ...patch };
    for (const fn of this.#listeners) fn(this.#status);
  }
}

/** A crew device tells the lead's board where the crew is at most this often, after a sync. */
const POSITION_EVERY_MS = 60_000;
let positionSentAt = 0;

/** What `reportPosition` uses of the page's Geolocation API. */
type Fix = { coords: { latitude: number; longitude: number }; timestamp: number };
interface PageGeolocation {
  getCurrentPosition(
    ok: (fix: Fix) => void,
    fail: (err: unknown) => void,
    opts: { enableHighAccuracy: boolean; maximumAge: number; timeout: number },
  ): void;
}

/**
 * After a sync, a worker's device reports its last known position for the dispatch board,
 * only when the browser already allows location (it never asks: the permission is the
 * person's "Use my location" on the day list) and a recent fix will do. Best effort and not
 * awaited: it never holds up or fails a sync. The server keeps it only if the crew shares
 * its position (204 either way).
 */
async function reportPosition(session: SessionResponse): Promise<void> {
  if (session.user.role !== 'worker' || Date.now() - positionSentAt < POSITION_EVERY_MS) return;
  // Typed by hand: this module is also bundled into the service worker (no DOM types there,
  // and no geolocation: it never gets this far).
  const geolocation = (typeof navigator === 'undefined' ? undefined : (navigator as { geolocation?: PageGeolocation }))
    ?.geolocation;
  if (!geolocation || !navigator.permissions) return;
  try {
    if ((await navigator.permissions.query({ name: 'geolocation' })).state !== 'granted') return;
    const fix = await new Promise<Fix>((resolve, reject) =>
      geolocation.getCurrentPosition(resolve, reject, {
        enableHighAccuracy: false,
        maximumAge: 120_000,
        timeout: 10_000,
      }),
    );
    positionSentAt = Date.now();
    const position = {
      lat: fix.coords.latitude,
      long: fix.coords.longitude,
      at: new Date(fix.timestamp).toISOString(),
    };
    await request('POST', '/api/sync/position', { safeParse: (data: unknown) => ({ success: true, data }) }, position);
  } catch {
    // No fix now (a tunnel, a timeout), or no answer: the next sync tries again.
  }
}

/**
 * The page's document, typed for what the triggers use; undefined in a worker. (This module
 * is also bundled into the service worker, which has no DOM types.)
 */
function pageDocument():
  { visibilityState: string; addEventListener(type: 'visibilitychange', fn: () => void): void } | undefined {
  return (globalThis as { document?: ReturnType<typeof pageDocument> }).document;
}

/**
 * Runs `fn` holding the sync lock shared by the tabs and the service worker, or answers
 * `'busy'` when another holds it.
 */
export async function withSyncLock(fn: () => Promise<void>): Promise<void | 'busy'> {
  if (typeof navigator === 'undefined' || !navigator.locks) return fn(); // no Web Locks: this tab alone
  return navigator.locks.request(LOCK_NAME, { ifAvailable: true }, async (lock) => (lock ? fn() : ('busy' as const)));
}

export const syncEngine = new SyncEngine();

/**
 * Records a change on the device (durable when this resolves), then nudges the sync loop.
 * Throws `SaveError` with words for the person when it cannot be saved.
 */
export async function enqueue<K extends MutationKind>(
  kind: K,
  caseId: string,
  payload: PayloadOf<K>,
): Promise<PendingRow> {
  const row = await addPending(kind, caseId, payload);
  syncEngine.nudge();
  return row;
}

/**
 * Stores a photo together with its `attach_photo` change (one transaction, durable when this
 * resolves), then nudges the sync loop, which uploads the bytes once the change is
 * acknowledged. Throws `SaveError` with words for the person when it cannot be saved.
 */
export async function enqueuePhoto(photo: NewPhoto): Promise<PhotoRow> {
  const { photo: row } = await addPhoto(photo);
  syncEngine.nudge();
  return row;
}

export type { UploadProgress };
