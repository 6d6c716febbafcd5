// The city's record at a big city's scale, for `pnpm bench:public`: the real sync-server on a
// throwaway PostgreSQL database (TEST_DATABASE_URL's server) with the demo city and 100,000
// generated cases (one insert … select generate_series), then
//   - GET /api/public/map for the whole city at the zoom the page opens with, p50/p95 over
//     loopback, beside the same query run directly through a client in this process (the
//     endpoint's own SQL, `mapCells`), in the same run;
//   - the time to the map's first full draw in headless Chromium (navigation start to every
//     cell drawn and the map idle), median of 5 cold page loads.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { median } from '../lib.mjs';
import { freePort, root } from './harness.mjs';
import { generateCases } from '../../sync-server/src/public/generate-cases.ts';
import { mapCells } from '../../sync-server/src/public/map.repo.ts';
import { cellSize } from '../../sync-server/src/public/map.routes.ts';

const requireFromServer = createRequire(join(root, 'sync-server', 'package.json'));
const postgres = requireFromServer('postgres');

export const GENERATED = 100_000;

function percentile(xs, p) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
}

async function startOnPostgres(databaseUrl) {
  const port = await freePort();
  const dataDir = mkdtempSync(join(tmpdir(), 'fieldfix-record-'));
  const base = `http://127.0.0.1:${port}`;
  const child = spawn(process.execPath, ['sync-server/src/main.ts'], {
    cwd: root,
    env: {
      ...process.env,
      PORT: String(port),
      HOST: '127.0.0.1',
      DATA_DIR: dataDir,
      DATABASE_URL: databaseUrl,
      PHOTOS_DIR: join(dataDir, 'photos'),
      LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const t0 = performance.now();
  for (;;) {
    if (child.exitCode !== null) throw new Error(`sync-server exited early: ${stderr}`);
    try {
      if ((await fetch(`${base}/healthz`)).ok) break;
    } catch {
      /* not up yet */
    }
    if (performance.now() - t0 > 120_000) throw new Error('timed out waiting for the sync-server');
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    base,
    async stop() {
      if (child.exitCode === null) {
        const done = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await done;
      }
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Null when there is no PostgreSQL to run on (TEST_DATABASE_URL unset). */
export async function measureRecordMap(browser, log) {
  const adminUrl = process.env.TEST_DATABASE_URL;
  if (!adminUrl) return null;
  const name = `fieldfix_bench_record_${process.pid}`;
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
  await admin`create database ${admin(name)}`;
  const u = new URL(adminUrl);
  u.pathname = `/${name}`;
  let server;
  const sql = postgres(u.toString(), { max: 2, onnotice: () => {} });
  try {
    server = await startOnPostgres(u.toString());
    const t0 = performance.now();
    await generateCases(sql, { count: GENERATED, now: new Date() });
    const generateSeconds = (performance.now() - t0) / 1000;
    log(`${GENERATED} cases generated in ${generateSeconds.toFixed(1)} s`);

    const filters = await (await fetch(`${server.base}/api/public/map/filters`)).json();
    const bbox = filters.bounds;
    const zoom = 13; // the zoom the page opens the whole city at on a desktop screen
    const url = `${server.base}/api/public/map?bbox=${bbox.join(',')}&zoom=${zoom}`;
    const q = { bbox, types: null, districts: null, departments: null, states: null };
    const cell = cellSize(zoom, (bbox[1] + bbox[3]) / 2);

    const first = await (await fetch(url)).json();
    const http = [];
    const raw = [];
    for (let i = 0; i < 220; i++) {
      // Interleaved, so both see the same machine.
      let t = performance.now();
      const res = await fetch(url);
      await res.arrayBuffer();
      if (i >= 20) http.push(performance.now() - t);
      t = performance.now();
      await mapCells(sql, { ...q, now: new Date() }, cell);
      if (i >= 20) raw.push(performance.now() - t);
    }

    const draws = [];
    for (let i = 0; i < 5; i++) {
      const context = await browser.newContext({
        serviceWorkers: 'block',
        locale: 'en-US',
        viewport: { width: 1280, height: 800 },
      });
      const page = await context.newPage();
      await page.goto(`${server.base}/map`);
      await page.locator('[data-testid="record-map"][data-drawn="true"]').waitFor({ timeout: 60_000 });
      draws.push(await page.evaluate(() => performance.getEntriesByName('record-map-drawn')[0].startTime));
      await context.close();
    }
    return {
      generated: GENERATED,
      generate_seconds: Math.round(generateSeconds * 10) / 10,
      view: { bbox, zoom, cases: first.total, cells: first.cells.length, bytes: JSON.stringify(first).length },
      api: { p50: median(http), p95: percentile(http, 95) },
      sql: { p50: median(raw), p95: percentile(raw, 95) },
      first_draw_ms: { median: median(draws), all: draws.map(Math.round) },
    };
  } finally {
    await sql.end();
    await server?.stop();
    await admin`drop database if exists ${admin(name)} with (force)`;
    await admin.end();
  }
}
