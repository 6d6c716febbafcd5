// The baseline for a head pull over HTTP: a bare Hono route on @hono/node-server, in a process
// of its own as the sync server is, answering a head pull's JSON without reading anything.
// `node bench/peers/bare-route.mjs <port>`; GET /healthz for readiness, GET /pull to time.
import { createRequire } from 'node:module';

// Hono as the sync server has it (the bench package does not depend on it).
const require = createRequire(new URL('../../sync-server/package.json', import.meta.url));
const { Hono } = await import(require.resolve('hono'));
const { serve } = await import(require.resolve('@hono/node-server'));

const port = Number(process.argv[2]);
const app = new Hono()
  .get('/healthz', (c) => c.json({ ok: true }))
  .get('/pull', (c) =>
    c.json({
      cursor: String(c.req.query('cursor') ?? '0'),
      hasMore: false,
      cases: [],
      departures: [],
      outcomes: [],
      serverTime: new Date().toISOString(),
    }),
  );
serve({ fetch: app.fetch, port, hostname: '127.0.0.1' });
