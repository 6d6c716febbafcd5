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

export type LoopbackSmtpOptions = {
  /** Holds each acceptance back this long (a slow mail server). */
  delayMs?: number;
  /**
   * Called with each message before the server accepts it (the browser tests write it to a
   * folder): once its promise settles, the message is surely kept. A failure refuses the
   * message with a 451, as a real server with a full disk would, or with the failure's own
   * `responseCode` when it has one (a 554: a message refused for good).
   */
  onReceived?: (r: Received) => void | Promise<void>;
  /**
   * Whether to refuse a recipient for good (`550 5.1.1`), as a real server refuses an address
   * with no mailbox behind it. None is refused when not given.
   */
  refuseRecipient?: (address: string) => boolean | Promise<boolean>;
  /**
   * Whether to keep a message and then drop the connection before the "250" reply, as a mail
   * server that crashes or a network that fails at that moment does: the message is delivered,
   * and the sender cannot know it.
   */
  dropBeforeReply?: (r: Received) => boolean;
};

/**
 * A real SMTP server on 127.0.0.1 for tests and the benchmark (npm `smtp-server`): it accepts
 * every message and keeps it, but for the recipients `refuseRecipient` refuses.
 */
export async function startLoopbackSmtp(opts: LoopbackSmtpOptions = {}) {
  const received: Received[] = [];
  const waiters: (() => void)[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    disableReverseLookup: true,
    size: 20 * 1024 * 1024,
    onRcptTo(address, _session, callback) {
      const refuse = opts.refuseRecipient;
      if (!refuse) return callback();
      Promise.resolve(refuse(address.address.toLowerCase())).then(
        (refused) => {
          if (!refused) return callback();
          const refusal = new Error('5.1.1 No mailbox here by that name');
          (refusal as Error & { responseCode: number }).responseCode = 550;
          callback(refusal);
        },
        (err: unknown) => callback(err instanceof Error ? err : new Error(String(err))),
      );
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const raw = Buffer.concat(chunks);
        const done = async () => {
          const head = raw.subarray(0, raw.indexOf('\r\n\r\n') > 0 ? raw.indexOf('\r\n\r\n') : raw.length).toString();
          const messageId = /^message-id:\s*(<[^>]+>)/im.exec(head)?.[1] ?? '';
          const message: Received = {
            raw,
            to: session.envelope.rcptTo.map((r) => r.address.toLowerCase()),
            acceptedAt: performance.now(),
            acceptedWallMs: Date.now(),
            messageId,
          };
          if (opts.onReceived) {
            try {
              await opts.onReceived(message);
            } catch (err) {
              const refusal = new Error(`Not kept: ${err instanceof Error ? err.message : String(err)}`);
              const code = (err as { responseCode?: unknown }).responseCode;
              (refusal as Error & { responseCode: number }).responseCode = typeof code === 'number' ? code : 451;
              callback(refusal);
              return;
            }
          }
          received.push(message);
          if (opts.dropBeforeReply?.(message)) {
            const connections = (
              server as unknown as { connections: Set<{ id: string; _socket: { destroy(): void } }> }
            ).connections;
            for (const c of connections) if (c.id === session.id) c._socket.destroy();
            for (const w of waiters.splice(0)) w();
            return;
          }
          callback();
          for (const w of waiters.splice(0)) w();
        };
        if (opts.delayMs) setTimeout(() => void done(), opts.delayMs);
        else void done();
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
