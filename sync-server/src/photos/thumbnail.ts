/** The longest side of a thumbnail, in pixels. */
export const THUMB_SIZE = 320;

/**
 * Larger images are refused rather than decoded: a small file can declare a huge canvas
 * (a decompression bomb). 100 MP is above any phone camera's default output.
 */
const MAX_INPUT_PIXELS = 100_000_000;

type Sharp = (typeof import('sharp'))['default'];
let loading: Promise<Sharp | null> | undefined;

/**
 * sharp is loaded on first use: where its prebuilt libvips is missing for the platform, the
 * server still runs and stores photos without thumbnails (`makeThumbnail` returns null).
 */
function loadSharp(onMissing: (err: unknown) => void): Promise<Sharp | null> {
  loading ??= import('sharp').then(
    (m) => m.default,
    (err: unknown) => {
      onMissing(err);
      return null;
    },
  );
  return loading;
}

export class UnreadableImageError extends Error {}

/**
 * A JPEG of the image with its longest side at most THUMB_SIZE, turned upright by its EXIF
 * orientation. Null when no image library is available. Throws `UnreadableImageError` when
 * the bytes do not decode as an image.
 */
export async function makeThumbnail(bytes: Uint8Array, onMissing: (err: unknown) => void): Promise<Uint8Array | null> {
  const sharp = await loadSharp(onMissing);
  if (!sharp) return null;
  try {
    return await sharp(bytes, { failOn: 'error', limitInputPixels: MAX_INPUT_PIXELS })
      .rotate()
      .resize(THUMB_SIZE, THUMB_SIZE, { fit: 'inside', withoutEnlargement: true })
      .jpeg({ quality: 75 })
      .toBuffer();
  } catch (err) {
    throw new UnreadableImageError(err instanceof Error ? err.message : String(err));
  }
}
