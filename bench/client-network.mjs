// `pnpm bench:client` (part two; alone: `node bench/client-network.mjs`): what a crew's tablet
// takes over the network, against the real sync-server serving the built app (field-app/build):
//   - the service worker's precache (what a tablet downloads at its first sign-in): files and
//     bytes, raw and gzip -9, as the browser holds it in Cache Storage, beside the whole build
//     (every file of field-app/build) measured in the same run;
//   - bytes sent per photo on a cut link: the app opened through a TCP proxy on loopback
//     (e2e/support/link-proxy.ts) at 160 kbit/s up, each photo's upload cut once the server
//     holds more than half of it, then resumed; every byte of the photo's requests that crossed
//     the link (HEADs, PATCHes, headers, resends) ÷ the photo's size, median of the runs
//     (goal ≤ 1.1×). As e2e/tests/weak-link.spec.ts does it, repeated.
// Merges its figures into bench/results/client.json (the other part's stay).
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { LinkProxy } from '../e2e/support/link-proxy.ts';
import { PRECACHE_BUDGET_BYTES } from '../field-app/tools/precache-plan.ts';
import { freePort, median, report } from './lib.mjs';
import { TIME_ZONE, launch, offlineReady, root, signIn, startServer, synced } from './client/harness.mjs';

const CUT_RUNS = Number(process.env.BENCH_CUT_RUNS ?? 3);
/** Bytes per second up while the photo goes: 160 kbit/s, slow enough to cut halfway. */
const UP_RATE = 20_000;
const build = join(root, 'field-app', 'build');
const log = (msg) => process.stdout.write(`${msg}\n`);
const kib = (n) => +(n / 1024).toFixed(1);

function sizes(paths) {
  let raw = 0;
  let gzip = 0;
  for (const p of paths) {
    const bytes = readFileSync(join(build, p));
    raw += bytes.length;
    gzip += gzipSync(bytes, { level: 9 }).length;
  }
  return { files: paths.length, raw, gzip };
}

const walk = (dir, base = '') =>
  readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? walk(join(dir, e.name), `${base}${e.name}/`) : [`${base}${e.name}`],
  );

/** The files of the page's service worker precache (Workbox's cache), as paths in the build. */
async function precachedPaths(page) {
  const urls = await page.evaluate(async () => {
    const out = [];
    for (const name of await caches.keys()) {
      if (!name.includes('precache')) continue;
      const cache = await caches.open(name);
      out.push(...(await cache.keys()).map((r) => new URL(r.url).pathname));
    }
    return out;
  });
  return urls.map((p) => p.replace(/^\//, ''));
}

async function devicePhotos(page) {
  return page.evaluate(
    () =>
      new Promise((resolve, reject) => {
        const open = indexedDB.open('fieldfix');
        open.onerror = () => reject(open.error);
        open.onsuccess = () => {
          const q = open.result.transaction('photos').objectStore('photos').getAll();
          q.onsuccess = () => {
            resolve(q.result.map((r) => ({ id: r.id, byteSize: r.byteSize, state: r.state })));
            open.result.close();
          };
          q.onerror = () => reject(q.error);
        };
      }),
  );
}

/** A 4000×3000 camera JPEG that downscales to a typical 150–250 kB photo (as in weak-link.spec.ts). */
async function cameraJpeg(page, seed) {
  const b64 = await page.evaluate(async (seed) => {
    const canvas = document.createElement('canvas');
    canvas.width = 4000;
    canvas.height = 3000;
    const ctx = canvas.getContext('2d');
    const g = ctx.createLinearGradient(0, 0, 4000, 3000);
    g.addColorStop(0, '#557799');
    g.addColorStop(1, '#aa8844');
    ctx.fillStyle = g;
    ctx.fillRect(0, 0, 4000, 3000);
    const img = ctx.createImageData(2000, 1500);
    let x = seed * 2654435761;
    for (let i = 0; i < img.data.length; i += 4) {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      img.data[i] = x & 0xff;
      img.data[i + 1] = (x >>> 8) & 0xff;
      img.data[i + 2] = (x >>> 16) & 0xff;
      img.data[i + 3] = 255;
    }
    ctx.putImageData(img, 1000, 750);
    const blob = await new Promise((r) => canvas.toBlob(r, 'image/jpeg', 0.85));
    const bytes = new Uint8Array(await blob.arrayBuffer());
    let s = '';
    for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
    return btoa(s);
  }, seed);
  return Buffer.from(b64, 'base64');
}

async function until(what, check, timeoutMs = 60_000, every = 250) {
  const t0 = Date.now();
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, every));
  }
}

const server = await startServer();
const serverPort = Number(new URL(server.base).port);
const proxy = await new LinkProxy(serverPort).start(await freePort());
// The page and the server's own address share a host, so the page's cookie goes to both.
const viaLink = `http://127.0.0.1:${proxy.port}`;
const browser = await launch();
try {
  log(`server ${server.base}, link proxy ${viaLink}, Chromium ${browser.version()}`);
  const context = await browser.newContext({
    viewport: { width: 1280, height: 800 },
    timezoneId: TIME_ZONE,
    serviceWorkers: 'allow',
  });
  const page = await context.newPage();
  await signIn(page, viaLink);
  await synced(page);
  await offlineReady(page);
  await synced(page);

  // The precache, as the browser holds it, and the whole build.
  const precache = sizes(await precachedPaths(page));
  const whole = sizes(walk(build));
  log(
    `precache: ${precache.files} files, ${kib(precache.raw)} KiB (${kib(precache.gzip)} KiB gzip); whole build: ${whole.files} files, ${kib(whole.raw)} KiB (${kib(whole.gzip)} KiB gzip)`,
  );

  // Photos on a cut link, each on its own case.
  const caseIds = await page
    .getByTestId('case-row')
    .evaluateAll((els) => els.map((e) => e.getAttribute('data-case-id')).filter(Boolean));
  if (caseIds.length < CUT_RUNS) throw new Error(`the crew has ${caseIds.length} cases, fewer than ${CUT_RUNS} runs`);
  const ratios = [];
  const photoSizes = [];
  for (let i = 0; i < CUT_RUNS; i++) {
    await page.goto(`${viaLink}/cases/${caseIds[i]}`);
    await page.getByTestId('case-detail').waitFor();
    const jpeg = await cameraJpeg(page, 9 + i);
    const before = new Set((await devicePhotos(page)).map((p) => p.id));
    proxy.rate(UP_RATE);
    proxy.resetCounts();
    await page.getByTestId('photo-gallery').setInputFiles({ name: 'scene.jpg', mimeType: 'image/jpeg', buffer: jpeg });
    const photo = await until('the photo on the device', async () =>
      (await devicePhotos(page)).find((p) => !before.has(p.id)),
    );
    const offset = async () => {
      const res = await page.request.head(`${server.base}/api/photos/${photo.id}/upload`);
      return Number(res.headers()['upload-offset'] ?? -1);
    };
    await until('half the photo on the server', async () => (await offset()) > photo.byteSize / 2);
    proxy.cut();
    const stored = await offset();
    await until(
      'the photo uploaded',
      async () => (await devicePhotos(page)).find((p) => p.id === photo.id)?.state === 'done',
      120_000,
    );
    const sent = proxy.sentUpBy((r) => r.path.startsWith('/api/photos/'));
    const ratio = sent / photo.byteSize;
    log(
      `run ${i + 1}: ${photo.byteSize}-byte photo cut at ${stored}; ${sent} bytes crossed the link (${ratio.toFixed(3)}×)`,
    );
    ratios.push(ratio);
    photoSizes.push(photo.byteSize);
    proxy.rate(0);
    await synced(page, 60_000);
  }
  await context.close();

  const perPhoto = median(ratios);
  const results = {
    precache_files: precache.files,
    precache_raw_kb: kib(precache.raw),
    precache_gzip_kb: kib(precache.gzip),
    precache_budget_kb: PRECACHE_BUDGET_BYTES / 1024,
    build_files: whole.files,
    build_raw_kb: kib(whole.raw),
    build_gzip_kb: kib(whole.gzip),
    cut_link_bytes_per_photo: +perPhoto.toFixed(3),
    cut_link_photo_bytes: median(photoSizes),
    cut_link_up_kbit_s: (UP_RATE * 8) / 1000,
    cut_link_runs: CUT_RUNS,
  };
  report(
    'client',
    [
      {
        what: `whole build, ${whole.files} files (baseline)`,
        figure: `${results.build_raw_kb} KiB (${results.build_gzip_kb} KiB gzip)`,
        vs: '1.00×',
        target: '',
      },
      {
        what: `service worker precache, ${precache.files} files`,
        figure: `${results.precache_raw_kb} KiB (${results.precache_gzip_kb} KiB gzip)`,
        vs: `${(precache.raw / whole.raw).toFixed(2)}× baseline`,
        target: `≤ ${results.precache_budget_kb} KiB ${precache.raw <= PRECACHE_BUDGET_BYTES ? 'met' : 'MISSED'}`,
      },
      {
        what: `bytes sent per photo, link cut halfway at ${results.cut_link_up_kbit_s} kbit/s up (${CUT_RUNS} runs)`,
        figure: `${results.cut_link_bytes_per_photo}× the photo (${(results.cut_link_photo_bytes / 1000).toFixed(0)} kB)`,
        vs: '',
        target: `≤ 1.1× ${perPhoto <= 1.1 ? 'met' : 'MISSED'}`,
      },
    ],
    results,
    { part: 'network' },
  );
} finally {
  await browser.close();
  await proxy.stop();
  await server.stop();
}
