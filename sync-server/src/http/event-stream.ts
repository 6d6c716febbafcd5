import type { Context } from 'hono';
import { streamSSE, type SSEMessage } from 'hono/streaming';

/** A comment line this often keeps proxies from closing a quiet stream. */
export const HEARTBEAT_MS = 15_000;

/**
 * A server-sent event stream that stays open until the client goes: `opening` is written
 * first (once `subscribe` is listening, so nothing after it is missed), events are written
 * one after another, never interleaved, and a heartbeat comment goes every HEARTBEAT_MS.
 * `subscribe` gets the function that sends an event and answers its unsubscribe.
 */
export function openEventStream(
  c: Context,
  opening: string,
  subscribe: (send: (message: SSEMessage) => void) => Promise<() => void>,
): Response {
  return streamSSE(c, async (stream) => {
    const closed = new Promise<void>((resolve) => stream.onAbort(resolve));
    let writing = Promise.resolve();
    const unsubscribe = await subscribe((message) => {
      writing = writing.then(() => stream.writeSSE(message));
    });
    try {
      await stream.write(opening);
      while (!stream.aborted && !stream.closed) {
        let timer: ReturnType<typeof setTimeout> | undefined;
        await Promise.race([closed, new Promise((r) => (timer = setTimeout(r, HEARTBEAT_MS)))]);
        clearTimeout(timer);
        if (stream.aborted) break;
        writing = writing.then(() => stream.write(': heartbeat\n\n').then(() => {}));
        await writing;
      }
    } finally {
      unsubscribe();
    }
  });
}
