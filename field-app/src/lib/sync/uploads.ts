/**
 * Photo uploads, run by the sync loop after a push and pull (so every photo's `attach_photo`
 * has been acknowledged first: the server knows the photo and its size).
 *
 * Per photo: `HEAD` for the server's offset, then `PATCH` 256 KiB pieces from there; after
 * each piece the new offset is stored on the device, so a reload or a crash resumes where
 * the server stopped. The server stores a piece's bytes as they arrive, so a piece cut
 * halfway is resumed halfway (the next `HEAD` says where): on a cut link only the bytes in
 * flight are sent twice. Progress is reported as bytes go, not per piece; a piece is given up
 * only when nothing moves for a while (`STALL_MS`), never for taking long on a slow link.
 * The server's offset is the truth: a 409 carries it and the upload goes on from there. No
 * answer (or a server error) stops the uploads and hands the failure to the loop, which
 * backs off and tries again; a photo the server refuses (413, 415, or another 4xx that says
 * what is wrong) is marked failed with the server's words and not retried.
 */
import type { ApiFailure } from '#lib/api/index.ts';
import { uploadOffset, uploadPiece } from '#lib/api/upload.ts';
import { failUpload, photosToUpload, recordUpload, type PhotoRow } from '#lib/db/index.ts';

export const CHUNK_BYTES = 256 * 1024;
/** 409s in a row for one photo before giving up for this sync (a server that keeps moving). */
const MAX_CONFLICTS = 5;

export interface UploadProgress {
  /** Bytes the server holds of the photos in this round. */
  sent: number;
  total: number;
  photos: number;
}

/** A failure the loop should back off on (no answer, 401, 5xx…); null when all went up. */
export async function uploadPhotos(
  userId: string,
  onProgress: (p: UploadProgress) => void,
  signal?: AbortSignal,
): Promise<ApiFailure | null> {
  const queue = await photosToUpload(userId);
  if (queue.length === 0) return null;
  const total = queue.reduce((n, p) => n + p.byteSize, 0);
  let before = 0; // bytes of the photos already handled in this round
  let skipped: ApiFailure | null = null;
  for (const photo of queue) {
    const report = (offset: number) =>
      onProgress({ sent: before + Math.min(offset, photo.byteSize), total, photos: queue.length });
    report(photo.uploadedBytes);
    const result = await uploadOne(photo, report, signal);
    before += photo.byteSize;
    if (result === 'ok') continue;
    if (result.retryOthers) {
      skipped ??= result.failure;
      continue;
    }
    return result.failure;
  }
  onProgress({ sent: total, total, photos: queue.length });
  return skipped;
}

type OneResult = 'ok' | { failure: ApiFailure; retryOthers: boolean };

async function uploadOne(
  photo: PhotoRow,
  report: (offset: number) => void,
  signal: AbortSignal | undefined,
): Promise<OneResult> {
  const head = await uploadOffset(photo.id, signal);
  if (!head.ok) return refused(photo, head.error);
  let offset = head.offset;
  let conflicts = 0;
  for (;;) {
    await recordUpload(photo.id, offset);
    report(offset);
    if (offset >= photo.byteSize) return 'ok';
    const chunk = photo.bytes.slice(offset, Math.min(offset + CHUNK_BYTES, photo.byteSize));
    const from = offset;
    const res = await uploadPiece(photo.id, from, chunk, { signal, onProgress: (n) => report(from + n) });
    if (res.ok) {
      conflicts = 0;
      offset = res.offset;
      continue;
    }
    if (
      res.error.kind === 'http' &&
      res.error.code === 'upload-offset-mismatch' &&
      res.offset !== null &&
      conflicts < MAX_CONFLICTS
    ) {
      conflicts++;
      offset = res.offset; // the server's offset wins
      continue;
    }
    return refused(photo, res.error);
  }
}

/** Sorts a failed request: give up on this photo, skip it for now, or stop the uploads. */
async function refused(photo: PhotoRow, e: ApiFailure): Promise<OneResult> {
  if (e.kind === 'http') {
    if (e.status === 413 || e.status === 415 || e.status === 400 || e.status === 422) {
      await failUpload(photo.id, e.message);
      return 'ok';
    }
    // Not known to the server (yet), a conflict that will not settle, or another request
    // still writing it (a cut one the server has not yet noticed): the others may go.
    if (e.code === 'upload-in-progress') {
      const message = 'The server is still receiving an earlier try of a photo; it goes on from there shortly.';
      return { failure: { ...e, message }, retryOthers: true };
    }
    if (e.status === 404 || e.status === 409 || e.status === 403) return { failure: e, retryOthers: true };
  }
  return { failure: e, retryOthers: false };
}
