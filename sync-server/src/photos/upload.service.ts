/**
 * Resumable uploads of a photo's bytes, in the spirit of tus 1.0 core: the client asks how
 * much is stored (HEAD), then appends from exactly there (PATCH). A PATCH body is written to
 * the pending file as its bytes arrive, so a link cut halfway keeps what got through and the
 * device resumes from there: on a weak uplink a photo makes progress however often the
 * connection drops.
 *
 * One writer per photo: a PATCH first takes the photo row's upload lease (a token and an
 * expiry, one autocommit UPDATE), renews it on a timer while it writes and gives it back at
 * the end. No transaction is held for the minutes a slow upload takes (that would exhaust
 * the pool); a second PATCH while the lease is live gets a 409 and writes nothing, and a
 * lease left by a crashed process runs out. The writer also checks the offset against the stored size.
 * The last byte completes the upload, still under the lease and with no transaction held
 * while the bucket works: the type is checked by content, the bytes hashed, thumbnailed and
 * moved, and the row marked complete in one statement while the lease is still the request's.
 */
import { createHash, randomUUID } from 'node:crypto';
import type { Sql } from '../db/database.ts';
import type { Staff } from '../access/caller.ts';
import type { Logger } from '../http/deps.ts';
import { ApiError } from '../http/errors.ts';
import { canUploadPhoto, caseReadLevel } from '@fieldfix/shared';
import { callerOf } from '../access/caller.ts';
import {
  findPhoto,
  markPhotoComplete,
  releaseUploadLease,
  renewUploadLease,
  takeUploadLease,
  uploadLeaseOf,
  uploadLeaseUntil,
  type Photo,
} from './photo.repo.ts';
import { OffsetMismatchError, photoKeys, type PhotoAppender, type PhotoStore } from './photo-store.ts';
import { describeBytes, sniffPhotoType } from './photo-type.ts';
import { STREAM_TIMINGS, type StreamTimings } from './upload-timings.ts';
import { makeThumbnail, UnreadableImageError } from './thumbnail.ts';

export type UploadDeps = { sql: Sql; store: PhotoStore; maxBytes: number; log: Logger };

/** A 409: the client's offset is not what is stored. `actual` goes back in `Upload-Offset`. */
export class UploadOffsetConflict extends ApiError {
  readonly actual: number;
  constructor(sent: number, actual: number) {
    super(
      409,
      'upload-offset-mismatch',
      `This upload has ${actual} bytes stored, not ${sent}. Resume from byte ${actual}.`,
      { offset: actual },
    );
    this.actual = actual;
  }
}

/** Who may see a photo: whoever may read its case in full (the access model). */
export function canSeePhoto(staff: Staff, photo: Photo): boolean {
  return caseReadLevel(callerOf(staff), { crewId: photo.crewId, departmentId: photo.caseDepartmentId }) === 'full';
}

/** The photo, or a 404 that tells the device what to do. */
export async function photoOr404(sql: Sql, id: string): Promise<Photo> {
  const photo = await findPhoto(sql, id);
  if (!photo)
    throw new ApiError(404, 'not-found', `No photo ${id}. Sync its attach_photo change first, then upload the bytes.`);
  return photo;
}

export function photoNotInScope(photo: Photo): ApiError {
  return new ApiError(
    403,
    'case-not-in-scope',
    `The case of photo ${photo.id} (#${photo.caseId}) is not assigned to your crew or department.`,
  );
}

/** How many bytes of the photo are stored: all of them once it is complete. */
async function storedOffset(store: PhotoStore, photo: Photo): Promise<number> {
  return photo.complete ? photo.byteSize : store.size(photoKeys(photo.id).pending);
}

/** A 503 with Retry-After: the photo's bytes are all in and another request is finishing it. */
export class PhotoBeingFinished extends ApiError {
  constructor(photoId: string, retryAfter: number) {
    super(
      503,
      'unavailable',
      `Photo ${photoId} has all its bytes and is being finished by another request. Ask again in ${retryAfter} s.`,
      { retryAfter },
      { retryAfter },
    );
  }
}

/**
 * The offset HEAD answers. A photo whose bytes are all stored but whose completion failed
 * (the bucket, the database or the instance gone at that moment) is finished here first:
 * answering its full length while it is still incomplete would tell the device it is done,
 * and it would never come back. While another request holds the upload lease (it may be
 * finishing the photo this moment), a 503 says when to ask again.
 */
export async function uploadHeadOffset(
  deps: UploadDeps,
  photo: Photo,
  timings: StreamTimings = STREAM_TIMINGS,
): Promise<number> {
  const size = await storedOffset(deps.store, photo);
  if (photo.complete || size < photo.byteSize) return size;
  const token = randomUUID();
  if (!(await takeUploadLease(deps.sql, photo.id, token, timings.leaseSeconds))) {
    const now = await photoOr404(deps.sql, photo.id);
    if (now.complete) return now.byteSize;
    const until = await uploadLeaseUntil(deps.sql, photo.id);
    throw new PhotoBeingFinished(photo.id, until ? Math.max(1, Math.ceil((until.getTime() - Date.now()) / 1000)) : 1);
  }
  try {
    await complete(deps, photo.id, token, timings);
  } finally {
    await releaseUploadLease(deps.sql, photo.id, token).catch((e: unknown) =>
      deps.log.error(`photo ${photo.id}: could not release the upload lease (it runs out by itself)`, e),
    );
  }
  return photo.byteSize;
}

/**
 * The checks that need no bytes: run before the body is read, so a client that may not
 * write, or is about to send too much, is told at once.
 */
export function checkCanUpload(
  deps: UploadDeps,
  staff: Staff,
  photo: Photo,
  offset: number,
  declaredLength: number | null,
): void {
  if (!canUploadPhoto(callerOf(staff), photo)) {
    throw new ApiError(403, 'forbidden', `Only the person who took photo ${photo.id} can upload it.`);
  }
  if (photo.byteSize > deps.maxBytes) {
    throw new ApiError(
      413,
      'payload-too-large',
      `The photo is ${photo.byteSize} bytes; the largest accepted is ${deps.maxBytes}. Take it again at a lower resolution.`,
    );
  }
  if (declaredLength !== null) tooFar(photo, offset, declaredLength);
}

function tooFar(photo: Photo, offset: number, length: number): void {
  if (offset + length > photo.byteSize) {
    throw new ApiError(
      413,
      'payload-too-large',
      `These bytes end at ${offset + length}, past the photo's length of ${photo.byteSize} bytes.`,
      {
        uploadLength: photo.byteSize,
      },
    );
  }
}

/** A 409: another request is writing this photo's bytes right now (it holds the upload lease). */
export class UploadInProgress extends ApiError {
  readonly actual: number;
  constructor(photoId: string, actual: number, retryAfter: number) {
    super(
      409,
      'upload-in-progress',
      `Photo ${photoId} is being uploaded by another request (${actual} bytes stored so far). Try again in ${retryAfter} s, from the offset HEAD then gives.`,
      { offset: actual, retryAfter },
      { retryAfter },
    );
    this.actual = actual;
  }
}

/** What a streamed PATCH ended with. */
export type Received = {
  /** The stored size after this request: the client resumes here. */
  offset: number;
  /** The body ended before all of it came (the connection was cut, or went silent). */
  cut: boolean;
};

/**
 * Writes a PATCH body at `offset` as its bytes arrive, under the photo's upload lease (no
 * transaction is held meanwhile), and completes the photo when its last byte is in.
 * What arrived before a cut is kept: the device resumes from there (HEAD). Throws
 * UploadOffsetConflict (409) when `offset` is not the stored size, UploadInProgress (409)
 * while another request writes this photo, 413 past the photo's length (this request's bytes
 * are dropped), 415 when the finished bytes are not the declared type (deleted: the upload
 * starts again at 0).
 */
export async function receiveUpload(
  deps: UploadDeps,
  staff: Staff,
  photoId: string,
  offset: number,
  body: ReadableStream<Uint8Array> | null,
  timings: StreamTimings = STREAM_TIMINGS,
): Promise<Received> {
  const { sql, store } = deps;
  const keys = photoKeys(photoId);
  const token = randomUUID();
  if (!(await takeUploadLease(sql, photoId, token, timings.leaseSeconds))) {
    const photo = await photoOr404(sql, photoId);
    checkCanUpload(deps, staff, photo, offset, null);
    if (photo.complete) {
      // A retried last PATCH, or a HEAD-less client checking: already done.
      if (offset === photo.byteSize) return { offset: photo.byteSize, cut: false };
      throw new UploadOffsetConflict(offset, photo.byteSize);
    }
    const until = await uploadLeaseUntil(sql, photoId);
    const wait = until ? Math.max(1, Math.ceil((until.getTime() - Date.now()) / 1000)) : 1;
    throw new UploadInProgress(photoId, await store.size(keys.pending), wait);
  }
  try {
    const photo = await photoOr404(sql, photoId);
    checkCanUpload(deps, staff, photo, offset, null);
    let writer: PhotoAppender;
    try {
      writer = await store.openAppend(keys.pending, offset);
    } catch (err) {
      if (err instanceof OffsetMismatchError) throw new UploadOffsetConflict(offset, err.actual);
      throw err;
    }
    let size = offset;
    let cut = false;
    // The lease is renewed on a timer for as long as the request writes, not only between
    // pieces: a piece whose write outlasts the lease (a bucket slow to take a part) must not
    // let a retry take over and write beside it. Lost all the same, the copy stops.
    let lost = false;
    const renewal = setInterval(() => {
      renewUploadLease(sql, photoId, token, timings.leaseSeconds).then(
        (held) => (lost ||= !held),
        () => {}, // the database away: the lease runs on meanwhile
      );
    }, timings.renewMs);
    try {
      const streamed = await streamInto(writer, body, photo.byteSize - offset, timings, () => lost);
      size += streamed.bytes;
      cut = streamed.cut;
      if (streamed.over) {
        await writer.truncate(offset);
        size = offset;
        tooFar(photo, offset, streamed.bytes);
      }
      if (streamed.lost) throw new UploadOffsetConflict(offset, await store.size(keys.pending));
    } finally {
      clearInterval(renewal);
      await writer.close();
    }
    if (size < photo.byteSize) return { offset: size, cut };
    await complete(deps, photoId, token, timings);
    return { offset: size, cut: false };
  } finally {
    await releaseUploadLease(sql, photoId, token).catch((e: unknown) =>
      deps.log.error(`photo ${photoId}: could not release the upload lease (it runs out by itself)`, e),
    );
  }
}

type Streamed = { bytes: number; cut: boolean; over: boolean; lost: boolean };

/**
 * Copies `body` into `writer` piece by piece, at most `room` bytes (`over` when it has more),
 * while the lease holds (`lost`, checked after each piece). A body that errors (connection cut)
 * or sends nothing for `idleMs` ends the copy with `cut`; what was written stays.
 */
async function streamInto(
  writer: PhotoAppender,
  body: ReadableStream<Uint8Array> | null,
  room: number,
  timings: StreamTimings,
  lost: () => boolean,
): Promise<Streamed> {
  const out: Streamed = { bytes: 0, cut: false, over: false, lost: false };
  if (!body) return out;
  const reader = body.getReader();
  let idle: ReturnType<typeof setTimeout> | undefined;
  const silent = () =>
    new Promise<'silent'>((resolve) => {
      idle = setTimeout(() => resolve('silent'), timings.idleMs);
    });
  try {
    for (;;) {
      let r: ReadableStreamReadResult<Uint8Array> | 'silent';
      try {
        r = await Promise.race([reader.read(), silent()]);
      } catch {
        out.cut = true; // the connection went away mid-body
        return out;
      } finally {
        clearTimeout(idle);
      }
      if (r === 'silent') {
        out.cut = true;
        await reader.cancel().catch(() => {});
        return out;
      }
      if (r.done) return out;
      const piece = r.value;
      if (out.bytes + piece.length > room) {
        out.over = true;
        out.bytes += piece.length; // not written: said in the 413
        await reader.cancel().catch(() => {});
        return out;
      }
      if (lost()) {
        out.lost = true;
        await reader.cancel().catch(() => {});
        return out;
      }
      await writer.write(piece);
      out.bytes += piece.length;
      if (lost()) {
        out.lost = true;
        await reader.cancel().catch(() => {});
        return out;
      }
    }
  } finally {
    reader.releaseLock();
  }
}

/**
 * The last byte is in: check the type by content, hash, thumbnail and move the bytes to their
 * final key under the photo's upload lease (renewed meanwhile), with no transaction open while
 * the bucket works; then one statement marks the photo complete (which clears the lease), only
 * while the lease is still this request's. A lease lost meanwhile (the request stalled past
 * it and another took it) puts the bytes back and answers 503: the device asks HEAD again.
 *
 * Before, all of this ran in a transaction holding the photo's row lock: a slow bucket then
 * held a pool connection per photo being finished, and at 1,000 devices every connection of
 * every instance was "idle in transaction" here while all other requests waited for one (a
 * PATCH waited past the device's 30 s, pushes and pulls stalled, a notice's record lagged past
 * its lease). Found by `pnpm bench:load:faults`.
 */
async function complete(deps: UploadDeps, photoId: string, token: string, timings: StreamTimings): Promise<void> {
  const { sql, store } = deps;
  const keys = photoKeys(photoId);
  const photo = await findPhoto(sql, photoId);
  if (!photo) throw new ApiError(404, 'not-found', `No photo ${photoId}.`);
  if (photo.complete) return;
  if ((await uploadLeaseOf(sql, photoId)) !== token) {
    throw new UploadOffsetConflict(photo.byteSize, await store.size(keys.pending));
  }
  // The lease is kept while the bucket works; lost, nothing is moved (or it is moved back).
  let lost = false;
  const renew = setInterval(() => {
    renewUploadLease(sql, photoId, token, timings.leaseSeconds).then(
      (held) => (lost ||= !held),
      () => {}, // the database away: the lease runs on meanwhile, and the final mark says
    );
  }, timings.renewMs);
  // Set once the bytes are moved to their final key: undone if the photo is then not marked complete.
  let moved = false;
  // Set while the mark is asked: an error then (the connection cut mid-statement) leaves its
  // outcome unknown. It may have committed, and the row would then name the final key.
  let marking = false;
  try {
    // A thumbnail stored by an earlier completion that then failed (the bucket, the lease, the
    // mark) is this photo's: kept, and not made again.
    const [pending, thumbStored] = await Promise.all([
      store.read(keys.pending),
      store.size(keys.thumb).then((size) => size > 0),
    ]);
    const all = pending ?? new Uint8Array();
    if (all.length !== photo.byteSize) throw new UploadOffsetConflict(photo.byteSize, all.length);
    const thumb = await checkAndThumbnail(deps, photo, all, thumbStored);
    const sha256 = createHash('sha256').update(all).digest('hex');
    if (thumb.made) await store.put(keys.thumb, thumb.made);
    if (lost) throw new PhotoBeingFinished(photoId, 1);
    await store.finalize(keys.pending, keys.final);
    moved = true;
    marking = true;
    const marked = await markPhotoComplete(sql, photo.id, token, {
      storageKey: keys.final,
      sha256,
      thumbKey: thumb.made || thumb.stored ? keys.thumb : null,
    });
    marking = false;
    if (!marked) throw new PhotoBeingFinished(photoId, 1);
  } catch (err) {
    // The mark's answer lost: the bytes stay at their final key. If it committed, the photo is
    // complete and whole; if not, the device's next HEAD finds no pending bytes and sends the
    // photo again (moving them back would leave a complete row naming a key with no bytes).
    if (moved && !marking) {
      // The row still says pending: put the bytes back where a resumed upload finds them.
      // Its thumbnail stays for the completion that follows (swept with the bytes if none does).
      await store
        .finalize(keys.final, keys.pending)
        .catch((e: unknown) => deps.log.error(`photo ${photoId}: could not undo finalize`, e));
    }
    throw err;
  } finally {
    clearInterval(renew);
  }
}

/** A photo's thumbnail at completion: made now, already stored, or none (no image library). */
type Thumbnail = { made: Uint8Array | null; stored: boolean };

/**
 * The type by content, and the thumbnail unless one is `stored`; a 415 (bytes deleted) when the
 * bytes are not the declared image.
 */
async function checkAndThumbnail(
  deps: UploadDeps,
  photo: Photo,
  bytes: Uint8Array,
  stored: boolean,
): Promise<Thumbnail> {
  const pending = photoKeys(photo.id).pending;
  const detected = sniffPhotoType(bytes);
  if (detected !== photo.contentType) {
    await deps.store.remove(pending);
    throw new ApiError(
      415,
      'bad-request',
      `The uploaded file is ${describeBytes(bytes)}, but the photo was declared as ${photo.contentType}. Its bytes were discarded; upload it again from byte 0.`,
      { declared: photo.contentType, detected: detected ?? describeBytes(bytes) },
    );
  }
  if (stored) return { made: null, stored };
  try {
    const made = await makeThumbnail(bytes, (err) =>
      deps.log.warn(`Photo thumbnails are off: the image library did not load (${String(err)}).`),
    );
    return { made, stored };
  } catch (err) {
    if (!(err instanceof UnreadableImageError)) throw err;
    await deps.store.remove(pending);
    throw new ApiError(
      415,
      'bad-request',
      `The uploaded file starts like ${photo.contentType} but could not be read as an image (${err.message}). Its bytes were discarded; upload it again from byte 0.`,
      { declared: photo.contentType },
    );
  }
}
