// Small helpers shared by the benchmarks: timing child processes, medians, result files.
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cpus } from 'node:os';

export const root = dirname(dirname(fileURLToPath(import.meta.url)));

/** The admin connection with which the database benchmarks create and drop their own databases. */
export const BENCH_ADMIN_URL =
  process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/** The nearest-rank percentile `p` (0–100) of `xs`; null when there is none. */
export function percentile(xs, p) {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))];
}

/** One decimal place; null stays null. */
export const r1 = (x) => (x === null || x === undefined ? null : Math.round(x * 10) / 10);

export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** CPU time (user + system, ms) of process `pid` from /proc (Linux, 100 ticks a second); 0 when gone. */
function cpuMsOf(pid) {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return 0;
  }
}

/** CPU time of every PostgreSQL process on this machine (backends, WAL writer, checkpointer). */
export function postgresCpuMs() {
  let ms = 0;
  for (const pid of readdirSync('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      if (readFileSync(`/proc/${pid}/comm`, 'utf8').startsWith('postgres')) ms += cpuMsOf(pid);
    } catch {
      // gone between the listing and the read
    }
  }
  return ms;
}

/**
 * Where the CPU of a measured step goes: `measure(name, fn)` runs `fn` and adds the CPU time this
 * process (the benchmark's client), the server's process and PostgreSQL spent meanwhile to
 * `name`'s tally. On a machine whose cores are all busy, throughput follows the sum, so this
 * says what a faster path would have to cut. Null tallies where there is no /proc.
 */
export function cpuMeter(serverPid) {
  const available = (() => {
    try {
      readFileSync('/proc/self/stat');
      return true;
    } catch {
      return false;
    }
  })();
  const tallies = new Map();
  const now = () => [cpuMsOf(process.pid), serverPid ? cpuMsOf(serverPid) : 0, postgresCpuMs()];
  return {
    async measure(name, fn) {
      if (!available) return fn();
      const before = now();
      const result = await fn();
      const after = now();
      const t = tallies.get(name) ?? [0, 0, 0];
      tallies.set(
        name,
        t.map((x, i) => x + after[i] - before[i]),
      );
      return result;
    },
    /** CPU ms per `per` units of work for `name`, by process; null without /proc. */
    per(name, units, per = 1000) {
      const t = tallies.get(name);
      if (!t) return null;
      const [client, server, postgres] = t.map((x) => Math.round((x / units) * per));
      return { client, server, postgres, total: client + server + postgres };
    },
  };
}

export async function freePort() {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/** Spawns a process and resolves with the seconds until `url` answers 200, and the child. */
export async function timeUntilHealthy(cmd, args, { env = {}, url, timeoutMs = 120_000 } = {}) {
  const t0 = performance.now();
  const child = spawn(cmd, args, { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${cmd} ${args.join(' ')} exited early: ${stderr}`);
    try {
      const res = await fetch(url);
      if (res.ok) return { seconds: (performance.now() - t0) / 1000, child };
    } catch {
      /* not up yet */
    }
    if (performance.now() - t0 > timeoutMs) throw new Error(`timed out waiting for ${url}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

export async function stop(child) {
  if (child.exitCode !== null) return;
  const done = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await done;
}

/**
 * Writes bench/results/<name>.json with the machine it ran on, and prints a table. A benchmark
 * in parts (bench/<name>-<part>.mjs) passes `part`: the file keeps the other parts' figures and
 * rows (each part's rows carry its name, and `parts` says which figures are whose and when).
 */
export function report(name, rows, extra = {}, { part } = {}) {
  const dir = join(root, 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${name}.json`);
  const at = new Date().toISOString();
  let before = {};
  try {
    before = JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    /* first run */
  }
  // What the other parts measured: their figures and rows stay.
  const parts = { ...(before.parts ?? {}) };
  const kept = {};
  for (const [p, info] of Object.entries(parts)) {
    if (p === (part ?? '')) continue;
    for (const k of info.keys ?? []) if (k in before) kept[k] = before[k];
  }
  const keptRows = (before.rows ?? []).filter((r) => r.part !== undefined && r.part !== part);
  if (part) parts[part] = { at, keys: Object.keys(extra) };
  const tagged = part ? rows.map((r) => ({ ...r, part })) : rows;
  const result = {
    benchmark: name,
    at,
    machine: { cpus: cpus().length, model: cpus()[0]?.model ?? 'unknown', node: process.version },
    ...(part ? Object.fromEntries(Object.entries(before).filter(([k]) => !['rows', 'parts'].includes(k))) : {}),
    ...kept,
    ...extra,
    ...(Object.keys(parts).length ? { parts } : {}),
    rows: part ? [...(before.rows ?? []).filter((r) => r.part !== part), ...tagged] : [...rows, ...keptRows],
  };
  if (part) result.at = before.at ?? at;
  writeFileSync(file, JSON.stringify(result, null, 2) + '\n');
  console.log(`\n${name} (medians; this machine is shared and noisy, read ratios)`);
  console.table(rows);
}
