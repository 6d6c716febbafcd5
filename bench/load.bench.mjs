// `pnpm bench:load`: a city's working day, compressed into BENCH_SECONDS (default 60), against
// BENCH_INSTANCES (default 3) sync servers in child processes on one PostgreSQL database, then
// the same day (same devices, same script) against ONE instance: the baseline, in the same run.
// Writes bench/results/load.json.
//
// Each run starts from a fresh database: the demo city, then in SQL BENCH_DEVICES / 4 extra
// crews (default 250 crews of 4 workers = 1,000 worker devices) in the demo departments and
// districts, each with its day of 6-10 assigned cases in route order, a lead per ~25 crews of a
// department, and a session for every one of them (written directly, as sync.bench.mjs does).
//   - a worker device primes (pulls until hasMore is false), pulls again every ~15 s (±20 %),
//     and works its share of its crew's route, paced over the day: start, note, sometimes hold
//     and resume, attach an after-photo and upload its bytes (HEAD, then PATCH from the offset),
//     fix with one of the type's resolution codes (now and then: closed, not fixed). One
//     mutation per push, as the app syncs after each change; 2 % of the pushes are sent again
//     to the next instance with the same body (a device whose answer was lost), and must get
//     the same outcomes (R1).
//   - a lead primes and pulls its department like a device, and every ~8 s moves one of its
//     crews' waiting cases to another place on the route (`reorder`).
//   - residents report now and then through the report form's API (services, nearby, then
//     POST /api/public/reports with its proof of work, computed before the clock starts).
//     The form allows 30 new reports an hour per client address, and the instances sit behind
//     a load balancer: they run with TRUST_PROXY=1 and the bench, standing in for that proxy,
//     gives each simulated resident an address of its own in X-Forwarded-For (198.18.0.0/15,
//     the benchmarking range) and a device key of its own. The residents' rate stays a city's
//     (default BENCH_DEVICES / 20 reports a run), far below any one person's limit.
// The load generator is this process, and it is also the load balancer: a client-side
// round-robin over the instances, request by request; a request that fails with a network
// error is tried again on the next instance (an upload asks HEAD first and resumes).
//
// Reported per run: requests/s; per route (method + pattern) p50/p95/p99 of the time to the
// whole answer; errors (unexpected statuses, 4xx included, and network failures, target 0);
// push outcomes other than the expected ones; the most PostgreSQL connections open on the
// bench database (pg_stat_activity, every second); each instance's largest RSS (/proc, every
// second; /metrics' process_resident_memory_bytes at the end beside it). Then integrity:
// every mutation a device got an outcome for is in `mutations` exactly once with that outcome
// and one history row; no mutation id twice; no resident notice sent twice (the outbox, and a
// loopback SMTP server in this process that counts what it accepts by Message-ID).
//
// Knobs: BENCH_DEVICES (1000), BENCH_SECONDS (60), BENCH_INSTANCES (3), BENCH_REPORTS.
// BENCH_DATABASE_URL (else TEST_DATABASE_URL, else the local server) must be an admin
// connection: the benchmark creates and drops its own databases.
import { spawn } from 'node:child_process';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import postgres from 'postgres';
import { v7 as uuidv7 } from 'uuid';
import { freePort, report, root, stop } from './lib.mjs';
import { migrate } from '../sync-server/src/db/migrate.ts';
import { seedDemoCity } from '../sync-server/src/demo/seed.ts';
import { serviceTypes } from '../sync-server/src/demo/catalog.ts';
import { districtYard, placeOnStreet, riverton } from '../sync-server/src/demo/city.ts';
import { cityDate } from '../sync-server/src/time.ts';
import { startLoopbackSmtp } from '../sync-server/src/notices-delivery/loopback-smtp.ts';
import { leadingZeroBits, REPORT_PROOF_BITS, reportProofText } from '../shared/src/api/report-proof.ts';
import { seededRandom } from '../shared/src/dispatch/random.ts';

// sharp is the sync server's dependency: the photos are real JPEGs made with that very copy.
const sharp = createRequire(new URL('../sync-server/package.json', import.meta.url))('sharp');

const ADMIN_URL =
  process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const DEVICES = Math.max(4, Number(process.env.BENCH_DEVICES ?? 1000));
const SECONDS = Math.max(5, Number(process.env.BENCH_SECONDS ?? 60));
const INSTANCES = Math.max(1, Number(process.env.BENCH_INSTANCES ?? 3));
const REPORTS = Math.max(1, Number(process.env.BENCH_REPORTS ?? Math.round(DEVICES / 20)));
const WORKERS_PER_CREW = 4;
const CREWS = Math.floor(DEVICES / WORKERS_PER_CREW);
const CREWS_PER_LEAD = 25;
const PULL_EVERY_MS = 15_000;
const REORDER_EVERY_MS = 8_000;
const RESEND_SHARE = 0.02;
const REQUEST_TIMEOUT_MS = 30_000;
const TZ = 'America/Detroit';
const PROTOCOL = '4'; // what the field app sends (PROTOCOL_VERSION): pushes carry sentAt
const METRICS_TOKEN = `bench-metrics-${randomBytes(12).toString('hex')}`;
const LINK_SECRET = 'bench-link-secret-bench-link-secret-0123';

const log = (msg) => process.stdout.write(`${msg}\n`);
const sleep = (ms) => new Promise((r) => setTimeout(r, Math.max(0, ms)));
const percentile = (xs, p) => {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))];
};
const r1 = (x) => Math.round(x * 10) / 10;
const mb = (bytes) => Math.round(bytes / 1024 / 1024);

/** A small seeded PRNG (the solver's mulberry32): the same plan, and the same choices, in both runs. */
const rngOf = seededRandom;
const pick = (rng, xs) => xs[Math.floor(rng() * xs.length)];

// ---- the plan: crews, their days, leads, residents (built once, used by both runs) ----------

const TYPES = serviceTypes();
const DEPARTMENTS = ['streets', 'sanitation', 'forestry', 'traffic'];
const DISTRICTS = riverton().districts.map((d) => d.id);
const FIRST_CASE_ID = 100_001;

function attributesFor(type, rng) {
  const out = {};
  for (const a of type.attributes) {
    if (a.values.length > 0) out[a.code] = pick(rng, a.values).key;
    else if (a.required) out[a.code] = `RL-${1000 + Math.floor(rng() * 9000)}`;
  }
  return out;
}

function buildPlan() {
  const rng = rngOf(311);
  const crews = [];
  const cases = [];
  const workers = [];
  for (let c = 0; c < CREWS; c++) {
    const departmentId = DEPARTMENTS[c % DEPARTMENTS.length];
    const home = DISTRICTS[c % DISTRICTS.length];
    const [yardLong, yardLat] = districtYard(home);
    const crew = { id: `load-${String(c + 1).padStart(3, '0')}`, departmentId, home, yardLat, yardLong };
    crews.push(crew);
    const types = TYPES.filter((t) => t.departmentId === departmentId);
    const day = [];
    const n = 6 + Math.floor(rng() * 5);
    for (let i = 0; i < n; i++) {
      const type = pick(rng, types);
      const place = placeOnStreet(rng);
      day.push({
        type,
        place,
        attributes: attributesFor(type, rng),
        ageDays: 1 + Math.floor(rng() * 10),
        reporter: rng() < 0.7,
      });
    }
    // The route: nearest neighbour from the yard, as a lead would roughly plan it.
    const route = [];
    let here = [yardLong, yardLat];
    const left = [...day];
    while (left.length > 0) {
      let best = 0;
      const d = (x) => (x.place.long - here[0]) ** 2 + (x.place.lat - here[1]) ** 2;
      for (let i = 1; i < left.length; i++) if (d(left[i]) < d(left[best])) best = i;
      const next = left.splice(best, 1)[0];
      route.push(next);
      here = [next.place.long, next.place.lat];
    }
    route.forEach((x, i) => {
      x.id = String(FIRST_CASE_ID + cases.length);
      x.crewId = crew.id;
      x.position = i + 1;
      cases.push(x);
    });
    // The crew's four devices share its route: each works every fourth stop.
    for (let k = 0; k < WORKERS_PER_CREW; k++) {
      const mine = route.filter((_, i) => i % WORKERS_PER_CREW === k);
      workers.push({
        userId: `load-w-${crew.id.slice(5)}-${k + 1}`,
        crew,
        startFrac: rng() * 0.12,
        jobs: mine.map((x) => ({
          caseId: x.id,
          type: x.type,
          lat: x.place.lat,
          long: x.place.long,
          steps: stepsFor(x, rng),
        })),
      });
    }
  }
  const leads = [];
  for (const departmentId of DEPARTMENTS) {
    const mine = crews.filter((c) => c.departmentId === departmentId);
    const count = Math.max(1, Math.round(mine.length / CREWS_PER_LEAD));
    for (let l = 0; l < count; l++) {
      leads.push({
        userId: `load-lead-${departmentId}-${l + 1}`,
        departmentId,
        crewIds: new Set(mine.filter((_, i) => i % count === l).map((c) => c.id)),
        startFrac: rng() * 0.12,
        seed: Math.floor(rng() * 2 ** 31),
      });
    }
  }
  const residents = [];
  for (let i = 0; i < REPORTS; i++) {
    const type = pick(rng, TYPES);
    const place = placeOnStreet(rng);
    residents.push({
      atFrac: 0.05 + (0.85 * (i + rng())) / REPORTS,
      token: randomUUID(),
      body: {
        serviceCode: type.code,
        lat: place.lat,
        long: place.long,
        address: place.address,
        description: 'Seen on my way to work this morning.',
        attributes: attributesFor(type, rng),
        email: rng() < 0.7 ? `resident.${i + 1}@mail.example` : null,
        language: 'en',
        device: `resident-phone-${String(i + 1).padStart(5, '0')}`,
        website: '',
      },
      address: `198.18.${(i >> 8) & 255}.${i & 255}`,
    });
  }
  return { crews, cases, workers, leads, residents };
}

/** What a worker does at one stop: the steps of its visit, decided once. */
function stepsFor(x, rng) {
  const t = x.type;
  const steps = [{ kind: 'start' }, { kind: 'add_note', text: 'On site, cones out.' }];
  if (rng() < 0.25) {
    steps.push({ kind: 'hold', reason: pick(rng, t.holdReasons).code });
    steps.push({ kind: 'resume' });
  }
  if (rng() < 0.05) {
    steps.push({ kind: 'close_not_fixed', reason: pick(rng, t.closeReasons).code });
    return steps;
  }
  steps.push({ kind: 'photo', photo: Math.floor(rng() * 3) });
  if (rng() < 0.5) steps.push({ kind: 'add_note', text: 'Area swept and signed off.' });
  steps.push({ kind: 'fix', resolutionCode: pick(rng, t.resolutionCodes).code });
  return steps;
}

/** A nonce whose proof hashes to REPORT_PROOF_BITS leading zero bits (what the form's page computes). */
function proofFor(token) {
  const prefix = reportProofText(token, '');
  if (!reportProofText(token, 'x').startsWith(prefix)) throw new Error('the proof text no longer ends with the nonce');
  const head = createHash('sha256').update(prefix);
  for (let n = 0; ; n++) {
    const nonce = n.toString(36);
    const digest = head.copy().update(nonce).digest();
    if (leadingZeroBits(digest) >= REPORT_PROOF_BITS) return nonce;
  }
}

/** Three after-photos, real JPEGs of noise (they compress badly): about 45-75 KB each. */
async function makePhotos() {
  const out = [];
  for (const [w, h, q] of [
    [300, 225, 85],
    [320, 240, 85],
    [360, 270, 80],
  ]) {
    const bytes = await sharp(randomBytes(w * h * 3), { raw: { width: w, height: h, channels: 3 } })
      .jpeg({ quality: q })
      .toBuffer();
    out.push({ bytes: new Uint8Array(bytes), width: w, height: h });
  }
  return out;
}

// ---- the database of one run ---------------------------------------------------------------

const admin = postgres(ADMIN_URL, { max: 1, onnotice: () => {} });
const tokenHash = (t) => createHash('sha256').update(t).digest('hex');

async function prepareDatabase(plan) {
  const dbName = `fieldfix_bench_load_${Date.now()}`;
  await admin`create database ${admin(dbName)}`;
  const url = new URL(ADMIN_URL);
  url.pathname = `/${dbName}`;
  const sql = postgres(url.toString(), { max: 4, onnotice: () => {} });
  try {
    await migrate(sql);
    await seedDemoCity(sql, { timeZone: TZ });
    const now = new Date();
    const today = cityDate(now, TZ);
    const DAY = 86_400_000;
    await sql`insert into crews ${sql(
      plan.crews.map((c) => ({
        id: c.id,
        name: `Load crew ${c.id.slice(5)}`,
        department_id: c.departmentId,
        home_district_id: c.home,
        capacity: 12,
        capacity_minutes: 450,
        start_lat: c.yardLat,
        start_long: c.yardLong,
        shares_position: true,
      })),
    )}`;
    const users = [
      ...plan.workers.map((w) => ({
        id: w.userId,
        email: `${w.userId}@bench.example`,
        name: `Worker ${w.userId.slice(7)}`,
        role: 'worker',
        crew_id: w.crew.id,
        department_id: w.crew.departmentId,
        password_hash: 'x',
      })),
      ...plan.leads.map((l) => ({
        id: l.userId,
        email: `${l.userId}@bench.example`,
        name: `Lead ${l.userId.slice(10)}`,
        role: 'lead',
        crew_id: null,
        department_id: l.departmentId,
        password_hash: 'x',
      })),
    ];
    for (let i = 0; i < users.length; i += 500) await sql`insert into users ${sql(users.slice(i, i + 500))}`;
    const leadOf = new Map(plan.leads.flatMap((l) => [...l.crewIds].map((c) => [c, l.userId])));
    const rows = plan.cases.map((x) => {
      const requested = new Date(now.getTime() - x.ageDays * DAY);
      return {
        id: x.id,
        service_code: x.type.code,
        description: 'Reported by a resident.',
        lat: x.place.lat,
        long: x.place.long,
        address: x.place.address,
        zipcode: x.place.zipcode,
        district_id: x.place.districtId,
        state: 'assigned',
        priority: 'normal',
        attributes: x.attributes,
        requested_at: requested,
        updated_at: new Date(now.getTime() - 3_600_000),
        expected_at: new Date(requested.getTime() + x.type.slaDays * DAY),
        assigned_crew_id: x.crewId,
        assigned_day: today,
        route_position: x.position,
        version: 2,
      };
    });
    for (let i = 0; i < rows.length; i += 500) await sql`insert into cases ${sql(rows.slice(i, i + 500))}`;
    await sql`select setval(pg_get_serial_sequence('cases', 'id'), (select max(id) from cases))`;
    const events = plan.cases.flatMap((x, i) => [
      {
        case_id: x.id,
        at: rows[i].requested_at,
        kind: 'reported',
        actor_user_id: null,
        data: { channel: 'web' },
        version: 1,
        crew_id: null,
      },
      {
        case_id: x.id,
        at: rows[i].updated_at,
        kind: 'assigned',
        actor_user_id: leadOf.get(x.crewId) ?? null,
        data: { crewId: x.crewId, day: today },
        version: 2,
        crew_id: x.crewId,
      },
    ]);
    for (let i = 0; i < events.length; i += 1000) await sql`insert into case_events ${sql(events.slice(i, i + 1000))}`;
    const reporters = plan.cases
      .filter((x) => x.reporter)
      .map((x) => ({ case_id: x.id, email: `reporter.${x.id}@mail.example`, language: 'en' }));
    for (let i = 0; i < reporters.length; i += 1000)
      await sql`insert into case_reporters ${sql(reporters.slice(i, i + 1000))}`;
    // The demo's history is a back story: no notice of it is due.
    await sql`update notification_outbox set sent_at = now() where sent_at is null`;
    const tokens = new Map(users.map((u) => [u.id, randomBytes(32).toString('base64url')]));
    const sessions = [...tokens].map(([userId, token]) => ({
      token_hash: tokenHash(token),
      user_id: userId,
      expires_at: new Date(now.getTime() + 4 * 3_600_000),
    }));
    for (let i = 0; i < sessions.length; i += 1000) await sql`insert into sessions ${sql(sessions.slice(i, i + 1000))}`;
    await sql`vacuum (analyze)`;
    return { dbName, url: url.toString(), tokens, today };
  } catch (err) {
    await sql.end({ timeout: 5 });
    await admin`drop database if exists ${admin(dbName)} with (force)`;
    throw err;
  } finally {
    await sql.end({ timeout: 5 });
  }
}

// ---- the instances ---------------------------------------------------------------------------

async function startInstance(label, env) {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const child = spawn(process.execPath, ['sync-server/src/main.ts'], {
    cwd: root,
    env: { ...process.env, ...env, PORT: String(port), HOST: '127.0.0.1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  // The server logs JSON lines to stdout (warnings and errors at LOG_LEVEL=warn): the last
  // ones are kept for the report, and errors counted.
  const inst = { label, base, child, lines: [], errorLines: 0, rssMax: 0 };
  const keep = (d) => {
    for (const line of String(d).split('\n')) {
      if (!line.trim()) continue;
      const error = /"level":("error"|"fatal"|50|60)/.test(line);
      if (error) inst.errorLines++;
      // Paths in stacks are kept relative to the repository.
      inst.lines.push(line.replaceAll(root.replace(/\/$/, ''), '.').slice(0, error ? 1500 : 400));
      if (inst.lines.length > 40) inst.lines.shift();
    }
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const t0 = performance.now();
  for (;;) {
    if (child.exitCode !== null) throw new Error(`instance ${label} exited early:\n${inst.lines.join('\n')}`);
    try {
      const res = await fetch(`${base}/healthz`);
      await res.arrayBuffer();
      if (res.ok) break;
    } catch {
      /* not up yet */
    }
    if (performance.now() - t0 > 120_000) throw new Error(`instance ${label}: timed out waiting for /healthz`);
    await sleep(50);
  }
  return inst;
}

function rssOf(pid) {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

async function scrapeMetrics(inst) {
  try {
    const res = await fetch(`${inst.base}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
    const text = await res.text();
    if (res.status !== 200) return { status: res.status };
    const value = (name) => Number(new RegExp(`^${name}(?:\\{[^}]*\\})? ([\\d.e+]+)$`, 'm').exec(text)?.[1] ?? NaN);
    return {
      status: 200,
      rss: value('process_resident_memory_bytes'),
      poolMax: value('fieldfix_db_pool_max_connections'),
      outboxDepth: value('fieldfix_notice_outbox_depth'),
    };
  } catch (err) {
    return { status: `network: ${err.cause?.code ?? err.message}` };
  }
}

// ---- one run -------------------------------------------------------------------------------

async function runDay(plan, photos, instances) {
  log(
    `\n== ${instances} instance${instances > 1 ? 's' : ''}: ${plan.workers.length} worker devices, ${plan.leads.length} leads, ${plan.residents.length} residents, ${SECONDS} s`,
  );
  const db = await prepareDatabase(plan);
  const smtp = await startLoopbackSmtp();
  const dataDir = mkdtempSync(join(tmpdir(), 'fieldfix-load-'));
  const insts = [];
  let poller;
  let polling = true;
  try {
    const env = {
      DATABASE_URL: db.url,
      DEMO_DATA: 'off',
      LOG_LEVEL: 'warn',
      NOTICE_WORKER: 'on',
      METRICS_TOKEN,
      TRUST_PROXY: '1',
      DATA_DIR: dataDir,
      PHOTOS_DIR: join(dataDir, 'photos'),
      SMTP_URL: smtp.url,
      PUBLIC_URL: 'https://311.bench.example',
      LINK_SECRET,
    };
    for (let i = 0; i < instances; i++) insts.push(await startInstance(`#${i + 1}`, env));
    log(`  instances up: ${insts.map((i) => i.base).join(', ')}`);

    const run = runState(insts.map((i) => i.base));
    await warmUp(run, insts, plan, db.tokens);

    // Pollers: connections on the bench database and each instance's RSS, every second.
    let pgMax = 0;
    let idleInTxMax = 0;
    const pgSamples = [];
    poller = (async () => {
      while (polling) {
        const [{ n, idle_in_tx }] = await admin`select count(*)::int as n,
          (count(*) filter (where state like 'idle in transaction%'))::int as idle_in_tx
          from pg_stat_activity where datname = ${db.dbName}`;
        pgMax = Math.max(pgMax, n);
        idleInTxMax = Math.max(idleInTxMax, idle_in_tx);
        pgSamples.push(n);
        for (const i of insts) i.rssMax = Math.max(i.rssMax, rssOf(i.child.pid));
        await sleep(1000);
      }
    })();

    const devices = plan.workers.map((w) => device(w.userId, 'worker', db.tokens.get(w.userId), w));
    const leads = plan.leads.map((l) => device(l.userId, 'lead', db.tokens.get(l.userId), l));

    const lag = monitorEventLoopDelay({ resolution: 20 });
    lag.enable();
    run.t0 = performance.now();
    run.deadline = run.t0 + SECONDS * 1000;
    await Promise.all([
      ...devices.map((d) => workerDay(run, d, photos)),
      ...leads.map((l) => leadDay(run, l, db.today)),
      ...plan.residents.map((r) => residentReport(run, r)),
    ]);
    const loadSeconds = (performance.now() - run.t0) / 1000;
    lag.disable();
    // The load generator's own event loop (sampled every 20 ms; the figures include those
    // 20 ms): its lag adds to every time measured here.
    const generatorLagMs = {
      p50: r1(lag.percentile(50) / 1e6),
      p99: r1(lag.percentile(99) / 1e6),
      max: r1(lag.max / 1e6),
    };
    log(`  load done in ${r1(loadSeconds)} s: ${run.requests} requests`);

    // The notices: wait (at most 30 s) until none is due and unsent, then read what was sent.
    const check = postgres(db.url, { max: 1, onnotice: () => {} });
    let pendingDue = 0;
    try {
      for (let waited = 0; waited < 30; waited++) {
        [{ n: pendingDue }] = await check`select count(*)::int as n from notification_outbox
          where sent_at is null and failed_at is null and send_after <= now()`;
        if (pendingDue === 0) break;
        await sleep(1000);
      }
      polling = false;
      await poller;
      // Quiet now: a transaction left open by a failed request would still show here.
      const [{ n: idleInTxAtEnd }] = await admin`select count(*)::int as n from pg_stat_activity
        where datname = ${db.dbName} and state like 'idle in transaction%'`;
      const metrics = await Promise.all(insts.map(scrapeMetrics));
      const integrity = await checkIntegrity(check, run, smtp, pendingDue);
      integrity.checks.idle_in_transaction_max_during_run = idleInTxMax;
      integrity.checks.idle_in_transaction_at_end = idleInTxAtEnd;
      if (idleInTxAtEnd > 0) integrity.ok = false;
      const res = summarize(run, { loadSeconds, pgMax, pgSamples, insts, metrics, integrity, instances });
      res.generator_event_loop_lag_ms = generatorLagMs;
      return res;
    } finally {
      await check.end({ timeout: 5 });
    }
  } finally {
    polling = false;
    if (poller) await poller.catch(() => {});
    await Promise.all(insts.map((i) => stop(i.child)));
    await smtp.close();
    rmSync(dataDir, { recursive: true, force: true });
    await admin`drop database if exists ${admin(db.dbName)} with (force)`;
  }
}

/** What one run (or one instance's warm-up) counts. */
function runState(bases) {
  return {
    bases,
    rr: 0,
    t0: 0,
    deadline: Infinity,
    routes: new Map(),
    errors: new Map(),
    errorSamples: [],
    netRetries: new Map(),
    requests: 0,
    outcomes: new Map(), // mutation id -> outcome kind, as a device was told
    tally: new Map(), // "role kind outcome/reason" -> count
    unexpected: [],
    resends: 0,
    resendMismatches: 0,
    photosUploaded: 0,
    fixesApplied: 0,
    closedApplied: 0,
    fixedCases: new Set(),
    reports: 0,
    rng: rngOf(7),
  };
}

/**
 * Before the clock: each instance answers a few pulls, pushes (a lead's notes) and the report
 * form's types, so that no run pays for more instances' warm-up (JIT, lazy imports) than
 * another. Their mutations join the run's integrity checks; their errors join its errors.
 */
async function warmUp(run, insts, plan, tokens) {
  await Promise.all(
    insts.map(async (inst, k) => {
      const warm = runState([inst.base]);
      warm.outcomes = run.outcomes;
      const spec = plan.leads[k % plan.leads.length];
      const lead = device(spec.userId, 'lead', tokens.get(spec.userId), spec);
      lead.clientId = `warmup-${k + 1}-${spec.userId}`;
      const cases = plan.cases.filter((x) => spec.crewIds.has(x.crewId)).map((x) => x.id);
      for (let i = 0; i < 10; i++) {
        lead.cursor = '0';
        await pullAll(warm, lead);
        await push(warm, lead, [mutation(lead, cases[i % cases.length], 'add_note', { text: 'Checked the route.' })]);
        if (i < 3) await call(warm, 'GET /api/public/services', '/api/public/services', {}, { expect: [200] });
      }
      for (const [key, n] of warm.errors) bump(run.errors, `warm-up: ${key}`, n);
      run.errorSamples.push(...warm.errorSamples);
    }),
  );
}

function device(userId, role, token, spec) {
  return {
    userId,
    role,
    spec,
    clientId: `load-${userId}`,
    seq: 0,
    cursor: '0',
    versions: new Map(),
    view: new Map(), // a lead's department, as pulled
    photoOf: new Map(), // case id -> the after-photo attached this run
    headers: { authorization: `Bearer ${token}`, 'fieldfix-protocol': PROTOCOL },
  };
}

/**
 * One request through the client-side balancer: the next instance in turn; on a network
 * error (or a timeout) the instance after it, up to three tries. Returns the response and
 * its parsed body, or null (counted as an error) when the status is not one of `expect`.
 */
async function call(run, route, path, init, { expect, json = true, retry = true }) {
  const first = run.rr++;
  const t0 = performance.now();
  let lastError;
  for (let attempt = 0; attempt < (retry ? 3 : 1); attempt++) {
    const base = run.bases[(first + attempt) % run.bases.length];
    let res;
    let body;
    try {
      res = await fetch(base + path, { ...init, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
      body = json && init.method !== 'HEAD' ? await res.text() : (await res.arrayBuffer(), null);
    } catch (err) {
      lastError = err.name === 'TimeoutError' ? 'timeout' : (err.cause?.code ?? err.cause?.message ?? err.message);
      bump(run.netRetries, `${route} ${lastError}`);
      continue;
    }
    run.requests++;
    const ms = performance.now() - t0;
    let r = run.routes.get(route);
    if (!r) run.routes.set(route, (r = { ms: [], statuses: new Map() }));
    r.ms.push(ms);
    bump(r.statuses, res.status);
    if (!expect.includes(res.status)) {
      bump(run.errors, `${route} ${res.status}`);
      if (run.errorSamples.filter((s) => s.route === route && s.status === res.status).length < 3) {
        run.errorSamples.push({ route, status: res.status, body: String(body ?? '').slice(0, 400) });
      }
      return null;
    }
    let parsed = null;
    if (json && body) parsed = JSON.parse(body);
    return { res, body: parsed };
  }
  if (!retry) return { network: lastError }; // the caller resumes (an upload asks HEAD again)
  run.requests++;
  bump(run.errors, `${route} network (${lastError})`);
  return null;
}

function bump(map, key, by = 1) {
  map.set(key, (map.get(key) ?? 0) + by);
}

function mutation(dev, caseId, kind, payload) {
  return {
    id: uuidv7(),
    clientId: dev.clientId,
    seq: dev.seq++,
    caseId,
    baseVersion: dev.versions.get(caseId) ?? 0,
    deviceTime: new Date().toISOString(),
    kind,
    payload,
  };
}

/** Outcomes a script expects: a worker's own work is applied; a lead's move may come after the close. */
function expected(dev, m, o) {
  if (o.outcome === 'applied') return true;
  return dev.role === 'lead' && m.kind === 'reorder' && o.outcome === 'superseded';
}

async function push(run, dev, muts) {
  const body = JSON.stringify({ clientId: dev.clientId, mutations: muts, sentAt: new Date().toISOString() });
  const init = { method: 'POST', headers: { ...dev.headers, 'content-type': 'application/json' }, body };
  const r = await call(run, 'POST /api/sync/push', '/api/sync/push', init, { expect: [200] });
  if (!r) return null;
  const outcomes = r.body.outcomes;
  outcomes.forEach((o, i) => {
    const m = muts[i];
    run.outcomes.set(o.mutationId, o.outcome);
    bump(run.tally, `${dev.role} ${m.kind} ${o.outcome}${o.reason ? `/${o.reason}` : ''}`);
    if (!expected(dev, m, o) && run.unexpected.length < 20)
      run.unexpected.push({ user: dev.userId, kind: m.kind, ...o });
    if (o.caseVersion !== null) dev.versions.set(o.caseId, Math.max(dev.versions.get(o.caseId) ?? 0, o.caseVersion));
  });
  // A device whose answer was lost sends the same batch again, here to the next instance (R1).
  if (run.rng() < RESEND_SHARE) {
    const again = await call(run, 'POST /api/sync/push', '/api/sync/push', init, { expect: [200] });
    if (again) {
      run.resends++;
      const same = again.body.outcomes.every(
        (o, i) =>
          o.mutationId === outcomes[i].mutationId &&
          o.outcome === outcomes[i].outcome &&
          o.caseVersion === outcomes[i].caseVersion,
      );
      if (!same) run.resendMismatches++;
    }
  }
  return outcomes;
}

async function pullAll(run, dev) {
  for (let page = 0; page < 50; page++) {
    const path = `/api/sync/pull?cursor=${dev.cursor}&limit=500&clientId=${encodeURIComponent(dev.clientId)}`;
    const r = await call(run, 'GET /api/sync/pull', path, { headers: dev.headers }, { expect: [200] });
    if (!r) return;
    const b = r.body;
    for (const c of b.cases) {
      dev.versions.set(c.id, Math.max(dev.versions.get(c.id) ?? 0, c.version));
      if (dev.role === 'lead') {
        const had = dev.view.get(c.id);
        if (!had || had.version <= c.version) dev.view.set(c.id, c);
      }
    }
    for (const id of b.departures) dev.view.delete(id);
    for (const o of b.outcomes) if (!run.outcomes.has(o.mutationId)) run.outcomes.set(o.mutationId, o.outcome);
    dev.cursor = b.cursor;
    if (!b.hasMore) return;
  }
}

/** Pulls every ~15 s (±20 %) until the deadline. */
async function pullLoop(run, dev, rng) {
  for (;;) {
    const wait = PULL_EVERY_MS * (0.8 + 0.4 * rng());
    if (performance.now() + wait >= run.deadline) return;
    await sleep(wait);
    await pullAll(run, dev);
  }
}

/** HEAD for the stored offset, then PATCH the rest; a cut request is resumed from HEAD's answer. */
async function upload(run, dev, photoId, bytes) {
  const path = `/api/photos/${photoId}/upload`;
  for (let attempt = 0; attempt < 4; attempt++) {
    const head = await call(
      run,
      'HEAD /api/photos/:id/upload',
      path,
      { method: 'HEAD', headers: dev.headers },
      {
        expect: [200],
        json: false,
      },
    );
    if (!head) return false;
    const offset = Number(head.res.headers.get('upload-offset'));
    if (offset >= bytes.length) return true;
    const init = {
      method: 'PATCH',
      headers: { ...dev.headers, 'content-type': 'application/offset+octet-stream', 'upload-offset': String(offset) },
      body: bytes.subarray(offset),
    };
    const r = await call(run, 'PATCH /api/photos/:id/upload', path, init, { expect: [204], json: false, retry: false });
    if (!r) return false;
    if (!r.network) return true;
  }
  bump(run.errors, 'PATCH /api/photos/:id/upload network (gave up after 4 tries)');
  return false;
}

async function workerDay(run, dev, photos) {
  const spec = dev.spec;
  const rng = rngOf(Number.parseInt(createHash('sha256').update(dev.userId).digest('hex').slice(0, 8), 16));
  const T = SECONDS * 1000;
  await sleep(run.t0 + spec.startFrac * T - performance.now());
  await pullAll(run, dev); // prime: everything of the crew
  const pulls = pullLoop(run, dev, rng);
  // The day: from the start to 85 % of the run, one slot per stop, its steps spread over it.
  const dayStart = spec.startFrac * T;
  const slot = (0.85 * T - dayStart) / Math.max(1, spec.jobs.length);
  work: for (const [j, job] of spec.jobs.entries()) {
    for (const [s, step] of job.steps.entries()) {
      const at = run.t0 + dayStart + slot * (j + (s + 0.3 + 0.4 * rng()) / job.steps.length);
      await sleep(at - performance.now());
      if (performance.now() >= run.deadline) break work;
      await doStep(run, dev, job, step, photos);
    }
  }
  await pulls;
}

async function doStep(run, dev, job, step, photos) {
  const id = job.caseId;
  switch (step.kind) {
    case 'start':
    case 'resume':
      return push(run, dev, [mutation(dev, id, step.kind, {})]);
    case 'add_note':
      return push(run, dev, [mutation(dev, id, 'add_note', { text: step.text })]);
    case 'hold':
      return push(run, dev, [mutation(dev, id, 'hold', { reason: step.reason, note: 'Back after lunch.' })]);
    case 'close_not_fixed': {
      const o = await push(run, dev, [mutation(dev, id, 'close_not_fixed', { reason: step.reason, note: '' })]);
      if (o?.[0].outcome === 'applied') run.closedApplied++;
      return o;
    }
    case 'photo': {
      const p = photos[step.photo];
      const photoId = uuidv7();
      const o = await push(run, dev, [
        mutation(dev, id, 'attach_photo', {
          photoId,
          tag: 'after',
          contentType: 'image/jpeg',
          byteSize: p.bytes.length,
          width: p.width,
          height: p.height,
          takenAt: new Date().toISOString(),
          lat: job.lat,
          long: job.long,
        }),
      ]);
      if (o?.[0].outcome !== 'applied') return;
      dev.photoOf.set(id, photoId);
      if (await upload(run, dev, photoId, p.bytes)) run.photosUploaded++;
      return;
    }
    case 'fix': {
      const o = await push(run, dev, [
        mutation(dev, id, 'fix', {
          resolutionCode: step.resolutionCode,
          note: 'Fixed.',
          photoIds: dev.photoOf.has(id) ? [dev.photoOf.get(id)] : [],
        }),
      ]);
      if (o?.[0].outcome === 'applied') {
        run.fixesApplied++;
        run.fixedCases.add(id);
      }
      return o;
    }
  }
}

async function leadDay(run, dev, today) {
  const spec = dev.spec;
  const rng = rngOf(spec.seed);
  const T = SECONDS * 1000;
  await sleep(run.t0 + spec.startFrac * T - performance.now());
  await pullAll(run, dev);
  const pulls = pullLoop(run, dev, rng);
  for (;;) {
    const wait = REORDER_EVERY_MS * (0.6 + 0.8 * rng());
    if (performance.now() + wait >= run.deadline) break;
    await sleep(wait);
    // One of its crews' waiting cases to another place on today's route.
    const crewId = pick(rng, [...spec.crewIds]);
    const route = [...dev.view.values()]
      .filter(
        (c) =>
          c.crewId === crewId && c.assignedDay === today && ['assigned', 'in_progress', 'on_hold'].includes(c.state),
      )
      .sort((a, b) => (a.routePosition ?? 1e9) - (b.routePosition ?? 1e9));
    const waiting = route.filter((c) => c.state === 'assigned');
    if (waiting.length < 1 || route.length < 2) continue;
    const c = pick(rng, waiting);
    const position = 1 + Math.floor(rng() * route.length);
    await push(run, dev, [mutation(dev, c.id, 'reorder', { position })]);
  }
  await pulls;
}

async function residentReport(run, r) {
  await sleep(run.t0 + r.atFrac * SECONDS * 1000 - performance.now());
  if (performance.now() >= run.deadline) return;
  const headers = { 'x-forwarded-for': r.address };
  // The form: its problem types, then open cases of the type nearby, then the report.
  const services = await call(run, 'GET /api/public/services', '/api/public/services', { headers }, { expect: [200] });
  if (!services) return;
  const q = `service=${r.body.serviceCode}&lat=${r.body.lat}&long=${r.body.long}`;
  const nearby = await call(run, 'GET /api/public/nearby', `/api/public/nearby?${q}`, { headers }, { expect: [200] });
  if (!nearby) return;
  const init = {
    method: 'POST',
    headers: { ...headers, 'content-type': 'application/json' },
    body: JSON.stringify({ ...r.body, token: r.token, proof: r.proof }),
  };
  if (await call(run, 'POST /api/public/reports', '/api/public/reports', init, { expect: [201] })) run.reports++;
}

// ---- integrity -----------------------------------------------------------------------------

async function checkIntegrity(sql, run, smtp, pendingDue) {
  const ids = [...run.outcomes.keys()];
  const rows = await sql`
    select m.id::text, m.outcome,
      (select count(*)::int from case_events e where e.mutation_id = m.id) as events
    from mutations m where m.id = any(${ids}::uuid[])`;
  const byId = new Map(rows.map((r) => [r.id, r]));
  const missing = ids.filter((id) => !byId.has(id)).length;
  const outcomeDiffers = rows.filter((r) => r.outcome !== run.outcomes.get(r.id)).length;
  const notOneEvent = rows.filter((r) => r.events !== 1).length;
  const [{ n: idTwice }] = await sql`select count(*)::int as n from (
    select id from mutations group by id having count(*) > 1) x`;
  const [{ n: rowsTotal }] = await sql`select count(*)::int as n from mutations`;
  // A notice is one outbox row per case, template and change; sent once, to each recipient once.
  const [{ n: outboxTwice }] = await sql`select count(*)::int as n from (
    select case_id, template, coalesce(mutation_id::text, event_id::text) from notification_outbox
    where sent_at is not null group by 1, 2, 3 having count(*) > 1) x`;
  const [{ n: fixedTwice }] = await sql`select count(*)::int as n from (
    select case_id from notification_outbox where template = 'fixed' and case_id >= ${FIRST_CASE_ID}
    group by case_id having count(*) > 1) x`;
  const [{ n: deliveries }] = await sql`select count(*)::int as n from notice_deliveries where sent_at is not null`;
  const [{ n: failed }] = await sql`select count(*)::int as n from notification_outbox where failed_at is not null`;
  const seen = new Map();
  for (const m of smtp.received) for (const to of m.to) bump(seen, `${m.messageId} ${to}`);
  const smtpTwice = [...seen.values()].filter((n) => n > 1).length;
  const smtpMessages = [...seen.values()].reduce((a, b) => a + b, 0);
  // Every applied fix: the case is fixed; and each open route of today has no position twice.
  const fixed = [...run.fixedCases];
  const [{ n: fixedNotFixed }] = await sql`select count(*)::int as n from cases
    where id = any(${fixed}::bigint[]) and state <> 'fixed'`;
  const [{ n: positionTwice }] = await sql`select count(*)::int as n from (
    select assigned_crew_id, assigned_day, route_position from cases
    where state in ('assigned', 'in_progress', 'on_hold') and route_position is not null
    group by 1, 2, 3 having count(*) > 1) x`;
  const checks = {
    mutations_with_outcome: ids.length,
    mutations_rows: rowsTotal,
    missing_from_table: missing,
    id_twice_in_table: idTwice,
    outcome_differs_from_table: outcomeDiffers,
    history_rows_not_exactly_one: notOneEvent,
    replays_sent: run.resends,
    replay_answer_differs: run.resendMismatches,
    notices_sent_smtp: smtpMessages,
    notice_deliveries_recorded: deliveries,
    notice_sent_twice_smtp: smtpTwice,
    outbox_notice_twice: outboxTwice,
    fixed_notice_queued_twice: fixedTwice,
    notices_due_unsent_at_end: pendingDue,
    notices_failed: failed,
    fixed_case_not_fixed: fixedNotFixed,
    route_position_twice: positionTwice,
  };
  const ok =
    missing === 0 &&
    idTwice === 0 &&
    outcomeDiffers === 0 &&
    notOneEvent === 0 &&
    run.resendMismatches === 0 &&
    smtpTwice === 0 &&
    outboxTwice === 0 &&
    fixedTwice === 0 &&
    fixedNotFixed === 0 &&
    positionTwice === 0;
  return { ok, checks };
}

function summarize(run, { loadSeconds, pgMax, pgSamples, insts, metrics, integrity, instances }) {
  const routes = {};
  for (const [route, r] of [...run.routes].sort(([a], [b]) => a.localeCompare(b))) {
    routes[route] = {
      count: r.ms.length,
      p50_ms: r1(percentile(r.ms, 50)),
      p95_ms: r1(percentile(r.ms, 95)),
      p99_ms: r1(percentile(r.ms, 99)),
      statuses: Object.fromEntries(r.statuses),
    };
  }
  const errorCount = [...run.errors.values()].reduce((a, b) => a + b, 0);
  return {
    instances,
    load_seconds: r1(loadSeconds),
    requests: run.requests,
    requests_per_s: r1(run.requests / loadSeconds),
    routes,
    errors: errorCount,
    errors_by_route_status: Object.fromEntries(run.errors),
    error_samples: run.errorSamples,
    network_retries: Object.fromEntries(run.netRetries),
    outcomes: Object.fromEntries([...run.tally].sort(([a], [b]) => a.localeCompare(b))),
    unexpected_outcomes: run.unexpected,
    work: {
      fixes_applied: run.fixesApplied,
      closed_not_fixed_applied: run.closedApplied,
      photos_uploaded: run.photosUploaded,
      resident_reports: run.reports,
    },
    pg_connections_max: pgMax,
    pg_connections_median: pgSamples.length ? percentile(pgSamples, 50) : null,
    instances_detail: insts.map((i, k) => ({
      instance: i.label,
      rss_max_mb: mb(i.rssMax),
      metrics_rss_end_mb: Number.isFinite(metrics[k].rss) ? mb(metrics[k].rss) : null,
      metrics_status: metrics[k].status,
      db_pool_max: metrics[k].poolMax ?? null,
      error_log_lines: i.errorLines,
      last_log_lines: i.lines.slice(-5),
    })),
    integrity,
  };
}

// ---- main ----------------------------------------------------------------------------------

const plan = buildPlan();
const stops = plan.workers.reduce((a, w) => a + w.jobs.length, 0);
const fixesPlanned = plan.workers.reduce((a, w) => a + w.jobs.filter((j) => j.steps.at(-1).kind === 'fix').length, 0);
log(
  `Plan: ${plan.crews.length} crews, ${plan.workers.length} worker devices, ${plan.leads.length} leads, ${stops} cases today ` +
    `(${fixesPlanned} to fix), ${plan.residents.length} resident reports; ${SECONDS} s a run.`,
);
let t = performance.now();
for (const r of plan.residents) r.proof = proofFor(r.token);
log(`  proofs of work for the residents' reports: ${r1((performance.now() - t) / 1000)} s`);
const photos = await makePhotos();
log(`  after-photos: ${photos.map((p) => `${r1(p.bytes.length / 1024)} KB`).join(', ')}`);

const results = [];
try {
  for (const n of [INSTANCES, 1]) {
    const res = await runDay(plan, photos, n);
    res.work.planned = { cases: stops, fixes: fixesPlanned, reports: plan.residents.length };
    results.push(res);
    log(
      `  ${res.requests_per_s} req/s, errors ${res.errors}, integrity ${res.integrity.ok ? 'ok' : 'FAILED'}, ` +
        `pg max ${res.pg_connections_max}, rss max ${res.instances_detail.map((i) => `${i.rss_max_mb} MB`).join('/')}`,
    );
    if (res.errors > 0) log(`  errors: ${JSON.stringify(res.errors_by_route_status)}`);
    if (!res.integrity.ok) log(`  integrity: ${JSON.stringify(res.integrity.checks)}`);
  }
} finally {
  await admin.end({ timeout: 5 });
}

const [many, one] = results;
const ratio = (a, b) => (b > 0 && Number.isFinite(a / b) ? `${(a / b).toFixed(2)}×` : '');
const fmt = (r) => (r ? `${r.p50_ms} / ${r.p95_ms} / ${r.p99_ms} ms (${r.count})` : '');
const rows = [
  {
    what: 'requests/s (offered by the same script)',
    [`${INSTANCES} instances`]: many.requests_per_s,
    '1 instance (baseline)': one.requests_per_s,
    ratio: ratio(many.requests_per_s, one.requests_per_s),
  },
  ...[...new Set([...Object.keys(many.routes), ...Object.keys(one.routes)])].sort().map((route) => ({
    what: `${route} p50/p95/p99`,
    [`${INSTANCES} instances`]: fmt(many.routes[route]),
    '1 instance (baseline)': fmt(one.routes[route]),
    ratio:
      many.routes[route] && one.routes[route]
        ? `p95 ${ratio(many.routes[route].p95_ms, one.routes[route].p95_ms)}`
        : '',
  })),
  {
    what: 'errors (unexpected status or network)',
    [`${INSTANCES} instances`]: many.errors,
    '1 instance (baseline)': one.errors,
    ratio: '',
  },
  {
    what: 'cases fixed / photos uploaded / reports',
    [`${INSTANCES} instances`]: `${many.work.fixes_applied} / ${many.work.photos_uploaded} / ${many.work.resident_reports}`,
    '1 instance (baseline)': `${one.work.fixes_applied} / ${one.work.photos_uploaded} / ${one.work.resident_reports}`,
    ratio: `planned ${fixesPlanned} / ${fixesPlanned} / ${plan.residents.length}`,
  },
  {
    what: 'PostgreSQL connections, max',
    [`${INSTANCES} instances`]: many.pg_connections_max,
    '1 instance (baseline)': one.pg_connections_max,
    ratio: ratio(many.pg_connections_max, one.pg_connections_max),
  },
  {
    what: 'RSS max per instance (MB)',
    [`${INSTANCES} instances`]: many.instances_detail.map((i) => i.rss_max_mb).join(' / '),
    '1 instance (baseline)': one.instances_detail.map((i) => i.rss_max_mb).join(' / '),
    ratio: '',
  },
  {
    what: 'integrity (mutations once, notices once)',
    [`${INSTANCES} instances`]: many.integrity.ok ? 'ok' : 'FAILED',
    '1 instance (baseline)': one.integrity.ok ? 'ok' : 'FAILED',
    ratio: '',
  },
];
report('load', rows, {
  config: {
    worker_devices: plan.workers.length,
    crews: plan.crews.length,
    leads: plan.leads.length,
    cases_today: stops,
    resident_reports: plan.residents.length,
    seconds: SECONDS,
    instances: INSTANCES,
    pull_every_s: PULL_EVERY_MS / 1000,
    reorder_every_s: REORDER_EVERY_MS / 1000,
    resend_share: RESEND_SHARE,
    protocol: Number(PROTOCOL),
    balancer: 'client-side round-robin in the load generator; network errors retried on the next instance',
    photo_bytes: photos.map((p) => p.bytes.length),
  },
  runs: { [`instances_${INSTANCES}`]: many, instances_1: one },
  note: 'One machine runs the load generator, every instance and PostgreSQL: the instances share its cores. Requests/s is what the script offers (paced like a day), so it stays close between runs; latencies and the work done by the end tell the capacity apart.',
});
if (!many.integrity.ok || !one.integrity.ok) process.exitCode = 1;
