/**
 * When and where a picture was taken, read from its EXIF before the re-encode drops all
 * metadata: a photo picked from the gallery may be hours old and taken elsewhere, so its own
 * capture time and GPS position beat the file's date and where the device is now. Uses
 * exifr's lite build (its tag names and dates, without the rarer formats); runs in the
 * downscale worker.
 */
import exifr from 'exifr/dist/lite.esm.mjs';
import { sensibleCaptureTime } from './capture-time.ts';

export interface CaptureFacts {
  /** ISO time the camera recorded, or null. */
  takenAt: string | null;
  lat: number | null;
  long: number | null;
}

const NONE: CaptureFacts = { takenAt: null, lat: null, long: null };

const inRange = (v: unknown, limit: number): v is number =>
  typeof v === 'number' && Number.isFinite(v) && Math.abs(v) <= limit;

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
    // A camera whose clock was never set writes 1970 or 1980.
    const time = when instanceof Date ? sensibleCaptureTime(when) : null;
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
