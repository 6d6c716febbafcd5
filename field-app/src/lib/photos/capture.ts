/**
 * From a picked file to a photo ready to store: downscaled in a worker when possible (on the
 * main thread otherwise), with the time it was taken and where, if the device may say so
 * without asking. Never waits on a permission prompt.
 */
import { v7 as uuidv7 } from 'uuid';
import type { NewPhoto, PhotoTag } from '#lib/db/index.ts';
import type { WorkerAnswer } from './downscale.worker.ts';
import { sensibleCaptureTime } from './capture-time.ts';
import type { CaptureFacts } from './exif.ts';
import { CONTENT_TYPE, processPhoto, type ProcessedPhoto } from './process.ts';

type Downscaled = { photo: ProcessedPhoto; capture: CaptureFacts };

/** How long the location may take when permission is already granted. */
const LOCATION_WAIT_MS = 5_000;

function inWorker(file: Blob): Promise<Downscaled> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL('./downscale.worker.ts', import.meta.url), { type: 'module' });
    worker.onmessage = (event: MessageEvent<WorkerAnswer>) => {
      worker.terminate();
      if (event.data.ok) resolve({ photo: event.data.photo, capture: event.data.capture });
      else reject(new Error(event.data.message));
    };
    worker.onerror = (event) => {
      worker.terminate();
      reject(new Error(event.message || 'The photo worker failed'));
    };
    worker.postMessage(file);
  });
}

/** Downscales `file` and reads its capture facts: in a worker when the browser can, else here. */
export async function downscale(file: Blob): Promise<Downscaled> {
  if (typeof Worker !== 'undefined' && typeof OffscreenCanvas !== 'undefined') {
    try {
      return await inWorker(file);
    } catch (err) {
      console.warn('Downscaling in a worker failed; trying on the page', err);
    }
  }
  // The EXIF reader loads only for this fallback (the worker bundles its own).
  const [photo, capture] = await Promise.all([
    processPhoto(file),
    import('./exif.ts').then((m) => m.readCaptureFacts(file)),
  ]);
  return { photo, capture };
}

/** The device's position, only if the person has already allowed it; else null at once. */
export async function currentPosition(): Promise<{ lat: number; long: number } | null> {
  try {
    if (typeof navigator === 'undefined' || !navigator.geolocation || !navigator.permissions) return null;
    const status = await navigator.permissions.query({ name: 'geolocation' });
    if (status.state !== 'granted') return null;
    return await new Promise((resolve) =>
      navigator.geolocation.getCurrentPosition(
        (p) => resolve({ lat: p.coords.latitude, long: p.coords.longitude }),
        () => resolve(null),
        { enableHighAccuracy: true, timeout: LOCATION_WAIT_MS, maximumAge: 60_000 },
      ),
    );
  } catch {
    return null;
  }
}

/** The file's own time (the camera's), if it has a sensible one (a file from a camera whose clock was never set says 1980). */
function takenAt(file: File): string | null {
  return sensibleCaptureTime(new Date(file.lastModified));
}

export interface PreparedPhoto {
  photo: NewPhoto;
  /** How long downscaling took (ms), for the record. */
  ms: number;
}

/** Everything about a new photo of `caseId` except what the outbox adds. */
export async function preparePhoto(file: File, caseId: string, tag: PhotoTag): Promise<PreparedPhoto> {
  const where = currentPosition();
  const started = performance.now();
  const { photo: p, capture } = await downscale(file);
  const ms = Math.round(performance.now() - started);
  // The picture's own time and place first (a gallery photo may be older and from elsewhere).
  const pos = capture.lat !== null && capture.long !== null ? { lat: capture.lat, long: capture.long } : await where;
  return {
    ms,
    photo: {
      id: uuidv7(),
      caseId,
      tag,
      contentType: CONTENT_TYPE,
      byteSize: p.bytes.byteLength,
      width: p.width,
      height: p.height,
      takenAt: capture.takenAt ?? takenAt(file),
      lat: pos?.lat ?? null,
      long: pos?.long ?? null,
      bytes: p.bytes,
      thumb: p.thumb,
      thumbType: CONTENT_TYPE,
    },
  };
}
