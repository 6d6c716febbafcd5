/**
 * The sync loop and the outbox as the pages see them: reactive status, counts, and the
 * outcomes a person should read.
 */
import {
  deleteFailedPhoto,
  dismissOutcome,
  discardBlocked,
  setMeta,
  unblockPending,
  watchAttention,
  watchFailedPhotos,
  watchOutbox,
  watchPhotoSummary,
  type OutboxSummary,
  type OutcomeRow,
  type PhotoRow,
  type PhotoSummary,
} from '#lib/db/index.ts';
import { syncEngine, type SyncStatus } from '#lib/sync/engine.ts';
import { requestBackgroundSync } from '#lib/sync/background.ts';
import { Live } from './live.svelte.ts';
import { nextStep } from './change-words.ts';

/** The sync loop's status, for the whole app (one instance). */
class SyncState {
  status = $state.raw<SyncStatus>(syncEngine.status);

  constructor() {
    syncEngine.subscribe((s) => {
      // Work may be left on the device (no network, a failed try): ask the browser to sync
      // from the service worker when the network is back, even if the page is closed by then.
      if (
        s.problem &&
        s.problem !== this.status.problem &&
        (s.problem.kind === 'offline' || s.problem.kind === 'retrying')
      ) {
        // The service worker's first try waits for the page's next one (the server's Retry-After).
        const retryAt = s.problem.kind === 'retrying' ? s.problem.retryAt : 0;
        void setMeta('retryAt', retryAt)
          .catch(() => {})
          .then(() => requestBackgroundSync());
      }
      this.status = s;
    });
  }

  running = $derived(this.status.running);
  problem = $derived(this.status.problem);

  /** Starts the loop's triggers (once, in the browser). */
  start(): void {
    syncEngine.start();
  }

  syncNow(): Promise<void> {
    return syncEngine.syncNow();
  }
}

export const syncState = new SyncState();

/** The outbox, live. Create it while a component initialises. */
export class OutboxWatch {
  #live: Live<OutboxSummary>;

  constructor(userId: () => string | null) {
    this.#live = new Live(() => watchOutbox(userId()));
  }

  loaded = $derived.by(() => this.#live.current !== undefined);
  pending = $derived.by(() => this.#live.current?.pending ?? 0);
  others = $derived.by(() => this.#live.current?.others ?? []);
  blocked = $derived.by(() => this.#live.current?.blocked ?? []);
  lastSyncedAt = $derived.by(() => this.#live.current?.lastSyncedAt ?? null);
}

/** Photos on the device and their uploads, live. Create it while a component initialises. */
export class PhotoWatch {
  #live = new Live(() => watchPhotoSummary());

  loaded = $derived.by(() => this.#live.current !== undefined);
  summary: PhotoSummary | null = $derived.by(() => this.#live.current ?? null);
  waiting = $derived.by(() => this.#live.current?.waiting ?? 0);
}

/**
 * A person's photos the server did not take, live: kept on the device until they delete
 * one. Create it while a component initialises.
 */
export class FailedPhotos {
  #live: Live<PhotoRow[]>;

  constructor(userId: () => string | null) {
    this.#live = new Live(() => watchFailedPhotos(userId() ?? ''));
  }

  rows: PhotoRow[] = $derived.by(() => this.#live.current ?? []);

  delete(id: string): Promise<boolean> {
    return deleteFailedPhoto(id);
  }
}

export interface AttentionItem {
  mutationId: string;
  caseId: string;
  outcome: OutcomeRow['outcome'];
  message: string;
  next: string;
}

/**
 * The signed-in person's outcomes that were not simply applied and that they have not
 * dismissed, and their blocked changes' actions. Create it while a component initialises.
 */
export class AttentionList {
  #userId: () => string | null;
  #live: Live<OutcomeRow[]>;

  constructor(userId: () => string | null) {
    this.#userId = userId;
    this.#live = new Live(() => watchAttention(userId()));
  }

  items: AttentionItem[] = $derived.by(() =>
    (this.#live.current ?? []).map((o) => ({
      mutationId: o.mutationId,
      caseId: o.caseId,
      outcome: o.outcome,
      message: o.message,
      next: nextStep(o.outcome, o.reason, o.landedOnCaseId),
    })),
  );

  dismiss(mutationId: string): Promise<void> {
    return dismissOutcome(mutationId);
  }

  async retryBlocked(seq: number): Promise<void> {
    await unblockPending(seq);
    void syncEngine.syncNow();
  }

  async discardBlocked(seq: number): Promise<void> {
    const userId = this.#userId();
    if (userId) await discardBlocked(seq, userId);
  }
}
