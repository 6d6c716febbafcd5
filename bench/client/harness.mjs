// What the browser benchmarks and the screenshot script share: the real sync-server on a free
// port with a throwaway embedded database (serving the field-app build, made first if missing
// or stale), Chromium driven by the e2e package's Playwright (the one the browser tests use),
// signing in, waiting for the sync to settle, and CaseRecord-shaped rows for the crew's day.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { findChromium } from '../../e2e/support/browser.ts';
import { freePort } from '../lib.mjs';

export const root = dirname(dirname(dirname(fileURLToPath(import.meta.url))));
export const TIME_ZONE = 'America/Detroit';
export const WORKER = { email: 'worker@riverton.example', password: 'fieldfix' };
export const LEAD = { email: 'lead@riverton.example', password: 'fieldfix' };
export const CREW = 'streets-a';
export const PROTOCOL = { 'fieldfix-protocol': '1' };

// The e2e package's Playwright (one pinned version for the whole repository).
const requireFromE2e = createRequire(join(root, 'e2e', 'package.json'));
/** @type {typeof import('@playwright/test')} */
const playwright = requireFromE2e('@playwright/test');
export const { chromium } = playwright;

/** Launches Chromium: CHROMIUM_PATH, else the system's, else the npm one (e2e/support/browser.ts). */
export async function launch() {
  const found = await findChromium();
  console.log(`Chromium: ${found.source}`);
  return chromium.launch(found.launchOptions);
}

export { freePort };

/**
 * Builds the field app when field-app/build is missing or older than its sources, as `npm start`
 * does (field-app/scripts/build-if-needed.mjs): the server serves that build.
 */
export function buildIfNeeded() {
  const res = spawnSync(process.execPath, [join(root, 'field-app', 'scripts', 'build-if-needed.mjs')], {
    cwd: root,
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  if (res.status !== 0) throw new Error(`the field-app build failed (exit ${res.status ?? res.signal}; see above)`);
}

/** Starts the real sync-server (embedded database, demo city seeded) and waits for /healthz. */
export async function startServer() {
  buildIfNeeded();
  const port = await freePort();
  const dataDir = mkdtempSync(join(tmpdir(), 'fieldfix-client-'));
  const base = `http://127.0.0.1:${port}`;
  const child = spawn(process.execPath, ['sync-server/src/main.ts'], {
    cwd: root,
    env: {
      ...process.env,
      PORT: String(port),
      HOST: '127.0.0.1',
      DATA_DIR: dataDir,
      DATABASE_URL: '',
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

/** Signs in through the login page; a crew member lands on /day, a lead on /inbox. */
export async function signIn(page, base, who = WORKER) {
  await page.goto(`${base}/login`);
  await page.getByLabel('Email').fill(who.email);
  await page.getByLabel('Password').fill(who.password);
  await page.getByRole('button', { name: /sign in/i }).click();
  await page.waitForURL(who === WORKER ? /\/day$/ : /\/inbox$/);
}

/** Nothing pending, the loop idle, a sync time shown ("All changes synced", no progress bar). */
export async function synced(page, timeout = 30_000) {
  await page.locator('[data-testid="pending-count"][data-count="0"]').waitFor({ state: 'attached', timeout });
  await page.locator('[data-testid="sync-status"][data-running="false"]').waitFor({ state: 'attached', timeout });
  await page.getByTestId('last-synced').filter({ hasText: 'Last synced' }).waitFor({ timeout });
  await page.locator('#sync-progress').waitFor({ state: 'detached', timeout });
}

/** The service worker controls the page (so the app opens with no network). */
export async function offlineReady(page) {
  await page.evaluate(async () => {
    await navigator.serviceWorker.ready;
  });
  for (let i = 0; i < 50; i++) {
    if (await page.evaluate(() => !!navigator.serviceWorker.controller)) return;
    if (i === 0) await page.reload();
    await page.waitForTimeout(100);
  }
  throw new Error('the service worker never took control of the page');
}

/** Today's date in the city (YYYY-MM-DD). */
export function cityToday(now = new Date()) {
  return new Intl.DateTimeFormat('en-CA', {
    timeZone: TIME_ZONE,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  }).format(now);
}

const STREETS = ['SIDEWALK', 'DEBRIS', 'POTHOLE'];
const STREETS_NAMES = ['Main St', 'Oak Ave', 'River Rd', 'Elm St', 'Mill St', 'Church St', 'Park Ave', 'Bridge St'];

/**
 * `n` CaseRecord-shaped rows (shared/src/domain/case.ts): open, assigned to `crewId` for
 * `day`, with route positions after the demo's. Ids far above the demo city's.
 */
export function fakeCases(n, { crewId = CREW, day = cityToday(), firstId = 900_000, firstPosition = 100 } = {}) {
  const now = new Date();
  const rows = [];
  for (let i = 0; i < n; i++) {
    const requested = new Date(now.getTime() - (1 + (i % 20)) * 86_400_000).toISOString();
    rows.push({
      id: String(firstId + i),
      serviceCode: STREETS[i % STREETS.length],
      description: `Benchmark case ${i + 1}: reported by a resident, crew to check on site.`,
      lat: 42.33 + (i % 100) * 0.0005,
      long: -83.05 + Math.floor(i / 100) * 0.0005,
      address: `${100 + i} ${STREETS_NAMES[i % STREETS_NAMES.length]}`,
      districtId: null,
      state: i % 7 === 0 ? 'in_progress' : 'assigned',
      priority: i % 11 === 0 ? 'high' : 'normal',
      statusNotes: null,
      holdReason: null,
      resolutionCode: null,
      closeReason: null,
      attributes: {},
      requestedAt: requested,
      updatedAt: requested,
      expectedAt: null,
      closedAt: null,
      crewId,
      assignedDay: day,
      routePosition: firstPosition + i,
      mediaUrl: null,
      reportPhotoIds: [],
      mergedIntoId: null,
      cancelled: false,
      version: 1,
    });
  }
  return rows;
}

/**
 * Writes rows into the app's own `fieldfix` database (its `cases` table) with the native
 * IndexedDB API, at whatever version the app opened it, in one transaction.
 */
export async function putCasesInAppDb(page, rows) {
  await page.evaluate(async (rows) => {
    const db = await new Promise((resolve, reject) => {
      const open = indexedDB.open('fieldfix');
      open.onerror = () => reject(open.error);
      open.onsuccess = () => resolve(open.result);
    });
    await new Promise((resolve, reject) => {
      const tx = db.transaction('cases', 'readwrite', { durability: 'strict' });
      const store = tx.objectStore('cases');
      for (const r of rows) store.put(r);
      tx.oncomplete = resolve;
      tx.onerror = () => reject(tx.error);
      tx.onabort = () => reject(tx.error);
    });
    db.close();
  }, rows);
}

export async function deleteCasesFromAppDb(page, ids) {
  await page.evaluate(async (ids) => {
    const db = await new Promise((resolve, reject) => {
      const open = indexedDB.open('fieldfix');
      open.onerror = () => reject(open.error);
      open.onsuccess = () => resolve(open.result);
    });
    await new Promise((resolve, reject) => {
      const tx = db.transaction('cases', 'readwrite');
      for (const id of ids) tx.objectStore('cases').delete(id);
      tx.oncomplete = resolve;
      tx.onerror = () => reject(tx.error);
    });
    db.close();
  }, ids);
}

/** A UUIDv7 (the API's mutation ids). */
export function uuidv7() {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  const ms = BigInt(Date.now());
  for (let i = 0; i < 6; i++) bytes[i] = Number((ms >> BigInt(8 * (5 - i))) & 0xffn);
  bytes[6] = (bytes[6] & 0x0f) | 0x70;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = [...bytes].map((b) => b.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
