import { createServer, type IncomingMessage } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { databaseUnavailable } from './unavailable.ts';

// A request whose client goes away mid-body fails with Node's "aborted" (code ECONNRESET):
// that is the client's doing, not the database going away (no 503, no "database unavailable").

/** The error a request's body fails with when its client closes the socket mid-body. */
async function abortedRequestError(): Promise<Error> {
  let got!: (err: Error) => void;
  const error = new Promise<Error>((resolve) => (got = resolve));
  const server = createServer((req: IncomingMessage) => {
    req.on('error', got);
    req.resume();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const socket = connect({ host: '127.0.0.1', port });
  await new Promise<void>((resolve) => socket.once('connect', resolve));
  socket.write(`PUT /x HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 5000\r\n\r\n${'x'.repeat(100)}`);
  await new Promise((r) => setTimeout(r, 50));
  socket.destroy();
  const err = await error;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return err;
}

describe('databaseUnavailable and a request cut by its client', () => {
  it("is false for the request's aborted body, alone or as the cause of another error", async () => {
    const aborted = await abortedRequestError();
    expect((aborted as NodeJS.ErrnoException).code).toBe('ECONNRESET');
    expect(databaseUnavailable(aborted)).toBe(false);
    expect(databaseUnavailable(new TypeError('terminated', { cause: aborted }))).toBe(false);
  });

  it("is still true for the database connection's own reset (a socket's read or write)", () => {
    const reset = Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET', errno: -104, syscall: 'read' });
    expect(databaseUnavailable(reset)).toBe(true);
    expect(databaseUnavailable(new Error('query failed', { cause: reset }))).toBe(true);
  });
});
