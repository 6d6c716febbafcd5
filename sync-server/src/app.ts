import { Hono } from 'hono';
import { secureHeaders } from 'hono/secure-headers';
import { bodyLimit } from 'hono/body-limit';
import { createMiddleware } from 'hono/factory';
import { authRoutes } from './auth/auth.routes.ts';
import { caseRoutes } from './cases/case.routes.ts';
import { leadInboxRoutes } from './lead-inbox/lead-inbox.routes.ts';
import { residentNotificationRoutes } from './resident-notifications/resident-notification.routes.ts';
import { noticeAdminRoutes, unsubscribeRoutes } from './notices-delivery/notice-delivery.routes.ts';
import { stillAProblemRoutes } from './resident-reopen/still-a-problem.routes.ts';
import { QuietPull } from './sync/quiet-pull.ts';
import { syncRoutes } from './sync/sync.routes.ts';
import { healthRoutes } from './health/health.routes.ts';
import { photoRoutes } from './photos/photo.routes.ts';
import { tileRoutes } from './tiles/tile.routes.ts';
import { open311Routes } from './open311/open311.routes.ts';
import { routingRoutes } from './routing/routing.routes.ts';
import { apiKeyRoutes } from './api-keys/api-key.routes.ts';
import { peopleRoutes } from './auth/people.routes.ts';
import { dispatchRoutes } from './dispatch/dispatch.routes.ts';
import { trackRoutes } from './public/track.routes.ts';
import { mapRoutes } from './public/map.routes.ts';
import { statsRoutes } from './public/stats.routes.ts';
import { reportRoutes } from './public/report.routes.ts';
import { ApiError, apiNotFound, onError } from './http/errors.ts';
import type { AppDeps, AppParts, Sql } from './http/deps.ts';
import { mountFieldApp } from './http/static.ts';
import { resourcePolicy, securityHeaders, SYNC_API_HEADERS } from './http/security-headers.ts';
import { crossSiteGuard } from './http/csrf.ts';
import { createMetrics } from './ops/metrics.ts';
import { metricsRoutes } from './ops/metrics.routes.ts';
import { observeRequests } from './ops/observe.ts';

const bodyLimit2MiB = bodyLimit({
  maxSize: 2 * 1024 * 1024,
  onError: () => {
    throw new ApiError(
      413,
      'payload-too-large',
      'The request body is larger than 2 MiB. Send fewer changes at a time.',
    );
  },
});

/**
 * The API's 2 MiB body limit. A GET or HEAD has no body to limit: it is passed on without
 * asking for one, which would build the request's whole Fetch object for nothing (a device's
 * pull is the busiest request there is).
 */
const requestBodyLimit = createMiddleware(async (c, next) =>
  c.req.method === 'GET' || c.req.method === 'HEAD' ? next() : bodyLimit2MiB(c, next),
);

/**
 * What an instance remembers to answer devices up to date (`QuietPull`): shared with other
 * instances on PostgreSQL (LISTEN/NOTIFY), alone on embedded PGlite. `reads`: a connection of
 * its own for the head reads (`startServer` gives one).
 */
export function quietPullFor(deps: Pick<AppDeps, 'sql' | 'config' | 'dbKind' | 'log'>, reads?: Sql): QuietPull {
  return new QuietPull(deps.sql, deps.config.quietPull, {
    shared: deps.dbKind === 'postgres',
    log: deps.log,
    ...(reads ? { reads } : {}),
  });
}

/** The whole HTTP app: API sub-apps under /api, health, and the field-app on the same origin. */
export function createApp(given: AppDeps, opts: { staticDir?: string } = {}) {
  const metrics = given.metrics ?? createMetrics({ sql: given.sql, dbKind: given.dbKind, log: given.log });
  const quietPull = given.quietPull ?? quietPullFor(given);
  const deps: AppParts = { ...given, metrics, quietPull };
  const api = new Hono()
    .use(crossSiteGuard)
    // Before the 2 MiB limit: handlers run in registration order and a photo route answers
    // before that limit's middleware is reached; photo chunks have their own 4 MiB limit.
    .route('/photos', photoRoutes(deps))
    // The residents' report form: each route has its own body limit (photos up to 3 MiB).
    .route('/public', reportRoutes(deps))
    .use(requestBodyLimit)
    .route('/auth', authRoutes(deps))
    .route('/sync', syncRoutes(deps))
    .route('/notices', leadInboxRoutes(deps))
    .route('/dispatch', dispatchRoutes(deps))
    .route('/admin/outbox', residentNotificationRoutes(deps))
    .route('/admin/routing', routingRoutes(deps))
    .route('/admin/api-keys', apiKeyRoutes(deps))
    .route('/admin/people', peopleRoutes(deps))
    .route('/admin', noticeAdminRoutes(deps))
    // The residents' pages: no account (sync-server/src/public).
    .route('/public', trackRoutes(deps))
    .route('/public', mapRoutes(deps))
    .route('/public', statsRoutes(deps))
    .route('/', caseRoutes(deps))
    .notFound(apiNotFound);

  const pageHeaders = secureHeaders(securityHeaders(deps.config, opts.staticDir));
  const syncHeaders = secureHeaders(SYNC_API_HEADERS);
  const app = new Hono()
    // First: the request id, its log line and its metrics cover every answer below.
    .use(observeRequests(metrics, deps.log))
    .use((c, next) => (c.req.path.startsWith('/api/sync/') ? syncHeaders(c, next) : pageHeaders(c, next)))
    .use(resourcePolicy)
    .route('/healthz', healthRoutes(deps))
    // Prometheus metrics: this machine, or a monitoring system with METRICS_TOKEN.
    .route('/metrics', metricsRoutes(deps.config, metrics))
    // Basemap tiles: public, same origin, before the field-app's SPA fallback.
    .route('/tiles', tileRoutes(deps))
    // Before /api and its cross-site guard: a signed link, no session (see unsubscribeRoutes).
    .route('/api/public/unsubscribe', unsubscribeRoutes(deps))
    // The "still a problem?" link of a "fixed" notice: the same, and before the SPA fallback.
    .route('/still-a-problem', stillAProblemRoutes(deps))
    // Open311 GeoReport v2: public, its own error format, before the SPA fallback.
    .route('/open311/v2', open311Routes(deps, { sandbox: false }))
    .route('/open311/v2-test', open311Routes(deps, { sandbox: true }))
    .route('/api', api)
    .onError(onError(deps.log.error));
  // Unknown /api paths must not fall through to the app's HTML.
  app.all('/api/*', apiNotFound);
  if (opts.staticDir) mountFieldApp(app, opts.staticDir);
  return app;
}

export type App = ReturnType<typeof createApp>;
