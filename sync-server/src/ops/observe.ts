import { randomUUID } from 'node:crypto';
import { createMiddleware } from 'hono/factory';
import type { Staff } from '../access/caller.ts';
import type { Logger } from '../http/deps.ts';
import { routeOf } from '../http/errors.ts';
import { setOnAnswer } from '../http/security-headers.ts';
import { inRequest, pinoOf } from './log.ts';
import type { Metrics } from './metrics.ts';

export const REQUEST_ID_HEADER = 'x-request-id';

/** An id a proxy or client sent that we keep: short, and nothing a log or header could trip on. */
const WELL_FORMED = /^[\w.:=-]{1,128}$/;

export type ObservedEnv = { Variables: { requestId: string; staff?: Staff } };

/**
 * The first middleware of the app: gives each request an id (the caller's `X-Request-Id`
 * when well-formed, else a new one), echoes it in the response, makes every line logged
 * while it is handled carry it, counts it in the metrics by route pattern, and logs one line
 * for it: method, route pattern, status, duration, id and the signed-in person's id. Never
 * the raw path or query (they may hold links' tokens), nor anyone's email.
 */
export function observeRequests(metrics: Metrics, log: Logger) {
  const lines = pinoOf(log);
  return createMiddleware<ObservedEnv>(async (c, next) => {
    const sent = c.req.header(REQUEST_ID_HEADER);
    const requestId = sent && WELL_FORMED.test(sent) ? sent : randomUUID();
    c.set('requestId', requestId);
    const started = performance.now();
    const done = metrics.requestStarted();
    try {
      await inRequest({ requestId }, () => next());
    } finally {
      done();
    }
    const seconds = (performance.now() - started) / 1000;
    const route = routeOf(c);
    const status = c.res.status;
    metrics.requestDone(c.req.method, route, status, seconds);
    setOnAnswer(c, REQUEST_ID_HEADER, requestId);
    // Built only when it is written (a device's poll is the busiest request there is).
    if (lines?.isLevelEnabled('info')) {
      const staff = c.get('staff');
      lines.info(
        {
          requestId,
          method: c.req.method,
          route,
          status,
          durationMs: Math.round(seconds * 1000 * 10) / 10,
          ...(staff ? { userId: staff.id } : {}),
        },
        'request',
      );
    }
  });
}
