import { Hono, type Context } from 'hono';
import { createMiddleware } from 'hono/factory';
import { z } from 'zod';
import { canUploadPhoto } from '@fieldfix/shared';
import { callerOf } from '../access/caller.ts';
import { requireStaff } from '../auth/auth.middleware.ts';
import { ApiError } from '../http/errors.ts';
import { validate } from '../http/validate.ts';
import type { AppEnv, AppParts } from '../http/deps.ts';
import type { PhotoStore } from './photo-store.ts';
import { photoStoreFor } from './photo-store-for.ts';
import type { Photo } from './photo.repo.ts';
import {
  canSeePhoto,
  checkCanUpload,
  photoNotInScope,
  photoOr404,
  receiveUpload,
  uploadHeadOffset,
  UploadInProgress,
  UploadOffsetConflict,
  type UploadDeps,
} from './upload.service.ts';

/** The largest chunk one PATCH may carry. Mounted before /api's 2 MiB limit (see app.ts). */
export const MAX_CHUNK_BYTES = 4 * 1024 * 1024;
const UPLOAD_CONTENT_TYPE = 'application/offset+octet-stream';
const IMMUTABLE = 'private, max-age=31536000, immutable';

const PhotoParam = z.object({ id: z.uuid('a photo id is a UUID').transform((s) => s.toLowerCase()) });

type UploadEnv = AppEnv & { Variables: { uploadOffset: number } };

/** The upload headers of a PATCH, checked before its body is read. */
const uploadHeaders = createMiddleware<UploadEnv>(async (c, next) => {
  const type = c.req.header('content-type')?.split(';')[0]?.trim().toLowerCase();
  if (type !== UPLOAD_CONTENT_TYPE) {
    throw new ApiError(415, 'bad-request', `Send the bytes as Content-Type: ${UPLOAD_CONTENT_TYPE}.`);
  }
  const offset = c.req.header('upload-offset') ?? '';
  if (!/^\d{1,15}$/.test(offset)) {
    throw new ApiError(
      400,
      'bad-request',
      'Say where these bytes go with an Upload-Offset header: a whole number of bytes.',
    );
  }
  c.set('uploadOffset', Number(offset));
  await next();
});

/**
 * A declared length over the cap is refused before a byte is read. A body without a length
 * (chunked) is streamed like any other and stopped at the photo's own length (413); it is
 * never buffered here, so the cap only bounds how long one request holds the lease.
 */
function checkChunkLength(declared: number | null): void {
  if (declared !== null && declared > MAX_CHUNK_BYTES) {
    throw new ApiError(
      413,
      'payload-too-large',
      `One upload request carries at most ${MAX_CHUNK_BYTES} bytes. Send the photo in smaller pieces.`,
    );
  }
}

/**
 * A PATCH answered before its whole body was read (refused, or ended by the idle timeout)
 * closes its connection: otherwise the server would read and drop the rest of the body, and
 * the device would go on sending bytes nobody keeps (a browser even resends a request cut on
 * a reused connection). Closing stops the upload at once; the device asks HEAD and resumes.
 */
const closeUnlessRead = createMiddleware<UploadEnv>(async (c, next) => {
  await next();
  if (c.res.status >= 300 || c.res.headers.get('x-upload-cut') === '1') {
    c.res.headers.delete('x-upload-cut');
    c.res.headers.set('Connection', 'close');
  }
});

/**
 * 410: the photo's bytes were deleted under the city's retention policy (PHOTO_RETENTION_DAYS).
 * Its record stays in the case's history.
 */
function photoRemoved(id: string, removedAt: Date): ApiError {
  const day = removedAt.toISOString().slice(0, 10);
  return new ApiError(
    410,
    'not-found',
    `Photo ${id} was deleted on ${day} under the city's photo retention policy: its case was closed long ago. The case history still records that it was taken.`,
    { removedAt: removedAt.toISOString(), reason: 'retention' },
  );
}

/**
 * Photo bytes: resumable upload (HEAD/PATCH …/upload) and download of a complete photo and
 * its thumbnail. The photo row comes from the attach_photo mutation (sync); this only moves
 * bytes. `store` defaults to the configured one (PHOTO_STORE: a bucket, else files under PHOTOS_DIR).
 * A download is streamed by the server from the store as it is read (`PhotoStore.openRead`),
 * or with PHOTO_DOWNLOADS=presigned answered, after the same access check, with a redirect to
 * a short-lived presigned URL of the bucket.
 */
export function photoRoutes({ sql, config, log, quietPull }: AppParts, store: PhotoStore = photoStoreFor(config, log)) {
  const timings = config.uploadTimings;
  // A crew device's session found valid here is remembered for its pulls (`QuietPull`).
  const staffOnly = requireStaff(sql, { quiet: quietPull });
  const deps: UploadDeps = { sql, store, maxBytes: config.photoMaxBytes, log };

  async function visible(c: Context<AppEnv>, id: string): Promise<Photo> {
    const photo = await photoOr404(sql, id);
    if (!canSeePhoto(c.var.staff, photo)) throw photoNotInScope(photo);
    return photo;
  }

  /** Presigned downloads: configured (PHOTO_DOWNLOADS=presigned) and the store can sign URLs. */
  const presign = config.photoDownloads === 'presigned' ? store.presignedUrl?.bind(store) : undefined;

  async function download(c: Context<AppEnv>, id: string, which: 'final' | 'thumb') {
    const photo = await visible(c, id);
    if (photo.removedAt) throw photoRemoved(photo.id, photo.removedAt);
    const key = which === 'final' ? photo.storageKey : photo.thumbKey;
    if (!photo.complete || !photo.sha256 || !key) {
      throw new ApiError(
        404,
        'not-found',
        photo.complete ? `Photo ${id} has no thumbnail.` : `Photo ${id} has not finished uploading.`,
      );
    }
    const etag = `"${photo.sha256}"`;
    const headers = { 'Cache-Control': IMMUTABLE, ETag: etag };
    if (
      c.req
        .header('if-none-match')
        ?.split(',')
        .some((t) => t.trim().replace(/^W\//, '') === etag)
    ) {
      return c.body(null, 304, headers);
    }
    const contentType = which === 'final' ? photo.contentType : 'image/jpeg';
    if (presign) {
      // The access check above is the only one: whoever holds the URL may download until it
      // expires. The redirect itself is never cached (a cached one would outlive its URL).
      const url = await presign(key, { expiresIn: config.photoUrlSeconds, contentType, cacheControl: IMMUTABLE });
      return c.body(null, 302, { Location: url, 'Cache-Control': 'private, no-store' });
    }
    // Opened before answering: a missing key or a bucket that does not answer is still a
    // 410/503 here. Once the headers are sent, the bytes are passed on as the store reads
    // them, never held whole (a photo may be PHOTO_MAX_BYTES).
    const opened = await store.openRead(key);
    if (!opened) {
      // Deleted under the retention policy since the row was read: 410, as it would be now.
      const now = await photoOr404(sql, id);
      if (now.removedAt) throw photoRemoved(now.id, now.removedAt);
      throw new Error(`photo ${id}: ${key} is missing from the store`);
    }
    const answer = {
      ...headers,
      'Content-Type': contentType,
      ...(opened.length === undefined ? {} : { 'Content-Length': String(opened.length) }),
    };
    if (c.req.method === 'HEAD') {
      // Hono answers HEAD with this GET's headers and drops its body unread: closed here
      // instead, so no file or bucket connection is left open.
      await opened.body.cancel();
      return c.body(null, 200, answer);
    }
    return c.body(opened.body, 200, answer);
  }

  return (
    new Hono<AppEnv>()
      // HEAD is answered by this GET handler (Hono routes HEAD to GET and drops the body).
      .get('/:id/upload', staffOnly, validate('param', PhotoParam), async (c) => {
        const { id } = c.req.valid('param');
        const photo = await photoOr404(sql, id);
        const caller = callerOf(c.var.staff);
        if (!canUploadPhoto(caller, photo) && !canSeePhoto(c.var.staff, photo)) throw photoNotInScope(photo);
        return c.body(null, 200, {
          'Upload-Offset': String(await uploadHeadOffset(deps, photo)),
          'Upload-Length': String(photo.byteSize),
          'Cache-Control': 'no-store',
        });
      })
      .patch(
        '/:id/upload',
        closeUnlessRead,
        staffOnly,
        validate('param', PhotoParam),
        uploadHeaders,
        async (c, next) => {
          // Cheap refusals before reading the body: unknown photo, not the uploader, too large.
          const { id } = c.req.valid('param');
          const photo = await photoOr404(sql, id);
          const length = c.req.header('content-length');
          const declared = length && /^\d+$/.test(length) ? Number(length) : null;
          checkChunkLength(declared);
          checkCanUpload(deps, c.var.staff, photo, c.var.uploadOffset, declared);
          await next();
        },
        async (c) => {
          // The body is written as it arrives (never read whole): see receiveUpload.
          const { id } = c.req.valid('param');
          try {
            const got = await receiveUpload(deps, c.var.staff, id, c.var.uploadOffset, c.req.raw.body, timings);
            return c.body(null, 204, {
              'Upload-Offset': String(got.offset),
              'Cache-Control': 'no-store',
              ...(got.cut ? { 'x-upload-cut': '1' } : {}),
            });
          } catch (err) {
            if (err instanceof UploadOffsetConflict || err instanceof UploadInProgress) {
              c.header('Upload-Offset', String(err.actual));
            }
            throw err;
          }
        },
      )
      .get('/:id/thumb', staffOnly, validate('param', PhotoParam), (c) => download(c, c.req.valid('param').id, 'thumb'))
      .get('/:id', staffOnly, validate('param', PhotoParam), (c) => download(c, c.req.valid('param').id, 'final'))
  );
}
