// `pnpm bench:dispatch` (its live part): the delay from a crew's push to the dispatch boards
// showing it. The real server runs in a child process on the real PostgreSQL server (its
// LISTEN/NOTIFY feed, default settings); this process is the crew's tablet (HTTP pushes) and
// 40 lead boards (server-sent event streams read as a browser's EventSource reads them).
// Measures, over PUSHES pushes sent one after another:
//   - baseline: the push's own latency (request sent -> response read) with no board connected;
//   - with 40 boards: the push's latency again, and for every push and board the delay from
//     the push being sent to that board receiving the event naming its case (p50/p95 over all
//     push x board pairs), and to the last of the 40 boards receiving it.
// Writes the key `live` of bench/results/dispatch.json (other keys are kept). BENCH_DATABASE_URL
// (else TEST_DATABASE_URL, else the local server) must be an admin connection: the benchmark
// creates and drops its own database.
import postgres from 'postgres';
import { existsSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { cpus } from 'node:os';
import { v7 as uuidv7 } from 'uuid';
import { BENCH_ADMIN_URL, freePort, percentile, root, stop, timeUntilHealthy } from './lib.mjs';
import { migrate } from '../sync-server/src/db/migrate.ts';
import { seedDemoCity } from '../sync-server/src/demo/seed.ts';

const ADMIN_URL = BENCH_ADMIN_URL;
const PUSHES = Number(process.env.BENCH_PUSHES ?? 200);
const BOARDS = Number(process.env.BENCH_BOARDS ?? 40);
const PROTOCOL = { 'fieldfix-protocol': '4' };
const WARMUP = 50;

const log = (msg) => process.stdout.write(`${msg}\n`);
const round = (x, d = 1) => Math.round(x * 10 ** d) / 10 ** d;
const summary = (xs) => ({
  p50: round(percentile(xs, 50)),
  p95: round(percentile(xs, 95)),
  max: round(Math.max(...xs)),
});

const dbName = `fieldfix_bench_dispatch_${Date.now()}`;
const admin = postgres(ADMIN_URL, { max: 1, onnotice: () => {} });
await admin`create database ${admin(dbName)}`;
const url = new URL(ADMIN_URL);
url.pathname = `/${dbName}`;
const DATABASE_URL = url.toString();
const sql = postgres(DATABASE_URL, { max: 2, onnotice: () => {} });
let server;
const boards = [];

/** One board: an SSE stream whose `cases` events are timed on arrival. */
async function openBoard(base, token) {
  const abort = new AbortController();
  const res = await fetch(`${base}/api/dispatch/live?department=streets`, {
    headers: { authorization: `Bearer ${token}`, accept: 'text/event-stream' },
    signal: abort.signal,
  });
  if (res.status !== 200) throw new Error(`live: ${res.status} ${await res.text()}`);
  const board = { arrivals: new Map(), waiters: new Set(), close: () => abort.abort() };
  let opened;
  const listening = new Promise((r) => (opened = r));
  void (async () => {
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      for await (const chunk of res.body) {
        const now = performance.now();
        buffer += decoder.decode(chunk, { stream: true });
        let end;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          if (block.startsWith('retry:') || block.startsWith(':')) opened();
          const data = block
            .split('\n')
            .filter((l) => l.startsWith('data: '))
            .map((l) => l.slice(6))
            .join('\n');
          if (!data) continue;
          const event = JSON.parse(data);
          if (event.type !== 'cases') continue;
          for (const id of event.caseIds) if (!board.arrivals.has(id)) board.arrivals.set(id, now);
          for (const w of board.waiters) w();
        }
      }
    } catch {
      // closed
    }
  })();
  await listening;
  return board;
}

function waitAll(caseId, timeoutMs = 10_000) {
  return Promise.all(
    boards.map(
      (b) =>
        new Promise((resolve, reject) => {
          const check = () => {
            if (!b.arrivals.has(caseId)) return;
            b.waiters.delete(check);
            clearTimeout(timer);
            resolve(b.arrivals.get(caseId));
          };
          const timer = setTimeout(() => reject(new Error(`no event for case ${caseId}`)), timeoutMs);
          b.waiters.add(check);
          check();
        }),
    ),
  );
}

try {
  await migrate(sql);
  await seedDemoCity(sql, { timeZone: 'America/Detroit' });
  // One case per push, all on the crew's route today: each push's event names its own case.
  const today = new Date().toISOString().slice(0, 10);
  const cases = await sql`
    insert into cases (service_code, description, lat, long, address, state, assigned_crew_id, assigned_day, route_position, version)
    select 'POTHOLE', 'Bench case', 42.35, -86.97, g || ' Bench St', 'assigned', 'streets-a', ${today}, 1000 + g, 1
    from generate_series(1, ${2 * PUSHES + WARMUP}) g
    returning id::text`;
  const ids = cases.map((c) => c.id);

  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  ({ child: server } = await timeUntilHealthy(process.execPath, ['sync-server/src/main.ts'], {
    env: { PORT: String(port), HOST: '127.0.0.1', DATABASE_URL, DEMO_DATA: 'off', LOG_LEVEL: 'warn' },
    url: `${base}/healthz`,
  }));
  const login = async (email) => {
    const res = await fetch(`${base}/api/auth/login?bearer=1`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email, password: 'fieldfix' }),
    });
    return (await res.json()).token;
  };
  const crewToken = await login('worker@riverton.example');
  const leadToken = await login('lead@riverton.example');
  const clientId = 'bench-tablet';
  let seq = 0;
  /** The crew starts one case: a push of one change, timed from send to response read. */
  const push = async (caseId) => {
    const sentAt = performance.now();
    const res = await fetch(`${base}/api/sync/push`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${crewToken}`, ...PROTOCOL },
      body: JSON.stringify({
        clientId,
        mutations: [
          {
            id: uuidv7(),
            clientId,
            seq: seq++,
            caseId,
            baseVersion: 1,
            deviceTime: new Date().toISOString(),
            kind: 'start',
            payload: {},
          },
        ],
      }),
    });
    const body = await res.json();
    if (res.status !== 200 || body.outcomes[0]?.outcome !== 'applied') {
      throw new Error(`push: ${res.status} ${JSON.stringify(body).slice(0, 300)}`);
    }
    return { sentAt, latency: performance.now() - sentAt };
  };

  // Warm up the server's connections and code paths.
  for (const id of ids.splice(0, WARMUP)) await push(id);

  // 1. Baseline: the same push with no board connected.
  log(`Baseline: ${PUSHES} pushes, no board connected…`);
  const baseline = [];
  for (const id of ids.splice(0, PUSHES)) baseline.push((await push(id)).latency);

  // 2. With BOARDS boards listening.
  log(`Connecting ${BOARDS} boards…`);
  for (let i = 0; i < BOARDS; i++) boards.push(await openBoard(base, leadToken));
  log(`${PUSHES} pushes with ${BOARDS} boards connected…`);
  const withBoards = [];
  const delays = [];
  const lastBoard = [];
  for (const id of ids.splice(0, PUSHES)) {
    const { sentAt, latency } = await push(id);
    withBoards.push(latency);
    const arrivals = await waitAll(id);
    for (const at of arrivals) delays.push(at - sentAt);
    lastBoard.push(Math.max(...arrivals) - sentAt);
  }

  const live = {
    at: new Date().toISOString(),
    machine: { cpus: cpus().length, model: cpus()[0]?.model ?? 'unknown', node: process.version },
    database: 'PostgreSQL (LISTEN/NOTIFY), server in a child process',
    pushes: PUSHES,
    boards: BOARDS,
    unit: 'ms',
    baselinePushNoBoards: summary(baseline),
    pushWithBoards: summary(withBoards),
    pushToBoard: summary(delays),
    pushToLastBoard: summary(lastBoard),
  };
  const file = join(root, 'bench', 'results', 'dispatch.json');
  mkdirSync(join(root, 'bench', 'results'), { recursive: true });
  const existing = existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : {};
  writeFileSync(file, JSON.stringify({ ...existing, live }, null, 2) + '\n');
  log(`\ndispatch live (ms; this machine is shared and noisy, read ratios)`);
  console.table({
    'push alone (baseline, no boards)': live.baselinePushNoBoards,
    [`push with ${BOARDS} boards`]: live.pushWithBoards,
    'push sent -> a board has it': live.pushToBoard,
    [`push sent -> all ${BOARDS} boards have it`]: live.pushToLastBoard,
  });
} finally {
  for (const b of boards) b.close();
  if (server) await stop(server);
  await sql.end({ timeout: 5 });
  await admin`drop database if exists ${admin(dbName)} with (force)`;
  await admin.end();
}
