/**
 * Resumable uploads of a photo's bytes, in the spirit of tus 1.0 core: the client asks how
 * much is stored (HEAD), then appends from exactly there (PATCH). Every append runs under the
 * photo row's lock and checks the offset against the stored size, so two racing PATCHes
 * cannot both write: the second sees the first's bytes and gets a 409.
 * The last byte completes the upload: the type is checked by content, the bytes hashed and
 * thumbnailed, and the row marked complete in the same locked transaction.
 */
import { createHash } from 'node:crypto';
import type { Sql } from '../db/database.ts';
import type { Staff } from '../access/caller.ts';
import type { Logger } from '../http/deps.ts';
import { ApiError } from '../http/errors.ts';
import { canUploadPhoto, caseReadLevel } from '@fieldfix/shared';
import { callerOf } from '../access/caller.ts';
import { findPhoto, markPhotoComplete, type Photo } from './photo.repo.ts';
import { OffsetMismatchError, photoKeys, type PhotoStore } from './photo-store.ts';
import { describeBytes, sniffPhotoType } from './photo-type.ts';
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
export async function storedOffset(store: PhotoStore, photo: Photo): Promise<number> {
  return photo.complete ? photo.byteSize : store.size(photoKeys(photo.id).pending);
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

/**
 * Appends `bytes` at `offset` and, when that is the last of them, completes the photo.
 * Returns the new offset. Throws UploadOffsetConflict (409), 413 past the photo's length,
 * 415 when the finished bytes are not the declared type (they are then deleted: the upload
 * starts again at 0).
 */
export async function appendChunk(
  deps: UploadDeps,
  staff: Staff,
  photoId: string,
  offset: number,
  bytes: Uint8Array,
): Promise<number> {
  const { sql, store } = deps;
  const keys = photoKeys(photoId);
  // Set once the bytes are moved to their final key: undone if the transaction then fails.
  let moved = false;
  try {
    return await sql.begin(async (tx) => {
      const photo = await findPhoto(tx, photoId, { forUpdate: true });
      if (!photo) throw new ApiError(404, 'not-found', `No photo ${photoId}.`);
      checkCanUpload(deps, staff, photo, offset, bytes.length);
      if (photo.complete) {
        // A retried last PATCH, or a HEAD-less client checking: already done.
        if (offset === photo.byteSize) return photo.byteSize;
        throw new UploadOffsetConflict(offset, photo.byteSize);
      }
      const stored = await store.size(keys.pending);
      if (stored !== offset) throw new UploadOffsetConflict(offset, stored);
      let size = stored;
      if (bytes.length > 0) {
        try {
          size = await store.append(keys.pending, offset, bytes);
        } catch (err) {
          if (err instanceof OffsetMismatchError) throw new UploadOffsetConflict(offset, err.actual);
          throw err;
        }
      }
      if (size < photo.byteSize) return size;

      const all = (await store.read(keys.pending)) ?? new Uint8Array();
      const thumb = await checkAndThumbnail(deps, photo, all);
      const sha256 = createHash('sha256').update(all).digest('hex');
      if (thumb) await store.put(keys.thumb, thumb);
      await store.finalize(keys.pending, keys.final);
      moved = true;
      await markPhotoComplete(tx, photo.id, { storageKey: keys.final, sha256, thumbKey: thumb ? keys.thumb : null });
      return size;
    });
  } catch (err) {
    if (moved) {
      // The row still says pending: put the bytes back where a resumed upload finds them.
      await store
        .finalize(keys.final, keys.pending)
        .catch((e: unknown) => deps.log.error(`photo ${photoId}: could not undo finalize`, e));
      await store.remove(keys.thumb).catch(() => {});
    }
    throw err;
  }
}

/** The type by content and the thumbnail; a 415 (bytes deleted) when the bytes are not the declared image. */
async function checkAndThumbnail(deps: UploadDeps, photo: Photo, bytes: Uint8Array): Promise<Uint8Array | null> {
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
  try {
    return await makeThumbnail(bytes, (err) =>
      deps.log.warn(`Photo thumbnails are off: the image library did not load (${String(err)}).`),
    );
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
