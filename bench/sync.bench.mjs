// `pnpm bench:sync`: the sync engine against the real PostgreSQL server, over HTTP on loopback,
// side by side with two baselines measured in the same run:
//   - the raw SQL ceiling: the same mutations inserted by one set-based transaction per batch,
//     no HTTP, no rules;
//   - a peer: PouchDB replicating the same number of equivalent docs to express-pouchdb.
// Then pull: priming a crew with 300 cases and a head pull with nothing new, over a change
// log of 1,000,000 rows across 200 crews, beside a bare Hono route (bench/peers/bare-route.mjs)
// and, as a diagnostic, the same route answering with the sync API's headers. Writes
// bench/results/sync.json.
//
// BENCH_DATABASE_URL (else TEST_DATABASE_URL, else the local server) must be an admin
// connection: the benchmark creates and drops its own database.
import { randomBytes, createHash } from 'node:crypto';
import postgres from 'postgres';
import { v7 as uuidv7 } from 'uuid';
import { BENCH_ADMIN_URL, cpuMeter, freePort, median, percentile, report, stop, timeUntilHealthy } from './lib.mjs';
import { pouchdbPush } from './peers/pouchdb.mjs';
import { migrate } from '../sync-server/src/db/migrate.ts';
import { seedDemoCity } from '../sync-server/src/demo/seed.ts';
import { pushMutations } from '../sync-server/src/sync/push.service.ts';
import { parsePushEntries } from '../shared/src/index.ts';

const ADMIN_URL = BENCH_ADMIN_URL;
const MUTATIONS = Number(process.env.BENCH_MUTATIONS ?? 20_000);
const BATCH = 500;
const DEVICES = 8;
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const LOG_ROWS = Number(process.env.BENCH_LOG_ROWS ?? 1_000_000);
const LOG_CREWS = 200;
const PRIME_CASES = 300;
const PULL_SAMPLES = Number(process.env.BENCH_PULL_SAMPLES ?? 200);
/** Requests each process answers before the pulls are compared with the bare route. */
const WARM_REQUESTS = 3_000;
const PROTOCOL = { 'fieldfix-protocol': '1' };

const log = (msg) => process.stdout.write(`${msg}\n`);

/** BENCH_PUSH_ONLY stops after the push figures (still cleaning up). */
class PushOnly extends Error {}

const dbName = `fieldfix_bench_${Date.now()}`;
const admin = postgres(ADMIN_URL, { max: 1, onnotice: () => {} });
await admin`create database ${admin(dbName)}`;
const url = new URL(ADMIN_URL);
url.pathname = `/${dbName}`;
const DATABASE_URL = url.toString();
const sql = postgres(DATABASE_URL, { max: DEVICES, onnotice: () => {} });
let server;
let bare;

try {
  await migrate(sql);
  await seedDemoCity(sql, { timeZone: 'America/Detroit' });

  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const serverArgs = process.env.BENCH_CPU_PROF ? [`--cpu-prof`, `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : [];
  ({ child: server } = await timeUntilHealthy(process.execPath, [...serverArgs, 'sync-server/src/main.ts'], {
    env: { PORT: String(port), HOST: '127.0.0.1', DATABASE_URL, DEMO_DATA: 'off', LOG_LEVEL: 'warn' },
    url: `${base}/healthz`,
  }));

  // Eight devices: eight workers of the demo city, each working its crew's open cases.
  const workers = await sql`
    select u.id, u.email, u.name, u.crew_id, u.department_id,
      (select array_agg(c.id::text order by c.id) from cases c
        where c.assigned_crew_id = u.crew_id and c.state in ('assigned', 'in_progress', 'on_hold')) as cases
    from users u where u.role = 'worker' order by u.id limit ${DEVICES}`;
  const devices = [];
  for (const w of workers) {
    const res = await fetch(`${base}/api/auth/login?bearer=1`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: w.email, password: 'fieldfix' }),
    });
    const { token } = await res.json();
    const versions = new Map(
      (await sql`select id::text, version from cases where id = any(${w.cases}::bigint[])`).map((r) => [
        r.id,
        r.version,
      ]),
    );
    devices.push({ ...w, token, versions, clientId: `bench-${w.id}`, seq: 0 });
  }

  /** 20,000 add_note mutations (the high-volume change), split over the devices, as request bodies. */
  function makeBatches() {
    const perDevice = MUTATIONS / DEVICES;
    return devices.map((d) => {
      const bodies = [];
      for (let i = 0; i < perDevice; i += BATCH) {
        const mutations = [];
        for (let j = i; j < Math.min(perDevice, i + BATCH); j++) {
          const caseId = d.cases[j % d.cases.length];
          mutations.push({
            id: uuidv7(),
            clientId: d.clientId,
            seq: d.seq++,
            caseId,
            baseVersion: d.versions.get(caseId),
            deviceTime: new Date().toISOString(),
            kind: 'add_note',
            payload: { text: `#${j} Crew on site; pothole patched, cones left for curing.` },
          });
        }
        bodies.push({ clientId: d.clientId, mutations });
      }
      return bodies;
    });
  }

  const pushServerMs = [];
  async function pushAll(batches, serverTimes = []) {
    const t0 = performance.now();
    await Promise.all(
      devices.map(async (d, i) => {
        for (const body of batches[i]) {
          const res = await fetch(`${base}/api/sync/push`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', authorization: `Bearer ${d.token}`, ...PROTOCOL },
            body: JSON.stringify(body),
          });
          if (res.status !== 200) throw new Error(`push answered ${res.status}: ${await res.text()}`);
          serverTimes.push(Number(/total;dur=([\d.]+)/.exec(res.headers.get('server-timing') ?? '')?.[1] ?? NaN));
          const { outcomes } = await res.json();
          if (outcomes.length !== body.mutations.length || outcomes.some((o) => o.outcome !== 'applied')) {
            throw new Error('push: not every mutation was applied');
          }
        }
      }),
    );
    return MUTATIONS / ((performance.now() - t0) / 1000);
  }

  /** A batch as rows of the mutations table, for the ceilings. */
  function mutationRows(body, device) {
    return body.mutations.map((m) => ({
      id: m.id,
      client_id: m.clientId,
      seq: m.seq,
      user_id: device.id,
      case_id: m.caseId,
      kind: m.kind,
      payload: m.payload,
      base_version: m.baseVersion,
      device_time: m.deviceTime,
    }));
  }

  /**
   * The ceilings: every device's batches written with `write(tx, rows)`, one transaction per
   * batch registered as a change-log writer as a push is (`take_change_cursor()`, migration
   * 0018: pulls need it here too), 8 connections, no HTTP, no rules. Returns mutations/s.
   */
  async function ceiling(batches, write) {
    const t0 = performance.now();
    await Promise.all(
      devices.map(async (d, i) => {
        for (const body of batches[i]) {
          const rows = mutationRows(body, d);
          await sql.begin(async (tx) => {
            await tx`select take_change_cursor()`;
            await write(tx, rows);
          });
        }
      }),
    );
    return MUTATIONS / ((performance.now() - t0) / 1000);
  }

  /** The mutation rows as one set-based insert (a fragment, so the history variant can build on it). */
  const insertOutcomes = (tx, rows) => tx`
    insert into mutations (id, client_id, seq, user_id, case_id, kind, payload, base_version, device_time, outcome, message, cursor)
    select x.id, x.client_id, x.seq, x.user_id, x.case_id, x.kind, x.payload, x.base_version, x.device_time, 'applied', '',
      nextval('case_change_cursor')
    from jsonb_to_recordset(${tx.json(rows)}) as x(id uuid, client_id text, seq integer, user_id text, case_id bigint,
      kind text, payload jsonb, base_version integer, device_time timestamptz)`;

  /** The raw ceiling: only the mutation rows. */
  const rawInsert = (batches) => ceiling(batches, (tx, rows) => insertOutcomes(tx, rows));

  /**
   * Diagnostic: the ceiling writing what a push must write for each mutation, an outcome row
   * AND a history row (R9).
   */
  const rawInsertWithHistory = (batches) =>
    ceiling(
      batches,
      (tx, rows) => tx`
        with recorded as (${insertOutcomes(tx, rows)} returning id, case_id, user_id, payload)
        insert into case_events (case_id, kind, actor_user_id, mutation_id, data, outcome)
        select case_id, 'note', user_id, id, payload, 'applied' from recorded`,
    );

  /**
   * Diagnostic: the same push without HTTP: the server's own push (rules, reads, locks and
   * writes) called in this process on the same 8 connections, so the figure shows what the
   * database work costs apart from the request, its JSON and its validation.
   */
  async function pushInProcess(batches) {
    const t0 = performance.now();
    await Promise.all(
      devices.map(async (d, i) => {
        const staff = {
          id: d.id,
          name: d.name,
          email: d.email,
          role: 'worker',
          crewId: d.crew_id,
          departmentId: d.department_id,
        };
        for (const body of batches[i]) {
          const parsed = parsePushEntries(body.mutations);
          const outcomes = await pushMutations(sql, staff, parsed.entries, { timeZone: 'America/Detroit' });
          if (outcomes.some((o) => o.outcome !== 'applied'))
            throw new Error('in-process push: not every mutation was applied');
        }
      }),
    );
    return MUTATIONS / ((performance.now() - t0) / 1000);
  }

  const cpu = cpuMeter(server.pid);
  const push = [];
  const replay = [];
  const raw = [];
  const rawWithHistory = [];
  const inProcess = [];
  for (let r = 0; r < RUNS; r++) {
    // Each step's batches are made before it is timed (making ids and bodies is the client's own work).
    const batches = makeBatches();
    push.push(await cpu.measure('push', () => pushAll(batches, pushServerMs)));
    replay.push(await pushAll(batches)); // every mutation again: answered from recorded outcomes (R1)
    const forRaw = makeBatches();
    raw.push(await cpu.measure('raw', () => rawInsert(forRaw)));
    const forHistory = makeBatches();
    rawWithHistory.push(await cpu.measure('history', () => rawInsertWithHistory(forHistory)));
    const forInProcess = makeBatches();
    inProcess.push(await cpu.measure('in-process', () => pushInProcess(forInProcess)));
    log(
      `run ${r + 1}/${RUNS}: push ${push.at(-1).toFixed(0)}/s, replay ${replay.at(-1).toFixed(0)}/s, ` +
        `raw ceiling ${raw.at(-1).toFixed(0)}/s (with history rows ${rawWithHistory.at(-1).toFixed(0)}/s), ` +
        `push without HTTP ${inProcess.at(-1).toFixed(0)}/s`,
    );
  }

  // ---- two departments: a Sanitation push while a Streets writer is still open ----------
  // A Streets transaction takes its cursor and stays open OPEN_MS; meanwhile a Sanitation
  // worker pushes one mutation at a time. Beside it, the same pushes with no one else writing.
  // (With the city-wide lock the change log had until migration 0018, each such push waited
  // for the Streets commit.)
  const OPEN_MS = 300;
  const [sanitation] = await sql`
    select u.email, (select c.id::text from cases c where c.assigned_crew_id = u.crew_id
      and c.state in ('assigned', 'in_progress', 'on_hold') order by c.id limit 1) as case_id
    from users u join crews k on k.id = u.crew_id where u.role = 'worker' and k.department_id = 'sanitation'
    order by u.id limit 1`;
  const [streetsCase] = await sql`
    select c.id::text from cases c join crews k on k.id = c.assigned_crew_id
    where k.department_id = 'streets' and c.state in ('assigned', 'in_progress', 'on_hold') order by c.id limit 1`;
  const sanitationToken = (
    await (
      await fetch(`${base}/api/auth/login?bearer=1`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: sanitation.email, password: 'fieldfix' }),
      })
    ).json()
  ).token;
  const [{ version: sanitationVersion }] = await sql`select version from cases where id = ${sanitation.case_id}`;
  let sanitationSeq = 0;
  const sanitationClient = `bench-sanitation-${uuidv7().slice(-8)}`;
  async function sanitationPush() {
    const t = performance.now();
    const res = await fetch(`${base}/api/sync/push`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${sanitationToken}`, ...PROTOCOL },
      body: JSON.stringify({
        clientId: sanitationClient,
        mutations: [
          {
            id: uuidv7(),
            clientId: sanitationClient,
            seq: sanitationSeq++,
            caseId: sanitation.case_id,
            baseVersion: sanitationVersion,
            deviceTime: new Date().toISOString(),
            kind: 'add_note',
            payload: { text: 'Bins emptied; lid cracked, reported.' },
          },
        ],
      }),
    });
    if (res.status !== 200) throw new Error(`sanitation push answered ${res.status}: ${await res.text()}`);
    await res.json();
    return performance.now() - t;
  }
  const streetsWriter = postgres(DATABASE_URL, { max: 1, onnotice: () => {} });
  const alone = [];
  const beside = [];
  for (let round = 0; round < 10; round++) {
    for (let i = 0; i < 3; i++) alone.push(await sanitationPush());
    let opened;
    const isOpen = new Promise((r) => (opened = r));
    const streets = streetsWriter.begin(async (tx) => {
      await tx`update cases set description = description where id = ${streetsCase.id}`;
      opened();
      await new Promise((r) => setTimeout(r, OPEN_MS));
    });
    await isOpen;
    for (let i = 0; i < 3; i++) beside.push(await sanitationPush());
    await streets;
  }
  await streetsWriter.end();
  log(
    `two departments: a Sanitation push p50 ${median(beside).toFixed(1)} ms while a Streets writer is open ${OPEN_MS} ms, ` +
      `${median(alone).toFixed(1)} ms alone`,
  );

  const done = MUTATIONS * RUNS;
  const cpuPer1000 = {
    push: cpu.per('push', done),
    raw_ceiling: cpu.per('raw', done),
    raw_with_history: cpu.per('history', done),
    push_without_http: cpu.per('in-process', done),
  };
  const cpuLine = (c) => (c ? `${c.client} + ${c.server} + ${c.postgres} = ${c.total}` : 'n/a');
  log(
    `CPU ms per 1,000 mutations (client + server + PostgreSQL): push ${cpuLine(cpuPer1000.push)}, ` +
      `raw ceiling ${cpuLine(cpuPer1000.raw_ceiling)}, with history ${cpuLine(cpuPer1000.raw_with_history)}, ` +
      `push without HTTP ${cpuLine(cpuPer1000.push_without_http)} (its rules run in the client)`,
  );
  if (process.env.BENCH_PUSH_ONLY) {
    log(
      `push ${median(push).toFixed(0)}/s, ceiling ${median(raw).toFixed(0)}/s, with history ${median(rawWithHistory).toFixed(0)}/s, ` +
        `without HTTP ${median(inProcess).toFixed(0)}/s`,
    );
    throw new PushOnly();
  }
  log(`PouchDB: replicating ${MUTATIONS} docs in batches of ${BATCH}, ${RUNS} runs…`);
  const pouch = await pouchdbPush({ docs: MUTATIONS, batchSize: BATCH, runs: RUNS });

  // ---- pull over a large change log -------------------------------------------------------
  log(`Building a change log of ${LOG_ROWS.toLocaleString('en')} case rows across ${LOG_CREWS} crews…`);
  const t0 = performance.now();
  await sql`insert into crews (id, name, department_id, capacity)
    select 'bench-' || g, 'Bench crew ' || g, 'streets', 12 from generate_series(1, ${LOG_CREWS}) g`;
  // A bulk load, so the per-row cursor trigger is off; cursors still come from the sequence.
  await sql`alter table cases disable trigger cases_touch_insert`;
  const perCrew = Math.floor(LOG_ROWS / LOG_CREWS);
  for (let from = 1; from <= LOG_ROWS; from += 100_000) {
    const to = Math.min(LOG_ROWS, from + 99_999);
    await sql`
      insert into cases (service_code, description, lat, long, address, state, assigned_crew_id, assigned_day,
                         route_position, requested_at, closed_at)
      select 'SIDEWALK', 'Bench case', 42.35, -86.97, g || ' Bench St',
        case when (g - 1) % ${perCrew} < ${PRIME_CASES} then 'assigned' else 'fixed' end,
        'bench-' || (1 + (g - 1) / ${perCrew}), current_date,
        case when (g - 1) % ${perCrew} < ${PRIME_CASES} then 1 + (g - 1) % ${perCrew} end,
        now() - interval '200 days',
        case when (g - 1) % ${perCrew} < ${PRIME_CASES} then null else now() - interval '100 days' end
      from generate_series(${from}::int, ${to}::int) g`;
  }
  await sql`alter table cases enable trigger cases_touch_insert`;
  // A freshly loaded table is vacuumed before it is measured (as after any bulk load), or
  // autovacuum works through it while the pulls are timed.
  await sql`vacuum (analyze) cases`;
  log(`  built in ${((performance.now() - t0) / 1000).toFixed(0)} s`);

  // A signed-in worker for each of 20 bench crews (sessions written directly).
  const sampleCrews = Array.from({ length: 20 }, (_, i) => `bench-${1 + i * 10}`);
  const tokens = [];
  for (const crew of sampleCrews) {
    const token = randomBytes(32).toString('base64url');
    await sql`insert into users (id, email, name, role, crew_id, department_id, password_hash)
      values (${`u-${crew}`}, ${`${crew}@bench.example`}, ${crew}, 'worker', ${crew}, 'streets', 'x')`;
    await sql`insert into sessions (token_hash, user_id, expires_at)
      values (${createHash('sha256').update(token).digest('hex')}, ${`u-${crew}`}, now() + interval '1 hour')`;
    tokens.push(token);
  }

  /** `behind`: the device says it knows of a change (`behind=1`): the database answers, never the instance's memory. */
  async function pull(token, cursor, clientId, { behind = false } = {}) {
    const t = performance.now();
    const q = `cursor=${cursor}&limit=500&clientId=${clientId}${behind ? '&behind=1' : ''}${cursor === '0' ? '&prime=1' : ''}`;
    const res = await fetch(`${base}/api/sync/pull?${q}`, {
      headers: { authorization: `Bearer ${token}`, ...PROTOCOL },
    });
    const body = await res.json();
    const wall = performance.now() - t;
    if (res.status !== 200) throw new Error(`pull answered ${res.status}: ${JSON.stringify(body)}`);
    const serverMs = Number(/total;dur=([\d.]+)/.exec(res.headers.get('server-timing') ?? '')?.[1] ?? NaN);
    return { body, wall, serverMs };
  }

  const prime = [];
  const primeServer = [];
  const head = [];
  const headServer = [];
  const heads = [];
  for (let i = 0; i < PULL_SAMPLES; i++) {
    const k = i % tokens.length;
    const p = await pull(tokens[k], '0', `prime-${i}`);
    if (p.body.cases.length !== PRIME_CASES || p.body.hasMore)
      throw new Error(`prime returned ${p.body.cases.length} cases`);
    prime.push(p.wall);
    primeServer.push(p.serverMs);
    heads[k] = p.body.cursor;
  }
  for (let i = 0; i < PULL_SAMPLES; i++) {
    const k = i % tokens.length;
    const h = await pull(tokens[k], heads[k], `prime-${k}`);
    if (h.body.cases.length !== 0) throw new Error('head pull returned changes');
    head.push(h.wall);
    headServer.push(h.serverMs);
  }

  // Head pulls over HTTP beside a bare Hono route (bench/peers/bare-route.mjs, its own
  // process), at concurrency 1 and 16: rounds of each, alternated, so both see the same machine.
  const barePort = await freePort();
  ({ child: bare } = await timeUntilHealthy(process.execPath, ['bench/peers/bare-route.mjs', String(barePort)], {
    url: `http://127.0.0.1:${barePort}/healthz`,
  }));
  const bareUrl = `http://127.0.0.1:${barePort}/pull?cursor=1&limit=500&clientId=bare`;
  const headeredUrl = `http://127.0.0.1:${barePort}/pull-with-headers?cursor=1&limit=500&clientId=bare`;
  async function timed(fn, concurrency, n) {
    const times = [];
    let next = 0;
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < n) {
          const i = next++;
          const t = performance.now();
          await fn(i);
          times.push(performance.now() - t);
        }
      }),
    );
    return times;
  }
  /**
   * `pullOnce(i)` beside the bare route at concurrency 1 and 16: after a warm-up of each, six
   * alternated rounds of each, so both see the same machine. p50 and p95 of each, and the
   * ratio of the p95s. `withHeaders`: also the bare route answering with the sync API's
   * headers (a diagnostic, `headered_*`), in the same rounds.
   */
  async function versusBare(what, pullOnce, { withHeaders = false } = {}) {
    const out = {};
    const bareOnce = async () => (await fetch(bareUrl)).json();
    const headeredOnce = async () => (await fetch(headeredUrl)).json();
    for (const concurrency of [1, 16]) {
      const pulls = [];
      const bares = [];
      const headered = [];
      // Unmeasured first: both warm (the bare route's process has served nothing yet, and a
      // cold one is slower: its first rounds would flatter the pull).
      await timed(bareOnce, concurrency, concurrency * 100);
      if (withHeaders) await timed(headeredOnce, concurrency, concurrency * 100);
      await timed(pullOnce, concurrency, concurrency * 100);
      for (let round = 0; round < 6; round++) {
        // At least 200 a round: a p95 of fewer samples is a handful of outliers.
        const n = Math.max(200, concurrency * 40);
        bares.push(...(await timed(bareOnce, concurrency, n)));
        if (withHeaders) headered.push(...(await timed(headeredOnce, concurrency, n)));
        pulls.push(...(await timed(pullOnce, concurrency, n)));
      }
      const v = {
        pull_p50: +percentile(pulls, 50).toFixed(2),
        pull_p95: +percentile(pulls, 95).toFixed(2),
        bare_p50: +percentile(bares, 50).toFixed(2),
        bare_p95: +percentile(bares, 95).toFixed(2),
      };
      out[concurrency] = { ...v, p95_ratio: +(v.pull_p95 / v.bare_p95).toFixed(2) };
      if (withHeaders) {
        const h95 = percentile(headered, 95);
        Object.assign(out[concurrency], {
          headered_p50: +percentile(headered, 50).toFixed(2),
          headered_p95: +h95.toFixed(2),
          p95_ratio_vs_headered: +(v.pull_p95 / h95).toFixed(2),
        });
      }
      log(`  ${what} vs bare route, concurrency ${concurrency}: ${JSON.stringify(out[concurrency])}`);
    }
    return out;
  }
  // Both processes warmed alike before any round is timed: the sync server has already answered
  // the pulls above, the bare route nothing, and a process that has not yet compiled its hot
  // path (V8 tiers a function up after some thousands of calls) is slower at p50 and p95.
  // Without this, the first comparison set a warm pull beside a cold baseline.
  const warmPull = async (i) => {
    const k = i % tokens.length;
    await pull(tokens[k], heads[k], `prime-${k}`);
  };
  for (const once of [
    async () => (await fetch(bareUrl)).json(),
    async () => (await fetch(headeredUrl)).json(),
    warmPull,
  ]) {
    await timed(once, 1, WARM_REQUESTS);
  }
  const versus = await versusBare(
    'head pull',
    async (i) => {
      const k = i % tokens.length;
      const h = await pull(tokens[k], heads[k], `prime-${k}`);
      if (h.body.cases.length !== 0 || h.body.cursor !== heads[k]) throw new Error('head pull moved');
    },
    { withHeaders: true },
  );
  // The same, from devices that say they are behind (a hint, their own push, "Sync now"):
  // always the database's answer, the session and the head in one statement.
  const toldVersus = await versusBare('head pull told it is behind', async (i) => {
    const k = i % tokens.length;
    const h = await pull(tokens[k], heads[k], `prime-${k}`, { behind: true });
    if (h.body.cases.length !== 0 || h.body.cursor !== heads[k]) throw new Error('head pull moved');
  });

  // The same pulls from devices behind the city's last cursor by a change outside their scope
  // (another department's case): nothing for them either. The instance read its head past the
  // devices' cursors, with the scopes the changes since touched (none of theirs): answered from
  // memory, the cursor moved to the head. Then the same pulls saying they are behind
  // (`behind=1`): the database reads the head in full (its lock and pg_locks) and each
  // stream's index range.
  const [elsewhere] = await sql`select id from cases where assigned_crew_id not like 'bench-%' order by id limit 1`;
  await sql`update cases set priority = priority where id = ${elsewhere.id}`;
  await new Promise((r) => setTimeout(r, 1_200));
  /** The server's pulls answered from memory and from the database, from its own metrics. */
  async function pullsAnswered() {
    const text = await (await fetch(`${base}/metrics`)).text();
    const count = (from) =>
      Number(new RegExp(`fieldfix_sync_pulls_total\\{answered_from="${from}"\\} (\\d+)`).exec(text)?.[1] ?? 0);
    return { memory: count('memory'), database: count('database') };
  }
  const movedOn = (k, h) => {
    if (h.body.cases.length !== 0 || BigInt(h.body.cursor) <= BigInt(heads[k])) {
      throw new Error("a pull behind another department's change: expected nothing, and the cursor moved on");
    }
  };
  const before = await pullsAnswered();
  const behindVersus = await versusBare("pull behind another department's change", async (i) => {
    const k = i % tokens.length;
    movedOn(k, await pull(tokens[k], heads[k], `prime-${k}`));
  });
  const after = await pullsAnswered();
  const behindFromMemory = {
    memory: after.memory - before.memory,
    database: after.database - before.database,
  };
  log(
    `  of those pulls: ${behindFromMemory.memory} answered from memory, ${behindFromMemory.database} by the database`,
  );
  const behindAskedVersus = await versusBare("pull behind another department's change, behind=1", async (i) => {
    const k = i % tokens.length;
    movedOn(k, await pull(tokens[k], heads[k], `prime-${k}`, { behind: true }));
  });

  const m = (xs) => +median(xs).toFixed(0);
  const results = {
    push_mutations_per_s: m(push),
    replay_mutations_per_s: m(replay),
    raw_ceiling_mutations_per_s: m(raw),
    pouchdb_docs_per_s: pouch.median_docs_per_s,
    raw_with_history_mutations_per_s: m(rawWithHistory),
    push_vs_raw_with_history: +(median(push) / median(rawWithHistory)).toFixed(2),
    push_without_http_mutations_per_s: m(inProcess),
    push_without_http_vs_raw_ceiling: +(median(inProcess) / median(raw)).toFixed(2),
    push_batch_server_ms: +median(pushServerMs).toFixed(1),
    push_vs_raw_ceiling: +(median(push) / median(raw)).toFixed(2),
    cpu_ms_per_1000_mutations: cpuPer1000,
    other_department_push_p50_ms: +median(beside).toFixed(1),
    other_department_push_p95_ms: +percentile(beside, 95).toFixed(1),
    push_alone_p50_ms: +median(alone).toFixed(1),
    push_alone_p95_ms: +percentile(alone, 95).toFixed(1),
    other_department_open_ms: OPEN_MS,
    push_vs_pouchdb: +(median(push) / pouch.median_docs_per_s).toFixed(2),
    prime_300_cases_ms: +median(primeServer).toFixed(1),
    prime_300_cases_p95_ms: +percentile(primeServer, 95).toFixed(1),
    prime_300_cases_http_ms: +median(prime).toFixed(1),
    head_pull_p50_ms: +percentile(headServer, 50).toFixed(2),
    head_pull_p95_ms: +percentile(headServer, 95).toFixed(2),
    head_pull_http_p50_ms: +percentile(head, 50).toFixed(2),
    head_pull_http_p95_ms: +percentile(head, 95).toFixed(2),
    head_pull_vs_bare_route: versus,
    head_pull_told_behind_vs_bare_route: toldVersus,
    pull_behind_other_department_vs_bare_route: behindVersus,
    pull_behind_other_department_answered: behindFromMemory,
    pull_behind_other_department_told_behind_vs_bare_route: behindAskedVersus,
    change_log_rows: LOG_ROWS + 300,
    mutations: MUTATIONS,
    batch: BATCH,
    devices: DEVICES,
    runs: RUNS,
  };
  report(
    'sync',
    [
      {
        what: 'raw SQL ceiling (baseline)',
        figure: `${results.raw_ceiling_mutations_per_s} mutations/s`,
        ratio: '1.00',
      },
      {
        what: 'raw, outcome + history rows (diagnostic)',
        figure: `${results.raw_with_history_mutations_per_s} mutations/s`,
        ratio: `${(median(rawWithHistory) / median(raw)).toFixed(2)} of ceiling`,
      },
      {
        what: 'push without HTTP: the same push called in-process (diagnostic)',
        figure: `${results.push_without_http_mutations_per_s} mutations/s`,
        ratio: `${results.push_without_http_vs_raw_ceiling} of ceiling`,
      },
      {
        what: 'push over HTTP, rules applied',
        figure: `${results.push_mutations_per_s} mutations/s`,
        ratio: `${results.push_vs_raw_ceiling} of ceiling`,
      },
      {
        what: 'push: server time per 500-batch',
        figure: `${results.push_batch_server_ms} ms`,
        ratio: '',
      },
      ...(cpuPer1000.push && cpuPer1000.raw_ceiling
        ? [
            {
              what: 'CPU per 1,000 mutations, push: client + server + PostgreSQL (diagnostic)',
              figure: `${cpuPer1000.push.client} + ${cpuPer1000.push.server} + ${cpuPer1000.push.postgres} = ${cpuPer1000.push.total} ms`,
              ratio: `raw ceiling ${cpuPer1000.raw_ceiling.client} + ${cpuPer1000.raw_ceiling.postgres} = ${cpuPer1000.raw_ceiling.total} ms`,
            },
          ]
        : []),
      {
        what: `a Sanitation push while a Streets writer is open ${OPEN_MS} ms`,
        figure: `p50 ${results.other_department_push_p50_ms} ms, p95 ${results.other_department_push_p95_ms} ms`,
        ratio: `alone: p50 ${results.push_alone_p50_ms} ms, p95 ${results.push_alone_p95_ms} ms`,
      },
      {
        what: 'replay (all duplicates, R1)',
        figure: `${results.replay_mutations_per_s} mutations/s`,
        ratio: `${(median(replay) / median(raw)).toFixed(2)} of ceiling`,
      },
      {
        what: 'PouchDB → express-pouchdb (peer)',
        figure: `${results.pouchdb_docs_per_s} docs/s`,
        ratio: `ours ${results.push_vs_pouchdb}×`,
      },
      {
        what: 'prime 300 cases (server time)',
        figure: `${results.prime_300_cases_ms} ms p50, ${results.prime_300_cases_p95_ms} ms p95`,
        ratio: `HTTP ${results.prime_300_cases_http_ms} ms`,
      },
      {
        what: 'head pull, nothing new (server)',
        figure: `${results.head_pull_p50_ms} ms p50, ${results.head_pull_p95_ms} ms p95`,
        ratio: `HTTP p95 ${results.head_pull_http_p95_ms} ms`,
      },
      ...[1, 16].map((c) => ({
        what: `head pull over HTTP, concurrency ${c}, answered from the instance's memory (bare Hono route beside it)`,
        figure: `p50 ${versus[c].pull_p50} ms, p95 ${versus[c].pull_p95} ms`,
        ratio: `${versus[c].p95_ratio}× the bare route's p95 (${versus[c].bare_p95} ms)`,
      })),
      ...[1, 16].map((c) => ({
        what: `diagnostic: the bare route answering with the sync API's headers (security headers, request id, Server-Timing), concurrency ${c}`,
        figure: `p50 ${versus[c].headered_p50} ms, p95 ${versus[c].headered_p95} ms`,
        ratio: `the head pull is ${versus[c].p95_ratio_vs_headered}× its p95`,
      })),
      ...[1, 16].map((c) => ({
        what: `head pull that says it is behind (behind=1: the database asked), concurrency ${c}`,
        figure: `p50 ${toldVersus[c].pull_p50} ms, p95 ${toldVersus[c].pull_p95} ms`,
        ratio: `${toldVersus[c].p95_ratio}× the bare route's p95 (${toldVersus[c].bare_p95} ms)`,
      })),
      ...[1, 16].map((c) => ({
        what: `pull behind another department's change, nothing in scope, concurrency ${c} (bare route beside it)`,
        figure: `p50 ${behindVersus[c].pull_p50} ms, p95 ${behindVersus[c].pull_p95} ms`,
        ratio: `${behindVersus[c].p95_ratio}× the bare route's p95 (${behindVersus[c].bare_p95} ms)`,
      })),
      {
        what: "those pulls: answered from the instance's memory / by the database",
        figure: `${behindFromMemory.memory} / ${behindFromMemory.database}`,
        ratio: '',
      },
      ...[1, 16].map((c) => ({
        what: `the same saying it is behind (behind=1: the database asked), concurrency ${c}`,
        figure: `p50 ${behindAskedVersus[c].pull_p50} ms, p95 ${behindAskedVersus[c].pull_p95} ms`,
        ratio: `${behindAskedVersus[c].p95_ratio}× the bare route's p95 (${behindAskedVersus[c].bare_p95} ms)`,
      })),
    ],
    results,
  );
} catch (err) {
  if (!(err instanceof PushOnly)) throw err;
} finally {
  if (server) await stop(server);
  if (bare) await stop(bare);
  await sql.end({ timeout: 5 });
  await admin`drop database if exists ${admin(dbName)} with (force)`;
  await admin.end();
}
