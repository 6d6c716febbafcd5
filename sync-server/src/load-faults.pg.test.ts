import { createHash } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { startLoopbackSmtp } from './notices-delivery/loopback-smtp.ts';
import { startLoopbackS3, type LoopbackS3 } from './photos/loopback-s3.ts';
import { S3PhotoStore } from './photos/s3-photo-store.ts';
import { healthy, startInstance, stopInstance, type Instance } from '../test/instances.ts';
import { TcpProxy } from '../test/tcp-proxy.ts';
import { createTestDatabase, type TestDatabase } from '../test/test-db.ts';
import {
  BENCH_RUN_OPTIONS,
  buildPlan,
  checkIntegrity,
  makePhotos,
  planTotals,
  runDay,
  runState,
  seedPlan,
  sleep,
  solveProofs,
  type Photo,
  type Plan,
  type Run,
  type RunOptions,
  type SeededDay,
} from '../test/load/simulation.ts';

// Faults during a load (issue 14): the day of `pnpm bench:load` (test/load/simulation.ts), cut
// down to 64 crew devices, 4 leads and 6 residents in a 30 s day, against three server
// processes on one PostgreSQL database, photos in an S3 bucket (s3rver on loopback), notices
// to a loopback SMTP server, and each instance's database connections through a TCP proxy so
// that PostgreSQL can "restart" without touching the machine's shared server. In the middle of
// the day, one fault per test:
//   - one instance killed with kill -9: its requests fail, the devices send them again to the
//     others (same mutation ids, same device);
//   - PostgreSQL restarted (the proxy drops every connection and refuses new ones for 6 s):
//     requests answer 503 with Retry-After, never a 500; the devices back off and resume;
//   - the S3 server gone for 8 s (stopped, then started again on the same port and folder):
//     uploads answer 503 and resume from the offset HEAD gives.
// After each: every mutation a device was told the outcome of is in the table exactly once
// with that outcome, no device gave up on a change, every notice is sent, once, and every
// photo's bytes are in the bucket as the device sent them. Each test also checks that its
// fault really hit requests of the load, so none can pass without one.
// Needs PostgreSQL (three processes on one database); about a minute a test. To look closer:
// LOAD_FAULTS_LOGS=<folder> writes each instance's log there, LOAD_FAULTS_LOG_LEVEL=info
// makes it log every request with its duration.

const TZ = 'America/Detroit';
const DEVICES = 64;
const REPORTS = 6;
const SECONDS = 30;
const BUCKET = 'fieldfix-load';
const PREFIX = 'city/';
/** The day compressed 900-fold (8 h in 30 s): the devices' waits and the balancer's too. */
const OPTIONS: RunOptions = {
  ...BENCH_RUN_OPTIONS,
  seconds: SECONDS,
  pullEveryMs: 5_000,
  reorderEveryMs: 4_000,
  requestTimeoutMs: 15_000,
  backoffBaseMs: 200,
  backoffMaxMs: 2_000,
  giveUpMs: 60_000,
  failTimeoutMs: 5_000,
  // Pieces smaller than the photos (45-75 KB): a fault can land between two of them.
  uploadPieceBytes: 16 * 1024,
};
// Four faults these tests found, each now fixed and tested on its own as well: a resident's
// report lock read as an open writer by the change log's head (pulls answered 500; migration
// 0020), postgres.js dying on a write to a dropped connection (patches/), a photo whose
// completion failed looking finished to HEAD (upload.service.ts), and requests waiting out
// the client's growing reconnect delay after an outage (db/database.ts). The checks below
// hold the server to each.

/** A notice claimed by an instance that died is taken over after this (the default is 120 s). */
const NOTICE_LEASE_SECONDS = 5;

type Stage = {
  db: TestDatabase;
  proxy: TcpProxy;
  s3: LoopbackS3;
  smtp: Awaited<ReturnType<typeof startLoopbackSmtp>>;
  instances: Instance[];
  day: SeededDay;
};

let plan: Plan;
let photos: Photo[];

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const r1 = (x: number) => Math.round(x * 10) / 10;

async function setUp(): Promise<Stage> {
  const db = await createTestDatabase();
  const stage: Partial<Stage> = { db, instances: [] };
  try {
    stage.day = await seedPlan(db.sql, plan, { timeZone: TZ });
    const direct = new URL(db.url!);
    stage.proxy = await new TcpProxy({ host: direct.hostname, port: Number(direct.port || 5432) }).start();
    const viaProxy = new URL(db.url!);
    viaProxy.port = String(stage.proxy.port);
    stage.s3 = await startLoopbackS3(BUCKET, PREFIX);
    stage.smtp = await startLoopbackSmtp();
    const s3 = stage.s3.config;
    const env = {
      LOG_LEVEL: process.env.LOAD_FAULTS_LOG_LEVEL ?? 'warn',
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
    for (let i = 0; i < 3; i++) stage.instances!.push(await startInstance(viaProxy.toString(), env));
    await Promise.all(stage.instances!.map((i) => healthy(i)));
    return stage as Stage;
  } catch (err) {
    await tearDown(stage);
    throw err;
  }
}

/** On a failure: how each instance ended and its last log lines, and the notices not sent. */
async function explainFailure(stage: Stage): Promise<void> {
  for (const [k, i] of stage.instances.entries()) {
    const lines = i.output.join('').split('\n').filter(Boolean).slice(-12);
    console.error(
      `instance #${k + 1} (exit ${i.child.exitCode ?? i.child.signalCode ?? 'running'}):\n${lines.join('\n')}`,
    );
  }
  const unsent = await stage.db.sql`select o.id, o.case_id, o.template, o.attempts, o.last_error, o.send_after,
      o.claimed_until, (select json_agg(json_build_object('id', p.id, 'complete', p.complete, 'bytes', p.byte_size))
        from photos p where p.case_id = o.case_id) as photos
    from notification_outbox o where o.sent_at is null`.catch(() => []);
  if (unsent.length) console.error('notices not sent:', JSON.stringify(unsent, null, 1));
}

/** A fresh stage for `test`, explained when the test fails, and taken down after. */
async function withStage(test: (stage: Stage) => Promise<void>): Promise<void> {
  const stage = await setUp();
  try {
    await test(stage);
  } catch (err) {
    await explainFailure(stage);
    throw err;
  } finally {
    await tearDown(stage);
  }
}

async function tearDown(stage: Partial<Stage>): Promise<void> {
  await Promise.all((stage.instances ?? []).map((i) => stopInstance(i)));
  const logs = process.env.LOAD_FAULTS_LOGS;
  if (logs) {
    const name = expect.getState().currentTestName?.replace(/\W+/g, '-').slice(0, 60) ?? 'test';
    await mkdir(logs, { recursive: true });
    for (const [k, i] of (stage.instances ?? []).entries()) {
      await writeFile(join(logs, `${name}-instance-${k + 1}.log`), i.output.join(''));
    }
  }
  await stage.smtp?.close();
  await stage.s3?.close();
  await stage.proxy?.stop();
  await stage.db?.close();
}

/**
 * The notices still to send go out. The day is compressed, so a notice put off (after a
 * failed try: 60 s, or waiting on its photo's bytes) is made due at once, as it would be by
 * the time hours later. Returns how many are still unsent after `timeoutMs`.
 */
async function settleNotices(stage: Stage, exceptCases: string[], timeoutMs = 45_000): Promise<number> {
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
 * The end checks every fault shares. `duplicatesWithin`: when an SMTP server accepted a
 * message and the sender died (or lost its database) before recording it, the message is
 * sent again with the same Message-ID (R10, notice-crash.pg.test.ts); such a repeat is
 * accepted only for a first acceptance inside this window (ms since the clock started).
 */
async function expectIntact(stage: Stage, run: Run, duplicatesWithin: [number, number] | null) {
  const { sql } = stage.db;
  // Every photo a device finished is complete on the server.
  const stuck = await sql<{ id: string; case_id: string }[]>`select id::text, case_id::text from photos
    where id = any(${[...run.photoHashes.keys()]}::uuid[]) and not complete`;
  expect(stuck).toEqual([]);
  const unsent = await settleNotices(
    stage,
    stuck.map((p) => p.case_id),
  );
  const integrity = await checkIntegrity(sql, run, stage.smtp, unsent);
  const c = integrity.checks;
  expect({
    missing: c.missing_from_table,
    idTwice: c.id_twice_in_table,
    outcomeDiffers: c.outcome_differs_from_table,
    historyNotOne: c.history_rows_not_exactly_one,
    replayDiffers: c.replay_answer_differs,
    outboxTwice: c.outbox_notice_twice,
    fixedQueuedTwice: c.fixed_notice_queued_twice,
    noticesUnsent: unsent,
    noticesFailed: c.notices_failed,
    fixedNotFixed: c.fixed_case_not_fixed,
    positionTwice: c.route_position_twice,
  }).toEqual({
    missing: 0,
    idTwice: 0,
    outcomeDiffers: 0,
    historyNotOne: 0,
    replayDiffers: 0,
    outboxTwice: 0,
    fixedQueuedTwice: 0,
    noticesUnsent: 0,
    noticesFailed: 0,
    fixedNotFixed: 0,
    positionTwice: 0,
  });
  // No device gave up on a change, or on anything else; nothing answered outside the expected.
  expect(run.unacknowledged).toEqual([]);
  const errors = Object.fromEntries(run.errors);
  expect(errors).toEqual({});
  expect(run.unexpected).toEqual([]);
  const statuses500 = [...run.routes].filter(([, r]) => r.statuses.has(500));
  expect(statuses500).toEqual([]);
  // The day's work got done: most of the fixes planned, every photo the devices attached.
  const planned = planTotals(plan);
  expect(run.fixesApplied).toBeGreaterThan(planned.fixes * 0.6);
  expect(run.reports).toBeGreaterThan(0);
  expect(run.photosUploaded).toBe(run.tally.get('worker attach_photo applied'));

  // Notices: each recorded delivery reached the SMTP server under its Message-ID, and every
  // message the server took is a recorded delivery; a repeat only from the fault's moment.
  const deliveries = await sql<{ message_id: string; email: string }[]>`
    select message_id, email from notice_deliveries where sent_at is not null`;
  const accepted = new Map<string, number[]>();
  for (const m of stage.smtp.received) {
    for (const to of m.to) {
      const key = `${m.messageId} ${to}`;
      accepted.set(key, [...(accepted.get(key) ?? []), m.acceptedAt - run.t0]);
    }
  }
  const recorded = new Set(deliveries.map((d) => `${d.message_id} ${d.email.toLowerCase()}`));
  expect([...recorded].filter((k) => !accepted.has(k))).toEqual([]);
  expect([...accepted.keys()].filter((k) => !recorded.has(k))).toEqual([]);
  const repeats = [...accepted].filter(([, at]) => at.length > 1);
  const outsideWindow = repeats.filter(
    ([, at]) => !duplicatesWithin || at[0]! < duplicatesWithin[0] || at[0]! > duplicatesWithin[1],
  );
  expect(outsideWindow).toEqual([]);
  expect(deliveries.length).toBeGreaterThan(0);

  // Photos: every one a device finished is complete, and the bucket holds its bytes as sent.
  const rows = await sql<{ id: string; complete: boolean; sha256: string | null; storage_key: string }[]>`
    select id::text, complete, sha256, storage_key from photos where id = any(${[...run.photoHashes.keys()]}::uuid[])`;
  expect(rows.length).toBe(run.photoHashes.size);
  const store = S3PhotoStore.fromConfig(stage.s3.config);
  const wrong: string[] = [];
  for (const row of rows) {
    const sent = run.photoHashes.get(row.id)!;
    const bytes = row.complete ? await store.read(row.storage_key) : null;
    if (!row.complete || row.sha256 !== sent || !bytes || sha256(bytes) !== sent) {
      wrong.push(`${row.id}: complete ${row.complete}, sha256 ${row.sha256 === sent ? 'as sent' : row.sha256}`);
    }
  }
  expect(wrong).toEqual([]);
  return { integrity, deliveries: deliveries.length, repeats: repeats.length };
}

/** What the fault did to the load, for the log: failed tries in the window, by cause; the recovery. */
function faultSummary(run: Run, from: number, to: number) {
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
    .map((f) => `${f.route} sent at ${r1((f.at - run.opts.requestTimeoutMs) / 1000)} s`);
  return {
    failedTries: inWindow.length,
    timeouts,
    byCause,
    requestsRecovered: recovered.length,
    stallMs: { p50: r1(stalls[Math.floor(stalls.length / 2)] ?? 0), max: r1(stalls.at(-1) ?? 0) },
    slowest: recovered
      .sort((a, b) => b.answeredAt - b.failedAt - (a.answeredAt - a.failedAt))
      .slice(0, 3)
      .map((r) => `${r.route}: failed at ${r1(r.failedAt / 1000)} s, answered at ${r1(r.answeredAt / 1000)} s`),
    lastRecoveredAfterFaultEndS: r1((lastAnswer - to) / 1000),
  };
}

function logRun(name: string, run: Run, extra: Record<string, unknown>) {
  const statuses: Record<string, Record<string, number>> = {};
  for (const [route, r] of run.routes) statuses[route] = Object.fromEntries(r.statuses);
  console.info(
    `${name}: ${run.requests} answers, ${run.fixesApplied} fixes, ${run.photosUploaded} photos, ${run.reports} reports, ` +
      `${run.uploadResumes} uploads resumed past 0\n${JSON.stringify({ ...extra, statuses }, null, 1)}`,
  );
}

describe.skipIf(!process.env.TEST_DATABASE_URL)('faults during a load on three instances', () => {
  beforeAll(async () => {
    plan = buildPlan({ devices: DEVICES, reports: REPORTS });
    solveProofs(plan);
    photos = await makePhotos();
  });

  it('one instance killed (kill -9) mid-day: its requests go to the others, nothing lost or doubled', async () => {
    await withStage(async (stage) => {
      const victim = stage.instances[1]!;
      const run = runState(
        stage.instances.map((i) => i.url),
        OPTIONS,
      );
      const day = runDay(run, plan, stage.day, photos);
      await sleep(run.t0 + 0.4 * SECONDS * 1000 - performance.now());
      const killedAt = performance.now() - run.t0;
      await stopInstance(victim, 'SIGKILL');
      await day;
      // Requests the dead instance never answered (cut, or refused once it was gone).
      const onVictim = run.failedTries.filter((f) => f.base === victim.url && f.at >= killedAt && f.status === null);
      const summary = faultSummary(run, killedAt, killedAt);
      logRun('kill -9', run, { killedAtS: r1(killedAt / 1000), failedOnVictim: onVictim.length, ...summary });
      // The kill hit the load: requests to the dead instance failed, and were answered elsewhere.
      expect(onVictim.length).toBeGreaterThan(0);
      expect(summary.requestsRecovered).toBeGreaterThan(0);
      for (const i of stage.instances) if (i !== victim) expect(i.child.exitCode).toBeNull();
      const end = await expectIntact(stage, run, [killedAt - 2_000, killedAt + 500]);
      console.info(`kill -9: ${end.deliveries} notices delivered, ${end.repeats} sent again with their Message-ID`);
    });
  }, 240_000);

  it('PostgreSQL restarted mid-day: 503 with Retry-After meanwhile, never a 500; the devices resume, nothing lost', async () => {
    await withStage(async (stage) => {
      const run = runState(
        stage.instances.map((i) => i.url),
        OPTIONS,
      );
      const day = runDay(run, plan, stage.day, photos);
      await sleep(run.t0 + 0.35 * SECONDS * 1000 - performance.now());
      const downAt = performance.now() - run.t0;
      await stage.proxy.down();
      await sleep(6_000);
      await stage.proxy.up();
      const upAt = performance.now() - run.t0;
      await day;
      const during = run.failedTries.filter((f) => f.at >= downAt && f.at <= upAt + 1_000);
      const summary = faultSummary(run, downAt, upAt);
      logRun('PostgreSQL restart', run, { downAtS: r1(downAt / 1000), upAtS: r1(upAt / 1000), ...summary });
      // The outage hit the load: requests answered 503 with Retry-After, and no other way.
      expect(during.filter((f) => f.status === 503).length).toBeGreaterThan(0);
      expect(during.filter((f) => f.status === 503 && !f.retryAfter)).toEqual([]);
      expect(during.filter((f) => f.status !== 503 && f.status !== 409)).toEqual([]);
      expect(summary.requestsRecovered).toBeGreaterThan(0);
      expect(summary.timeouts).toEqual([]);
      for (const i of stage.instances) expect(i.child.exitCode).toBeNull();
      const end = await expectIntact(stage, run, [downAt - 2_000, upAt]);
      console.info(
        `PostgreSQL restart: ${end.deliveries} notices delivered, ${end.repeats} sent again with their Message-ID`,
      );
    });
  }, 240_000);

  it('the S3 server gone for a while mid-day: uploads answer 503, then resume from the stored offset; every photo intact', async () => {
    await withStage(async (stage) => {
      const run = runState(
        stage.instances.map((i) => i.url),
        OPTIONS,
      );
      const day = runDay(run, plan, stage.day, photos);
      await sleep(run.t0 + 0.3 * SECONDS * 1000 - performance.now());
      const downAt = performance.now() - run.t0;
      await stage.s3.stop();
      await sleep(8_000);
      await stage.s3.start();
      const upAt = performance.now() - run.t0;
      await day;
      const uploads = run.failedTries.filter(
        (f) => f.route.includes('/api/photos/') && f.at >= downAt && f.at <= upAt + 1_000,
      );
      const summary = faultSummary(run, downAt, upAt);
      logRun('S3 outage', run, { downAtS: r1(downAt / 1000), upAtS: r1(upAt / 1000), ...summary });
      // The outage hit uploads: 503 with Retry-After, then they went on from where they were.
      expect(uploads.filter((f) => f.status === 503).length).toBeGreaterThan(0);
      expect(uploads.filter((f) => f.status === 503 && f.retryAfter !== '30')).toEqual([]);
      expect(run.uploadResumes).toBeGreaterThan(0);
      // Nothing but photos needs the bucket: the rest of the day went on.
      expect(run.failedTries.filter((f) => !f.route.includes('/api/photos/'))).toEqual([]);
      const end = await expectIntact(stage, run, null);
      console.info(
        `S3 outage: ${end.deliveries} notices delivered, ${run.photoHashes.size} photos checked in the bucket`,
      );
    });
  }, 240_000);
});
