import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../app.ts';
import type { Config } from '../config.ts';
import type { Sql } from '../db/database.ts';
import type { Logger } from '../http/deps.ts';
import { createTestApp, quietLogger, type TestApp } from '../../test/test-app.ts';
import { listen, TestDevice } from '../../test/sync-client.ts';
import { createLogger } from './log.ts';

// Operations over real HTTP: /metrics in the Prometheus format (who may read it, route
// patterns, push outcomes, the notice outbox) and the JSON request log with its request id.

type Line = Record<string, unknown>;
type Served = { url: string; close(): Promise<void> };

let t: TestApp;
let lines: Line[];
let server: Served;
const others: Served[] = [];

/** Another server on the same database, as several instances would run. */
async function serve(config: Partial<Config>, log: Logger = quietLogger, sql: Sql = t.db.sql): Promise<Served> {
  const app = createApp({ sql, config: { ...t.config, ...config }, dbKind: t.db.kind, version: 'test', log });
  const s = await listen({ app } as TestApp);
  others.push(s);
  return s;
}

beforeAll(async () => {
  t = await createTestApp();
  lines = [];
  const log = createLogger('info', { write: (s: string) => void lines.push(JSON.parse(s) as Line) });
  const app = createApp({ sql: t.db.sql, config: t.config, dbKind: t.db.kind, version: 'test', log });
  server = await listen({ app } as TestApp);
});
afterAll(async () => {
  await Promise.all([server, ...others].map((s) => s?.close()));
  await t?.close();
});

async function scrape(url: string, headers: Record<string, string> = {}): Promise<string> {
  const res = await fetch(`${url}/metrics`, { headers });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  return res.text();
}

/** The value of one series, by its name and labels exactly as written; undefined when absent. */
function value(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('/metrics', () => {
  it('counts requests by route pattern, never by the raw path', async () => {
    const admin = await t.login('admin@riverton.example');
    const [c] = await t.db.sql<{ id: string }[]>`select id::text from cases order by id limit 1`;
    for (let i = 0; i < 2; i++) {
      expect((await fetch(`${server.url}/api/cases/${c!.id}`, { headers: admin })).status).toBe(200);
    }
    expect((await fetch(`${server.url}/api/cases/987654321`, { headers: admin })).status).toBe(404);
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    const text = await scrape(server.url);
    expect(value(text, 'http_requests_total{method="GET",route="/api/cases/:id",status="200"}')).toBe(2);
    expect(value(text, 'http_requests_total{method="GET",route="/api/cases/:id",status="404"}')).toBe(1);
    expect(value(text, 'http_requests_total{method="GET",route="/healthz",status="200"}')).toBe(1);
    expect(value(text, 'http_request_duration_seconds_count{method="GET",route="/api/cases/:id"}')).toBe(3);
    expect(value(text, 'http_request_duration_seconds_bucket{le="+Inf",method="GET",route="/healthz"}')).toBe(1);
    // No id, email or raw path in any label: routes are patterns.
    const routes = new Set([...text.matchAll(/route="([^"]*)"/g)].map((m) => m[1]!));
    expect([...routes].filter((r) => /\/\d+(\/|$)/.test(r))).toEqual([]);
    expect(text.split('\n').filter((l) => !l.startsWith('#') && /\{[^}]*@/.test(l))).toEqual([]);
    // The pool: the embedded database is one connection; a server's pool has its own maximum.
    expect(value(text, 'fieldfix_db_pool_max_connections')).toBe(t.db.kind === 'embedded' ? 1 : 8);
    expect(value(text, 'fieldfix_db_up')).toBe(1);
    if (t.db.kind === 'embedded') expect(value(text, 'fieldfix_db_connections{state="open"}')).toBe(1);
    else expect(value(text, 'fieldfix_db_connections{state="idle"}')).toBeGreaterThanOrEqual(0);
  });

  it('counts pulls by where their answer came from: the database, or the instance memory', async () => {
    const tablet = new TestDevice(server.url, await t.login('worker@riverton.example'), 'tablet-pulls');
    const before = await scrape(server.url);
    const grew = (after: string, from: string) =>
      (value(after, `fieldfix_sync_pulls_total{answered_from="${from}"}`) ?? 0) -
      (value(before, `fieldfix_sync_pulls_total{answered_from="${from}"}`) ?? 0);
    const because = (after: string, why: string) =>
      (value(after, `fieldfix_sync_pulls_by_database_total{because="${why}"}`) ?? 0) -
      (value(before, `fieldfix_sync_pulls_by_database_total{because="${why}"}`) ?? 0);
    const { cursor, pages } = await tablet.pullAll('0'); // saying it is behind: the database answers
    let after = await scrape(server.url);
    expect(grew(after, 'database')).toBe(pages.length);
    expect(because(after, 'behind')).toBe(pages.length);
    // Not saying so, from a cursor before anything the instance knows: the database, and why.
    await tablet.pull('0', 500, { behind: false });
    after = await scrape(server.url);
    expect(grew(after, 'database')).toBe(pages.length + 1);
    const reasons = ['no-head', 'session', 'before-knowledge'].map((why) => because(after, why));
    expect(reasons.reduce((a, b) => a + b, 0)).toBe(1);
    // Polling at the head: answered from memory once the instance has read the head.
    await expect
      .poll(async () => {
        await tablet.pull(cursor, 500, { behind: false });
        return grew(await scrape(server.url), 'memory');
      })
      .toBeGreaterThan(0);
  });

  it("counts a push's outcomes by kind and reason", async () => {
    const crewA = new TestDevice(server.url, await t.login('worker@riverton.example'), 'tablet-a');
    const cases = await t.db.sql<{ id: string; crew: string }[]>`
      select distinct on (assigned_crew_id) id::text, assigned_crew_id as crew from cases
      where assigned_crew_id in ('streets-a', 'streets-b') and state in ('assigned', 'in_progress', 'on_hold')
      order by assigned_crew_id, id`;
    const ours = cases.find((r) => r.crew === 'streets-a')!.id;
    const theirs = cases.find((r) => r.crew === 'streets-b')!.id;
    const before = await scrape(server.url);
    const outcomes = await crewA.send(
      crewA.make('add_note', ours, { text: 'Counted.' }),
      crewA.make('add_note', theirs, { text: 'Not ours.' }),
    );
    expect(outcomes.map((o) => [o.outcome, o.reason])).toEqual([
      ['applied', null],
      ['rejected', 'not-your-crew'],
    ]);
    const after = await scrape(server.url);
    const grew = (series: string) => (value(after, series) ?? 0) - (value(before, series) ?? 0);
    expect(grew('fieldfix_sync_push_outcomes_total{outcome="applied",reason="none"}')).toBe(1);
    expect(grew('fieldfix_sync_push_outcomes_total{outcome="rejected",reason="not-your-crew"}')).toBe(1);
    expect(grew('http_requests_total{method="POST",route="/api/sync/push",status="200"}')).toBe(1);
  });

  it('reports the notice outbox as it is when scraped', async () => {
    await t.db.sql`update notification_outbox set sent_at = now() where sent_at is null`;
    let text = await scrape(server.url);
    expect(value(text, 'fieldfix_notice_outbox_depth')).toBe(0);
    expect(value(text, 'fieldfix_notice_outbox_oldest_age_seconds')).toBe(0);
    expect(value(text, 'fieldfix_notice_outbox_failed')).toBe(0);
    const [c] = await t.db.sql<{ id: string }[]>`select id::text from cases order by id limit 1`;
    await t.db.sql`
      insert into notification_outbox (case_id, template, created_at, failed_at) values
        (${c!.id}, 'received', now() - interval '2 hours', null),
        (${c!.id}, 'scheduled', now() - interval '5 minutes', null),
        (${c!.id}, 'fixed', now() - interval '3 days', now())`;
    text = await scrape(server.url);
    expect(value(text, 'fieldfix_notice_outbox_depth')).toBe(2);
    expect(value(text, 'fieldfix_notice_outbox_failed')).toBe(1);
    const age = value(text, 'fieldfix_notice_outbox_oldest_age_seconds')!;
    expect(age).toBeGreaterThanOrEqual(7200);
    expect(age).toBeLessThan(7200 + 600);
  });

  it('includes the Node process metrics on a real server only', async () => {
    // startServer asks for them (server.test.ts starts one); a test app keeps its registry small.
    const text = await scrape(server.url);
    expect(text).not.toMatch(/^process_cpu_user_seconds_total/m);
    const { createMetrics } = await import('./metrics.ts');
    const m = createMetrics({ sql: t.db.sql, dbKind: t.db.kind, log: quietLogger, processMetrics: true });
    const full = (await m.render()).body;
    expect(full).toMatch(/^process_cpu_user_seconds_total \d/m);
    expect(full).toMatch(/^nodejs_eventloop_lag_seconds /m);
  });

  it('is refused to callers elsewhere without the token, with a JSON error', async () => {
    // Behind one trusted proxy, the client is the address the proxy adds.
    const behindProxy = await serve({ trustProxyHops: 1 });
    const far = await fetch(`${behindProxy.url}/metrics`, { headers: { 'x-forwarded-for': '203.0.113.9' } });
    expect(far.status).toBe(403);
    expect(((await far.json()) as { error: { code: string } }).error.code).toBe('forbidden');
    const near = await fetch(`${behindProxy.url}/metrics`, { headers: { 'x-forwarded-for': '127.0.0.1' } });
    expect(near.status).toBe(200);
    await near.body?.cancel();
    // In process, with no socket: nobody's machine.
    const inProcess = await t.app.request('/metrics');
    expect(inProcess.status).toBe(403);
  });

  it('with METRICS_TOKEN: only with the token, from anywhere', async () => {
    const token = 'a-metrics-token-for-the-tests';
    const guarded = await serve({ metricsToken: token });
    const refused: Record<string, string>[] = [{}, { authorization: 'Bearer not-the-token' }, { authorization: token }];
    for (const headers of refused) {
      const res = await fetch(`${guarded.url}/metrics`, { headers });
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toMatch(/^Bearer/);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('not-authenticated');
    }
    const text = await scrape(guarded.url, { authorization: `Bearer ${token}` });
    // Each server its own registry: this one has counted only its own requests.
    expect(value(text, 'http_requests_total{method="GET",route="/metrics",status="401"}')).toBe(3);
    expect(value(text, 'http_requests_total{method="GET",route="/healthz",status="200"}')).toBeUndefined();
  });
});

describe('the request log', () => {
  const requestLines = (id: string) => lines.filter((l) => l.requestId === id && l.msg === 'request');

  it('writes one JSON line per request with its id, echoed in the response', async () => {
    const res = await fetch(`${server.url}/healthz`, { headers: { 'x-request-id': 'probe-42.a' } });
    expect(res.headers.get('x-request-id')).toBe('probe-42.a');
    const [line, ...more] = requestLines('probe-42.a');
    expect(more).toEqual([]);
    expect(line).toMatchObject({ level: 'info', method: 'GET', route: '/healthz', status: 200 });
    expect(typeof line!.durationMs).toBe('number');
    expect(typeof line!.time).toBe('string');
    expect(line).not.toHaveProperty('userId');
  });

  it('adds the id and the resource policy to every kind of answer, each sent with its length', async () => {
    // The request id and the resource policy are added once a handler has answered, over real
    // HTTP: on every kind of answer, each still sent with its length.
    const worker = await t.login('worker@riverton.example');
    const admin = await t.login('admin@riverton.example');
    const [c] = await t.db.sql<{ id: string }[]>`select id::text from cases order by id limit 1`;
    const answers = [
      await fetch(`${server.url}/healthz`),
      await fetch(`${server.url}/api/cases/${c!.id}`, { headers: admin }),
      await fetch(`${server.url}/api/sync/pull?cursor=0&limit=1&clientId=whole`, {
        headers: { ...worker, 'fieldfix-protocol': '1' },
      }),
      await fetch(`${server.url}/api/no-such-thing`, { headers: admin }),
    ];
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 404]);
    for (const a of answers) {
      const body = Buffer.from(await a.arrayBuffer());
      expect(a.headers.get('transfer-encoding')).toBeNull();
      expect(a.headers.get('content-length')).toBe(String(body.byteLength));
      expect(a.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
      expect(a.headers.get('cross-origin-resource-policy')).toBe('same-origin');
    }
    // How long the server took, for this origin only: no other site's script may read it.
    expect(answers[2]!.headers.get('server-timing')).toMatch(/total;dur=/);
    expect(answers[2]!.headers.get('timing-allow-origin')).toBeNull();
  });

  it('makes an id of its own when the one sent is not well-formed', async () => {
    const res = await fetch(`${server.url}/healthz`, { headers: { 'x-request-id': 'a b<script>' } });
    const id = res.headers.get('x-request-id')!;
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(requestLines(id)).toHaveLength(1);
    expect(JSON.stringify(lines)).not.toContain('<script>');
  });

  it('names the signed-in person by id, never by email, and the route by its pattern', async () => {
    const admin = await t.login('admin@riverton.example');
    const [c] = await t.db.sql<{ id: string }[]>`select id::text from cases order by id limit 1`;
    const [me] = await t.db.sql<{ id: string }[]>`select id::text from users where email = 'admin@riverton.example'`;
    const res = await fetch(`${server.url}/api/cases/${c!.id}`, { headers: { ...admin, 'x-request-id': 'case-read' } });
    expect(res.status).toBe(200);
    const [line] = requestLines('case-read');
    expect(line).toMatchObject({ route: '/api/cases/:id', status: 200, userId: me!.id });
    expect(JSON.stringify(line)).not.toContain('@');
    expect(JSON.stringify(line)).not.toContain(`/api/cases/${c!.id}`);
  });

  it('logs an error with the request id; the client gets no stack trace', async () => {
    const errors: Line[] = [];
    const log = createLogger('warn', { write: (s: string) => void errors.push(JSON.parse(s) as Line) });
    // A database that fails every query (building the routes touches none).
    const broken = Object.assign(
      () => {
        throw new Error('the database went away');
      },
      { options: { max: 3 } },
    ) as unknown as Sql;
    const s = await serve({}, log, broken);
    const res = await fetch(`${s.url}/api/auth/session`, {
      headers: { authorization: 'Bearer some-token', 'x-request-id': 'broken-1' },
    });
    expect(res.status).toBe(500);
    const body = await res.text();
    expect(body).not.toContain('the database went away');
    expect(body).not.toMatch(/at .*\.ts:\d+/);
    const [line, ...more] = errors.filter((l) => l.requestId === 'broken-1');
    expect(more).toEqual([]); // the request line is info: below this logger's level
    expect(line).toMatchObject({ level: 'error', requestId: 'broken-1' });
    expect((line!.err as { message: string; stack: string }).message).toBe('the database went away');
    expect((line!.err as { stack: string }).stack).toMatch(/the database went away/);
    // A path that holds a report's token: the error line names the route's pattern, never the token.
    const token = '0190a3b2-5eca-7e70-8000-00000000c0de';
    const photo = await fetch(`${s.url}/api/public/reports/${token}/photos/0190a3b2-5eca-7e70-8000-0000000000f1`, {
      method: 'PUT',
      headers: { 'content-type': 'image/jpeg', 'x-request-id': 'broken-2' },
      body: new Uint8Array([0xff, 0xd8, 0xff, 0xd9]),
    });
    expect(photo.status).toBe(500);
    const [tokened] = errors.filter((l) => l.requestId === 'broken-2');
    expect(tokened).toMatchObject({
      level: 'error',
      msg: expect.stringContaining('/api/public/reports/:token/photos/:photoId'),
    });
    expect(JSON.stringify(tokened)).not.toContain(token);
    // The metrics still answer, and say the database did not.
    const text = await scrape(s.url);
    expect(value(text, 'fieldfix_db_up')).toBe(0);
    expect(value(text, 'http_requests_total{method="GET",route="/api/auth/session",status="500"}')).toBe(1);
    expect(errors.some((l) => l.level === 'warn' && String(l.msg).startsWith('metrics: the database'))).toBe(true);
  });
});
