// How long until the server answers /healthz: a cold first start on an empty embedded
// database (migrations + demo seed) and a warm restart on the same data, side by side with a
// bare Node HTTP server measured in the same run (the floor no Node server can beat).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, median, report, stop, timeUntilHealthy } from './lib.mjs';

const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const node = process.execPath;
const floor = [];
const cold = [];
const warm = [];

for (let i = 0; i < RUNS; i++) {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}/healthz`;
  {
    const { seconds, child } = await timeUntilHealthy(
      node,
      ['-e', `require('http').createServer((q,s)=>s.end('ok')).listen(${port})`],
      { url },
    );
    floor.push(seconds);
    await stop(child);
  }
  const dataDir = mkdtempSync(join(tmpdir(), 'fieldfix-bench-'));
  const env = { PORT: String(port), HOST: '127.0.0.1', DATA_DIR: dataDir, DATABASE_URL: '', LOG_LEVEL: 'warn' };
  for (const into of [cold, warm]) {
    const { seconds, child } = await timeUntilHealthy(node, ['sync-server/src/main.ts'], { env, url });
    into.push(seconds);
    await stop(child);
  }
  rmSync(dataDir, { recursive: true, force: true });
  process.stdout.write(
    `run ${i + 1}/${RUNS}: floor ${floor.at(-1).toFixed(2)} s, cold ${cold.at(-1).toFixed(2)} s, warm ${warm.at(-1).toFixed(2)} s\n`,
  );
}

const f = median(floor);
const rows = [
  { what: 'bare Node HTTP server (baseline)', median_s: +f.toFixed(2), vs_baseline: '1.0×' },
  {
    what: 'cold start: empty embedded DB, migrate, seed',
    median_s: +median(cold).toFixed(2),
    vs_baseline: `${(median(cold) / f).toFixed(1)}×`,
  },
  {
    what: 'warm restart on the same data',
    median_s: +median(warm).toFixed(2),
    vs_baseline: `${(median(warm) / f).toFixed(1)}×`,
  },
];
report('start', rows, {
  runs: RUNS,
  cold_start_s: +median(cold).toFixed(3),
  warm_start_s: +median(warm).toFixed(3),
  baseline_node_http_s: +f.toFixed(3),
});
