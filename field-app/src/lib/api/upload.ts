/**
 * Photo bytes up, resumably (tus 1.0 core in spirit): `HEAD …/upload` says how many bytes the
 * server holds, `PATCH …/upload` appends from exactly there. The server writes a PATCH body
 * as it arrives and keeps what got through when the link is cut, so a piece cut halfway
 * resumes halfway.
 *
 * In a page a piece goes with XMLHttpRequest, whose upload progress events say bytes are
 * still leaving; in the service worker (no XHR) with fetch. While a piece is on its way the
 * server is asked every few seconds how much it holds (HEAD): that is the progress shown, and
 * the proof that bytes still arrive while a socket's buffer drains to a slow link with no
 * event. A piece is given up only when neither has moved for `STALL_MS`. Like the rest of
 * `#lib/api/`, never throws.
 */
import { httpFailure, jsonOrUndefined, SYNC_HEADERS, thrownFailure, type ApiFailure } from './index.ts';
import { fetchWithStall, linkMonitor, STALL_MS, stallClock, StallError } from './stall.ts';

/**
 * An upload request's answer: the server's `Upload-Offset` when it sent one (also on a 409,
 * where it says where to continue from).
 */
export type UploadResult = { ok: true; offset: number } | { ok: false; error: ApiFailure; offset: number | null };

export interface PieceOptions {
  /** Bytes of this piece the server is known to hold. */
  onProgress?: (bytes: number) => void;
  signal?: AbortSignal | undefined;
  stallMs?: number;
}

/** While a piece is on its way, ask the server this often how much of it is stored. */
const POLL_MS = 4_000;
const CONTENT_TYPE = 'application/offset+octet-stream';

const uploadPath = (id: string) => `/api/photos/${encodeURIComponent(id)}/upload`;

/** A response's headers, read the same way from fetch (`res.headers`) and XHR (`getResponseHeader`). */
export interface ResponseHeaders {
  get(name: string): string | null;
}

function offsetOf(headers: ResponseHeaders): number | null {
  const raw = headers.get('upload-offset');
  if (raw === null || !/^\d+$/.test(raw.trim())) return null;
  return Number(raw.trim());
}

/**
 * An upload request's answer from its status, headers (`Upload-Offset`, and `Retry-After` on a
 * failure) and error body (undefined when there is none, as for a HEAD).
 */
export function answered(status: number, headers: ResponseHeaders, json: unknown): UploadResult {
  const offset = offsetOf(headers);
  if (status >= 200 && status < 300) {
    if (offset === null) {
      return {
        ok: false,
        error: {
          kind: 'invalid-response',
          status,
          message: 'The server did not say how much of the photo it has. Try again later.',
        },
        offset: null,
      };
    }
    return { ok: true, offset };
  }
  return { ok: false, error: httpFailure(status, json, headers.get('retry-after')), offset };
}

/** `HEAD /api/photos/:id/upload`: how many bytes of the photo the server holds. */
export async function uploadOffset(id: string, signal?: AbortSignal): Promise<UploadResult> {
  try {
    const res = await fetchWithStall(
      uploadPath(id),
      { method: 'HEAD', credentials: 'same-origin', cache: 'no-store', headers: SYNC_HEADERS },
      { signal },
    );
    return answered(res.status, res.headers, undefined);
  } catch (err) {
    return { ok: false, error: thrownFailure(err), offset: null };
  }
}

/**
 * `PATCH /api/photos/:id/upload`: `bytes` at `offset`; answers the new offset. On a failure
 * with no answer the server may still hold part of the piece: ask `uploadOffset` before the
 * next one.
 */
export async function uploadPiece(
  id: string,
  offset: number,
  bytes: ArrayBuffer,
  opts: PieceOptions = {},
): Promise<UploadResult> {
  const stallMs = opts.stallMs ?? STALL_MS;
  const controller = new AbortController();
  const abortOuter = () => controller.abort();
  opts.signal?.addEventListener('abort', abortOuter);
  let stalled = false;
  const clock = stallClock(stallMs, () => {
    stalled = true;
    controller.abort();
  });
  const watched = linkMonitor.begin();
  // Progress shown: what the server is known to hold of this piece (its answer, or a HEAD
  // asked meanwhile). Upload progress events only say bytes left the browser: on a slow link
  // they run far ahead (into socket buffers), so they keep the piece alive but are not shown.
  let stored = 0;
  const storedUpTo = (n: number) => {
    if (n <= stored) return;
    stored = n;
    clock.poke();
    watched.moved();
    opts.onProgress?.(n);
  };
  const sending = () => {
    clock.poke();
    watched.moved();
  };
  // While the piece is on its way, ask now and then how much the server holds.
  let asking = false;
  let askedAt = Date.now();
  const poll = setInterval(() => {
    if (asking || Date.now() - askedAt < POLL_MS) return;
    asking = true;
    askedAt = Date.now();
    void uploadOffset(id, controller.signal)
      .then((head) => {
        if (head.ok) storedUpTo(Math.min(head.offset - offset, bytes.byteLength));
      })
      .finally(() => {
        asking = false;
        askedAt = Date.now();
      });
  }, 500);
  try {
    const send = typeof XMLHttpRequest === 'undefined' ? sendWithFetch : sendWithXhr;
    const res = await send(id, offset, bytes, controller.signal, sending);
    if (res.ok) storedUpTo(res.offset - offset);
    return res;
  } catch (err) {
    return { ok: false, error: thrownFailure(stalled ? new StallError(stallMs) : err), offset: null };
  } finally {
    clearInterval(poll);
    clock.stop();
    watched.end();
    opts.signal?.removeEventListener('abort', abortOuter);
  }
}

type Send = (
  id: string,
  offset: number,
  bytes: ArrayBuffer,
  signal: AbortSignal,
  /** Bytes are still leaving (keeps the piece alive; not shown as progress). */
  sending: () => void,
) => Promise<UploadResult>;

const sendWithXhr: Send = (id, offset, bytes, signal, sending) =>
  new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('PATCH', uploadPath(id));
    xhr.withCredentials = true;
    for (const [k, v] of Object.entries(SYNC_HEADERS)) xhr.setRequestHeader(k, v);
    xhr.setRequestHeader('content-type', CONTENT_TYPE);
    xhr.setRequestHeader('upload-offset', String(offset));
    xhr.upload.onprogress = sending;
    xhr.onprogress = sending;
    xhr.onload = () => {
      linkMonitor.answered();
      let json: unknown;
      try {
        json = xhr.responseText ? JSON.parse(xhr.responseText) : undefined;
      } catch {
        json = undefined;
      }
      resolve(answered(xhr.status, { get: (n) => xhr.getResponseHeader(n) }, json));
    };
    xhr.onerror = () => reject(new TypeError('network error'));
    xhr.onabort = () => reject(new DOMException('aborted', 'AbortError'));
    signal.addEventListener('abort', () => xhr.abort(), { once: true });
    if (signal.aborted) return xhr.abort();
    xhr.send(bytes);
  });

const sendWithFetch: Send = async (id, offset, bytes, signal) => {
  // No upload progress with fetch: the server's offset (polled above) is the progress.
  const res = await fetch(uploadPath(id), {
    method: 'PATCH',
    credentials: 'same-origin',
    cache: 'no-store',
    headers: { ...SYNC_HEADERS, 'content-type': CONTENT_TYPE, 'upload-offset': String(offset) },
    body: bytes,
    signal,
  });
  linkMonitor.answered();
  return answered(res.status, res.headers, res.status >= 400 ? await jsonOrUndefined(res) : undefined);
};
