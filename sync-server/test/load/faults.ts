/**
 * Faults during the load of test/load/simulation.ts (issue 14), staged and checked here once
 * for both their users: the fault tests (src/load-faults.pg.test.ts, 64 devices by default)
 * and `pnpm bench:load:faults` (bench/load-faults.bench.mjs, 1,000 devices).
 *
 * The stage: three server processes on one PostgreSQL database, photos in an S3 bucket
 * (s3rver on loopback), notices to a loopback SMTP server, and each instance's database
 * connections through a TCP proxy, so that PostgreSQL can "restart" without touching the
 * machine's shared server. The proxy and the S3 server run in worker threads of their own
 * (off-thread.ts), so that the load generator's busy event loop holds up neither. The
 * faults, one a day, at a set share of the day:
 *   - `kill`: one instance killed with kill -9 (it stays dead): its requests fail, the devices
 *     send them again to the others (same mutation ids, same device);
 *   - `postgres`: PostgreSQL restarted (the proxy drops every connection and refuses new ones
 *     for 6 s): requests answer 503 with Retry-After, never a 500; the devices back off and
 *     resume;
 *   - `crash`: the same, with PostgreSQL itself crashed (`pg_ctl stop -m immediate`) and
 *     started again 6 s later, crash recovery and all; it needs a stage with a PostgreSQL
 *     server of its own (`ownPostgres`);
 *   - `s3`: the S3 server gone for 8 s (stopped, then started again on the same port and
 *     folder): uploads answer 503 and resume from the offset HEAD gives.
 * Each fault's own checks say that it really hit requests of the load (none can pass without
 * one) and hit them only as it should; the end checks, shared by all, that every mutation a
 * device was told the outcome of is in the table exactly once with that outcome and one
 * history row, no device gave up on a change, every notice was sent once by Message-ID, and
 * every photo's bytes are in the bucket as the device sent them.
 *
 * Checks are data (`Check`: what, wanted, got, ok), not assertions: the tests expect no
 * failed check, the benchmark writes them all to its results.
 */
import { createHash } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startLoopbackSmtp } from '../../src/notices-delivery/loopback-smtp.ts';
import type { LoopbackS3 } from '../../src/photos/loopback-s3.ts';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { S3PhotoStore } from '../../src/photos/s3-photo-store.ts';
import { healthy, startInstance, stopInstance, type Instance } from '../instances.ts';
import { createTestDatabase, type TestDatabase } from '../test-db.ts';
import { startPrivatePostgres, type PrivatePostgres } from '../private-postgres.ts';
import { startProxyOffThread, startS3OffThread, type OffThreadProxy } from './off-thread.ts';
import {
  checkIntegrity,
  planTotals,
  runDay,
  runState,
  seedPlan,
  sleep,
  type FailedTry,
  type Photo,
  type Plan,
  type Run,
  type RunOptions,
  type SeededDay,
} from './simulation.ts';

export const TZ = 'America/Detroit';
const BUCKET = 'fieldfix-load';
const PREFIX = 'city/';
/** A notice claimed by an instance that died is taken over after this (the default is 120 s). */
export const NOTICE_LEASE_SECONDS = 5;
/** Photo bytes per PATCH: smaller than the photos (45-75 KB), so that a fault can land between two pieces. */
export const FAULT_UPLOAD_PIECE_BYTES = 16 * 1024;

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const r1 = (x: number) => Math.round(x * 10) / 10;

// ---- checks ------------------------------------------------------------------------------------

export type Check = { check: string; want: string; got: unknown; ok: boolean };

/** A list of checks, each kept with what it found. */
export class Checks {
  readonly list: Check[] = [];

  add(check: string, want: string, got: unknown, ok: boolean): void {
    this.list.push({ check, want, got, ok });
  }
  /** `got` is `want` (numbers, strings). */
  is(check: string, got: number | string | boolean, want: number | string | boolean): void {
    this.add(check, String(want), got, got === want);
  }
  /** No such item: `got` shows the first 20 of them. */
  none(check: string, items: unknown[]): void {
    this.add(
      check,
      'none',
      items.length <= 20 ? items : { count: items.length, first: items.slice(0, 20) },
      items.length === 0,
    );
  }
  above(check: string, got: number, than: number): void {
    this.add(check, `> ${r1(than)}`, got, got > than);
  }
  get failed(): Check[] {
    return this.list.filter((c) => !c.ok);
  }
}

// ---- the stage -----------------------------------------------------------------------------------

export type Stage = {
  db: TestDatabase;
  proxy: OffThreadProxy;
  /** The stage's own PostgreSQL server, when it has one (`ownPostgres`): the `crash` fault stops it. */
  pg?: PrivatePostgres;
  s3: LoopbackS3;
  smtp: Awaited<ReturnType<typeof startLoopbackSmtp>>;
  instances: Instance[];
  day: SeededDay;
};

export type StageOptions = {
  /** An admin connection to the PostgreSQL server (else TEST_DATABASE_URL): a database is made and dropped. */
  adminUrl?: string;
  instances?: number;
  /** The instances' LOG_LEVEL (warn). */
  logLevel?: string;
  /**
   * A PostgreSQL server of the stage's own (`test/private-postgres.ts`, from the machine's
   * binaries) instead of `adminUrl`'s: the `crash` fault stops it for real.
   */
  ownPostgres?: boolean;
};

/** A fresh database with the plan's day, the proxy, the bucket, the SMTP server, and the instances up. */
export async function setUpStage(plan: Plan, opts: StageOptions = {}): Promise<Stage> {
  // Three instances' 14 connections each, the checks' and the proxy's: room above 50.
  const pg = opts.ownPostgres ? await startPrivatePostgres({ maxConnections: 200 }) : undefined;
  const db = await createTestDatabase({ adminUrl: pg?.url ?? opts.adminUrl }).catch(async (err: unknown) => {
    await pg?.close();
    throw err;
  });
  const stage: Partial<Stage> = { db, instances: [], ...(pg ? { pg } : {}) };
  try {
    stage.day = await seedPlan(db.sql, plan, { timeZone: TZ });
    const direct = new URL(db.url!);
    stage.proxy = await startProxyOffThread({ host: direct.hostname, port: Number(direct.port || 5432) });
    const viaProxy = new URL(db.url!);
    viaProxy.port = String(stage.proxy.port);
    stage.s3 = await startS3OffThread(BUCKET, PREFIX);
    stage.smtp = await startLoopbackSmtp();
    const s3 = stage.s3.config;
    const env = {
      LOG_LEVEL: opts.logLevel ?? 'warn',
      DEMO_DATA: 'off',
      CITY_TIMEZONE: TZ,
      TRUST_PROXY: '1',
      NOTICE_WORKER: 'on',
      NOTICE_LEASE_SECONDS: String(NOTICE_LEASE_SECONDS),
      SMTP_URL: stage.smtp.url,
      PUBLIC_URL: 'https://311.load.example',
      PHOTO_STORE: `s3://${s3.bucket}/${s3.prefix}`,
      S3_ENDPOINT: s3.endpoint,
      S3_REGION: s3.region,
      AWS_ACCESS_KEY_ID: s3.credentials!.accessKeyId,
      AWS_SECRET_ACCESS_KEY: s3.credentials!.secretAccessKey,
    };
    for (let i = 0; i < (opts.instances ?? 3); i++)
      stage.instances!.push(await startInstance(viaProxy.toString(), env));
    await Promise.all(stage.instances!.map((i) => healthy(i)));
    return stage as Stage;
  } catch (err) {
    await tearDownStage(stage);
    throw err;
  }
}

/** Everything stopped and removed; with `logs`, each instance's log is written there first as `<name>-instance-<n>.log`. */
export async function tearDownStage(stage: Partial<Stage>, logs?: { dir: string; name: string }): Promise<void> {
  await Promise.all((stage.instances ?? []).map((i) => stopInstance(i)));
  if (logs) {
    await mkdir(logs.dir, { recursive: true });
    for (const [k, i] of (stage.instances ?? []).entries()) {
      await writeFile(join(logs.dir, `${logs.name}-instance-${k + 1}.log`), i.output.join(''));
    }
  }
  await stage.smtp?.close();
  await stage.s3?.close();
  await stage.proxy?.stop();
  await stage.db?.close();
  await stage.pg?.close();
}

/**
 * On a failure: how each instance ended and its last log lines, the notices not sent, and
 * for `photoIds` (uploads a device gave up on) their rows and the parts in the bucket.
 */
export async function explainFailure(stage: Stage, photoIds: string[] = []): Promise<string> {
  const out: string[] = [];
  if (photoIds.length > 0) {
    const rows = await stage.db.sql`select id::text, complete, byte_size, upload_lease, upload_lease_until, storage_key
      from photos where id = any(${photoIds}::uuid[])`.catch(() => []);
    out.push(`photos given up: ${JSON.stringify(rows)}`);
    const store = S3PhotoStore.fromConfig(stage.s3.config);
    const { bucket, prefix } = stage.s3.config;
    for (const id of photoIds) {
      const objects: string[] = [];
      for (const under of [`pending/${id}/`, `photos/${id}`, `thumbs/${id}`]) {
        const res = await store.client
          .send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix + under }))
          .catch((e: unknown) => ({ Contents: [{ Key: `${under}: listing failed: ${String(e)}`, Size: 0 }] }));
        objects.push(...(res.Contents ?? []).map((o) => `${o.Key} ${o.Size}`));
      }
      out.push(`bucket for ${id}: ${JSON.stringify(objects)}`);
    }
  }
  for (const [k, i] of stage.instances.entries()) {
    const lines = i.output.join('').split('\n').filter(Boolean).slice(-12);
    out.push(`instance #${k + 1} (exit ${i.child.exitCode ?? i.child.signalCode ?? 'running'}):\n${lines.join('\n')}`);
  }
  const unsent = await stage.db.sql`select o.id, o.case_id, o.template, o.attempts, o.last_error, o.send_after,
      o.claimed_until, (select json_agg(json_build_object('id', p.id, 'complete', p.complete, 'bytes', p.byte_size))
        from photos p where p.case_id = o.case_id) as photos
    from notification_outbox o where o.sent_at is null limit 50`.catch(() => []);
  if (unsent.length) out.push(`notices not sent: ${JSON.stringify(unsent, null, 1)}`);
  return out.join('\n');
}

// ---- the faults ----------------------------------------------------------------------------------

export type FaultName = 'kill' | 'postgres' | 'crash' | 's3';
/** When the fault was on, in ms since the day's clock started (a kill: `to` = `from`, the instance stays dead). */
export type FaultWindow = { from: number; to: number };

export type Fault = {
  name: FaultName;
  what: string;
  /** When in the day it starts, as a share of the day. */
  atFrac: number;
  /** How long it lasts (null: for the rest of the day). */
  downMs: number | null;
  /**
   * A notice whose SMTP server accepted it while its sender died (or lost its database) before
   * recording it is sent again with the same Message-ID (R10, notice-crash.pg.test.ts): such
   * a repeat is allowed only for a first acceptance inside this window (null: none allowed).
   */
  repeatsWithin(w: FaultWindow): [number, number] | null;
};

export const FAULTS: Record<FaultName, Fault> = {
  kill: {
    name: 'kill',
    what: 'instance #2 of 3 killed with SIGKILL (kill -9); it stays dead for the rest of the day',
    atFrac: 0.4,
    downMs: null,
    repeatsWithin: (w) => [w.from - 2_000, w.from + 500],
  },
  postgres: {
    name: 'postgres',
    what: "PostgreSQL restarted: every instance's connections dropped and new ones refused (TCP proxy), then accepted again",
    atFrac: 0.35,
    downMs: 6_000,
    repeatsWithin: (w) => [w.from - 2_000, w.to],
  },
  crash: {
    name: 'crash',
    what: "PostgreSQL itself crashed (pg_ctl stop -m immediate on the stage's own server), then started again: crash recovery",
    atFrac: 0.35,
    downMs: 6_000,
    repeatsWithin: (w) => [w.from - 2_000, w.to],
  },
  s3: {
    name: 's3',
    what: 'the S3 server (s3rver on loopback) stopped, then started again on the same port and folder',
    atFrac: 0.3,
    downMs: 8_000,
    repeatsWithin: () => null,
  },
};

/** The stage's own PostgreSQL server, which the `crash` fault needs (`ownPostgres`). */
function ownPostgres(stage: Stage): PrivatePostgres {
  if (!stage.pg) throw new Error('the crash fault needs a stage set up with ownPostgres');
  return stage.pg;
}

/** The run options of a day with faults: `base` with smaller upload pieces. */
export function faultRunOptions(base: RunOptions): RunOptions {
  return { ...base, uploadPieceBytes: FAULT_UPLOAD_PIECE_BYTES };
}

export type FaultDay = { run: Run; fault: Fault | null; window: FaultWindow | null; checks: Checks };

/**
 * One day of the plan on the stage, with `fault` injected at its time (or none: the day
 * without a fault, a baseline); resolves when every device is done. `checks`: the fault's
 * own, that it hit the load as it should.
 */
export async function runFaultDay(
  stage: Stage,
  plan: Plan,
  photos: Photo[],
  options: RunOptions,
  fault: Fault | null,
  /** The same day without a fault: what a fault's window is compared with where load alone fails tries. */
  baseline?: Run,
): Promise<FaultDay> {
  const run = runState(
    stage.instances.map((i) => i.url),
    options,
  );
  const day = runDay(run, plan, stage.day, photos);
  const checks = new Checks();
  if (!fault) {
    await day;
    return { run, fault, window: null, checks };
  }
  const T = options.seconds * 1000;
  await sleep(run.t0 + fault.atFrac * T - performance.now());
  const from = performance.now() - run.t0;
  const victim = stage.instances[1]!;
  if (fault.name === 'kill') await stopInstance(victim, 'SIGKILL');
  else {
    if (fault.name === 'postgres') await stage.proxy.down();
    else if (fault.name === 'crash') await ownPostgres(stage).stop('immediate');
    else await stage.s3.stop();
    await sleep(fault.downMs!);
    if (fault.name === 'postgres') await stage.proxy.up();
    else if (fault.name === 'crash') await ownPostgres(stage).start();
    else await stage.s3.start();
  }
  const window = { from, to: fault.downMs === null ? from : performance.now() - run.t0 };
  await day;

  const summary = faultSummary(run, window);
  if (fault.name === 'kill') {
    // The kill hit the load: requests to the dead instance failed (cut, or refused once it
    // was gone), and were answered elsewhere; the others lived on.
    const onVictim = run.failedTries.filter((f) => f.base === victim.url && f.at >= from && f.status === null);
    checks.above('requests the killed instance never answered', onVictim.length, 0);
    checks.above('of those, answered by another instance', summary.requestsRecovered, 0);
    checks.none(
      'other instances that exited',
      stage.instances.filter((i) => i !== victim && i.child.exitCode !== null).map((i) => i.url),
    );
  } else if (fault.name === 'postgres' || fault.name === 'crash') {
    // The outage hit the load: requests answered 503 with Retry-After, and no other way.
    const during = run.failedTries.filter((f) => f.at >= window.from && f.at <= window.to + 1_000);
    checks.above('requests answered 503 during the outage', during.filter((f) => f.status === 503).length, 0);
    checks.none(
      '503 without Retry-After',
      during.filter((f) => f.status === 503 && !f.retryAfter),
    );
    checks.none(
      'failed tries other than 503 (or 409 on an upload)',
      during.filter((f) => f.status !== 503 && f.status !== 409),
    );
    checks.above('requests answered after failed tries', summary.requestsRecovered, 0);
    // At full size on a small machine, photo uploads time out now and then without any fault
    // (the baseline day counts them): only timeouts beyond the baseline's, on the same route in
    // the same window of the day, are the outage's.
    checks.none(
      baseline ? "requests that timed out, beyond the baseline day's in the same window" : 'requests that timed out',
      timeoutsBeyond(run, window, baseline),
    );
    checks.none(
      'instances that exited',
      stage.instances.filter((i) => i.child.exitCode !== null).map((i) => i.url),
    );
  } else {
    // The outage hit uploads: 503 with Retry-After, then they went on from where they were.
    const uploads = run.failedTries.filter(
      (f) => f.route.includes('/api/photos/') && f.at >= window.from && f.at <= window.to + 1_000,
    );
    checks.above('upload requests answered 503 during the outage', uploads.filter((f) => f.status === 503).length, 0);
    checks.none(
      'upload 503s without Retry-After: 30',
      uploads.filter((f) => f.status === 503 && f.retryAfter !== '30'),
    );
    checks.above('uploads resumed past byte 0', run.uploadResumes, 0);
    // Nothing but photos needs the bucket: the rest of the day went on.
    checks.none(
      'failed tries of anything but photos',
      run.failedTries.filter((f) => !f.route.includes('/api/photos/')),
    );
  }
  return { run, fault, window, checks };
}

/** Tries that timed out from the fault's start to 30 s after its end (a device's timeout). */
function timeoutsIn(run: Run, { from, to }: FaultWindow): FailedTry[] {
  return run.failedTries.filter((f) => f.error === 'timeout' && f.at >= from - 100 && f.at <= to + 30_000);
}

/**
 * The tries of `run` that timed out in the fault's window, on routes where they were more than
 * `baseline` (the same day without the fault) had in the same window; all of them without one.
 */
export function timeoutsBeyond(run: Run, window: FaultWindow, baseline?: Run): string[] {
  const mine = timeoutsIn(run, window);
  const before = baseline ? timeoutsIn(baseline, window) : [];
  const routes = [...new Set(mine.map((f) => f.route))];
  return routes.flatMap((route) => {
    const here = mine.filter((f) => f.route === route);
    const usual = before.filter((f) => f.route === route).length;
    if (here.length <= usual) return [];
    return here.map(
      (f) =>
        `${f.route} sent at ${r1((f.at - run.opts.requestTimeoutMs) / 1000)} s to ${f.base} (${f.requestId})` +
        (baseline ? `; ${here.length} in the window, the baseline ${usual}` : ''),
    );
  });
}

/** What the fault did to the load: failed tries in its window (and 30 s after), by cause; the recovery. */
export function faultSummary(run: Run, { from, to }: FaultWindow) {
  const inWindow = run.failedTries.filter((f) => f.at >= from - 100 && f.at <= to + 30_000);
  const byCause: Record<string, number> = {};
  for (const f of inWindow) {
    const key = `${f.route} ${f.status ?? f.error}${f.retryAfter ? ` (Retry-After ${f.retryAfter})` : ''}`;
    byCause[key] = (byCause[key] ?? 0) + 1;
  }
  const recovered = run.recovered.filter((r) => r.failedAt >= from - 100);
  const stalls = recovered.map((r) => r.answeredAt - r.failedAt).sort((a, b) => a - b);
  const lastAnswer = Math.max(...recovered.map((r) => r.answeredAt));
  const timeouts = inWindow
    .filter((f) => f.error === 'timeout')
    .map((f) => `${f.route} sent at ${r1((f.at - run.opts.requestTimeoutMs) / 1000)} s to ${f.base} (${f.requestId})`);
  return {
    failedTries: inWindow.length,
    timeouts,
    byCause,
    requestsRecovered: recovered.length,
    stallMs: { p50: r1(stalls[Math.floor(stalls.length / 2)] ?? 0), max: r1(stalls.at(-1) ?? 0) },
    slowest: [...recovered]
      .sort((a, b) => b.answeredAt - b.failedAt - (a.answeredAt - a.failedAt))
      .slice(0, 3)
      .map((r) => `${r.route}: failed at ${r1(r.failedAt / 1000)} s, answered at ${r1(r.answeredAt / 1000)} s`),
    lastRecoveredAfterFaultEndS: recovered.length ? r1((lastAnswer - to) / 1000) : null,
  };
}

// ---- the end checks ------------------------------------------------------------------------------

/**
 * The notices still to send go out. The day is compressed, so a notice put off (after a
 * failed try: 60 s, or waiting on its photo's bytes) is made due at once, as it would be by
 * the time hours later. Returns how many are still unsent after `timeoutMs`.
 */
export async function settleNotices(stage: Stage, exceptCases: string[], timeoutMs = 45_000): Promise<number> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    await stage.db.sql`update notification_outbox set send_after = now()
      where sent_at is null and failed_at is null and send_after > now()`;
    const [row] = await stage.db.sql<{ n: number }[]>`select count(*)::int as n from notification_outbox
      where sent_at is null and failed_at is null and case_id <> all(${exceptCases}::bigint[])`;
    if (row!.n === 0 || Date.now() > until) return row!.n;
    await sleep(500);
  }
}

/**
 * The checks every day ends with (with a fault or without): every acknowledged mutation in
 * the table once with its outcome and one history row, no device gave up, nothing answered
 * outside the expected, every notice sent once by Message-ID (a repeat only for a first
 * acceptance within `repeatsWithin`), every photo's bytes in the bucket.
 */
export async function endChecks(
  stage: Stage,
  plan: Plan,
  run: Run,
  repeatsWithin: [number, number] | null,
  { settleMs = 45_000 }: { settleMs?: number } = {},
) {
  const { sql } = stage.db;
  const checks = new Checks();
  const photoIds = [...run.photoHashes.keys()];
  // Every photo a device finished is complete on the server.
  const stuck = await sql<{ id: string; case_id: string }[]>`select id::text, case_id::text from photos
    where id = any(${photoIds}::uuid[]) and not complete`;
  checks.none('photos a device finished, incomplete on the server', stuck);
  const unsent = await settleNotices(
    stage,
    stuck.map((p) => p.case_id),
    settleMs,
  );
  const integrity = await checkIntegrity(sql, run, stage.smtp, unsent);
  const c = integrity.checks;
  checks.is('acknowledged mutations missing from the table', c.missing_from_table!, 0);
  checks.is('mutation ids twice in the table', c.id_twice_in_table!, 0);
  checks.is('outcomes differing from what the device was told', c.outcome_differs_from_table!, 0);
  checks.is('mutations without exactly one history row', c.history_rows_not_exactly_one!, 0);
  checks.is('pushes sent again answered differently', c.replay_answer_differs!, 0);
  checks.is('notices in the outbox twice', c.outbox_notice_twice!, 0);
  checks.is("'fixed' notices queued twice for a case", c.fixed_notice_queued_twice!, 0);
  checks.is('notices unsent at the end', unsent, 0);
  checks.is('notices failed', c.notices_failed!, 0);
  checks.is('applied fixes whose case is not fixed', c.fixed_case_not_fixed!, 0);
  checks.is('route positions twice', c.route_position_twice!, 0);
  // No device gave up on a change, or on anything else; nothing answered outside the expected.
  checks.none('changes a device gave up on', run.unacknowledged);
  checks.none(
    'errors (unexpected statuses, requests given up)',
    [...run.errors].map(([k, n]) => `${k}: ${n}`),
  );
  checks.none('unexpected outcomes', run.unexpected);
  checks.none(
    'routes that answered 500',
    [...run.routes].filter(([, r]) => r.statuses.has(500)).map(([route, r]) => `${route}: ${r.statuses.get(500)}`),
  );
  // The day's work got done: most of the fixes planned, every photo the devices attached.
  const planned = planTotals(plan);
  checks.above('fixes applied (60 % of those planned)', run.fixesApplied, planned.fixes * 0.6);
  checks.above('resident reports filed', run.reports, 0);
  checks.is(
    'photos uploaded, of those attached',
    run.photosUploaded,
    run.tally.get('worker attach_photo applied') ?? 0,
  );

  // Notices: each recorded delivery reached the SMTP server under its Message-ID, and every
  // message the server took is a recorded delivery; a repeat only from the fault's moment.
  const deliveries = await sql<{ message_id: string; email: string; sent_ms: number }[]>`
    select message_id, email, (extract(epoch from sent_at) * 1000)::float8 as sent_ms
    from notice_deliveries where sent_at is not null`;
  const accepted = new Map<string, number[]>();
  for (const m of stage.smtp.received) {
    for (const to of m.to) {
      const key = `${m.messageId} ${to}`;
      accepted.set(key, [...(accepted.get(key) ?? []), m.acceptedAt - run.t0]);
    }
  }
  const recorded = new Set(deliveries.map((d) => `${d.message_id} ${d.email.toLowerCase()}`));
  // From the SMTP server's acceptance to the sender's record of it: a sender that stalls there
  // longer than the notice lease can be taken for dead, and the message sent again.
  const acceptedWall = new Map<string, number>();
  for (const m of stage.smtp.received) {
    for (const to of m.to) acceptedWall.set(`${m.messageId} ${to}`, m.acceptedWallMs);
  }
  const recordLags = deliveries
    .map((d) => d.sent_ms - (acceptedWall.get(`${d.message_id} ${d.email.toLowerCase()}`) ?? NaN))
    .filter((x) => Number.isFinite(x))
    .sort((a, b) => a - b);
  checks.none(
    'recorded deliveries the SMTP server never accepted',
    [...recorded].filter((k) => !accepted.has(k)),
  );
  checks.none(
    'messages the SMTP server accepted that are no recorded delivery',
    [...accepted.keys()].filter((k) => !recorded.has(k)),
  );
  const repeats = [...accepted].filter(([, at]) => at.length > 1);
  checks.none(
    'notices accepted twice (by Message-ID and recipient) outside the fault',
    repeats
      .filter(([, at]) => !repeatsWithin || at[0]! < repeatsWithin[0] || at[0]! > repeatsWithin[1])
      .map(([k, at]) => `${k} at ${at.map((a) => r1(a / 1000)).join(', ')} s`),
  );
  checks.above('notices delivered', deliveries.length, 0);

  // Photos: every one a device finished is complete, and the bucket holds its bytes as sent.
  const rows = await sql<{ id: string; complete: boolean; sha256: string | null; storage_key: string }[]>`
    select id::text, complete, sha256, storage_key from photos where id = any(${photoIds}::uuid[])`;
  checks.is('photo rows, of those a device finished', rows.length, run.photoHashes.size);
  const store = S3PhotoStore.fromConfig(stage.s3.config);
  const wrong: string[] = [];
  const left = [...rows];
  const readOne = async (): Promise<void> => {
    for (let row = left.pop(); row; row = left.pop()) {
      const sent = run.photoHashes.get(row.id)!;
      const bytes = row.complete ? await store.read(row.storage_key) : null;
      if (!row.complete || row.sha256 !== sent || !bytes || sha256(bytes) !== sent) {
        wrong.push(`${row.id}: complete ${row.complete}, sha256 ${row.sha256 === sent ? 'as sent' : row.sha256}`);
      }
    }
  };
  await Promise.all(Array.from({ length: 8 }, readOne));
  checks.none("photos whose bytes in the bucket are not the device's", wrong);
  return {
    checks,
    integrity: c,
    deliveries: deliveries.length,
    repeats: repeats.length,
    photosChecked: rows.length,
    /** Ms from the SMTP server's acceptance to the delivery's record (p50, p95, max). */
    noticeRecordLagMs: {
      p50: r1(recordLags[Math.floor(recordLags.length / 2)] ?? 0),
      p95: r1(recordLags[Math.floor(recordLags.length * 0.95)] ?? 0),
      max: r1(recordLags.at(-1) ?? 0),
    },
  };
}
