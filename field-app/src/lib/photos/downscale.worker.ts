/**
 * Downscales and re-encodes a picture off the main thread (OffscreenCanvas), so the page
 * stays responsive while a 12-megapixel photo is decoded. One message in (the file), one out.
 */
import { processPhoto, type ProcessedPhoto } from './process.ts';

export type WorkerAnswer = { ok: true; photo: ProcessedPhoto } | { ok: false; message: string };

interface WorkerScope {
  onmessage: ((event: MessageEvent<Blob>) => void) | null;
  postMessage(message: WorkerAnswer, transfer?: Transferable[]): void;
}
const scope = self as unknown as WorkerScope;

scope.onmessage = (event) => {
  processPhoto(event.data).then(
    (photo) => scope.postMessage({ ok: true, photo }, [photo.bytes, photo.thumb]),
    (err: unknown) => scope.postMessage({ ok: false, message: err instanceof Error ? err.message : String(err) }),
  );
};
