import type { Context, ErrorHandler, NotFoundHandler } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { routePath } from 'hono/route';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { ErrorBody, ErrorCode } from '@fieldfix/shared';
import { DATABASE_RETRY_AFTER_S, DATABASE_UNAVAILABLE_MESSAGE, databaseUnavailable } from '../db/unavailable.ts';

/** An error a client caused or may act on; the only kind whose message reaches a client. */
export class ApiError extends Error {
  readonly status: ContentfulStatusCode;
  readonly code: ErrorCode;
  readonly details: unknown;
  /** Seconds the client should wait before trying again: sent as `Retry-After`. */
  readonly retryAfter: number | undefined;
  constructor(
    status: ContentfulStatusCode,
    code: ErrorCode,
    message: string,
    details?: unknown,
    opts: { retryAfter?: number } = {},
  ) {
    super(message);
    this.status = status;
    this.code = code;
    this.details = details;
    this.retryAfter = opts.retryAfter;
  }
}

export function errorBody(code: ErrorCode, message: string, details?: unknown): ErrorBody {
  return { error: details === undefined ? { code, message } : { code, message, details } };
}

const STATUS_CODES: Partial<Record<number, ErrorCode>> = {
  400: 'bad-request',
  401: 'not-authenticated',
  403: 'forbidden',
  404: 'not-found',
  405: 'method-not-allowed',
  413: 'payload-too-large',
  429: 'rate-limited',
};

/**
 * The pattern of the route that answered (`/api/public/reports/:token/photos/:photoId`), for
 * logs and metrics: never the raw path, which may hold a link's token or a report's. Errors
 * are answered at the handler that threw; an unmatched path ends at a catch-all (`/api/*`).
 */
export function routeOf(c: Context): string {
  return routePath(c) || 'unmatched';
}

/**
 * Turns everything thrown in a handler into the one JSON error shape. Unknown errors are
 * logged with their stack and answered with a bare 500: never a stack trace to a client.
 */
export function onError(log: (msg: string, err: unknown) => void): ErrorHandler {
  return (err, c) => {
    if (err instanceof ApiError) {
      const retry =
        err.retryAfter === undefined ? undefined : { 'Retry-After': String(Math.max(1, Math.ceil(err.retryAfter))) };
      return c.json(errorBody(err.code, err.message, err.details), err.status, retry);
    }
    if (err instanceof HTTPException) {
      const status = err.status;
      const code = STATUS_CODES[status] ?? (status < 500 ? 'bad-request' : 'internal');
      if (status >= 500) log('http exception', err);
      return c.json(
        errorBody(code, status < 500 ? err.message || 'Bad request' : 'Something went wrong on the server.'),
        status,
      );
    }
    if (databaseUnavailable(err)) {
      log(`database unavailable on ${c.req.method} ${routeOf(c)}`, err);
      return c.json(
        errorBody('unavailable', DATABASE_UNAVAILABLE_MESSAGE, { retryAfter: DATABASE_RETRY_AFTER_S }),
        503,
        { 'Retry-After': String(DATABASE_RETRY_AFTER_S) },
      );
    }
    log(`unhandled error on ${c.req.method} ${routeOf(c)}`, err);
    return c.json(
      errorBody(
        'internal',
        'Something went wrong on the server. Try again; if it keeps happening, tell your administrator.',
      ),
      500,
    );
  };
}

export const apiNotFound: NotFoundHandler = (c: Context) =>
  c.json(errorBody('not-found', `No such endpoint: ${c.req.method} ${c.req.path}`), 404);
