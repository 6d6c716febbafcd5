// `pnpm bench:load:faults`: the day of `pnpm bench:load` (1,000 worker devices, a 60 s day, three
// instances) with a fault in it, one fault a day, each day on a fresh stage, and first the same
// day without a fault: the baseline, in the same run. Writes bench/results/load-faults.json.
//
// The stage, the faults and every check are sync-server/test/load/faults.ts, the code the fault
// tests run at 64 devices (sync-server/src/load-faults.pg.test.ts); the day, the devices and
// the balancer are sync-server/test/load/simulation.ts, as in `pnpm bench:load`. The stage:
// three instances on one fresh PostgreSQL database, their connections through a TCP proxy in
// this process, photos in an S3 bucket (s3rver on loopback), notices to a loopback SMTP server.
// The days:
//   - none: no fault (the baseline: the same plan, script and stage);
//   - kill: instance #2 killed with kill -9 at 40 % of the day, dead for the rest of it;
//   - postgres: PostgreSQL "restarted" at 35 % of the day: the proxy drops every connection
//     and refuses new ones for 6 s;
//   - s3: the S3 server stopped at 30 % of the day for 8 s.
// One fault a day, not three in one: the end checks (every acknowledged mutation once, no
// device gave up, every notice once by Message-ID, every photo's bytes in the bucket) then
// speak for each fault alone, and each fault's figures have a day without it to stand beside.
// The devices pace the day as in `pnpm bench:load` (a pull every ~15 s, requests given 30 s,
// backoff 250 ms doubling to 5 s, a change given up after 90 s), but upload in 16 KiB pieces,
// as the fault tests do, so that an outage can land between two pieces of a photo.
//
// Reported per fault: what was done and for how long; the tries it made fail (each one retried)
// by cause, and the requests they belonged to; errors (unexpected statuses, requests given up:
// target 0); the longest a device waited to get a change through (a push, from its first try
// to its answer) and a photo's bytes up; the time from the fault's end until the load is back to
// normal (the first of five seconds in a row, each the start of a 5 s window in which requests
// answered are at least 80 % of the baseline day's in the same window and their p95 at most
// 1.5x the baseline's, or 1 s above it); answered requests/s and p95 before (the 10 s before
// the fault), during (the outage; for a kill its first 10 s) and after (the next 10 s), each
// beside the same window of the day without the fault; a per-second timeline of both days;
// and every check with what it found.
//
// Knobs: BENCH_DEVICES (1000), BENCH_SECONDS (60), BENCH_REPORTS (devices / 20),
// BENCH_FAULTS (kill,postgres,s3; crash too: PostgreSQL itself crashed, on a server of the stage's own), BENCH_WINDOW_S (10), BENCH_LOGS=<folder> (each day's
// instance logs), BENCH_LOG_LEVEL (warn; info logs every request with its duration and id).
// BENCH_DATABASE_URL (else TEST_DATABASE_URL, else the local server) must be an
// admin connection: every day creates and drops its own database.
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { BENCH_ADMIN_URL, percentile, r1, report } from './lib.mjs';
import {
  endChecks,
  explainFailure,
  FAULTS,
  faultRunOptions,
  faultSummary,
  runFaultDay,
  setUpStage,
  tearDownStage,
} from '../sync-server/test/load/faults.ts';
import {
  BENCH_RUN_OPTIONS,
  PROTOCOL,
  buildPlan,
  makePhotos,
  planTotals,
  solveProofs,
} from '../sync-server/test/load/simulation.ts';

const ADMIN_URL = BENCH_ADMIN_URL;
const DEVICES = Math.max(4, Number(process.env.BENCH_DEVICES ?? 1000));
const SECONDS = Math.max(20, Number(process.env.BENCH_SECONDS ?? 60));
const REPORTS = Math.max(1, Number(process.env.BENCH_REPORTS ?? Math.round(DEVICES / 20)));
const WINDOW_MS = 1000 * Math.max(2, Number(process.env.BENCH_WINDOW_S ?? 10));
const WANTED = (process.env.BENCH_FAULTS ?? 'kill,postgres,s3').split(',').filter(Boolean);
for (const f of WANTED) if (!(f in FAULTS)) throw new Error(`BENCH_FAULTS: no fault "${f}" (${Object.keys(FAULTS)})`);
const OPTIONS = faultRunOptions({ ...BENCH_RUN_OPTIONS, seconds: SECONDS });
/** Back to normal: 5 s windows, five in a row, answered ≥ 80 % of the baseline's, p95 ≤ 1.5x (or +1 s). */
const NORMAL = { windowS: 5, inRow: 5, share: 0.8, p95Factor: 1.5, p95SlackMs: 1000 };

const log = (msg) => process.stdout.write(`${msg}\n`);
const PUSH = 'POST /api/sync/push';

// ---- figures ---------------------------------------------------------------------------------

/** Requests answered in [from, to) (ms since the clock started): how many a second, how long they took. */
function phase(run, from, to) {
  const answers = run.answers.filter((a) => a.at >= from && a.at < to);
  const pushes = answers.filter((a) => a.route === PUSH).map((a) => a.ms);
  const seconds = (to - from) / 1000;
  const ms = answers.map((a) => a.ms);
  const p50 = percentile(ms, 50);
  const p95 = percentile(ms, 95);
  const pushP95 = percentile(pushes, 95);
  return {
    window_s: [r1(from / 1000), r1(to / 1000)],
    answered_per_s: r1(answers.length / seconds),
    failed_tries_per_s: r1(run.failedTries.filter((f) => f.at >= from && f.at < to).length / seconds),
    p50_ms: p50 === null ? null : r1(p50),
    p95_ms: p95 === null ? null : r1(p95),
    push_p95_ms: pushP95 === null ? null : r1(pushP95),
    push_max_ms: pushes.length ? r1(Math.max(...pushes)) : null,
  };
}

/** Per second of the day: requests answered, tries failed, p95 of those answered. */
function timeline(run) {
  const n = Math.ceil(run.answers.reduce((m, a) => Math.max(m, a.at), run.opts.seconds * 1000) / 1000);
  const answered = Array.from({ length: n }, () => []);
  const failed = new Array(n).fill(0);
  for (const a of run.answers) if (a.at >= 0) answered[Math.min(n - 1, Math.floor(a.at / 1000))].push(a.ms);
  for (const f of run.failedTries) if (f.at >= 0) failed[Math.min(n - 1, Math.floor(f.at / 1000))]++;
  return {
    answered: answered.map((xs) => xs.length),
    failed_tries: failed,
    p95_ms: answered.map((xs) => (xs.length ? Math.round(percentile(xs, 95)) : null)),
  };
}

/**
 * Seconds from the fault's end until the load is back to normal beside the baseline day (see
 * NORMAL), or null when it is not within the day.
 */
function backToNormal(run, base, to) {
  const within = (r, s) => r.answers.filter((a) => a.at >= s * 1000 && a.at < (s + NORMAL.windowS) * 1000);
  const normalAt = (s) => {
    const f = within(run, s);
    const b = within(base, s);
    if (b.length === 0) return f.length === 0;
    const pf = percentile(
      f.map((a) => a.ms),
      95,
    );
    const pb = percentile(
      b.map((a) => a.ms),
      95,
    );
    return f.length >= NORMAL.share * b.length && pf <= Math.max(NORMAL.p95Factor * pb, pb + NORMAL.p95SlackMs);
  };
  const last = run.opts.seconds - NORMAL.windowS;
  for (let s = Math.ceil(to / 1000); s + NORMAL.inRow - 1 <= last; s++) {
    let ok = true;
    for (let k = 0; k < NORMAL.inRow && ok; k++) ok = normalAt(s + k);
    if (ok) return r1(s - to / 1000);
  }
  return null;
}

/** The whole day: requests, work done, the longest waits, per-route p50/p95. */
function dayFigures(run, loadSeconds, lag) {
  const routes = {};
  for (const [route, r] of [...run.routes].sort(([a], [b]) => a.localeCompare(b))) {
    routes[route] = {
      count: r.ms.length,
      p50_ms: r1(percentile(r.ms, 50)),
      p95_ms: r1(percentile(r.ms, 95)),
      statuses: Object.fromEntries(r.statuses),
    };
  }
  const pushes = run.answers.filter((a) => a.route === PUSH);
  const longestPush = pushes.reduce((a, b) => (b.ms > (a?.ms ?? -1) ? b : a), null);
  const uploads = run.uploadsDone.map((u) => u.doneAt - u.startedAt);
  return {
    load_seconds: r1(loadSeconds),
    answers: run.requests,
    answered_per_s: r1(run.answers.length / loadSeconds),
    errors: [...run.errors.values()].reduce((a, b) => a + b, 0),
    errors_by_route: Object.fromEntries(run.errors),
    error_samples: run.errorSamples,
    changes_given_up: run.unacknowledged.length,
    failed_tries: run.failedTries.length,
    network_retries: Object.fromEntries(run.netRetries),
    status_retries: Object.fromEntries(run.statusRetries),
    longest_change_wait_ms: longestPush ? r1(longestPush.ms) : null,
    longest_change_wait_answered_at_s: longestPush ? r1(longestPush.at / 1000) : null,
    push_p95_ms: r1(
      percentile(
        pushes.map((a) => a.ms),
        95,
      ),
    ),
    longest_photo_upload_ms: uploads.length ? r1(Math.max(...uploads)) : null,
    work: {
      fixes_applied: run.fixesApplied,
      closed_not_fixed_applied: run.closedApplied,
      photos_uploaded: run.photosUploaded,
      uploads_resumed_past_0: run.uploadResumes,
      resident_reports: run.reports,
      replays_sent: run.resends,
    },
    routes,
    generator_event_loop_lag_ms: {
      p50: r1(lag.percentile(50) / 1e6),
      p99: r1(lag.percentile(99) / 1e6),
      max: r1(lag.max / 1e6),
    },
  };
}

// ---- one day -------------------------------------------------------------------------------

async function oneDay(plan, photos, fault, baseline) {
  const name = fault?.name ?? 'none';
  log(`\n== ${name}: ${fault ? fault.what : 'no fault (the baseline)'}`);
  let t = performance.now();
  const stage = await setUpStage(plan, {
    adminUrl: ADMIN_URL,
    // The crash fault stops PostgreSQL itself: a server of the stage's own.
    ownPostgres: fault?.name === 'crash',
    ...(process.env.BENCH_LOG_LEVEL ? { logLevel: process.env.BENCH_LOG_LEVEL } : {}),
  });
  log(`  stage up in ${r1((performance.now() - t) / 1000)} s: ${stage.instances.map((i) => i.url).join(', ')}`);
  const dir = process.env.BENCH_LOGS;
  try {
    const lag = monitorEventLoopDelay({ resolution: 20 });
    lag.enable();
    const day = await runFaultDay(stage, plan, photos, OPTIONS, fault, baseline);
    lag.disable();
    const { run, window } = day;
    const loadSeconds = (performance.now() - run.t0) / 1000;
    log(`  load done in ${r1(loadSeconds)} s: ${run.requests} answers, ${run.failedTries.length} failed tries`);
    t = performance.now();
    const end = await endChecks(stage, plan, run, fault ? fault.repeatsWithin(window) : null);
    log(`  end checks in ${r1((performance.now() - t) / 1000)} s`);
    const checks = [...day.checks.list, ...end.checks.list];
    const failed = checks.filter((c) => !c.ok);
    if (failed.length) {
      log(`  FAILED checks: ${JSON.stringify(failed, null, 1)}`);
      const gaveUp = run.errorSamples
        .filter((x) => x.route === 'photo upload gave up')
        .map((x) => JSON.parse(x.body).photoId);
      log(await explainFailure(stage, gaveUp));
    }
    return {
      name,
      run,
      window,
      figures: dayFigures(run, loadSeconds, lag),
      integrity: {
        ok: failed.length === 0,
        fault_checks: day.checks.list,
        end_checks: end.checks.list,
        counts: end.integrity,
        notices_delivered: end.deliveries,
        notices_sent_again_same_message_id: end.repeats,
        notice_record_lag_ms: end.noticeRecordLagMs,
        photos_checked_in_bucket: end.photosChecked,
      },
    };
  } finally {
    await tearDownStage(stage, dir ? { dir, name } : undefined);
  }
}

/** A fault's figures beside the baseline day's, window by window. */
function faultFigures(day, base) {
  const { run, window } = day;
  const fault = FAULTS[day.name];
  const duringEnd = fault.downMs === null ? window.from + WINDOW_MS : window.to;
  const phases = {
    before: [window.from - WINDOW_MS, window.from],
    during: [window.from, duringEnd],
    after: [duringEnd, duringEnd + WINDOW_MS],
  };
  const summary = faultSummary(run, window);
  const pushesHit = run.recovered.filter((r) => r.route === PUSH && r.failedAt >= window.from - 100);
  return {
    what: fault.what,
    at_s: r1(window.from / 1000),
    at_share_of_day: fault.atFrac,
    down_s: fault.downMs === null ? 'rest of the day' : r1((window.to - window.from) / 1000),
    hit: {
      failed_tries: summary.failedTries,
      failed_tries_by_cause: summary.byCause,
      requests_answered_after_failed_tries: summary.requestsRecovered,
      changes_held_up: pushesHit.length,
      stall_ms: summary.stallMs,
      slowest: summary.slowest,
      timeouts: summary.timeouts.length,
      last_held_up_answered_after_fault_end_s: summary.lastRecoveredAfterFaultEndS,
    },
    errors: day.figures.errors,
    changes_given_up: day.figures.changes_given_up,
    longest_change_wait_ms: {
      fault: day.figures.longest_change_wait_ms,
      baseline: base.figures.longest_change_wait_ms,
    },
    longest_held_up_change_ms: pushesHit.length ? r1(Math.max(...pushesHit.map((r) => r.answeredAt - r.failedAt))) : 0,
    longest_photo_upload_ms: {
      fault: day.figures.longest_photo_upload_ms,
      baseline: base.figures.longest_photo_upload_ms,
    },
    back_to_normal_s: backToNormal(run, base.run, fault.downMs === null ? window.from : window.to),
    phases: Object.fromEntries(
      Object.entries(phases).map(([k, [from, to]]) => [
        k,
        { fault: phase(run, from, to), baseline: phase(base.run, from, to) },
      ]),
    ),
  };
}

// ---- main ----------------------------------------------------------------------------------

const plan = buildPlan({ devices: DEVICES, reports: REPORTS });
const { stops, fixes: fixesPlanned } = planTotals(plan);
log(
  `Plan: ${plan.crews.length} crews, ${plan.workers.length} worker devices, ${plan.leads.length} leads, ${stops} cases today ` +
    `(${fixesPlanned} to fix), ${plan.residents.length} resident reports; a ${SECONDS} s day; days: none, ${WANTED.join(', ')}.`,
);
solveProofs(plan);
const photos = await makePhotos();

const days = {};
const failures = [];
for (const name of ['none', ...WANTED]) {
  try {
    days[name] = await oneDay(plan, photos, name === 'none' ? null : FAULTS[name], days.none?.run);
    const d = days[name];
    log(
      `  ${d.figures.answered_per_s} answered/s, errors ${d.figures.errors}, given up ${d.figures.changes_given_up}, ` +
        `fixes ${d.figures.work.fixes_applied}/${fixesPlanned}, photos ${d.figures.work.photos_uploaded}, ` +
        `integrity ${d.integrity.ok ? 'ok' : 'FAILED'}`,
    );
    if (!d.integrity.ok) failures.push(name);
  } catch (err) {
    log(`  ${name}: the day did not run to its end: ${err.stack ?? err}`);
    failures.push(name);
  }
}

const base = days.none;
const faults = {};
const rows = [];
const fmt = (f, b, unit = '') => `${f ?? '-'}${unit} | ${b ?? '-'}${unit}`;
if (base) {
  for (const name of WANTED) {
    if (!days[name]) continue;
    const f = (faults[name] = faultFigures(days[name], base));
    for (const [k, p] of Object.entries(f.phases)) {
      rows.push({
        fault: name,
        phase: `${k} ${p.fault.window_s[0]}-${p.fault.window_s[1]} s`,
        'answered/s (fault | baseline)': fmt(p.fault.answered_per_s, p.baseline.answered_per_s),
        'p95 (fault | baseline)': fmt(p.fault.p95_ms, p.baseline.p95_ms, ' ms'),
        'push p95 (fault | baseline)': fmt(p.fault.push_p95_ms, p.baseline.push_p95_ms, ' ms'),
        'failed tries/s': fmt(p.fault.failed_tries_per_s, p.baseline.failed_tries_per_s),
      });
    }
    rows.push({
      fault: name,
      phase: `hit: ${f.hit.failed_tries} failed tries (retried), ${f.hit.requests_answered_after_failed_tries} requests held up`,
      'answered/s (fault | baseline)': `errors ${f.errors}, given up ${f.changes_given_up}`,
      'p95 (fault | baseline)': `longest change wait ${fmt(f.longest_change_wait_ms.fault, f.longest_change_wait_ms.baseline, ' ms')}`,
      'push p95 (fault | baseline)': `back to normal ${f.back_to_normal_s ?? 'not within the day'}${f.back_to_normal_s === null ? '' : ' s'}`,
      'failed tries/s': `integrity ${days[name].integrity.ok ? 'ok' : 'FAILED'}`,
    });
  }
}

const daySummary = (d) => ({
  ...d.figures,
  fault_window_s: d.window ? [r1(d.window.from / 1000), r1(d.window.to / 1000)] : null,
  timeline: timeline(d.run),
  integrity: d.integrity,
});
report('load-faults', rows, {
  config: {
    worker_devices: plan.workers.length,
    crews: plan.crews.length,
    leads: plan.leads.length,
    cases_today: stops,
    fixes_planned: fixesPlanned,
    resident_reports: plan.residents.length,
    seconds: SECONDS,
    instances: 3,
    protocol: Number(PROTOCOL),
    run_options: OPTIONS,
    photo_bytes: photos.map((p) => p.bytes.length),
    faults: Object.fromEntries(
      WANTED.map((n) => [n, { what: FAULTS[n].what, at_share_of_day: FAULTS[n].atFrac, down_ms: FAULTS[n].downMs }]),
    ),
    phase_window_s: WINDOW_MS / 1000,
    back_to_normal:
      'the first second after the fault ends that starts five 5 s windows in a row, each with requests answered at least 80 % of the baseline day in the same window and their p95 at most 1.5x the baseline p95 (or 1 s above it)',
    stage:
      'three instances in child processes on one fresh PostgreSQL database each day, reached through a TCP proxy in the load generator; photos in s3rver on loopback; notices to a loopback SMTP server (NOTICE_LEASE_SECONDS=5)',
  },
  faults,
  days: Object.fromEntries(Object.entries(days).map(([k, d]) => [k, daySummary(d)])),
  failed_days: failures,
  note: "One machine (2 shared cores) runs the load generator, the TCP proxy, s3rver, the SMTP server, three instances and PostgreSQL. Each fault is beside the same day without it, window by window; figures move with the machine's other work, read them side by side.",
});
if (failures.length) process.exitCode = 1;
