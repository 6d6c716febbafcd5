// `pnpm bench:notices`: resident notices (R10) from a crew's fix to a real SMTP server on
// loopback (npm smtp-server, in this process), through the real server in a child process
// (its notice worker, default settings) on the real PostgreSQL server. Measures:
//   - delay: from sending a push that fixes a case to the SMTP server accepting the "fixed"
//     email, p50/p95 over 1,000 fixes pushed by 8 devices at once;
//   - throughput: emails/s when 1,000 notices are due at once, beside a baseline measured in
//     the same run: nodemailer sending the same 1,000 messages (raw) in a bare loop, one
//     message at a time over one connection, and pooled like the worker (4 connections, all
//     queued at once);
//   - the duplicate window: from the SMTP server accepting a message to the worker having
//     recorded it (notice_deliveries.sent_at); a kill -9 inside it resends that message.
// Writes bench/results/notices.json. BENCH_DATABASE_URL (else TEST_DATABASE_URL, else the
// local server) must be an admin connection: the benchmark creates and drops its database.
import postgres from 'postgres';
import { createRequire } from 'node:module';
import { v7 as uuidv7 } from 'uuid';
import { BENCH_ADMIN_URL, freePort, percentile, report, stop, timeUntilHealthy } from './lib.mjs';
import { migrate } from '../sync-server/src/db/migrate.ts';
import { seedDemoCity } from '../sync-server/src/demo/seed.ts';
import { startLoopbackSmtp } from '../sync-server/src/notices-delivery/loopback-smtp.ts';

// nodemailer is the sync server's dependency: the baseline uses that very copy.
const nodemailer = createRequire(new URL('../sync-server/package.json', import.meta.url))('nodemailer');

const ADMIN_URL = BENCH_ADMIN_URL;
const FIXES = Number(process.env.BENCH_FIXES ?? 1000);
const DEVICES = 8;
const PROTOCOL = { 'fieldfix-protocol': '1' };

const log = (msg) => process.stdout.write(`${msg}\n`);
const round = (x, d = 1) => Math.round(x * 10 ** d) / 10 ** d;

const dbName = `fieldfix_bench_notices_${Date.now()}`;
const admin = postgres(ADMIN_URL, { max: 1, onnotice: () => {} });
await admin`create database ${admin(dbName)}`;
const url = new URL(ADMIN_URL);
url.pathname = `/${dbName}`;
const DATABASE_URL = url.toString();
const sql = postgres(DATABASE_URL, { max: 4, onnotice: () => {} });
const smtp = await startLoopbackSmtp();
let server;

try {
  await migrate(sql);
  await seedDemoCity(sql, { timeZone: 'America/Detroit' });
  // The demo's history is not part of the measure.
  await sql`update notification_outbox set sent_at = now() where sent_at is null`;

  // 1,000 new cases over the crews of 8 workers, each with a reporter, assigned for today.
  const workers = await sql`
    select u.id, u.email, u.crew_id, cr.department_id,
      (select st.resolution_codes->0->>'code' from service_types st where st.department_id = cr.department_id
        and not st.photo_required_on_fix order by st.code limit 1) as resolution_code,
      (select st.code from service_types st where st.department_id = cr.department_id and not st.photo_required_on_fix
        order by st.code limit 1) as service_code
    from users u join crews cr on cr.id = u.crew_id where u.role = 'worker' order by u.id limit ${DEVICES}`;
  const today = new Date().toISOString().slice(0, 10);
  const devices = [];
  for (const [i, w] of workers.entries()) {
    const n = Math.floor(FIXES / DEVICES) + (i < FIXES % DEVICES ? 1 : 0);
    const cases = await sql`
      insert into cases (service_code, description, lat, long, address, state, assigned_crew_id, assigned_day, route_position, version)
      select ${w.service_code}, 'Bench case', 42.35, -86.97, g || ' Bench St', 'assigned', ${w.crew_id}, ${today}, 1000 + g, 2
      from generate_series(1, ${n}) g
      returning id::text`;
    const ids = cases.map((c) => c.id);
    await sql`insert into case_reporters (case_id, email, language)
      select id, 'reporter.' || id || '@example.org', case when id % 2 = 0 then 'es' else 'en' end
      from unnest(${ids}::bigint[]) id`;
    devices.push({ ...w, ids, clientId: `bench-${w.id}`, seq: 0 });
  }

  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  ({ child: server } = await timeUntilHealthy(process.execPath, ['sync-server/src/main.ts'], {
    env: {
      PORT: String(port),
      HOST: '127.0.0.1',
      DATABASE_URL,
      DEMO_DATA: 'off',
      LOG_LEVEL: 'warn',
      SMTP_URL: smtp.url,
      PUBLIC_URL: 'https://311.bench.example',
      LINK_SECRET: 'bench-link-secret-bench-link-secret-0123',
    },
    url: `${base}/healthz`,
  }));
  for (const d of devices) {
    const res = await fetch(`${base}/api/auth/login?bearer=1`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: d.email, password: 'fieldfix' }),
    });
    d.token = (await res.json()).token;
  }

  // 1. Delay: each device pushes start+fix for its cases one push at a time, all devices at once.
  log(`Pushing ${FIXES} fixes from ${DEVICES} devices…`);
  const pushedAt = new Map(); // case id -> performance.now() before the push was sent
  const t0 = performance.now();
  await Promise.all(
    devices.map(async (d) => {
      for (const caseId of d.ids) {
        const m = (kind, payload) => ({
          id: uuidv7(),
          clientId: d.clientId,
          seq: d.seq++,
          caseId,
          baseVersion: 2,
          deviceTime: new Date().toISOString(),
          kind,
          payload,
        });
        pushedAt.set(caseId, performance.now());
        const res = await fetch(`${base}/api/sync/push`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${d.token}`, ...PROTOCOL },
          body: JSON.stringify({
            clientId: d.clientId,
            mutations: [m('start', {}), m('fix', { resolutionCode: d.resolution_code, note: 'Done.', photoIds: [] })],
          }),
        });
        const body = await res.json();
        if (res.status !== 200 || body.outcomes.some((o) => o.outcome !== 'applied')) {
          throw new Error(`push: ${res.status} ${JSON.stringify(body).slice(0, 300)}`);
        }
      }
    }),
  );
  const pushSeconds = (performance.now() - t0) / 1000;
  await smtp.waitFor(FIXES, 120_000);
  const caseOf = (r) => /case (\d+)/.exec(r.raw.subarray(0, 4000).toString())?.[1];
  const delays = smtp.received.map((r) => r.acceptedAt - pushedAt.get(caseOf(r)));
  log(`  pushed in ${round(pushSeconds)} s; delay p50 ${round(percentile(delays, 50))} ms`);

  // 2. Throughput: 1,000 notices due at once ("received" for the same cases).
  const before = smtp.received.length;
  const allIds = devices.flatMap((d) => d.ids);
  const tq = performance.now();
  await sql`insert into notification_outbox (case_id, template) select id, 'received' from unnest(${allIds}::bigint[]) id`;
  await smtp.waitFor(before + FIXES, 120_000);
  const burst = smtp.received.slice(before);
  const workerRate = FIXES / ((Math.max(...burst.map((r) => r.acceptedAt)) - tq) / 1000);

  // The duplicate window: SMTP accepted -> recorded as sent, for every message of the run.
  const recorded = await sql`select message_id, extract(epoch from sent_at) * 1000 as at from notice_deliveries`;
  const recordedAt = new Map(recorded.map((r) => [r.message_id, Number(r.at)]));
  const windows = smtp.received
    .map((r) => recordedAt.get(r.messageId) - r.acceptedWallMs)
    .filter((x) => Number.isFinite(x));

  // 3. Baselines: the same messages (raw, same envelopes) through nodemailer in a bare loop.
  const messages = burst.map((r) => ({ envelope: { from: 'notices@fieldfix.invalid', to: r.to }, raw: r.raw }));
  async function baseline(pooled) {
    const transport = nodemailer.createTransport({
      host: '127.0.0.1',
      port: Number(new URL(smtp.url).port),
      secure: false,
      pool: true,
      maxConnections: pooled ? 4 : 1,
    });
    const start = smtp.received.length;
    const tb = performance.now();
    if (pooled) await Promise.all(messages.map((m) => transport.sendMail(m)));
    else for (const m of messages) await transport.sendMail(m);
    const rate = messages.length / ((performance.now() - tb) / 1000);
    transport.close();
    if (smtp.received.length - start !== messages.length) throw new Error('baseline lost messages');
    return rate;
  }
  const bareLoop = await baseline(false);
  const pooled = await baseline(true);

  const rows = [
    {
      what: `fix pushed -> SMTP accepted (${FIXES} fixes, ${DEVICES} devices)`,
      p50_ms: round(percentile(delays, 50)),
      p95_ms: round(percentile(delays, 95)),
      max_ms: round(Math.max(...delays)),
    },
    { what: `Fieldfix worker, ${FIXES} notices due at once`, emails_per_s: round(workerRate, 0) },
    { what: 'baseline: nodemailer bare loop, one at a time, 1 connection', emails_per_s: round(bareLoop, 0) },
    { what: 'baseline: nodemailer pooled (4 connections), all queued', emails_per_s: round(pooled, 0) },
    {
      what: 'duplicate window: SMTP accepted -> recorded sent',
      p50_ms: round(percentile(windows, 50)),
      p95_ms: round(percentile(windows, 95)),
      max_ms: round(Math.max(...windows)),
    },
  ];
  report('notices', rows, {
    fixes: FIXES,
    devices: DEVICES,
    pushSeconds: round(pushSeconds, 2),
    worker: { pollMs: 250, batchSize: 50, smtpConnections: 4 },
    note: 'Delay includes the push itself and the worker poll (250 ms idle). The window is measured with wall clocks of one machine, to the millisecond.',
  });
} finally {
  if (server) await stop(server);
  await smtp.close();
  await sql.end({ timeout: 5 });
  await admin`drop database if exists ${admin(dbName)} with (force)`;
  await admin.end();
}
