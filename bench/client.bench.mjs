// `pnpm bench:client`: the field app in Chromium, against the real sync-server serving the
// built app (field-app/build), each figure beside a baseline measured in the same run:
//   - offline cold start to the day list with 500 cases on the device, against the same cold
//     start with the demo crew's dozen cases (what a crew has);
//   - loading 5,000 cases into Dexie in one transaction (bulkPut), against a raw IndexedDB put
//     loop of the same rows in one transaction;
//   - downscaling a 4000×3000 camera JPEG to 1600 px through the app's own photo worker
//     (built downscale.worker: decode upright, 1600 px JPEG 0.8 and the 320 px thumbnail),
//     against just decoding the JPEG;
//   - the JavaScript the crew pages load (gzip -9, MapLibre excluded), against a 150 KB budget,
//     and the service worker's size.
// Writes bench/results/client.json, keeping the figures of part two (bench/client-network.mjs:
// the service worker's precache beside the whole build, bytes sent per photo on a cut link),
// which `pnpm bench:client` runs too. Build the app first (`pnpm build`).
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { median, report } from './lib.mjs';
import {
  TIME_ZONE,
  deleteCasesFromAppDb,
  fakeCases,
  launch,
  offlineReady,
  putCasesInAppDb,
  root,
  signIn,
  startServer,
  synced,
} from './client/harness.mjs';

const COLD_RUNS = Number(process.env.BENCH_COLD_RUNS ?? 10);
const DEXIE_RUNS = Number(process.env.BENCH_DEXIE_RUNS ?? 5);
const PHOTO_RUNS = Number(process.env.BENCH_PHOTO_RUNS ?? 5);
const MANY = 500;
const LOAD = 5000;
const build = join(root, 'field-app', 'build');
const log = (msg) => process.stdout.write(`${msg}\n`);
const r1 = (x) => +x.toFixed(1);

// Records, from navigation start (performance.now() of the new document), when the number of
// day-list rows first reached each count. Installed in every page of the cold-start context.
function rowClock() {
  const reached = {};
  let last = 0;
  window.__rowsReached = reached;
  const check = () => {
    const n = document.querySelectorAll('[data-testid="case-row"]').length;
    if (n > last) {
      last = n;
      reached[n] = performance.now();
    }
  };
  new MutationObserver(check).observe(document, { childList: true, subtree: true });
}

/** One cold start: a fresh page, offline, straight to /day; ms until `rows` rows exist. */
/**
 * The chunks that only MapLibre needs (excluded from the crew pages' budget). SvelteKit names
 * chunks by hash, so they are found in Vite's manifest: the app's MapLibre module and what it
 * imports that no other module of the app does.
 */
function mapLibreChunks() {
  const manifest = JSON.parse(
    readFileSync(join(root, 'field-app/.svelte-kit/output/client/.vite/manifest.json'), 'utf8'),
  );
  const entry = 'src/lib/map/maplibre.ts';
  if (!manifest[entry]) return new Set();
  const usedElsewhere = new Set();
  for (const [key, chunk] of Object.entries(manifest)) {
    if (key === entry) continue;
    for (const i of chunk.imports ?? []) usedElsewhere.add(i);
  }
  const keys = [entry, ...(manifest[entry].imports ?? []).filter((i) => !usedElsewhere.has(i))];
  return new Set(keys.map((k) => `/${manifest[k].file}`));
}

async function coldStart(context, base, rows, after = async () => {}) {
  const page = await context.newPage();
  try {
    await page.goto(`${base}/day`, { waitUntil: 'commit' });
    await page.waitForFunction((rows) => Object.keys(window.__rowsReached ?? {}).some((k) => Number(k) >= rows), rows, {
      timeout: 60_000,
      polling: 50,
    });
    const { at, count, first } = await page.evaluate((rows) => {
      const entries = Object.entries(window.__rowsReached).map(([k, v]) => [Number(k), v]);
      const hit = entries.filter(([k]) => k >= rows).sort((a, b) => a[1] - b[1])[0];
      return {
        at: hit[1],
        count: document.querySelectorAll('[data-testid="case-row"]').length,
        first: Math.min(...entries.map(([, v]) => v)),
      };
    }, rows);
    if (count !== rows) throw new Error(`expected ${rows} rows on the day list, found ${count}`);
    if (!(await page.getByTestId('offline-indicator').isVisible())) throw new Error('the cold start was not offline');
    await after(page);
    return { ms: at, firstRowMs: first };
  } finally {
    await page.close();
  }
}

async function coldStarts(browser, base) {
  const context = await browser.newContext({
    viewport: { width: 1280, height: 800 },
    timezoneId: TIME_ZONE,
    serviceWorkers: 'allow',
  });
  try {
    await context.addInitScript(rowClock);
    // Online once: the service worker installs, the session and the crew's day are stored.
    const page = await context.newPage();
    await signIn(page, base);
    await synced(page);
    await offlineReady(page);
    await synced(page);
    const demoRows = await page.getByTestId('case-row').count();
    const session = await page.evaluate(
      () =>
        new Promise((resolve, reject) => {
          const open = indexedDB.open('fieldfix');
          open.onerror = () => reject(open.error);
          open.onsuccess = () => {
            const q = open.result.transaction('session').objectStore('session').get('current');
            q.onsuccess = () => {
              resolve(q.result?.session ?? null);
              open.result.close();
            };
          };
        }),
    );
    const crewId = session?.crew?.id;
    if (!crewId) throw new Error('the signed-in worker has no crew in the stored session');
    await context.setOffline(true);

    // The app page goes: each measured start is the only app page open. Baseline and 500-case
    // starts alternate (after each, the page just measured adds or removes the 500 cases), so
    // both see the same machine; one warm-up of each first, not counted.
    await page.goto('about:blank');
    const extra = fakeCases(MANY, { crewId });
    const ids = extra.map((c) => c.id);
    const add = (p) => putCasesInAppDb(p, extra);
    const remove = (p) => deleteCasesFromAppDb(p, ids);
    const demo = { ms: [], first: [] };
    const many = { ms: [], first: [] };
    for (let i = -1; i < COLD_RUNS; i++) {
      const a = await coldStart(context, base, demoRows, add);
      const b = await coldStart(context, base, demoRows + MANY, remove);
      if (i < 0) continue;
      demo.ms.push(a.ms);
      demo.first.push(a.firstRowMs);
      many.ms.push(b.ms);
      many.first.push(b.firstRowMs);
    }
    log(`cold start, demo crew (${demoRows} rows): ${demo.ms.map((x) => x.toFixed(0)).join(', ')} ms`);
    log(`cold start, ${MANY} more cases (${demoRows + MANY} rows): ${many.ms.map((x) => x.toFixed(0)).join(', ')} ms`);
    const baseline = { ms: median(demo.ms), firstRowMs: median(demo.first) };
    const manyMedian = { ms: median(many.ms), firstRowMs: median(many.first) };
    return { demoRows, baseline, many: manyMedian };
  } finally {
    await context.close();
  }
}

/** A blank page on the app's origin (no service worker): IndexedDB and the photo worker. */
async function blankPage(browser, base) {
  const context = await browser.newContext({
    viewport: { width: 1280, height: 800 },
    timezoneId: TIME_ZONE,
    serviceWorkers: 'block',
  });
  await context.route(`${base}/__bench`, (route) =>
    route.fulfill({ contentType: 'text/html', body: '<!doctype html><title>bench</title><body></body>' }),
  );
  const page = await context.newPage();
  await page.goto(`${base}/__bench`);
  return { context, page };
}

async function dexieLoad(browser, base) {
  const { context, page } = await blankPage(browser, base);
  try {
    // The app's Dexie (same package and version), as a classic script.
    await page.addScriptTag({ path: join(root, 'field-app', 'node_modules', 'dexie', 'dist', 'dexie.js') });
    await page.evaluate(
      (rows) => {
        window.__rows = rows;
      },
      fakeCases(LOAD, { firstId: 1_000_000 }),
    );
    const dexie = [];
    const raw = [];
    for (let i = 0; i < DEXIE_RUNS; i++) {
      // Alternate which goes first, so neither always runs on a warmer disk.
      const order = i % 2 ? ['raw', 'dexie'] : ['dexie', 'raw'];
      for (const which of order) {
        const ms = await page.evaluate(async (which) => {
          const rows = window.__rows;
          if (which === 'dexie') {
            // The app's schema for the table (version 3: `cases: 'id, crewId'`) and durability.
            const db = new window.Dexie('bench-dexie', { chromeTransactionDurability: 'strict' });
            db.version(3).stores({ cases: 'id, crewId' });
            await db.open();
            await db.cases.clear();
            const t0 = performance.now();
            await db.transaction('rw', db.cases, () => db.cases.bulkPut(rows));
            const t = performance.now() - t0;
            if ((await db.cases.count()) !== rows.length) throw new Error('Dexie lost rows');
            db.close();
            return t;
          }
          const db = await new Promise((resolve, reject) => {
            const open = indexedDB.open('bench-raw', 1);
            open.onupgradeneeded = () =>
              open.result.createObjectStore('cases', { keyPath: 'id' }).createIndex('crewId', 'crewId');
            open.onsuccess = () => resolve(open.result);
            open.onerror = () => reject(open.error);
          });
          const done = (tx) =>
            new Promise((resolve, reject) => {
              tx.oncomplete = resolve;
              tx.onerror = () => reject(tx.error);
              tx.onabort = () => reject(tx.error);
            });
          const clear = db.transaction('cases', 'readwrite');
          clear.objectStore('cases').clear();
          await done(clear);
          const t0 = performance.now();
          const tx = db.transaction('cases', 'readwrite', { durability: 'strict' });
          const store = tx.objectStore('cases');
          for (const r of rows) store.put(r);
          await done(tx);
          const t = performance.now() - t0;
          db.close();
          return t;
        }, which);
        (which === 'dexie' ? dexie : raw).push(ms);
      }
    }
    log(
      `Dexie bulkPut ${LOAD}: ${dexie.map((x) => x.toFixed(0)).join(', ')} ms; raw put loop: ${raw.map((x) => x.toFixed(0)).join(', ')} ms`,
    );
    return { dexie: median(dexie), raw: median(raw) };
  } finally {
    await context.close();
  }
}

async function photoDownscale(browser, base) {
  const workers = readdirSync(join(build, '_app', 'immutable', 'workers')).filter((f) =>
    /^downscale\.worker-.*\.js$/.test(f),
  );
  if (workers.length !== 1) throw new Error(`expected one built downscale worker, found ${workers.length}`);
  const workerUrl = `/_app/immutable/workers/${workers[0]}`;
  const { context, page } = await blankPage(browser, base);
  try {
    // A camera-sized JPEG drawn in the page: noise (so it does not compress to nothing) under a shape.
    const jpeg = await page.evaluate(async () => {
      const canvas = document.createElement('canvas');
      canvas.width = 4000;
      canvas.height = 3000;
      const ctx = canvas.getContext('2d');
      const img = ctx.createImageData(4000, 3000);
      let x = 2654435761;
      for (let i = 0; i < img.data.length; i += 4) {
        x ^= x << 13;
        x ^= x >>> 17;
        x ^= x << 5;
        // Partly smooth, partly noisy: a camera photo's size, not a worst case.
        const p = i >> 2;
        const base = ((p % 4000) >> 4) + ((p / 4000) >> 4);
        img.data[i] = (base + (x & 0x7f)) & 0xff;
        img.data[i + 1] = (base * 2 + ((x >>> 8) & 0x7f)) & 0xff;
        img.data[i + 2] = (base * 3 + ((x >>> 16) & 0x7f)) & 0xff;
        img.data[i + 3] = 255;
      }
      ctx.putImageData(img, 0, 0);
      ctx.fillStyle = 'rgba(40, 40, 40, 0.6)';
      ctx.beginPath();
      ctx.ellipse(2000, 1500, 1200, 700, 0, 0, Math.PI * 2);
      ctx.fill();
      window.__jpeg = await new Promise((r) => canvas.toBlob(r, 'image/jpeg', 0.85));
      const bitmap = await createImageBitmap(window.__jpeg);
      const out = { bytes: window.__jpeg.size, width: bitmap.width, height: bitmap.height };
      bitmap.close();
      return out;
    });
    log(`test JPEG: ${jpeg.width}×${jpeg.height}, ${(jpeg.bytes / 1e6).toFixed(1)} MB`);
    const decode = [];
    const app = [];
    let output;
    for (let i = 0; i < PHOTO_RUNS; i++) {
      decode.push(
        await page.evaluate(async () => {
          const t0 = performance.now();
          const bitmap = await createImageBitmap(window.__jpeg, { imageOrientation: 'from-image' });
          const t = performance.now() - t0;
          bitmap.close();
          return t;
        }),
      );
      // As the app does it (src/lib/photos/capture.ts): a fresh module worker per photo, the file
      // posted in, the downscaled photo and thumbnail posted back.
      const r = await page.evaluate(async (url) => {
        const t0 = performance.now();
        const answer = await new Promise((resolve, reject) => {
          const worker = new Worker(url, { type: 'module' });
          worker.onmessage = (e) => {
            worker.terminate();
            resolve(e.data);
          };
          worker.onerror = (e) => {
            worker.terminate();
            reject(new Error(e.message || 'worker failed'));
          };
          worker.postMessage(window.__jpeg);
        });
        const t = performance.now() - t0;
        if (!answer.ok) throw new Error(answer.message);
        const p = answer.photo;
        return {
          t,
          width: p.width,
          height: p.height,
          bytes: p.bytes.byteLength,
          thumb: `${p.thumbWidth}×${p.thumbHeight}`,
        };
      }, workerUrl);
      app.push(r.t);
      output = r;
    }
    if (Math.max(output.width, output.height) !== 1600)
      throw new Error(`the worker produced ${output.width}×${output.height}`);
    log(
      `decode only: ${decode.map((x) => x.toFixed(0)).join(', ')} ms; app worker: ${app.map((x) => x.toFixed(0)).join(', ')} ms → ${output.width}×${output.height}, ${(output.bytes / 1e3).toFixed(0)} KB, thumb ${output.thumb}`,
    );
    return { decode: median(decode), app: median(app), jpeg, output };
  } finally {
    await context.close();
  }
}

const gz = (file) => gzipSync(readFileSync(file), { level: 9 }).length;

async function crewJs(browser, base) {
  const context = await browser.newContext({
    viewport: { width: 1280, height: 800 },
    timezoneId: TIME_ZONE,
    serviceWorkers: 'block',
  });
  try {
    const login = await context.newPage();
    await signIn(login, base);
    await synced(login);
    await login.close();

    const urls = new Set();
    const page = await context.newPage();
    page.on('response', (res) => {
      const path = new URL(res.url()).pathname;
      if (path.endsWith('.js')) urls.add(path);
    });
    await page.goto(`${base}/day`);
    await page.getByTestId('case-row').first().waitFor();
    await page.getByTestId('case-row').first().locator('a').click();
    await page.getByTestId('case-detail').waitFor();
    await page.waitForLoadState('networkidle');

    const mapOnly = mapLibreChunks();
    const files = [...urls].filter((p) => p.startsWith('/_app/') && !p.includes('service-worker') && !mapOnly.has(p));
    const excluded = [...urls].filter((p) => !files.includes(p));
    let raw = 0;
    let gzip = 0;
    for (const p of files) {
      const file = join(build, p);
      raw += readFileSync(file).length;
      gzip += gz(file);
    }
    const sw = join(build, 'service-worker.js');
    return { files: files.sort(), excluded, raw, gzip, swRaw: readFileSync(sw).length, swGzip: gz(sw) };
  } finally {
    await context.close();
  }
}

const server = await startServer();
const browser = await launch();
try {
  log(`server ${server.base}, Chromium ${browser.version()}`);
  const cold = await coldStarts(browser, server.base);
  const dexie = await dexieLoad(browser, server.base);
  const photo = await photoDownscale(browser, server.base);
  const js = await crewJs(browser, server.base);
  log(
    `crew pages load ${js.files.length} scripts: ${js.files.join(' ')}${js.excluded.length ? ` (not counted: ${js.excluded.join(' ')})` : ''}`,
  );

  const results = {
    offline_cold_start_500_ms: r1(cold.many.ms),
    offline_cold_start_demo_ms: r1(cold.baseline.ms),
    offline_cold_start_500_vs_demo: +(cold.many.ms / cold.baseline.ms).toFixed(2),
    offline_cold_start_500_first_row_ms: r1(cold.many.firstRowMs),
    offline_cold_start_demo_rows: cold.demoRows,
    offline_cold_start_500_rows: cold.demoRows + MANY,
    dexie_load_5000_ms: r1(dexie.dexie),
    raw_idb_load_5000_ms: r1(dexie.raw),
    dexie_vs_raw: +(dexie.dexie / dexie.raw).toFixed(2),
    photo_downscale_ms: r1(photo.app),
    photo_decode_only_ms: r1(photo.decode),
    photo_downscale_vs_decode: +(photo.app / photo.decode).toFixed(2),
    photo_input_bytes: photo.jpeg.bytes,
    photo_output_bytes: photo.output.bytes,
    crew_js_gzip_kb: r1(js.gzip / 1024),
    crew_js_raw_kb: r1(js.raw / 1024),
    crew_js_files: js.files.length,
    service_worker_gzip_kb: r1(js.swGzip / 1024),
    service_worker_raw_kb: r1(js.swRaw / 1024),
    chromium: browser.version(),
    cold_runs: COLD_RUNS,
    dexie_runs: DEXIE_RUNS,
    photo_runs: PHOTO_RUNS,
  };
  report(
    'client',
    [
      {
        what: `offline cold start, ${cold.demoRows} demo cases (baseline)`,
        figure: `${results.offline_cold_start_demo_ms} ms`,
        vs: '1.00×',
        target: '',
      },
      {
        what: `offline cold start, +${MANY} cases (${results.offline_cold_start_500_rows} rows)`,
        figure: `${results.offline_cold_start_500_ms} ms`,
        vs: `${results.offline_cold_start_500_vs_demo}× baseline`,
        target: `≤ 1000 ms ${results.offline_cold_start_500_ms <= 1000 ? 'met' : 'MISSED'}`,
      },
      {
        what: `raw IndexedDB put loop, ${LOAD} cases (baseline)`,
        figure: `${results.raw_idb_load_5000_ms} ms`,
        vs: '1.00×',
        target: '',
      },
      {
        what: `Dexie bulkPut, ${LOAD} cases, one transaction`,
        figure: `${results.dexie_load_5000_ms} ms`,
        vs: `${results.dexie_vs_raw}× baseline`,
        target: '',
      },
      {
        what: `decode a ${photo.jpeg.width}×${photo.jpeg.height} JPEG, ${(photo.jpeg.bytes / 1e6).toFixed(1)} MB (baseline)`,
        figure: `${results.photo_decode_only_ms} ms`,
        vs: '1.00×',
        target: '',
      },
      {
        what: 'app photo worker: 1600 px JPEG 0.8 + thumbnail',
        figure: `${results.photo_downscale_ms} ms`,
        vs: `${results.photo_downscale_vs_decode}× baseline`,
        target: `≤ 1000 ms ${results.photo_downscale_ms <= 1000 ? 'met' : 'MISSED'}`,
      },
      {
        what: `crew pages JS, gzip -9, ${js.files.length} files, no MapLibre`,
        figure: `${results.crew_js_gzip_kb} KB (${results.crew_js_raw_kb} KB raw)`,
        vs: `${(results.crew_js_gzip_kb / 150).toFixed(2)} of budget`,
        target: `≤ 150 KB ${results.crew_js_gzip_kb <= 150 ? 'met' : 'MISSED'}`,
      },
      {
        what: 'service worker, gzip -9',
        figure: `${results.service_worker_gzip_kb} KB (${results.service_worker_raw_kb} KB raw)`,
        vs: '',
        target: '',
      },
    ],
    results,
  );
} finally {
  await browser.close();
  await server.stop();
}
