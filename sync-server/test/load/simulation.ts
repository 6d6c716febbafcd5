/**
 * A city's working day, compressed, as crews' devices, leads and residents live it over HTTP:
 * the plan (crews, their routes, leads, residents), the database it starts from, the devices'
 * behaviour, and the integrity check at the end. `pnpm bench:load` (bench/load.bench.mjs) runs
 * it for its figures; the fault tests (src/load-faults.pg.test.ts) run it while an instance is
 * killed, PostgreSQL restarts or the photo bucket goes away. Plain TypeScript that Node runs
 * as it is (type stripping), so the benchmark imports it without a build.
 *
 *   - A worker device primes (pulls until hasMore is false), pulls again every `pullEveryMs`
 *     (±20 %), and works its share of its crew's route, paced over the day: start, note,
 *     sometimes hold and resume, attach an after-photo and upload its bytes (HEAD, then PATCH
 *     from the offset, beside its other work as the app's sync loop does), fix with one of the
 *     type's resolution codes (now and then: closed, not fixed). One mutation per push, as the app syncs after each change; `resendShare` of the
 *     pushes are sent again to the next instance with the same body (a device whose answer was
 *     lost), and must get the same outcomes (R1).
 *   - A lead primes and pulls its department like a device, and every `reorderEveryMs` moves
 *     one of its crews' waiting cases to another place on the route (`reorder`).
 *   - Residents report through the report form's API (services, nearby, then POST
 *     /api/public/reports with its proof of work, solved before the clock starts), each from
 *     an address of its own in X-Forwarded-For (198.18.0.0/15, the benchmarking range): the
 *     instances run with TRUST_PROXY=1 and this process stands in for the proxy.
 *
 * This process is also the load balancer, as nginx is configured in docs/deploy/nginx.conf:
 * round robin over the instances request by request, an instance that failed `maxFails` times
 * within `failTimeoutMs` is left out for `failTimeoutMs`, and a connection refused (nothing
 * sent) goes to the next instance at once. Past that the device does what the app does on a
 * failure: no answer, or 502/503/504, and it backs off (full jitter, `backoffBaseMs` doubling
 * up to `backoffMaxMs`; a Retry-After is waited out, up to `backoffMaxMs`: the day is
 * compressed, so are the waits) and sends the same request again (same mutation ids, same
 * device), to whichever instance the balancer picks. It gives up only after `giveUpMs`
 * (counted: an error, and for a push an unacknowledged change). An upload asks HEAD for the
 * stored offset after every failure and resumes from there; a 409 (the offset moved, or a
 * cut request still holds the photo's lease) is waited out the same way. Like the app's, an
 * upload is given up only when its bytes stop moving for `giveUpMs`, never for taking long.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type postgres from 'postgres';
import sharp from 'sharp';
import { v7 as uuidv7 } from 'uuid';
import { leadingZeroBits, REPORT_PROOF_BITS, reportProofText, type ServiceType } from '@fieldfix/shared';
import { seededRandom } from '../../../shared/src/dispatch/random.ts';
import { serviceTypes } from '../../src/demo/catalog.ts';
import { districtYard, placeOnStreet, riverton, type Place } from '../../src/demo/city.ts';
import { seedDemoCity } from '../../src/demo/seed.ts';
import { cityDate } from '../../src/time.ts';

type Sql = postgres.Sql;

export const WORKERS_PER_CREW = 4;
export const CREWS_PER_LEAD = 25;
/** The first case id of the plan's day: the demo city's own cases come before it. */
export const FIRST_CASE_ID = 100_001;
/** What the field app sends (PROTOCOL_VERSION): pushes carry sentAt. */
export const PROTOCOL = '4';

const TYPES = serviceTypes();
const DEPARTMENTS = ['streets', 'sanitation', 'forestry', 'traffic'];
const DISTRICTS = riverton().districts.map((d) => d.id);

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, Math.max(0, ms)));
const pick = <T>(rng: () => number, xs: readonly T[]): T => xs[Math.floor(rng() * xs.length)]!;
const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

// ---- the plan: crews, their days, leads, residents --------------------------------------------

export type Step =
  | { kind: 'start' }
  | { kind: 'resume' }
  | { kind: 'add_note'; text: string }
  | { kind: 'hold'; reason: string }
  | { kind: 'close_not_fixed'; reason: string }
  | { kind: 'photo'; photo: number }
  | { kind: 'fix'; resolutionCode: string };
export type Job = { caseId: string; type: ServiceType; lat: number; long: number; steps: Step[] };
export type Crew = { id: string; departmentId: string; home: string; yardLat: number; yardLong: number };
export type PlannedCase = {
  id: string;
  type: ServiceType;
  place: Place;
  attributes: Record<string, string>;
  ageDays: number;
  reporter: boolean;
  crewId: string;
  position: number;
};
export type WorkerSpec = { userId: string; crew: Crew; startFrac: number; jobs: Job[] };
export type LeadSpec = { userId: string; departmentId: string; crewIds: Set<string>; startFrac: number; seed: number };
export type Resident = {
  atFrac: number;
  token: string;
  body: Record<string, unknown> & { serviceCode: string; lat: number; long: number };
  address: string;
  proof?: string;
};
export type Plan = {
  crews: Crew[];
  cases: PlannedCase[];
  workers: WorkerSpec[];
  leads: LeadSpec[];
  residents: Resident[];
};

function attributesFor(type: ServiceType, rng: () => number): Record<string, string> {
  const out: Record<string, string> = {};
  for (const a of type.attributes) {
    if (a.values.length > 0) out[a.code] = pick(rng, a.values).key;
    else if (a.required) out[a.code] = `RL-${1000 + Math.floor(rng() * 9000)}`;
  }
  return out;
}

/**
 * `devices` / 4 crews of four workers in the demo departments and districts, each with its day
 * of 6-10 assigned cases in route order; a lead per ~25 crews of a department; `reports`
 * residents spread over the day. Seeded: the same plan every time.
 */
export function buildPlan({ devices, reports }: { devices: number; reports: number }): Plan {
  const rng = seededRandom(311);
  const crewCount = Math.floor(devices / WORKERS_PER_CREW);
  const crews: Crew[] = [];
  const cases: PlannedCase[] = [];
  const workers: WorkerSpec[] = [];
  for (let c = 0; c < crewCount; c++) {
    const departmentId = DEPARTMENTS[c % DEPARTMENTS.length]!;
    const home = DISTRICTS[c % DISTRICTS.length]!;
    const [yardLong, yardLat] = districtYard(home);
    const crew: Crew = { id: `load-${String(c + 1).padStart(3, '0')}`, departmentId, home, yardLat, yardLong };
    crews.push(crew);
    const types = TYPES.filter((t) => t.departmentId === departmentId);
    type Stop = Omit<PlannedCase, 'id' | 'crewId' | 'position'>;
    const day: Stop[] = [];
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
    const route: Stop[] = [];
    let here = [yardLong, yardLat] as [number, number];
    const left = [...day];
    while (left.length > 0) {
      let best = 0;
      const d = (x: Stop) => (x.place.long - here[0]) ** 2 + (x.place.lat - here[1]) ** 2;
      for (let i = 1; i < left.length; i++) if (d(left[i]!) < d(left[best]!)) best = i;
      const next = left.splice(best, 1)[0]!;
      route.push(next);
      here = [next.place.long, next.place.lat];
    }
    const planned = route.map((x, i) => {
      const p: PlannedCase = { ...x, id: String(FIRST_CASE_ID + cases.length), crewId: crew.id, position: i + 1 };
      cases.push(p);
      return p;
    });
    // The crew's four devices share its route: each works every fourth stop.
    for (let k = 0; k < WORKERS_PER_CREW; k++) {
      const mine = planned.filter((_, i) => i % WORKERS_PER_CREW === k);
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
  const leads: LeadSpec[] = [];
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
  const residents: Resident[] = [];
  for (let i = 0; i < reports; i++) {
    const type = pick(rng, TYPES);
    const place = placeOnStreet(rng);
    residents.push({
      atFrac: 0.05 + (0.85 * (i + rng())) / reports,
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
function stepsFor(x: { type: ServiceType }, rng: () => number): Step[] {
  const t = x.type;
  const steps: Step[] = [{ kind: 'start' }, { kind: 'add_note', text: 'On site, cones out.' }];
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

/** The plan's totals: cases today, those to fix. */
export function planTotals(plan: Plan): { stops: number; fixes: number } {
  return {
    stops: plan.workers.reduce((a, w) => a + w.jobs.length, 0),
    fixes: plan.workers.reduce((a, w) => a + w.jobs.filter((j) => j.steps.at(-1)!.kind === 'fix').length, 0),
  };
}

/** A nonce whose proof hashes to REPORT_PROOF_BITS leading zero bits (what the form's page computes). */
export function proofFor(token: string): string {
  const prefix = reportProofText(token, '');
  if (!reportProofText(token, 'x').startsWith(prefix)) throw new Error('the proof text no longer ends with the nonce');
  const head = createHash('sha256').update(prefix);
  for (let n = 0; ; n++) {
    const nonce = n.toString(36);
    const digest = head.copy().update(nonce).digest();
    if (leadingZeroBits(digest) >= REPORT_PROOF_BITS) return nonce;
  }
}

/** Every resident's proof of work, solved before the clock starts. */
export function solveProofs(plan: Plan): void {
  for (const r of plan.residents) r.proof ??= proofFor(r.token);
}

export type Photo = { bytes: Uint8Array; width: number; height: number };

/** Three after-photos, real JPEGs of noise (they compress badly): about 45-75 KB each. */
export async function makePhotos(): Promise<Photo[]> {
  const out: Photo[] = [];
  for (const [w, h, q] of [
    [300, 225, 85],
    [320, 240, 85],
    [360, 270, 80],
  ] as const) {
    const bytes = await sharp(randomBytes(w * h * 3), { raw: { width: w, height: h, channels: 3 } })
      .jpeg({ quality: q })
      .toBuffer();
    out.push({ bytes: new Uint8Array(bytes), width: w, height: h });
  }
  return out;
}

// ---- the database the day starts from ----------------------------------------------------------

const tokenHash = (t: string) => createHash('sha256').update(t).digest('hex');

export type SeededDay = { tokens: Map<string, string>; today: string };

/**
 * On a migrated, empty database: the demo city, then the plan's crews, workers and leads,
 * their day's cases (assigned, in route order, with their history and reporters) and a
 * session for every one of them (written directly: no sign-in in the way of the load).
 */
export async function seedPlan(sql: Sql, plan: Plan, { timeZone }: { timeZone: string }): Promise<SeededDay> {
  await seedDemoCity(sql, { timeZone });
  const now = new Date();
  const today = cityDate(now, timeZone);
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
      crew_id: w.crew.id as string | null,
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
  const leadOf = new Map(plan.leads.flatMap((l) => [...l.crewIds].map((c) => [c, l.userId] as const)));
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
      at: rows[i]!.requested_at,
      kind: 'reported',
      actor_user_id: null as string | null,
      data: { channel: 'web' } as Record<string, string>,
      version: 1,
      crew_id: null as string | null,
    },
    {
      case_id: x.id,
      at: rows[i]!.updated_at,
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
  return { tokens, today };
}

// ---- one run ------------------------------------------------------------------------------------

export type RunOptions = {
  /** The working day, compressed into this many seconds. */
  seconds: number;
  pullEveryMs: number;
  reorderEveryMs: number;
  /** Share of pushes sent again (same body) to the next instance: a device whose answer was lost. */
  resendShare: number;
  /** A request with no answer after this long is a failure (tried again). */
  requestTimeoutMs: number;
  backoffBaseMs: number;
  backoffMaxMs: number;
  /** A request still failing this long after its first try is given up (an error). */
  giveUpMs: number;
  /** The balancer's passive health check (nginx's max_fails and fail_timeout). */
  maxFails: number;
  failTimeoutMs: number;
  /** Photo bytes per PATCH (the app's pieces are 256 KiB; the after-photos here are smaller). */
  uploadPieceBytes: number;
};

/** The benchmark's settings: a day in 60 s, a device pulling every 15 s, a lead moving a case every 8 s. */
export const BENCH_RUN_OPTIONS: RunOptions = {
  seconds: 60,
  pullEveryMs: 15_000,
  reorderEveryMs: 8_000,
  resendShare: 0.02,
  requestTimeoutMs: 30_000,
  backoffBaseMs: 250,
  backoffMaxMs: 5_000,
  giveUpMs: 90_000,
  maxFails: 2,
  failTimeoutMs: 10_000,
  uploadPieceBytes: 256 * 1024,
};

type RouteStats = { ms: number[]; statuses: Map<number, number> };
/** A try that failed: no answer, or an answer to wait out (502, 503, 504; a 409 on an upload). */
export type FailedTry = {
  /** Milliseconds since the run's clock started (negative: before it). */
  at: number;
  route: string;
  /** The request's path (a photo's upload names the photo). */
  path?: string;
  base: string;
  status: number | null;
  error: string | null;
  retryAfter: string | null;
  /** The try's X-Request-Id: the server's log line for it (LOG_LEVEL=info) names it. */
  requestId?: string;
};
type Health = { fails: number; firstFailAt: number; downUntil: number };

export type Run = ReturnType<typeof runState>;

/** What one run (or one instance's warm-up) counts. */
export function runState(bases: string[], opts: RunOptions = BENCH_RUN_OPTIONS) {
  return {
    bases,
    opts,
    health: bases.map((): Health => ({ fails: 0, firstFailAt: 0, downUntil: 0 })),
    rr: 0,
    t0: 0,
    deadline: Infinity,
    routes: new Map<string, RouteStats>(),
    errors: new Map<string, number>(),
    errorSamples: [] as { route: string; status: number; body: string }[],
    /** Tries that got no answer, by route and cause (tried again). */
    netRetries: new Map<string, number>(),
    /** Answers waited out and tried again (502/503/504), by route and status. */
    statusRetries: new Map<string, number>(),
    /** Every failed try, in order (at most 50,000 kept). */
    failedTries: [] as FailedTry[],
    /** Requests answered after failed tries: when (ms since the clock started) the first failed and the answer came. */
    recovered: [] as { route: string; failedAt: number; answeredAt: number }[],
    /**
     * Every request answered as expected, in order: when (ms since the clock started) and how
     * long since its first try (its retries included), for figures by time window.
     */
    answers: [] as { route: string; at: number; ms: number }[],
    /** Every photo whose bytes all went up: when its first HEAD was sent and when it was done (ms since the clock started). */
    uploadsDone: [] as { startedAt: number; doneAt: number }[],
    requests: 0,
    outcomes: new Map<string, string>(), // mutation id -> outcome kind, as a device was told
    tally: new Map<string, number>(), // "role kind outcome/reason" -> count
    unexpected: [] as Record<string, unknown>[],
    /** Changes a device gave up pushing (never acknowledged): what the app would still hold. */
    unacknowledged: [] as { user: string; mutationIds: string[] }[],
    resends: 0,
    resendMismatches: 0,
    /** Pull answers that brought something (cases, departures or outcomes). */
    pullsWithChanges: 0,
    photosUploaded: 0,
    /** Uploads that went on from an offset past 0 after a failed try. */
    uploadResumes: 0,
    /** photo id -> sha256 of the bytes its device uploaded (acknowledged by the server). */
    photoHashes: new Map<string, string>(),
    fixesApplied: 0,
    closedApplied: 0,
    fixedCases: new Set<string>(),
    reports: 0,
    rng: seededRandom(7),
  };
}

export type Device = {
  userId: string;
  role: 'worker' | 'lead';
  spec: WorkerSpec | LeadSpec;
  clientId: string;
  seq: number;
  cursor: string;
  versions: Map<string, number>;
  /** A lead's department, as pulled. */
  view: Map<string, PulledCase>;
  /** case id -> the after-photo attached this run. */
  photoOf: Map<string, string>;
  /** Its photos' uploads, one after another, beside its other work (as the app's sync loop). */
  uploads: Promise<void>;
  headers: Record<string, string>;
};
type PulledCase = {
  id: string;
  version: number;
  crewId: string | null;
  assignedDay: string | null;
  state: string;
  routePosition: number | null;
};

export function device(userId: string, role: Device['role'], token: string, spec: WorkerSpec | LeadSpec): Device {
  return {
    userId,
    role,
    spec,
    clientId: `load-${userId}`,
    seq: 0,
    cursor: '0',
    versions: new Map(),
    view: new Map(),
    photoOf: new Map(),
    uploads: Promise.resolve(),
    headers: { authorization: `Bearer ${token}`, 'fieldfix-protocol': PROTOCOL },
  };
}

export function bump<K>(map: Map<K, number>, key: K, by = 1): void {
  map.set(key, (map.get(key) ?? 0) + by);
}

/** Answers the device waits out and sends again; anything else unexpected is an error. */
const RETRY_STATUSES = new Set([502, 503, 504]);

/** The balancer: the next instance in turn that is not left out (all left out: the next in turn). */
function pickBase(run: Run): number {
  const now = performance.now();
  const n = run.bases.length;
  for (let k = 0; k < n; k++) {
    const i = run.rr++ % n;
    if (run.health[i]!.downUntil <= now) return i;
  }
  return run.rr++ % n;
}

function markFailed(run: Run, i: number): void {
  const h = run.health[i]!;
  const now = performance.now();
  if (now - h.firstFailAt > run.opts.failTimeoutMs) {
    h.fails = 0;
    h.firstFailAt = now;
  }
  if (++h.fails >= run.opts.maxFails) h.downUntil = now + run.opts.failTimeoutMs;
}

function noteFailure(run: Run, f: Omit<FailedTry, 'at'>): void {
  if (run.failedTries.length < 50_000) run.failedTries.push({ at: performance.now() - run.t0, ...f });
}

/** Waits before try `attempt + 1`: full jitter over base·2^attempt, at least a Retry-After (both capped). */
export async function backOff(run: Run, attempt: number, retryAfter: string | null): Promise<void> {
  const o = run.opts;
  let ms = Math.random() * Math.min(o.backoffMaxMs, o.backoffBaseMs * 2 ** attempt);
  const seconds = Number(retryAfter);
  if (retryAfter && Number.isFinite(seconds) && seconds > 0) {
    ms = Math.max(ms, Math.min(o.backoffMaxMs, seconds * 1000) * (0.5 + 0.5 * Math.random()));
  }
  await sleep(ms);
}

type Answer = { res: Response; body: unknown; base: string };
/** `once`: a failed try is handed back instead of tried again (the upload resumes from HEAD). */
type Retry = { retry: true; retryAfter: string | null };

/**
 * One request through the balancer, tried until it gets one of `expect` (returned, with its
 * parsed body), an answer that is not worth another try (null, counted as an error), or
 * `giveUpMs` has passed (null, an error).
 */
export async function call(
  run: Run,
  route: string,
  path: string,
  init: RequestInit,
  opts: { expect: number[]; json?: boolean; once: true },
): Promise<Answer | Retry | null>;
export async function call(
  run: Run,
  route: string,
  path: string,
  init: RequestInit,
  opts: { expect: number[]; json?: boolean; once?: false },
): Promise<Answer | null>;
export async function call(
  run: Run,
  route: string,
  path: string,
  init: RequestInit,
  { expect, json = true, once = false }: { expect: number[]; json?: boolean; once?: boolean },
): Promise<Answer | Retry | null> {
  const t0 = performance.now();
  let refusedInRow = 0; // connections refused in a row: the balancer's next instance, at once
  let attempt = 0; // tries waited out: the device's backoff
  let last = '';
  let failedAt: number | null = null;
  const failing = () => (failedAt ??= performance.now() - run.t0);
  for (;;) {
    if (performance.now() - t0 > run.opts.giveUpMs) {
      run.requests++;
      bump(run.errors, `${route} gave up (${last})`);
      return null;
    }
    const i = pickBase(run);
    const base = run.bases[i]!;
    let res: Response;
    let body: string | null;
    // Each try its own id, sent as a balancer would: a try that failed is found in the logs.
    const requestId = randomUUID();
    const headers = new Headers(init.headers);
    headers.set('x-request-id', requestId);
    try {
      res = await fetch(base + path, { ...init, headers, signal: AbortSignal.timeout(run.opts.requestTimeoutMs) });
      body = json && init.method !== 'HEAD' ? await res.text() : (await res.arrayBuffer(), null);
    } catch (err) {
      const e = err as Error & { cause?: { code?: string; message?: string } };
      last = e.name === 'TimeoutError' ? 'timeout' : (e.cause?.code ?? e.cause?.message ?? e.message);
      bump(run.netRetries, `${route} ${last}`);
      failing();
      noteFailure(run, { route, path, base, status: null, error: last, retryAfter: null, requestId });
      markFailed(run, i);
      if (once) return { retry: true, retryAfter: null };
      // Nothing was sent: the balancer tries the next instance, once round them all.
      if (last === 'ECONNREFUSED' && ++refusedInRow < run.bases.length) continue;
      refusedInRow = 0;
      await backOff(run, attempt++, null);
      continue;
    }
    run.requests++;
    let r = run.routes.get(route);
    if (!r) run.routes.set(route, (r = { ms: [], statuses: new Map() }));
    bump(r.statuses, res.status);
    if (expect.includes(res.status)) {
      r.ms.push(performance.now() - t0);
      run.answers.push({ route, at: performance.now() - run.t0, ms: performance.now() - t0 });
      run.health[i]!.fails = 0;
      if (failedAt !== null) run.recovered.push({ route, failedAt, answeredAt: performance.now() - run.t0 });
      return { res, body: json && body ? JSON.parse(body) : null, base };
    }
    if (RETRY_STATUSES.has(res.status)) {
      const retryAfter = res.headers.get('retry-after');
      last = String(res.status);
      bump(run.statusRetries, `${route} ${res.status}`);
      failing();
      noteFailure(run, { route, path, base, status: res.status, error: null, retryAfter, requestId });
      markFailed(run, i);
      if (once) return { retry: true, retryAfter };
      refusedInRow = 0;
      await backOff(run, attempt++, retryAfter);
      continue;
    }
    r.ms.push(performance.now() - t0);
    bump(run.errors, `${route} ${res.status}`);
    if (run.errorSamples.filter((s) => s.route === route && s.status === res.status).length < 3) {
      run.errorSamples.push({ route, status: res.status, body: String(body ?? '').slice(0, 400) });
    }
    return null;
  }
}

type Outcome = {
  mutationId: string;
  caseId: string;
  outcome: string;
  reason: string | null;
  caseVersion: number | null;
};
type Mutation = {
  id: string;
  clientId: string;
  seq: number;
  caseId: string;
  baseVersion: number;
  deviceTime: string;
  kind: string;
  payload: Record<string, unknown>;
};

export function mutation(dev: Device, caseId: string, kind: string, payload: Record<string, unknown>): Mutation {
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
function expected(dev: Device, m: Mutation, o: Outcome): boolean {
  if (o.outcome === 'applied') return true;
  return dev.role === 'lead' && m.kind === 'reorder' && o.outcome === 'superseded';
}

export async function push(run: Run, dev: Device, muts: Mutation[]): Promise<Outcome[] | null> {
  // The same body on every try: a push sent again is the same push (R1).
  const body = JSON.stringify({ clientId: dev.clientId, mutations: muts, sentAt: new Date().toISOString() });
  const init = { method: 'POST', headers: { ...dev.headers, 'content-type': 'application/json' }, body };
  const r = await call(run, 'POST /api/sync/push', '/api/sync/push', init, { expect: [200] });
  if (!r) {
    run.unacknowledged.push({ user: dev.userId, mutationIds: muts.map((m) => m.id) });
    return null;
  }
  const outcomes = (r.body as { outcomes: Outcome[] }).outcomes;
  outcomes.forEach((o, i) => {
    const m = muts[i]!;
    run.outcomes.set(o.mutationId, o.outcome);
    bump(run.tally, `${dev.role} ${m.kind} ${o.outcome}${o.reason ? `/${o.reason}` : ''}`);
    if (!expected(dev, m, o) && run.unexpected.length < 20)
      run.unexpected.push({ user: dev.userId, kind: m.kind, ...o });
    if (o.caseVersion !== null) dev.versions.set(o.caseId, Math.max(dev.versions.get(o.caseId) ?? 0, o.caseVersion));
  });
  // A device whose answer was lost sends the same batch again, here to the next instance (R1).
  if (run.rng() < run.opts.resendShare) {
    const again = await call(run, 'POST /api/sync/push', '/api/sync/push', init, { expect: [200] });
    if (again) {
      run.resends++;
      const same = (again.body as { outcomes: Outcome[] }).outcomes.every(
        (o, i) =>
          o.mutationId === outcomes[i]!.mutationId &&
          o.outcome === outcomes[i]!.outcome &&
          o.caseVersion === outcomes[i]!.caseVersion,
      );
      if (!same) run.resendMismatches++;
    }
  }
  return outcomes;
}

export async function pullAll(run: Run, dev: Device): Promise<void> {
  // From nothing, every page says it primes (the app keeps saying so until the last page).
  const prime = dev.cursor === '0' ? '&prime=1' : '';
  for (let page = 0; page < 50; page++) {
    const path = `/api/sync/pull?cursor=${dev.cursor}&limit=500&clientId=${encodeURIComponent(dev.clientId)}${prime}`;
    const r = await call(run, 'GET /api/sync/pull', path, { headers: dev.headers }, { expect: [200] });
    if (!r) return;
    const b = r.body as {
      cases: PulledCase[];
      departures: string[];
      outcomes: Outcome[];
      cursor: string;
      hasMore: boolean;
    };
    for (const c of b.cases) {
      dev.versions.set(c.id, Math.max(dev.versions.get(c.id) ?? 0, c.version));
      if (dev.role === 'lead') {
        const had = dev.view.get(c.id);
        if (!had || had.version <= c.version) dev.view.set(c.id, c);
      }
    }
    for (const id of b.departures) dev.view.delete(id);
    for (const o of b.outcomes) if (!run.outcomes.has(o.mutationId)) run.outcomes.set(o.mutationId, o.outcome);
    if (b.cases.length + b.departures.length + b.outcomes.length > 0) run.pullsWithChanges++;
    dev.cursor = b.cursor;
    if (!b.hasMore) return;
  }
}

/** Pulls every `pullEveryMs` (±20 %) until the deadline. */
async function pullLoop(run: Run, dev: Device, rng: () => number): Promise<void> {
  for (;;) {
    const wait = run.opts.pullEveryMs * (0.8 + 0.4 * rng());
    if (performance.now() + wait >= run.deadline) return;
    await sleep(wait);
    await pullAll(run, dev);
  }
}

/**
 * HEAD for the stored offset, then PATCH from there in pieces; after any failed try (no
 * answer, 502/503/504, a 409) HEAD again and go on from what the server holds. Done when the
 * server holds every byte; given up when the server's offset has not moved for `giveUpMs`
 * (as the app, which gives a piece up only when nothing moves, never for taking long).
 */
async function upload(run: Run, dev: Device, photoId: string, bytes: Uint8Array): Promise<boolean> {
  const path = `/api/photos/${photoId}/upload`;
  const t0 = performance.now();
  let movedAt = t0; // when the server's offset last moved
  let stored = 0;
  const moved = (offset: number) => {
    if (offset > stored) [stored, movedAt] = [offset, performance.now()];
  };
  let attempt = 0;
  let failedAt: number | null = null;
  const done = () => {
    const doneAt = performance.now() - run.t0;
    if (failedAt !== null) run.recovered.push({ route: 'photo upload', failedAt, answeredAt: doneAt });
    run.uploadsDone.push({ startedAt: t0 - run.t0, doneAt });
    return true;
  };
  for (;;) {
    if (performance.now() - movedAt > run.opts.giveUpMs) {
      bump(run.errors, 'PATCH /api/photos/:id/upload gave up');
      // What it met meanwhile, for the report: the server's offset and its last failed tries.
      const tries = run.failedTries
        .filter((f) => f.path === path)
        .slice(-12)
        .map((f) => `${Math.round(f.at / 100) / 10} s ${f.route.split(' ')[0]} ${f.status ?? f.error}`);
      run.errorSamples.push({
        route: 'photo upload gave up',
        status: 0,
        body: JSON.stringify({ photoId, bytes: bytes.length, stored, tries }),
      });
      return false;
    }
    const head = await call(
      run,
      'HEAD /api/photos/:id/upload',
      path,
      { method: 'HEAD', headers: dev.headers },
      { expect: [200], json: false },
    );
    if (!head) return false;
    const offset = Number(head.res.headers.get('upload-offset'));
    moved(offset);
    if (offset >= bytes.length) return done();
    if (failedAt !== null && offset > 0) run.uploadResumes++;
    const init = {
      method: 'PATCH',
      headers: { ...dev.headers, 'content-type': 'application/offset+octet-stream', 'upload-offset': String(offset) },
      body: bytes.subarray(offset, offset + run.opts.uploadPieceBytes) as Uint8Array<ArrayBuffer>,
    };
    const r = await call(run, 'PATCH /api/photos/:id/upload', path, init, {
      expect: [204, 409],
      json: false,
      once: true,
    });
    if (!r) return false;
    if ('retry' in r) {
      failedAt ??= performance.now() - run.t0;
      await backOff(run, attempt++, r.retryAfter);
      continue;
    }
    if (r.res.status === 409) {
      // The offset moved, or a cut request (on an instance that may be gone) still holds the
      // photo's lease until it runs out: wait, then ask HEAD again.
      const retryAfter = r.res.headers.get('retry-after');
      noteFailure(run, {
        route: 'PATCH /api/photos/:id/upload',
        path,
        base: r.base,
        status: 409,
        error: null,
        retryAfter,
      });
      failedAt ??= performance.now() - run.t0;
      await backOff(run, attempt++, retryAfter);
      continue;
    }
    attempt = 0;
    moved(Number(r.res.headers.get('upload-offset')));
    if (stored >= bytes.length) return done();
  }
}

async function workerDay(run: Run, dev: Device, photos: Photo[]): Promise<void> {
  const spec = dev.spec as WorkerSpec;
  const rng = seededRandom(Number.parseInt(createHash('sha256').update(dev.userId).digest('hex').slice(0, 8), 16));
  const T = run.opts.seconds * 1000;
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
  await Promise.all([pulls, dev.uploads]);
}

async function doStep(run: Run, dev: Device, job: Job, step: Step, photos: Photo[]): Promise<unknown> {
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
      if (o?.[0]?.outcome === 'applied') run.closedApplied++;
      return o;
    }
    case 'photo': {
      const p = photos[step.photo]!;
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
      if (o?.[0]?.outcome !== 'applied') return;
      dev.photoOf.set(id, photoId);
      // The bytes go up beside the rest of the day: a slow or failing upload holds up no change.
      dev.uploads = dev.uploads.then(async () => {
        if (await upload(run, dev, photoId, p.bytes)) {
          run.photosUploaded++;
          run.photoHashes.set(photoId, sha256(p.bytes));
        }
      });
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
      if (o?.[0]?.outcome === 'applied') {
        run.fixesApplied++;
        run.fixedCases.add(id);
      }
      return o;
    }
  }
}

async function leadDay(run: Run, dev: Device, today: string): Promise<void> {
  const spec = dev.spec as LeadSpec;
  const rng = seededRandom(spec.seed);
  const T = run.opts.seconds * 1000;
  await sleep(run.t0 + spec.startFrac * T - performance.now());
  await pullAll(run, dev);
  const pulls = pullLoop(run, dev, rng);
  for (;;) {
    const wait = run.opts.reorderEveryMs * (0.6 + 0.8 * rng());
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
    await push(run, dev, [mutation(dev, c.id, 'reorder', { position, crewId, day: today })]);
  }
  await pulls;
}

async function residentReport(run: Run, r: Resident): Promise<void> {
  await sleep(run.t0 + r.atFrac * run.opts.seconds * 1000 - performance.now());
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
  // 201, or 200 when a try whose answer was lost had already filed it (the same token).
  if (await call(run, 'POST /api/public/reports', '/api/public/reports', init, { expect: [201, 200] })) run.reports++;
}

/**
 * Before the clock: each instance answers a few pulls, pushes (a lead's notes) and the report
 * form's types, so that no run pays for more instances' warm-up (JIT, lazy imports) than
 * another. Their mutations join the run's integrity checks; their errors join its errors.
 */
export async function warmUp(run: Run, plan: Plan, tokens: Map<string, string>): Promise<void> {
  await Promise.all(
    run.bases.map(async (base, k) => {
      const warm = runState([base], run.opts);
      warm.outcomes = run.outcomes;
      const spec = plan.leads[k % plan.leads.length]!;
      const lead = device(spec.userId, 'lead', tokens.get(spec.userId)!, spec);
      lead.clientId = `warmup-${k + 1}-${spec.userId}`;
      const cases = plan.cases.filter((x) => spec.crewIds.has(x.crewId)).map((x) => x.id);
      for (let i = 0; i < 10; i++) {
        lead.cursor = '0';
        await pullAll(warm, lead);
        await push(warm, lead, [mutation(lead, cases[i % cases.length]!, 'add_note', { text: 'Checked the route.' })]);
        if (i < 3) await call(warm, 'GET /api/public/services', '/api/public/services', {}, { expect: [200] });
      }
      for (const [key, n] of warm.errors) bump(run.errors, `warm-up: ${key}`, n);
      run.errorSamples.push(...warm.errorSamples);
      run.unacknowledged.push(...warm.unacknowledged);
    }),
  );
}

/**
 * The day: every worker device, lead and resident of the plan at once, from now for
 * `seconds`; resolves when every one of them is done (a device still retrying finishes its
 * request first, up to `giveUpMs`).
 */
export async function runDay(
  run: Run,
  plan: Plan,
  day: SeededDay,
  photos: Photo[],
  { onStart }: { onStart?: () => void } = {},
): Promise<{ devices: Device[] }> {
  const devices = plan.workers.map((w) => device(w.userId, 'worker', day.tokens.get(w.userId)!, w));
  const leads = plan.leads.map((l) => device(l.userId, 'lead', day.tokens.get(l.userId)!, l));
  run.t0 = performance.now();
  run.deadline = run.t0 + run.opts.seconds * 1000;
  onStart?.();
  await Promise.all([
    ...devices.map((d) => workerDay(run, d, photos)),
    ...leads.map((l) => leadDay(run, l, day.today)),
    ...plan.residents.map((r) => residentReport(run, r)),
  ]);
  return { devices };
}

/**
 * After the day: every worker device still online, pulling every `everyMs` (the first at a
 * random moment within it) for `seconds`, while nothing changes. What a quiet city costs: in
 * a real day most polls find nothing new in their crew's scope. Counted in `run` (a fresh
 * one, so its figures are the evening's alone).
 */
export async function runEvening(run: Run, devices: Device[], seconds: number, everyMs: number): Promise<void> {
  run.t0 = performance.now();
  run.deadline = run.t0 + seconds * 1000;
  await Promise.all(
    devices.map(async (dev) => {
      for (let at = run.t0 + everyMs * run.rng(); at < run.deadline; at += everyMs) {
        await sleep(at - performance.now());
        await pullAll(run, dev);
      }
    }),
  );
}

// ---- integrity ------------------------------------------------------------------------------------

type Smtp = { received: { messageId: string; to: string[] }[] };

/**
 * Every mutation a device got an outcome for is in `mutations` exactly once with that outcome
 * and one history row; no mutation id twice; no resident notice queued or sent twice (the
 * outbox, and the loopback SMTP server's messages by Message-ID and recipient); every applied
 * fix left its case fixed; no open route with a position twice.
 */
export async function checkIntegrity(sql: Sql, run: Run, smtp: Smtp, pendingDue: number) {
  const ids = [...run.outcomes.keys()];
  const rows = await sql<{ id: string; outcome: string; events: number }[]>`
    select m.id::text, m.outcome,
      (select count(*)::int from case_events e where e.mutation_id = m.id) as events
    from mutations m where m.id = any(${ids}::uuid[])`;
  const byId = new Map(rows.map((r) => [r.id, r]));
  const missing = ids.filter((id) => !byId.has(id)).length;
  const outcomeDiffers = rows.filter((r) => r.outcome !== run.outcomes.get(r.id)).length;
  const notOneEvent = rows.filter((r) => r.events !== 1).length;
  const count = async (q: Promise<{ n: number }[]>) => (await q)[0]!.n;
  const idTwice = await count(sql`select count(*)::int as n from (
    select id from mutations group by id having count(*) > 1) x`);
  const rowsTotal = await count(sql`select count(*)::int as n from mutations`);
  // A notice is one outbox row per case, template and change; sent once, to each recipient once.
  const outboxTwice = await count(sql`select count(*)::int as n from (
    select case_id, template, coalesce(mutation_id::text, event_id::text) from notification_outbox
    where sent_at is not null group by 1, 2, 3 having count(*) > 1) x`);
  const fixedTwice = await count(sql`select count(*)::int as n from (
    select case_id from notification_outbox where template = 'fixed' and case_id >= ${FIRST_CASE_ID}
    group by case_id having count(*) > 1) x`);
  const deliveries = await count(sql`select count(*)::int as n from notice_deliveries where sent_at is not null`);
  const failed = await count(sql`select count(*)::int as n from notification_outbox where failed_at is not null`);
  const seen = new Map<string, number>();
  for (const m of smtp.received) for (const to of m.to) bump(seen, `${m.messageId} ${to}`);
  const smtpTwice = [...seen.values()].filter((n) => n > 1).length;
  const smtpMessages = [...seen.values()].reduce((a, b) => a + b, 0);
  // Every applied fix: the case is fixed; and each open route of today has no position twice.
  const fixed = [...run.fixedCases];
  const fixedNotFixed = await count(sql`select count(*)::int as n from cases
    where id = any(${fixed}::bigint[]) and state <> 'fixed'`);
  const positionTwice = await count(sql`select count(*)::int as n from (
    select assigned_crew_id, assigned_day, route_position from cases
    where state in ('assigned', 'in_progress', 'on_hold') and route_position is not null
    group by 1, 2, 3 having count(*) > 1) x`);
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
  } as Record<string, number>;
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
