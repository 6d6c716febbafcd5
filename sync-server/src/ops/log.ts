import { AsyncLocalStorage } from 'node:async_hooks';
import { pino, type DestinationStream, type Logger as Pino } from 'pino';
import type { Config } from '../config.ts';
import type { Logger } from '../http/deps.ts';

/** The server's log: one JSON object per line (pino), and the pino logger behind it. */
export type JsonLogger = Logger & { readonly pino: Pino };

/** What every line logged while a request is handled carries (`inRequest`). */
type RequestContext = { requestId: string };

const current = new AsyncLocalStorage<RequestContext>();

/** Runs `fn` (a request's handling) so that whatever it logs names the request's id. */
export function inRequest<T>(context: RequestContext, fn: () => T): T {
  return current.run(context, fn);
}

/**
 * JSON lines at `level` and above, to stdout unless `destination` (tests capture it):
 * `{"level":"info","time":"…","pid":…,"hostname":"…","requestId":"…","msg":"…"}`, with an
 * error's type, message and stack under `err`. Lines logged while a request is handled carry
 * its `requestId`.
 */
export function createLogger(level: Config['logLevel'], destination?: DestinationStream): JsonLogger {
  const log = pino(
    {
      level,
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      mixin: () => current.getStore() ?? {},
    },
    destination ?? pino.destination({ dest: 1, sync: true }),
  );
  return {
    pino: log,
    info: (msg) => log.info(msg),
    warn: (msg) => log.warn(msg),
    error: (msg, err) => (err === undefined ? log.error(msg) : log.error({ err }, msg)),
  };
}

/** The pino logger behind `log`, when it is one of ours (tests pass quiet loggers of their own). */
export function pinoOf(log: Logger): Pino | undefined {
  return 'pino' in log ? (log as JsonLogger).pino : undefined;
}
