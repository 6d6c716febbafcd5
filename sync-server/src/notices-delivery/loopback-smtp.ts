import { SMTPServer } from 'smtp-server';
import { simpleParser, type ParsedMail } from 'mailparser';

/** A message the loopback SMTP server accepted, with when it accepted it. */
export type Received = {
  raw: Buffer;
  to: string[];
  /** `performance.now()` and `Date.now()` when the server accepted it (before its reply left). */
  acceptedAt: number;
  acceptedWallMs: number;
  messageId: string;
};

/**
 * A real SMTP server on 127.0.0.1 for tests and the benchmark (npm `smtp-server`): it accepts
 * every message and keeps it. `delayMs` holds each acceptance back (a slow mail server).
 */
export async function startLoopbackSmtp(opts: { delayMs?: number } = {}) {
  const received: Received[] = [];
  const waiters: (() => void)[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    disableReverseLookup: true,
    size: 20 * 1024 * 1024,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const raw = Buffer.concat(chunks);
        const done = () => {
          const head = raw.subarray(0, raw.indexOf('\r\n\r\n') > 0 ? raw.indexOf('\r\n\r\n') : raw.length).toString();
          const messageId = /^message-id:\s*(<[^>]+>)/im.exec(head)?.[1] ?? '';
          received.push({
            raw,
            to: session.envelope.rcptTo.map((r) => r.address.toLowerCase()),
            acceptedAt: performance.now(),
            acceptedWallMs: Date.now(),
            messageId,
          });
          callback();
          for (const w of waiters.splice(0)) w();
        };
        if (opts.delayMs) setTimeout(done, opts.delayMs);
        else done();
      });
    },
  });
  // A client killed mid-message resets its connection: expected here, not a failure.
  server.on('error', () => {});
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const address = server.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `smtp://127.0.0.1:${port}`,
    received,
    /** Resolves once `count` messages in all were accepted, or rejects after `timeoutMs`. */
    async waitFor(count: number, timeoutMs = 20_000): Promise<void> {
      const until = Date.now() + timeoutMs;
      while (received.length < count) {
        if (Date.now() > until) throw new Error(`SMTP received ${received.length} of ${count} messages`);
        await new Promise<void>((r) => {
          waiters.push(r);
          setTimeout(r, 200);
        });
      }
    },
    parse: (r: Received): Promise<ParsedMail> => simpleParser(r.raw),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
