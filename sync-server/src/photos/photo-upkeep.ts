/**
 * Photo upkeep, a periodic job in every server instance, for the file store and a bucket
 * alike:
 *
 * - Retention (only when PHOTO_RETENTION_DAYS is set: notes and photos are never lost
 *   otherwise, R4). The bytes and thumbnail of each complete photo whose case was closed
 *   (fixed, closed not fixed, cancelled) longer ago than that are deleted from the store; the
 *   photo's row stays and records when and why, so the case history still shows a photo was
 *   taken, and a download answers 410 Gone. Rows are claimed with FOR UPDATE SKIP LOCKED and
 *   marked in the same transaction, after the deletes: instances never take the same photo,
 *   and a pass cut halfway is simply done again (deleting what is gone is no error).
 *
 * - Sweep of abandoned uploads. Bytes of an unfinished upload that have not grown for
 *   UPLOAD_ABANDON_HOURS are removed, with any thumbnail a failed completion left, so what
 *   HEAD reports falls back to 0: a device that comes back later sends the photo again from
 *   the start (it still holds it) and the upload completes as usual. The sweep takes the
 *   photo's upload lease first, as a PATCH does, and looks again under it: bytes being
 *   written, or written since the listing, are left alone.
 */
import { randomUUID } from 'node:crypto';
import type { Config } from '../config.ts';
import type { Queryable, Sql } from '../db/database.ts';
import type { Logger } from '../http/deps.ts';
import {
  claimExpiredPhotos,
  lockCompletePhoto,
  markPhotosRemoved,
  photoComplete,
  releaseUploadLease,
  takeUploadLease,
} from './photo.repo.ts';
import { photoKeys, type PhotoStore } from './photo-store.ts';
import { photoStoreFor } from './photo-store-for.ts';

export type PhotoUpkeepOptions = {
  /** Days after a case closed that its photos' bytes are deleted; undefined: never. */
  retentionDays: number | undefined;
  /** Hours an unfinished upload's bytes may sit unmoved before they are removed. */
  abandonHours: number;
  /** Photos deleted per transaction. */
  batchSize: number;
  /** How long after start the first pass runs, and how often after that. */
  firstRunMs: number;
  intervalMs: number;
  now: () => Date;
};

export const DEFAULT_UPKEEP_OPTIONS: PhotoUpkeepOptions = {
  retentionDays: undefined,
  abandonHours: 72,
  batchSize: 25,
  firstRunMs: 60_000,
  intervalMs: 60 * 60_000,
  now: () => new Date(),
};

/** How long the sweep holds a photo's upload lease: it only looks and deletes. */
const SWEEP_LEASE_SECONDS = 60;

export type UpkeepPass = {
  /** Photos whose bytes were deleted under the retention policy. */
  removed: number;
  /** Abandoned uploads whose bytes were removed. */
  swept: number;
};

export type PhotoUpkeepDeps = { sql: Sql; store: PhotoStore; log: Logger };

export class PhotoUpkeep {
  readonly #deps: PhotoUpkeepDeps;
  readonly #opts: PhotoUpkeepOptions;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;
  #stopped = true;

  constructor(deps: PhotoUpkeepDeps, opts: Partial<PhotoUpkeepOptions> = {}) {
    this.#deps = deps;
    this.#opts = { ...DEFAULT_UPKEEP_OPTIONS, ...opts };
  }

  /** Runs a pass `firstRunMs` from now, then every `intervalMs`, until `stop()`. */
  start(): this {
    this.#stopped = false;
    this.#schedule(this.#opts.firstRunMs);
    return this;
  }

  /** Lets a pass in progress finish, then stops. */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    await this.#running;
  }

  #schedule(ms: number) {
    if (this.#stopped) return;
    this.#timer = setTimeout(() => {
      this.#running = this.#loop().finally(() => (this.#running = undefined));
    }, ms);
    this.#timer.unref();
  }

  async #loop() {
    try {
      await this.runOnce();
    } catch (err) {
      this.#deps.log.error('Photo upkeep: a pass failed; trying again at the next one.', err);
    }
    this.#schedule(this.#opts.intervalMs);
  }

  /** One pass: retention, then the sweep of abandoned uploads. */
  async runOnce(now: Date = this.#opts.now()): Promise<UpkeepPass> {
    const removed = await this.applyRetention(now);
    const swept = await this.sweepAbandonedUploads(now);
    if (removed > 0) {
      this.#deps.log.info(
        `Photo retention: deleted the bytes of ${removed} photos of cases closed more than ${this.#opts.retentionDays} days ago (their records stay).`,
      );
    }
    if (swept > 0) {
      this.#deps.log.info(
        `Photo uploads: removed ${swept} unfinished uploads untouched for ${this.#opts.abandonHours} hours (their devices start them again from byte 0).`,
      );
    }
    return { removed, swept };
  }

  /** Deletes the bytes of the photos past retention, a batch per transaction. Returns how many. */
  async applyRetention(now: Date): Promise<number> {
    const days = this.#opts.retentionDays;
    if (days === undefined) return 0;
    const { sql, store } = this.#deps;
    const closedBefore = new Date(now.getTime() - days * 86_400_000);
    let total = 0;
    for (;;) {
      const done = await sql.begin(async (tx) => {
        const photos = await claimExpiredPhotos(tx, closedBefore, this.#opts.batchSize);
        for (const p of photos) {
          await store.remove(p.storageKey);
          if (p.thumbKey) await store.remove(p.thumbKey);
        }
        await markPhotosRemoved(
          tx,
          photos.map((p) => p.id),
        );
        return photos.length;
      });
      total += done;
      // A short batch: nothing more is due, or the rest is another instance's just now.
      if (done < this.#opts.batchSize) return total;
    }
  }

  /** Removes the bytes of uploads that have not grown for `abandonHours`. Returns how many. */
  async sweepAbandonedUploads(now: Date): Promise<number> {
    const cutoff = now.getTime() - this.#opts.abandonHours * 3_600_000;
    const stale: string[] = [];
    for await (const p of this.#deps.store.pendingUploads()) {
      if (p.lastModified.getTime() <= cutoff) stale.push(p.photoId);
    }
    let swept = 0;
    for (const id of stale) {
      try {
        if (await this.#sweep(id, cutoff)) swept++;
      } catch (err) {
        this.#deps.log.error(`Photo uploads: could not sweep the unfinished upload of photo ${id}.`, err);
      }
    }
    return swept;
  }

  async #sweep(photoId: string, cutoff: number): Promise<boolean> {
    const { sql } = this.#deps;
    const token = randomUUID();
    if (await takeUploadLease(sql, photoId, token, SWEEP_LEASE_SECONDS)) {
      try {
        // Unfinished: a thumbnail left by a completion that failed goes with its bytes.
        return await this.#removeIfStale(photoId, cutoff, { thumbnail: true });
      } finally {
        await releaseUploadLease(sql, photoId, token).catch((e: unknown) =>
          this.#deps.log.error(`photo ${photoId}: could not release the upload lease (it runs out by itself)`, e),
        );
      }
    }
    const complete = await photoComplete(sql, photoId);
    // Unfinished, and another holds its lease: a PATCH is writing it right now.
    if (complete === false) return false;
    // No such photo: nobody can ever resume these bytes.
    if (complete === undefined) return this.#removeIfStale(photoId, cutoff, { thumbnail: true });
    // Left over by a finished upload (its bytes are under their final key): under the row lock.
    return sql.begin(async (tx: Queryable) =>
      (await lockCompletePhoto(tx, photoId)) ? this.#removeIfStale(photoId, cutoff, { thumbnail: false }) : false,
    );
  }

  /**
   * Looks again (under the lease or lock) and removes the pending bytes if they have still not
   * moved, and with them the thumbnail of a photo that is not complete (`thumbnail`).
   */
  async #removeIfStale(photoId: string, cutoff: number, opts: { thumbnail: boolean }): Promise<boolean> {
    const { store } = this.#deps;
    const now = await store.pendingUpload(photoId);
    if (!now || now.lastModified.getTime() > cutoff) return false;
    const keys = photoKeys(photoId);
    // The thumbnail first: a pass cut between the two finds the pending bytes again next time.
    if (opts.thumbnail) await store.remove(keys.thumb);
    await store.remove(keys.pending);
    return true;
  }
}

/** The upkeep of the configured photo store, started: retention (if set) and the upload sweep. */
export function startPhotoUpkeep(deps: { sql: Sql; config: Config; log: Logger }): PhotoUpkeep {
  return new PhotoUpkeep(
    { sql: deps.sql, store: photoStoreFor(deps.config, deps.log), log: deps.log },
    { retentionDays: deps.config.photoRetentionDays, abandonHours: deps.config.uploadAbandonHours },
  ).start();
}
