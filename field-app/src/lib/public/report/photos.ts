/**
 * A resident's photo made ready to keep and send: downscaled and re-encoded on the phone as
 * the crew app does (`#lib/photos`: in a worker when the browser can), which also drops its
 * metadata (the place it was taken, the phone). Offline, the worker's own script may not load:
 * then the same processing runs on the page.
 */
import { downscale } from '#lib/photos/capture.ts';
import { processPhoto } from '#lib/photos/process.ts';

export type ReadyPhoto = { id: string; bytes: ArrayBuffer; thumb: ArrayBuffer };

export async function preparePhoto(file: File): Promise<ReadyPhoto> {
  let photo: { bytes: ArrayBuffer; thumb: ArrayBuffer };
  try {
    photo = (await downscale(file)).photo;
  } catch {
    photo = await processPhoto(file);
  }
  return { id: crypto.randomUUID(), bytes: photo.bytes, thumb: photo.thumb };
}

/** A random id for this phone, kept in localStorage (the server limits reports per device). */
export function deviceId(): string {
  const KEY = 'fieldfix-device';
  try {
    const known = localStorage.getItem(KEY);
    if (known) return known;
    const made = crypto.randomUUID();
    localStorage.setItem(KEY, made);
    return made;
  } catch {
    return crypto.randomUUID();
  }
}
