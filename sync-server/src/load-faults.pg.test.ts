import { beforeAll, describe, expect, it } from 'vitest';
import {
  endChecks,
  explainFailure,
  FAULTS,
  faultRunOptions,
  faultSummary,
  runFaultDay,
  setUpStage,
  tearDownStage,
  type Fault,
  type Stage,
} from '../test/load/faults.ts';
import {
  BENCH_RUN_OPTIONS,
  buildPlan,
  makePhotos,
  solveProofs,
  type Photo,
  type Plan,
  type Run,
  type RunOptions,
} from '../test/load/simulation.ts';
import { postgresBinaries } from '../test/private-postgres.ts';

// Faults during a load (issue 14): the day of `pnpm bench:load` (test/load/simulation.ts), cut
// down to 64 crew devices, 4 leads and 6 residents in a 30 s day, against three server
// processes on one PostgreSQL database, photos in an S3 bucket (s3rver on loopback), notices
// to a loopback SMTP server, and each instance's database connections through a TCP proxy so
// that PostgreSQL can "restart" without touching the machine's shared server. The stage, the
// faults and the checks are test/load/faults.ts, which `pnpm bench:load:faults` runs at 1,000
// devices (bench/load-faults.bench.mjs). In the middle of the day, one fault per test:
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
// makes it log every request with its duration. The size: LOAD_FAULTS_DEVICES (64),
// LOAD_FAULTS_SECONDS (the day, 30) and LOAD_FAULTS_REPORTS (the residents' reports: 6, or
// one per 20 devices when more); the test's time limit grows with them.

const positive = (name: string, fallback: number, min: number) => {
  const v = Number(process.env[name] ?? fallback);
  if (!Number.isInteger(v) || v < min) throw new Error(`${name} must be a whole number of at least ${min}`);
  return v;
};
const DEVICES = positive('LOAD_FAULTS_DEVICES', 64, 4);
const SECONDS = positive('LOAD_FAULTS_SECONDS', 30, 10);
const REPORTS = positive('LOAD_FAULTS_REPORTS', Math.max(6, Math.round(DEVICES / 20)), 1);
/** 240 s for the default day; more for a longer day or more devices (seeding, the end checks). */
const TIMEOUT_MS = 240_000 + 4_000 * Math.max(0, SECONDS - 30) + 150 * Math.max(0, DEVICES - 64);
/** The day compressed 900-fold (8 h in 30 s): the devices' waits and the balancer's too. */
const OPTIONS: RunOptions = faultRunOptions({
  ...BENCH_RUN_OPTIONS,
  seconds: SECONDS,
  pullEveryMs: 5_000,
  reorderEveryMs: 4_000,
  requestTimeoutMs: 15_000,
  backoffBaseMs: 200,
  backoffMaxMs: 2_000,
  giveUpMs: 60_000,
  failTimeoutMs: 5_000,
});
// Four faults these tests found, each now fixed and tested on its own as well: a resident's
// report lock read as an open writer by the change log's head (pulls answered 500; migration
// 0020), postgres.js dying on a write to a dropped connection (patches/), a photo whose
// completion failed looking finished to HEAD (upload.service.ts), and requests waiting out
// the client's growing reconnect delay after an outage (db/database.ts). The checks hold the
// server to each.

let plan: Plan;
let photos: Photo[];

const r1 = (x: number) => Math.round(x * 10) / 10;

/** A fresh stage for `test`, explained when the test fails, and taken down after. */
async function withStage(test: (stage: Stage) => Promise<void>, opts: { ownPostgres?: boolean } = {}): Promise<void> {
  const stage = await setUpStage(plan, { logLevel: process.env.LOAD_FAULTS_LOG_LEVEL, ...opts });
  try {
    await test(stage);
  } catch (err) {
    console.error(await explainFailure(stage));
    throw err;
  } finally {
    const dir = process.env.LOAD_FAULTS_LOGS;
    const name = expect.getState().currentTestName?.replace(/\W+/g, '-').slice(0, 60) ?? 'test';
    await tearDownStage(stage, dir ? { dir, name } : undefined);
  }
}

function logRun(name: string, run: Run, extra: Record<string, unknown>) {
  const statuses: Record<string, Record<string, number>> = {};
  for (const [route, r] of run.routes) statuses[route] = Object.fromEntries(r.statuses);
  console.info(
    `${name}: ${run.requests} answers, ${run.fixesApplied} fixes, ${run.photosUploaded} photos, ${run.reports} reports, ` +
      `${run.uploadResumes} uploads resumed past 0\n${JSON.stringify({ ...extra, statuses }, null, 1)}`,
  );
}

/** The day with `fault`: the fault hit the load as it should, and everything is intact after it. */
async function faultDay(stage: Stage, fault: Fault) {
  const { run, window, checks } = await runFaultDay(stage, plan, photos, OPTIONS, fault);
  logRun(fault.name, run, {
    fromS: r1(window!.from / 1000),
    toS: r1(window!.to / 1000),
    ...faultSummary(run, window!),
  });
  expect(checks.failed).toEqual([]);
  const end = await endChecks(stage, plan, run, fault.repeatsWithin(window!));
  expect(end.checks.failed).toEqual([]);
  return { run, end };
}

describe.skipIf(!process.env.TEST_DATABASE_URL)('faults during a load on three instances', () => {
  beforeAll(async () => {
    console.info(`faults during a load: ${DEVICES} devices, ${REPORTS} reports, a ${SECONDS} s day`);
    plan = buildPlan({ devices: DEVICES, reports: REPORTS });
    solveProofs(plan);
    photos = await makePhotos();
  });

  it(
    'one instance killed (kill -9) mid-day: its requests go to the others, nothing lost or doubled',
    async () => {
      await withStage(async (stage) => {
        const { end } = await faultDay(stage, FAULTS.kill);
        console.info(`kill -9: ${end.deliveries} notices delivered, ${end.repeats} sent again with their Message-ID`);
      });
    },
    TIMEOUT_MS,
  );

  it(
    'PostgreSQL restarted mid-day: 503 with Retry-After meanwhile, never a 500; the devices resume, nothing lost',
    async () => {
      await withStage(async (stage) => {
        const { end } = await faultDay(stage, FAULTS.postgres);
        console.info(
          `PostgreSQL restart: ${end.deliveries} notices delivered, ${end.repeats} sent again with their Message-ID`,
        );
      });
    },
    TIMEOUT_MS,
  );

  it.skipIf(!postgresBinaries())(
    'PostgreSQL itself crashed mid-day (pg_ctl -m immediate) and started again: 503 with Retry-After meanwhile, never a 500; nothing lost',
    async () => {
      await withStage(
        async (stage) => {
          const { end } = await faultDay(stage, FAULTS.crash);
          console.info(
            `PostgreSQL crash: ${end.deliveries} notices delivered, ${end.repeats} sent again with their Message-ID`,
          );
        },
        { ownPostgres: true },
      );
    },
    TIMEOUT_MS,
  );

  it(
    'the S3 server gone for a while mid-day: uploads answer 503, then resume from the stored offset; every photo intact',
    async () => {
      await withStage(async (stage) => {
        const { end } = await faultDay(stage, FAULTS.s3);
        console.info(
          `S3 outage: ${end.deliveries} notices delivered, ${end.photosChecked} photos checked in the bucket`,
        );
      });
    },
    TIMEOUT_MS,
  );
});
