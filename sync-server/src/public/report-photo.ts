/**
 * A resident's photo as the city keeps it: decoded (so a file that only looks like a picture
 * is refused), turned upright, at most 1600 px on its longest side, and re-encoded as JPEG,
 * which drops every bit of metadata (EXIF, GPS, the phone's make and owner), with its
 * thumbnail. The phone downscales the same way first (field-app/src/lib/photos), so this is
 * cheap for photos from the form and a guard for anything else.
 */
import { makeThumbnail, UnreadableImageError } from '../photos/thumbnail.ts';
import type { PhotoContentType } from '../photos/photo-type.ts';

const MAX_SIDE = 1600;
const MAX_INPUT_PIXELS = 100_000_000;

export type KeptPhoto = {
  bytes: Uint8Array;
  thumb: Uint8Array | null;
  contentType: PhotoContentType;
  width: number | null;
  height: number | null;
};

/** Null when the bytes do not decode as a picture. Without an image library, the bytes are kept as sent. */
export async function reencodeReportPhoto(bytes: Uint8Array, type: PhotoContentType): Promise<KeptPhoto | null> {
  const sharp = await import('sharp').then(
    (m) => m.default,
    () => null,
  );
  if (!sharp) return { bytes, thumb: null, contentType: type, width: null, height: null };
  try {
    const { data, info } = await sharp(bytes, { failOn: 'error', limitInputPixels: MAX_INPUT_PIXELS })
      .rotate()
      .resize(MAX_SIDE, MAX_SIDE, { fit: 'inside', withoutEnlargement: true })
      .jpeg({ quality: 82 })
      .toBuffer({ resolveWithObject: true });
    const full = new Uint8Array(data);
    const thumb = await makeThumbnail(full, () => {});
    return { bytes: full, thumb, contentType: 'image/jpeg', width: info.width, height: info.height };
  } catch (err) {
    // sharp's own decode errors, and the thumbnail's.
    if (err instanceof UnreadableImageError || err instanceof Error) return null;
    throw err;
  }
}
