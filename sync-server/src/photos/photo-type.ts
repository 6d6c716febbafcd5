/** The photo types a device may upload (the attach_photo mutation's `contentType`). */
export type PhotoContentType = 'image/jpeg' | 'image/webp';

/**
 * The type of an image by its first bytes, whatever its name or declared type says:
 * JPEG starts `FF D8 FF`; WebP is a RIFF container of form type `WEBP`. Anything else is null.
 */
export function sniffPhotoType(bytes: Uint8Array): PhotoContentType | null {
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'image/jpeg';
  if (bytes.length >= 12 && ascii(bytes, 0, 4) === 'RIFF' && ascii(bytes, 8, 12) === 'WEBP') return 'image/webp';
  return null;
}

/** A short name for what the bytes look like, for error messages. */
export function describeBytes(bytes: Uint8Array): string {
  const known = sniffPhotoType(bytes);
  if (known) return known;
  if (bytes.length >= 8 && bytes[0] === 0x89 && ascii(bytes, 1, 4) === 'PNG') return 'a PNG image';
  if (bytes.length >= 6 && ascii(bytes, 0, 4) === 'GIF8') return 'a GIF image';
  return 'not a JPEG or WebP image';
}

function ascii(bytes: Uint8Array, from: number, to: number): string {
  return String.fromCharCode(...bytes.subarray(from, to));
}
