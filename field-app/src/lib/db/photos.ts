/**
 * Photos taken on the device: stored with their `attach_photo` change in one transaction,
 * then uploaded once that change has left the outbox (the server knows the photo by then).
 *
 * Invariants
 * - A photo row and its `attach_photo` pending mutation are created in the same transaction:
 *   there is never a photo the server will not hear about, nor an attach without its bytes.
 * - `uploadedBytes` only grows from what the server said it holds; it is written after every
 *   chunk, so an upload resumes after a reload or a crash (the server's offset still wins).
 * - The bytes stay after the upload, until the case has left the device (see `prune`).
 */
import { liveQuery, type Observable } from 'dexie';
import type { PayloadOf } from '@fieldfix/shared';
import { db, type PendingRow, type PhotoRow, type PhotoState } from './database.ts';
import { NOT_ATTACHED, addPending, notAttachedWords } from './outbox.ts';

export type NewPhoto = Omit<PhotoRow, 'attachMutationId' | 'userId' | 'uploadedBytes' | 'state' | 'error' | 'savedAt'>;

/** Stores a photo and queues its `attach_photo` change, atomically. Resolves once on disk. */
export async function addPhoto(photo: NewPhoto): Promise<{ photo: PhotoRow; pending: PendingRow }> {
  const d = db();
  return d.transaction('rw', [d.photos, d.meta, d.cases, d.pending, d.session], async () => {
    const payload: PayloadOf<'attach_photo'> = {
      photoId: photo.id,
      tag: photo.tag,
      contentType: photo.contentType,
      byteSize: photo.byteSize,
      width: photo.width,
      height: photo.height,
      takenAt: photo.takenAt,
      lat: photo.lat,
      long: photo.long,
    };
    const pending = await addPending('attach_photo', photo.caseId, payload);
    const row: PhotoRow = {
      ...photo,
      userId: pending.userId,
      attachMutationId: pending.id,
      uploadedBytes: 0,
      state: 'queued',
      error: null,
      savedAt: new Date().toISOString(),
    };
    await d.photos.add(row);
    return { photo: row, pending };
  });
}

/** A photo may upload when it is not finished and its `attach_photo` is no longer pending. */
async function uploadable(userId: string): Promise<PhotoRow[]> {
  const d = db();
  const rows = await d.photos
    .where('state')
    .anyOf(['queued', 'uploading'] satisfies PhotoState[])
    .filter((p) => p.userId === userId)
    .toArray();
  if (rows.length === 0) return [];
  const attachIds = rows.map((r) => r.attachMutationId);
  const [pending, outcomes] = await Promise.all([
    d.pending.where('id').anyOf(attachIds).toArray(),
    d.outcomes.bulkGet(attachIds),
  ]);
  const stillPending = new Set(pending.map((r) => r.id));
  // A photo whose attach change the server did not apply has no place on the server: its
  // bytes would be refused on every try, and hold up every sync after. It stays on the
  // device, marked, with the server's words.
  const notTaken = new Map(
    outcomes.flatMap((o) => (o && (o.outcome === 'rejected' || o.outcome === 'superseded') ? [[o.mutationId, o]] : [])),
  );
  for (const r of rows) {
    const o = notTaken.get(r.attachMutationId);
    if (o) await d.photos.update(r.id, { state: 'failed', error: notAttachedWords(o.message), notAttached: true });
  }
  return rows
    .filter((r) => !r.notAttached && !stillPending.has(r.attachMutationId) && !notTaken.has(r.attachMutationId))
    .sort((a, b) => a.savedAt.localeCompare(b.savedAt));
}

/**
 * What of `userId`'s work has not reached the server yet: changes in the outbox (blocked
 * ones too) and photos whose bytes have not all gone up. What signing out leaves behind.
 */
export async function unsyncedWork(userId: string): Promise<{ changes: number; photos: number }> {
  const d = db();
  const [changes, photos] = await Promise.all([
    d.pending.where('userId').equals(userId).count(),
    d.photos
      .where('state')
      .anyOf(['queued', 'uploading'] satisfies PhotoState[])
      .filter((p) => p.userId === userId)
      .count(),
  ]);
  return { changes, photos };
}

/** The photos of `userId` whose bytes should go up now, oldest first. */
export function photosToUpload(userId: string): Promise<PhotoRow[]> {
  return uploadable(userId);
}

/** The server holds `uploadedBytes` of the photo. */
export async function recordUpload(id: string, uploadedBytes: number): Promise<void> {
  const d = db();
  await d.transaction('rw', [d.photos], async () => {
    const row = await d.photos.get(id);
    if (!row || row.state === 'done') return;
    const done = uploadedBytes >= row.byteSize;
    await d.photos.update(id, { uploadedBytes, state: done ? 'done' : 'uploading', error: null });
  });
}

/** The server refused the bytes (415, 413): kept on the device, shown, not tried again. */
export async function failUpload(id: string, message: string): Promise<void> {
  await db().photos.update(id, { state: 'failed', error: message });
}

/** A failed photo whose upload may be tried again: its bytes were refused, not its place on the case. */
export function mayRetryUpload(row: Pick<PhotoRow, 'state' | 'notAttached' | 'error'>): boolean {
  // Rows marked before `notAttached` existed carry only the words.
  return row.state === 'failed' && !row.notAttached && !row.error?.startsWith(NOT_ATTACHED);
}

/**
 * The person asks to try a failed upload again. Not for a photo whose attach change the
 * server did not take (or the person discarded): its bytes have no place to go, and trying
 * would only fail every sync after. False when it cannot be tried again.
 */
export async function retryUpload(id: string): Promise<boolean> {
  const d = db();
  return d.transaction('rw', [d.photos], async () => {
    const row = await d.photos.get(id);
    if (!row || !mayRetryUpload(row)) return false;
    await d.photos.update(id, { state: 'queued', error: null });
    return true;
  });
}

/**
 * `userId`'s photos the server did not take (the bytes or the photo refused), oldest first:
 * kept on the device until the person deletes them, and listed for them.
 */
export function watchFailedPhotos(userId: string): Observable<PhotoRow[]> {
  return liveQuery(async () => {
    const rows = await db()
      .photos.where('state')
      .equals('failed' satisfies PhotoState)
      .filter((p) => p.userId === userId)
      .toArray();
    return rows.sort((a, b) => a.savedAt.localeCompare(b.savedAt));
  });
}

/** The person deletes a photo the server did not take; false for any other (still to send, or sent). */
export async function deleteFailedPhoto(id: string): Promise<boolean> {
  const d = db();
  return d.transaction('rw', [d.photos], async () => {
    const row = await d.photos.get(id);
    if (!row || row.state !== 'failed') return false;
    await d.photos.delete(id);
    return true;
  });
}

/** One case's photos, oldest first. */
export function watchCasePhotos(caseId: string): Observable<PhotoRow[]> {
  return liveQuery(async () => {
    const rows = await db().photos.where('caseId').equals(caseId).toArray();
    return rows.sort((a, b) => a.savedAt.localeCompare(b.savedAt));
  });
}

export interface PhotoSummary {
  /** Photos of anyone on this device not yet on the server (failed ones excluded). */
  waiting: number;
  /** Bytes of those photos, and how many of them the server holds. */
  waitingBytes: number;
  uploadedBytes: number;
  failed: number;
  /** Everything the photos take on the device (photos and thumbnails). */
  storedBytes: number;
  count: number;
}

export function watchPhotoSummary(): Observable<PhotoSummary> {
  return liveQuery(async () => {
    const s: PhotoSummary = { waiting: 0, waitingBytes: 0, uploadedBytes: 0, failed: 0, storedBytes: 0, count: 0 };
    await db().photos.each((p) => {
      s.count++;
      s.storedBytes += p.bytes.byteLength + p.thumb.byteLength;
      if (p.state === 'failed') s.failed++;
      else if (p.state !== 'done') {
        s.waiting++;
        s.waitingBytes += p.byteSize;
        s.uploadedBytes += p.uploadedBytes;
      }
    });
    return s;
  });
}
