/**
 * When and where a picture was taken, read from its EXIF before the re-encode drops all
 * metadata: a photo picked from the gallery may be hours old and taken elsewhere, so its own
 * capture time and GPS position beat the file's date and where the device is now. Uses
 * exifr's lite build (its tag names and dates, without the rarer formats); runs in the
 * downscale worker.
 */
import exifr from 'exifr/dist/lite.esm.mjs';

export interface CaptureFacts {
  /** ISO time the camera recorded, or null. */
  takenAt: string | null;
  lat: number | null;
  long: number | null;
}

const NONE: CaptureFacts = { takenAt: null, lat: null, long: null };

const inRange = (v: unknown, limit: number): v is number =>
  typeof v === 'number' && Number.isFinite(v) && Math.abs(v) <= limit;

/**
 * The years a capture time may fall in: the sync protocol's (`EARLIEST_YEAR`, `LATEST_YEAR` in
 * `@fieldfix/shared`, which this module does not import: the residents' photo worker loads
 * it, and the shared package would bring the schema library with it).
 */
export const CAPTURE_YEARS = { earliest: 2000, latest: 2199 } as const;

/** The capture facts of `file`; all null when it has no (readable) EXIF. Never throws. */
export async function readCaptureFacts(file: Blob): Promise<CaptureFacts> {
  try {
    // EXIF sits in the first segment of a JPEG (at most 64 KiB): no need to read the rest.
    const head = await file.slice(0, 128 * 1024).arrayBuffer();
    const tags = (await exifr.parse(head, {
      tiff: true,
      exif: true,
      gps: true,
      ifd1: false,
      xmp: false,
      icc: false,
      iptc: false,
      jfif: false,
    })) as { DateTimeOriginal?: unknown; CreateDate?: unknown; latitude?: unknown; longitude?: unknown } | undefined;
    if (!tags) return NONE;
    const when = tags.DateTimeOriginal ?? tags.CreateDate;
    // A camera whose clock was never set writes 1970 or 1980: no time rather than a wrong one
    // (the photo's change would be refused for it, and the worker told only "not complete").
    const time =
      when instanceof Date &&
      Number.isFinite(when.getTime()) &&
      when.getUTCFullYear() >= CAPTURE_YEARS.earliest &&
      when.getUTCFullYear() <= CAPTURE_YEARS.latest
        ? when.toISOString()
        : null;
    const located =
      inRange(tags.latitude, 90) && inRange(tags.longitude, 180) && !(tags.latitude === 0 && tags.longitude === 0);
    return {
      takenAt: time,
      lat: located ? (tags.latitude as number) : null,
      long: located ? (tags.longitude as number) : null,
    };
  } catch {
    return NONE;
  }
}
