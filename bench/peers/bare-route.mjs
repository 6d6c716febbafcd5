// The baseline for a head pull over HTTP: a bare Hono route on @hono/node-server, in a process
// of its own as the sync server is, answering a head pull's JSON without reading anything.
// `node bench/peers/bare-route.mjs <port>`; GET /healthz for readiness, GET /pull to time.
// GET /pull-with-headers (a diagnostic): the same answer with the headers every sync API
// answer carries, set as the server sets them (its `secureHeaders` options and
// `resourcePolicy`, a request id, Server-Timing), to show what of a head pull's time is theirs.
import { randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import { resourcePolicy, SYNC_API_HEADERS } from '../../sync-server/src/http/security-headers.ts';

// Hono as the sync server has it (the bench package does not depend on it).
const require = createRequire(new URL('../../sync-server/package.json', import.meta.url));
const { Hono } = await import(require.resolve('hono'));
const { secureHeaders } = await import(require.resolve('hono/secure-headers'));
const { timing } = await import(require.resolve('hono/timing'));
const { serve } = await import(require.resolve('@hono/node-server'));

const port = Number(process.argv[2]);
const answer = (c) =>
  c.json({
    cursor: String(c.req.query('cursor') ?? '0'),
    hasMore: false,
    cases: [],
    departures: [],
    outcomes: [],
    serverTime: new Date().toISOString(),
  });
const withHeaders = new Hono()
  .use(async (c, next) => {
    await next();
    c.res.headers.set('x-request-id', randomUUID());
  })
  .use(secureHeaders(SYNC_API_HEADERS))
  .use(resourcePolicy)
  .use(timing({ crossOrigin: false }))
  .get('/', answer);
const app = new Hono()
  .get('/healthz', (c) => c.json({ ok: true }))
  .get('/pull', answer)
  .route('/pull-with-headers', withHeaders);
serve({ fetch: app.fetch, port, hostname: '127.0.0.1' });
