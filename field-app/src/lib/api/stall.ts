/**
 * Timeouts on *no progress*, not on total time. On a weak uplink a request may take minutes
 * and still be moving; on lie-fi (connected, nothing answers) it never moves. So a request is
 * given up only when no byte has moved for `STALL_MS`, whatever its size or age.
 *
 * The link monitor watches every request made this way (sync, uploads, tiles): when requests
 * are in flight and none has moved for `PROBE_MS`, the link is "weak" (the status bar says
 * "signal too weak to sync" well before any request is given up).
 *
 * Works in a page and in the service worker (no DOM).
 */

/** No byte moved for this long: the request is given up (and tried again later). */
export const STALL_MS = 20_000;
/** No byte moved for this long while requests wait: the signal is too weak to sync. */
export const PROBE_MS = 8_000;
/**
 * A body sent with `fetch` shows no upload progress: it is allowed the time it needs at this
 * rate (2 kB/s, about 16 kbit/s) before the no-progress clock starts.
 */
const MIN_UPLINK_BYTES_PER_S = 2_000;

/** Thrown (and so seen by callers as "no answer") when a request stalled. */
export class StallError extends Error {
  constructor(ms: number) {
    super(`No data moved for ${Math.round(ms / 1000)} s.`);
    this.name = 'StallError';
  }
}

export type LinkQuality = 'ok' | 'weak';

/** A request in flight, as the monitor sees it. */
export interface Watched {
  /** A byte moved (sent or received). */
  moved(): void;
  end(): void;
}

class LinkMonitor {
  #active = new Set<{ at: number }>();
  #quality: LinkQuality = 'ok';
  #listeners = new Set<(q: LinkQuality) => void>();
  #timer: ReturnType<typeof setInterval> | null = null;

  get quality(): LinkQuality {
    return this.#quality;
  }

  /** Calls `fn` on every change of quality; returns the unsubscribe. */
  subscribe(fn: (q: LinkQuality) => void): () => void {
    this.#listeners.add(fn);
    return () => this.#listeners.delete(fn);
  }

  begin(): Watched {
    const entry = { at: Date.now() };
    this.#active.add(entry);
    this.#timer ??= setInterval(() => this.#check(), 500);
    return {
      moved: () => {
        entry.at = Date.now();
        this.#set('ok');
      },
      end: () => {
        this.#active.delete(entry);
        if (this.#active.size === 0 && this.#timer) {
          clearInterval(this.#timer);
          this.#timer = null;
        }
      },
    };
  }

  /** A request got an answer: whatever was weak, the server is reachable now. */
  answered(): void {
    this.#set('ok');
  }

  #check(): void {
    if (this.#active.size === 0) return;
    const last = Math.max(...[...this.#active].map((e) => e.at));
    if (Date.now() - last >= PROBE_MS) this.#set('weak');
  }

  #set(q: LinkQuality): void {
    if (q === this.#quality) return;
    this.#quality = q;
    for (const fn of this.#listeners) fn(q);
  }
}

export const linkMonitor = new LinkMonitor();

export interface StallOptions {
  /** Given up after this long with no byte moving (default `STALL_MS`). */
  stallMs?: number;
  /** Cancels the request (e.g. "Sync now" pressed during a hang). */
  signal?: AbortSignal | undefined;
}

/**
 * A no-progress clock: `poke()` on every byte moved, `onStall` fires after `ms` without one.
 * `extend(ms)` gives the next wait more time (a body being sent with no progress events).
 */
export function stallClock(ms: number, onStall: () => void) {
  let timer: ReturnType<typeof setTimeout> | null = null;
  const arm = (wait: number) => {
    if (timer) clearTimeout(timer);
    timer = setTimeout(onStall, wait);
  };
  arm(ms);
  return {
    poke: () => arm(ms),
    extend: (extra: number) => arm(ms + extra),
    stop: () => {
      if (timer) clearTimeout(timer);
      timer = null;
    },
  };
}

/**
 * `fetch`, given up (a `StallError`) when no byte moves for `stallMs`; the body is read here,
 * chunk by chunk (each chunk is progress), and handed back in a complete `Response`.
 * A request body's bytes cannot be watched with fetch: the first answer is allowed the time
 * the body takes at a slow uplink's rate. Throws like fetch (TypeError, AbortError) otherwise.
 */
export async function fetchWithStall(
  input: string,
  init: RequestInit = {},
  opts: StallOptions = {},
): Promise<Response> {
  const stallMs = opts.stallMs ?? STALL_MS;
  const controller = new AbortController();
  let stalled = false;
  const clock = stallClock(stallMs, () => {
    stalled = true;
    controller.abort();
  });
  const bodyBytes = sizeOf(init.body);
  if (bodyBytes > 0) clock.extend(Math.round((bodyBytes / MIN_UPLINK_BYTES_PER_S) * 1000));
  const watched = linkMonitor.begin();
  const signal = opts.signal ? AbortSignal.any([controller.signal, opts.signal]) : controller.signal;
  try {
    const res = await fetch(input, { ...init, signal });
    clock.poke();
    watched.moved();
    linkMonitor.answered();
    if (!res.body) return res;
    const reader = res.body.getReader();
    const chunks: Uint8Array[] = [];
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      clock.poke();
      watched.moved();
    }
    const body = new Blob(chunks as BlobPart[]);
    // 204/304 may not carry a body.
    const empty = res.status === 204 || res.status === 304;
    return new Response(empty ? null : body, { status: res.status, statusText: res.statusText, headers: res.headers });
  } catch (err) {
    if (stalled) throw new StallError(stallMs);
    throw err;
  } finally {
    clock.stop();
    watched.end();
  }
}

function sizeOf(body: BodyInit | null | undefined): number {
  if (!body) return 0;
  if (typeof body === 'string') return body.length;
  if (body instanceof ArrayBuffer) return body.byteLength;
  if (ArrayBuffer.isView(body)) return body.byteLength;
  if (body instanceof Blob) return body.size;
  return 0;
}
