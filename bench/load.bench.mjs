// `pnpm bench:load`: a city's working day, compressed into BENCH_SECONDS (default 60), against
// BENCH_INSTANCES (default 3) sync servers in child processes on one PostgreSQL database, then
// the same day (same devices, same script) against ONE instance: the baseline, in the same run.
// Writes bench/results/load.json.
//
// Each run starts from a fresh database: the demo city, then in SQL BENCH_DEVICES / 4 extra
// crews (default 250 crews of 4 workers = 1,000 worker devices) in the demo departments and
// districts, each with its day of 6-10 assigned cases in route order, a lead per ~25 crews of a
// department, and a session for every one of them (written directly, as sync.bench.mjs does).
// The day itself, the devices' behaviour and the integrity check live in
// sync-server/test/load/simulation.ts, which the fault tests run too
// (sync-server/src/load-faults.pg.test.ts):
//   - a worker device primes (pulls until hasMore is false), pulls again every ~15 s (±20 %),
//     and works its share of its crew's route, paced over the day: start, note, sometimes hold
//     and resume, attach an after-photo and upload its bytes (HEAD, then PATCH from the offset,
//     beside its other work, as the app's sync loop does), fix with one of the type's
//     resolution codes (now and then: closed, not fixed). One mutation per push, as the app
//     syncs after each change; 2 % of the pushes are sent again to the next instance with the
//     same body (a device whose answer was lost), and must get the same outcomes (R1).
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
// round-robin over the instances, request by request, leaving out for 10 s an instance that
// failed twice (nginx's max_fails=2 fail_timeout=10s); a connection refused goes to the next
// instance at once. A device whose request gets no answer, or a 502/503/504, backs off and
// sends the same request again (an upload asks HEAD first and resumes); retries show under
// `network_retries` and `status_retries`, and only a request given up is an error.
//
// Reported per run: requests/s; per route (method + pattern) p50/p95/p99 of the time to the
// whole answer; errors (unexpected statuses, 4xx included, and requests given up, target 0);
// push outcomes other than the expected ones; the most PostgreSQL connections open on the
// bench database (pg_stat_activity, every second); each instance's largest RSS (/proc, every
// second; /metrics' process_resident_memory_bytes at the end beside it). Then integrity:
// every mutation a device got an outcome for is in `mutations` exactly once with that outcome
// and one history row; no mutation id twice; no resident notice sent twice (the outbox, and a
// loopback SMTP server in this process that counts what it accepts by Message-ID).
// Then the evening: the day's work done, every worker device still pulls every 5 s for 15 s
// while nothing changes, and the instances say how many of those pulls they answered from
// memory (the compressed day gives every crew a change between any two of its polls).
//
// Knobs: BENCH_DEVICES (1000), BENCH_SECONDS (60), BENCH_INSTANCES (3), BENCH_REPORTS,
// BENCH_EVENING_SECONDS (15).
// BENCH_DATABASE_URL (else TEST_DATABASE_URL, else the local server) must be an admin
// connection: the benchmark creates and drops its own databases.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import postgres from 'postgres';
import { BENCH_ADMIN_URL, freePort, percentile, postgresCpuMs, r1, report, root, stop } from './lib.mjs';
import { migrate } from '../sync-server/src/db/migrate.ts';
import { startLoopbackSmtp } from '../sync-server/src/notices-delivery/loopback-smtp.ts';
import {
  BENCH_RUN_OPTIONS,
  PROTOCOL,
  buildPlan,
  checkIntegrity,
  makePhotos,
  planTotals,
  runDay,
  runEvening,
  runState,
  seedPlan,
  solveProofs,
  warmUp,
} from '../sync-server/test/load/simulation.ts';

const ADMIN_URL = BENCH_ADMIN_URL;
const DEVICES = Math.max(4, Number(process.env.BENCH_DEVICES ?? 1000));
const SECONDS = Math.max(5, Number(process.env.BENCH_SECONDS ?? 60));
const INSTANCES = Math.max(1, Number(process.env.BENCH_INSTANCES ?? 3));
const REPORTS = Math.max(1, Number(process.env.BENCH_REPORTS ?? Math.round(DEVICES / 20)));
const RUN_OPTIONS = { ...BENCH_RUN_OPTIONS, seconds: SECONDS };
const TZ = 'America/Detroit';
const EVENING_SECONDS = Math.max(0, Number(process.env.BENCH_EVENING_SECONDS ?? 15));
const EVENING_PULL_EVERY_MS = 5_000;
const METRICS_TOKEN = `bench-metrics-${randomBytes(12).toString('hex')}`;
const LINK_SECRET = 'bench-link-secret-bench-link-secret-0123';

const log = (msg) => process.stdout.write(`${msg}\n`);
const sleep = (ms) => new Promise((r) => setTimeout(r, Math.max(0, ms)));
const mb = (bytes) => Math.round(bytes / 1024 / 1024);

// ---- the database of one run ---------------------------------------------------------------

const admin = postgres(ADMIN_URL, { max: 1, onnotice: () => {} });

async function prepareDatabase(plan) {
  const dbName = `fieldfix_bench_load_${Date.now()}`;
  await admin`create database ${admin(dbName)}`;
  const url = new URL(ADMIN_URL);
  url.pathname = `/${dbName}`;
  const sql = postgres(url.toString(), { max: 4, onnotice: () => {} });
  try {
    await migrate(sql);
    const { tokens, today } = await seedPlan(sql, plan, { timeZone: TZ });
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

/** How much a scraped count (`key`) grew, summed over the instances, between two scrapes of each. */
function grewBetween(before, after, key) {
  return after.reduce((n, m, k) => n + (m[key] ?? 0) - (before[k][key] ?? 0), 0);
}

/**
 * CPU ms per request between two scrapes: the instances' (summed) and PostgreSQL's
 * (`pgCpuMs` over the same span, every PostgreSQL process on the machine), and their total.
 */
function cpuPer(before, after, pgCpuMs, requests) {
  if (!requests) return null;
  const instances = (grewBetween(before, after, 'cpuSeconds') * 1000) / requests;
  const postgres = pgCpuMs / requests;
  const round = (x) => Math.round(x * 100) / 100;
  return { instances: round(instances), postgres: round(postgres), total: round(instances + postgres) };
}

/** The database's pull answers by reason, summed over the instances, between two scrapes of each. */
function becauseBetween(before, after) {
  const sum = {};
  after.forEach((m, k) => {
    for (const [why, n] of Object.entries(m.because ?? {})) {
      const grew = n - (before[k].because?.[why] ?? 0);
      if (grew > 0) sum[why] = (sum[why] ?? 0) + grew;
    }
  });
  return sum;
}

/** `{ changed: 400, session: 59 }` as "changed 400, session 59". */
function whyLine(because) {
  const parts = Object.entries(because ?? {}).sort((a, b) => b[1] - a[1]);
  return parts.length ? parts.map(([why, n]) => `${why} ${n}`).join(', ') : 'none';
}

async function scrapeMetrics(inst) {
  try {
    const res = await fetch(`${inst.base}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
    const text = await res.text();
    if (res.status !== 200) return { status: res.status };
    const value = (name) => Number(new RegExp(`^${name}(?:\\{[^}]*\\})? ([\\d.e+]+)$`, 'm').exec(text)?.[1] ?? NaN);
    const pulls = (from) =>
      Number(
        new RegExp(`^fieldfix_sync_pulls_total\\{answered_from="${from}"\\} ([\\d.e+]+)$`, 'm').exec(text)?.[1] ?? 0,
      );
    // Why the database answered pulls (`fieldfix_sync_pulls_by_database_total`), by reason.
    const because = Object.fromEntries(
      [...text.matchAll(/^fieldfix_sync_pulls_by_database_total\{because="([^"]+)"\} ([\d.e+]+)$/gm)].map((m) => [
        m[1],
        Number(m[2]),
      ]),
    );
    return {
      status: 200,
      because,
      rss: value('process_resident_memory_bytes'),
      cpuSeconds: value('process_cpu_seconds_total'),
      poolMax: value('fieldfix_db_pool_max_connections'),
      outboxDepth: value('fieldfix_notice_outbox_depth'),
      pullsFromMemory: pulls('memory'),
      pullsFromDatabase: pulls('database'),
    };
  } catch (err) {
    return { status: `network: ${err.cause?.code ?? err.message}` };
  }
}

// ---- one run -------------------------------------------------------------------------------

async function oneRun(plan, photos, instances) {
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

    const run = runState(
      insts.map((i) => i.base),
      RUN_OPTIONS,
    );
    await warmUp(run, plan, db.tokens);
    // The instances' counts once warm: the day's are counted from here (the warm-up primes
    // again from cursor 0, and its pages beyond the first are rightly the database's).
    const dawn = await Promise.all(insts.map(scrapeMetrics));
    const pgCpuDawn = postgresCpuMs();

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

    const lag = monitorEventLoopDelay({ resolution: 20 });
    lag.enable();
    const { devices } = await runDay(run, plan, db, photos);
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

    // The evening: the same devices polling while nothing changes, counted apart.
    const before = await Promise.all(insts.map(scrapeMetrics));
    const pgCpuDay = postgresCpuMs();
    const evening = runState(
      insts.map((i) => i.base),
      RUN_OPTIONS,
    );
    await runEvening(evening, devices, EVENING_SECONDS, EVENING_PULL_EVERY_MS);
    const after = await Promise.all(insts.map(scrapeMetrics));
    const pgCpuEvening = postgresCpuMs();
    const eveningPulls = evening.routes.get('GET /api/sync/pull')?.ms ?? [];
    const eveningResult = {
      seconds: EVENING_SECONDS,
      pull_every_s: EVENING_PULL_EVERY_MS / 1000,
      pulls: eveningPulls.length,
      p50_ms: r1(percentile(eveningPulls, 50)),
      p95_ms: r1(percentile(eveningPulls, 95)),
      p99_ms: r1(percentile(eveningPulls, 99)),
      answered_from_memory: grewBetween(before, after, 'pullsFromMemory'),
      answered_by_database: grewBetween(before, after, 'pullsFromDatabase'),
      // Why the database answered them, as the instances counted it.
      database_because: becauseBetween(before, after),
      // Those that brought a change the device had not had (the database's answers, always).
      bringing_changes: evening.pullsWithChanges,
      cpu_ms_per_pull: cpuPer(before, after, pgCpuEvening - pgCpuDay, eveningPulls.length),
      errors: [...evening.errors.values()].reduce((a, b) => a + b, 0),
    };
    log(
      `  evening: ${eveningResult.pulls} pulls, p50/p95 ${eveningResult.p50_ms}/${eveningResult.p95_ms} ms, ` +
        `from memory ${eveningResult.answered_from_memory}, by the database ${eveningResult.answered_by_database} ` +
        `(${eveningResult.bringing_changes} of them bringing changes; why: ${whyLine(eveningResult.database_because)})`,
    );

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
      const res = summarize(run, {
        loadSeconds,
        pgMax,
        pgSamples,
        insts,
        metrics,
        dawnMetrics: dawn,
        dayMetrics: before,
        pgCpuMs: pgCpuDay - pgCpuDawn,
        integrity,
        instances,
      });
      res.generator_event_loop_lag_ms = generatorLagMs;
      res.evening = eveningResult;
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

/**
 * `metrics`: the instances' at the end; `dawnMetrics`: theirs when warm, before the day;
 * `dayMetrics`: theirs when the day was done (before the evening).
 */
function summarize(
  run,
  { loadSeconds, pgMax, pgSamples, insts, metrics, dawnMetrics, dayMetrics, pgCpuMs, integrity, instances },
) {
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
    status_retries: Object.fromEntries(run.statusRetries),
    outcomes: Object.fromEntries([...run.tally].sort(([a], [b]) => a.localeCompare(b))),
    unexpected_outcomes: run.unexpected,
    work: {
      fixes_applied: run.fixesApplied,
      closed_not_fixed_applied: run.closedApplied,
      photos_uploaded: run.photosUploaded,
      resident_reports: run.reports,
    },
    // Where the day's pulls' answers came from (the instances' own counts, `QuietPull`).
    pulls_answered_from_memory: grewBetween(dawnMetrics, dayMetrics, 'pullsFromMemory'),
    pulls_answered_by_database: grewBetween(dawnMetrics, dayMetrics, 'pullsFromDatabase'),
    pulls_by_database_because: becauseBetween(dawnMetrics, dayMetrics),
    // What a request of the day cost in CPU: the instances' own count (`process_cpu_seconds_total`)
    // and every PostgreSQL process's, from warm to the day's end; not the load generator's.
    cpu_ms_per_request: cpuPer(dawnMetrics, dayMetrics, pgCpuMs, run.requests),
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

const plan = buildPlan({ devices: DEVICES, reports: REPORTS });
const { stops, fixes: fixesPlanned } = planTotals(plan);
log(
  `Plan: ${plan.crews.length} crews, ${plan.workers.length} worker devices, ${plan.leads.length} leads, ${stops} cases today ` +
    `(${fixesPlanned} to fix), ${plan.residents.length} resident reports; ${SECONDS} s a run.`,
);
let t = performance.now();
solveProofs(plan);
log(`  proofs of work for the residents' reports: ${r1((performance.now() - t) / 1000)} s`);
const photos = await makePhotos();
log(`  after-photos: ${photos.map((p) => `${r1(p.bytes.length / 1024)} KB`).join(', ')}`);

const results = [];
try {
  for (const n of [INSTANCES, 1]) {
    const res = await oneRun(plan, photos, n);
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
const cpuLine = (c) => (c ? `${c.instances} + ${c.postgres} = ${c.total} ms` : 'not measured (no /proc)');
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
    what: "pulls answered from an instance's memory / by the database",
    [`${INSTANCES} instances`]: `${many.pulls_answered_from_memory} / ${many.pulls_answered_by_database}`,
    '1 instance (baseline)': `${one.pulls_answered_from_memory} / ${one.pulls_answered_by_database}`,
    ratio: '',
  },
  {
    what: "the day's pulls the database answered, by why memory could not",
    [`${INSTANCES} instances`]: whyLine(many.pulls_by_database_because),
    '1 instance (baseline)': whyLine(one.pulls_by_database_because),
    ratio: '',
  },
  {
    what: `evening: every device pulls every ${EVENING_PULL_EVERY_MS / 1000} s for ${EVENING_SECONDS} s, nothing changing: p50/p95/p99`,
    [`${INSTANCES} instances`]: fmt({ ...many.evening, count: many.evening.pulls }),
    '1 instance (baseline)': fmt({ ...one.evening, count: one.evening.pulls }),
    ratio: `the day's pulls p95: ${many.routes['GET /api/sync/pull']?.p95_ms} / ${one.routes['GET /api/sync/pull']?.p95_ms} ms`,
  },
  {
    what: "evening pulls answered from an instance's memory / by the database (of which bringing changes)",
    [`${INSTANCES} instances`]: `${many.evening.answered_from_memory} / ${many.evening.answered_by_database} (${many.evening.bringing_changes})`,
    '1 instance (baseline)': `${one.evening.answered_from_memory} / ${one.evening.answered_by_database} (${one.evening.bringing_changes})`,
    ratio: `errors ${many.evening.errors} / ${one.evening.errors}`,
  },
  {
    what: 'evening pulls the database answered, by why memory could not (`fieldfix_sync_pulls_by_database_total`)',
    [`${INSTANCES} instances`]: whyLine(many.evening.database_because),
    '1 instance (baseline)': whyLine(one.evening.database_because),
    ratio: '',
  },
  {
    what: "CPU per request of the day: instances + PostgreSQL = total (not the load generator's)",
    [`${INSTANCES} instances`]: cpuLine(many.cpu_ms_per_request),
    '1 instance (baseline)': cpuLine(one.cpu_ms_per_request),
    ratio: '',
  },
  {
    what: 'CPU per evening pull: instances + PostgreSQL = total',
    [`${INSTANCES} instances`]: cpuLine(many.evening.cpu_ms_per_pull),
    '1 instance (baseline)': cpuLine(one.evening.cpu_ms_per_pull),
    ratio: '',
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
    pull_every_s: RUN_OPTIONS.pullEveryMs / 1000,
    reorder_every_s: RUN_OPTIONS.reorderEveryMs / 1000,
    resend_share: RUN_OPTIONS.resendShare,
    protocol: Number(PROTOCOL),
    balancer:
      'client-side round-robin in the load generator (an instance failing twice is left out 10 s); a refused connection goes to the next instance, other failures and 502/503/504 are backed off and sent again',
    photo_bytes: photos.map((p) => p.bytes.length),
  },
  runs: { [`instances_${INSTANCES}`]: many, instances_1: one },
  note: 'One machine runs the load generator, every instance and PostgreSQL: the instances share its cores. Requests/s is what the script offers (paced like a day), so it stays close between runs; latencies and the work done by the end tell the capacity apart.',
});
if (!many.integrity.ok || !one.integrity.ok) process.exitCode = 1;
