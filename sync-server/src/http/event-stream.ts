import type { Context } from 'hono';
import { streamSSE, type SSEMessage } from 'hono/streaming';

/**
 * A comment line every `heartbeatMs` keeps proxies from closing a quiet stream; every
 * `recheckMs` (at a heartbeat) a stream given a check asks again whether its listener may
 * still listen. Settings, not constants, so that tests can shorten them.
 */
export const streamTiming = { heartbeatMs: 15_000, recheckMs: 60_000 };

/**
 * A server-sent event stream that stays open until the client goes: `opening` is written
 * first (once `subscribe` is listening, so nothing after it is missed), events are written
 * one after another, never interleaved, and a heartbeat comment goes every heartbeat.
 * `subscribe` gets the function that sends an event and answers its unsubscribe.
 *
 * `stillAllowed` is asked every `recheckMs`: a stream outlives the request that opened it, so
 * an account ended, signed out or moved to another department meanwhile must stop hearing.
 * False ends the stream (the browser's reconnection then meets the refusal); a check that
 * fails (the database away) keeps it until the next.
 */
export function openEventStream(
  c: Context,
  opening: string,
  subscribe: (send: (message: SSEMessage) => void) => Promise<() => void>,
  stillAllowed?: () => Promise<boolean>,
): Response {
  return streamSSE(c, async (stream) => {
    const closed = new Promise<void>((resolve) => stream.onAbort(resolve));
    let writing = Promise.resolve();
    const unsubscribe = await subscribe((message) => {
      writing = writing.then(() => stream.writeSSE(message));
    });
    try {
      await stream.write(opening);
      let checkedAt = Date.now();
      while (!stream.aborted && !stream.closed) {
        let timer: ReturnType<typeof setTimeout> | undefined;
        await Promise.race([closed, new Promise((r) => (timer = setTimeout(r, streamTiming.heartbeatMs)))]);
        clearTimeout(timer);
        if (stream.aborted) break;
        if (stillAllowed && Date.now() - checkedAt >= streamTiming.recheckMs) {
          checkedAt = Date.now();
          if (!(await stillAllowed().catch(() => true))) break;
        }
        writing = writing.then(() => stream.write(': heartbeat\n\n').then(() => {}));
        await writing;
      }
    } finally {
      unsubscribe();
    }
  });
}
