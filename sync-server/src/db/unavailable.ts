/**
 * Whether an error means the database cannot be reached just now (restarting, failing over,
 * full of connections, the network to it down) rather than that something is wrong with the
 * request or the code: the client gets a 503 with Retry-After and tries again; nothing of the
 * request was applied, since a transaction cut off is rolled back.
 */
const CLIENT_CODES = new Set([
  // postgres.js, when the connection goes or cannot be made
  'CONNECTION_CLOSED',
  'CONNECTION_ENDED',
  'CONNECTION_DESTROYED',
  'CONNECT_TIMEOUT',
  // Node's socket errors
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
]);

/** SQLSTATE classes and codes that say the server is going away or cannot take us now. */
function unavailableState(state: string): boolean {
  return (
    state.startsWith('08') || // connection exception
    state.startsWith('57P') || // admin, crash or immediate shutdown; cannot connect now
    state === '53300' // too many connections
  );
}

/**
 * Node's error for a request whose client went away before its body was read ("aborted",
 * ECONNRESET from no system call): the client's doing, whatever the code says. A database
 * connection reset comes from its socket's read or write ("read ECONNRESET").
 */
function requestAborted(e: { code?: unknown; message?: unknown; syscall?: unknown }): boolean {
  return e.code === 'ECONNRESET' && e.message === 'aborted' && e.syscall === undefined;
}

export function databaseUnavailable(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e && typeof e === 'object' && depth < 4; depth++) {
    if (requestAborted(e)) return false;
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && (CLIENT_CODES.has(code) || unavailableState(code))) return true;
    e = (e as { cause?: unknown }).cause;
  }
  return false;
}

/** Seconds a client should wait before trying again. */
export const DATABASE_RETRY_AFTER_S = 5;

/** What a client is told while the database cannot be reached (with `Retry-After`). */
export const DATABASE_UNAVAILABLE_MESSAGE = `The server cannot reach its database just now. Nothing was changed: try again in ${DATABASE_RETRY_AFTER_S} seconds.`;
