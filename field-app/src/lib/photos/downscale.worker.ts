/**
 * Downscales and re-encodes a picture off the main thread (OffscreenCanvas), so the page
 * stays responsive while a 12-megapixel photo is decoded, and reads when and where it was
 * taken before the re-encode drops its metadata. One message in (the file), one out.
 */
import { readCaptureFacts, type CaptureFacts } from './exif.ts';
import { processPhoto, type ProcessedPhoto } from './process.ts';

export type WorkerAnswer = { ok: true; photo: ProcessedPhoto; capture: CaptureFacts } | { ok: false; message: string };

interface WorkerScope {
  onmessage: ((event: MessageEvent<Blob>) => void) | null;
  postMessage(message: WorkerAnswer, transfer?: Transferable[]): void;
}
const scope = self as unknown as WorkerScope;

scope.onmessage = (event) => {
  Promise.all([processPhoto(event.data), readCaptureFacts(event.data)]).then(
    ([photo, capture]) => scope.postMessage({ ok: true, photo, capture }, [photo.bytes, photo.thumb]),
    (err: unknown) => scope.postMessage({ ok: false, message: err instanceof Error ? err.message : String(err) }),
  );
};
