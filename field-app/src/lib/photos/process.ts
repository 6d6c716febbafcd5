/**
 * Turns a picture from the camera or the gallery into what the device keeps and uploads:
 * EXIF orientation applied, longest side at most 1600 px, JPEG at quality 0.8, and a
 * thumbnail (longest side 320) for lists. Re-encoding through a canvas drops every bit of
 * metadata (EXIF, GPS, maker notes); the capture time and place are read first and kept as
 * fields (`exif.ts`).
 *
 * Runs in a worker when the browser has OffscreenCanvas (see `downscale.worker.ts`), else on
 * the main thread with a plain canvas.
 */

export const MAX_SIDE = 1600;
export const THUMB_SIDE = 320;
export const QUALITY = 0.8;
export const CONTENT_TYPE = 'image/jpeg';

export interface ProcessedPhoto {
  bytes: ArrayBuffer;
  width: number;
  height: number;
  thumb: ArrayBuffer;
  thumbWidth: number;
  thumbHeight: number;
}

/** The size that fits `max` on the longest side, never enlarging. */
export function fitWithin(width: number, height: number, max: number): { width: number; height: number } {
  const scale = Math.min(1, max / Math.max(width, height));
  return { width: Math.max(1, Math.round(width * scale)), height: Math.max(1, Math.round(height * scale)) };
}

async function encode(
  source: ImageBitmap,
  max: number,
  quality: number,
): Promise<{ bytes: ArrayBuffer; width: number; height: number }> {
  const { width, height } = fitWithin(source.width, source.height, max);
  let blob: Blob;
  if (typeof OffscreenCanvas !== 'undefined') {
    const canvas = new OffscreenCanvas(width, height);
    const ctx = canvas.getContext('2d');
    if (!ctx) throw new Error('No 2D canvas');
    ctx.imageSmoothingQuality = 'high';
    ctx.drawImage(source, 0, 0, width, height);
    blob = await canvas.convertToBlob({ type: CONTENT_TYPE, quality });
  } else {
    const canvas = document.createElement('canvas');
    canvas.width = width;
    canvas.height = height;
    const ctx = canvas.getContext('2d');
    if (!ctx) throw new Error('No 2D canvas');
    ctx.imageSmoothingQuality = 'high';
    ctx.drawImage(source, 0, 0, width, height);
    blob = await new Promise<Blob>((resolve, reject) =>
      canvas.toBlob(
        (b) => (b ? resolve(b) : reject(new Error('The picture could not be encoded'))),
        CONTENT_TYPE,
        quality,
      ),
    );
  }
  return { bytes: await blob.arrayBuffer(), width, height };
}

/** Decodes `file` upright (EXIF orientation applied) and encodes the photo and its thumbnail. */
export async function processPhoto(file: Blob): Promise<ProcessedPhoto> {
  const bitmap = await createImageBitmap(file, { imageOrientation: 'from-image' });
  try {
    const full = await encode(bitmap, MAX_SIDE, QUALITY);
    const thumb = await encode(bitmap, THUMB_SIDE, 0.7);
    return {
      bytes: full.bytes,
      width: full.width,
      height: full.height,
      thumb: thumb.bytes,
      thumbWidth: thumb.width,
      thumbHeight: thumb.height,
    };
  } finally {
    bitmap.close();
  }
}
