// `pnpm bench:tiles`: the offline map's tiles, as the field app gets and uses them in Chromium,
// against the real sync-server (embedded database, demo city, generated basemap) on loopback:
//   - the demo worker's day area (crew streets-a, the cases' bbox plus the app's margin, at
//     zooms 12–17): tiles and bytes, read from the app's own IndexedDB after its download (the
//     `day` area row and its tile rows), checked against the tile requests the page made, the
//     "Map without signal" status on the map view, and the same plan worked out here with the
//     app's tile arithmetic (field-app/src/lib/tiles/tile-math.ts);
//   - the prefetch: from the app's first tile request (Resource Timing) to the area recorded
//     complete on the device (its `day` area row, polled every 25 ms), and from pressing
//     "Sign in" to the same moment (first sync,
//     plan, download, store); tiles per second. Baseline, in the same run: Node fetching the
//     very same tile URLs over loopback, 4 at a time like the app, so app ÷ baseline is what
//     Chromium, the service worker in the path, IndexedDB and the app's bookkeeping add. To
//     tell those apart, the same URLs are also fetched (nothing stored, HTTP cache bypassed) by
//     Chromium in a blank page of the app's origin with no service worker, and in the app's own
//     page after the download, its service worker in the path;
//   - with the area on the device and the context offline: a fresh page load of the day map
//     (/day?view=map) until MapLibre's `idle` (the map component's `data-map-idle`), checking
//     that the context issued no tile request and that basemap features are drawn; and the same
//     page load online with the cache warm, for comparison.
// Every run is a fresh browser context (empty IndexedDB, the service worker installed anew).
// Playwright tracks every request over CDP, which adds to each of Chromium's requests (about
// 2× on 400 small tiles here): compare the app with the Chromium rows, measured under the same
// instrumentation, rather than with Node alone. Headless Chromium draws WebGL in software
// (SwiftShader, on the 2 shared cores), which weighs on the map figures; a phone has a GPU.
// One server for all runs: the first, uncounted run meets its tile cache cold (reported), the
// counted ones find every tile encoded already, like a server that served the crew before.
// Writes bench/results/tiles.json. Build the app first (`pnpm build`).
import { median, report } from './lib.mjs';
import { CREW, TIME_ZONE, WORKER, launch, offlineReady, startServer } from './client/harness.mjs';
import { bboxAround, countTiles, intersectBbox, zoomRange } from '../field-app/src/lib/tiles/tile-math.ts';

const RUNS = Number(process.env.BENCH_TILES_RUNS ?? 5);
/** As the app: `PARALLEL` and `AREA_MARGIN_M` in field-app/src/lib/tiles/offline-area.ts, zooms from DEFAULT_MAP_SETTINGS. */
const PARALLEL = 4;
const AREA_MARGIN_M = 500;
const ZOOMS = [12, 17];
const PRIME_TARGET_S = 10;
const IDLE_TARGET_MS = 2000;
const TILE_URL = /\/tiles\/[\w.-]+\/\d+\/\d+\/\d+\.pbf$/;
const log = (msg) => process.stdout.write(`${msg}\n`);
const r1 = (x) => +x.toFixed(1);
const r2 = (x) => +x.toFixed(2);
const kb = (b) => `${(b / 1024).toFixed(1)} KB`;
const range = (xs, f = (x) => x) => `${f(Math.min(...xs))}–${f(Math.max(...xs))}`;

// Installed in every page of a run's context: a big enough resource timing buffer (one entry
// per tile), and when, from navigation start, the day map's element first appeared (the map
// component's code loaded; MapLibre is imported after that), said `ready` (MapLibre's `load`:
// style loaded, first full render) and `idle` (the view fitted to the cases drawn, nothing
// loading).
function clocks() {
  try {
    performance.setResourceTimingBufferSize(100_000);
  } catch {
    /* older engines */
  }
  const seen = {};
  window.__benchMap = seen;
  const check = () => {
    const map = document.querySelector('[data-testid="day-map"]');
    if (!map) return;
    if (seen.mounted === undefined) seen.mounted = performance.now();
    if (seen.ready === undefined && map.getAttribute('data-map-status') === 'ready') seen.ready = performance.now();
    if (seen.idle === undefined && map.getAttribute('data-map-idle') === 'true') seen.idle = performance.now();
  };
  new MutationObserver(check).observe(document, {
    childList: true,
    subtree: true,
    attributes: true,
    attributeFilter: ['data-map-status', 'data-map-idle'],
  });
}

/**
 * Reads the app's database without ever creating or upgrading it (an open that would is
 * aborted): the `day` area, its tiles (no bytes), the signed-in crew and its cases' positions.
 */
function readDevice(page) {
  return page.evaluate(async () => {
    const db = await new Promise((resolve) => {
      const open = indexedDB.open('fieldfix');
      open.onupgradeneeded = () => open.transaction.abort();
      open.onerror = () => resolve(null);
      open.onsuccess = () => resolve(open.result);
    });
    if (!db) return null;
    const req = (r) =>
      new Promise((resolve, reject) => ((r.onsuccess = () => resolve(r.result)), (r.onerror = () => reject(r.error))));
    try {
      if (!db.objectStoreNames.contains('tileAreas')) return null;
      const area = (await req(db.transaction('tileAreas').objectStore('tileAreas').get('day'))) ?? null;
      const tiles = [];
      await new Promise((resolve, reject) => {
        const cur = db.transaction('tiles').objectStore('tiles').openCursor();
        cur.onerror = () => reject(cur.error);
        cur.onsuccess = () => {
          const c = cur.result;
          if (!c) return resolve();
          tiles.push({ key: c.value.key, size: c.value.size, area: c.value.area });
          c.continue();
        };
      });
      const session = await req(db.transaction('session').objectStore('session').get('current'));
      const crewId = session?.session?.crew?.id ?? session?.session?.user?.crewId ?? null;
      const cases = crewId
        ? await req(db.transaction('cases').objectStore('cases').index('crewId').getAll(crewId))
        : [];
      return { area, tiles, crewId, points: cases.map((c) => ({ lat: c.lat, long: c.long })) };
    } finally {
      db.close();
    }
  });
}

/** The tile requests this document made: URLs in start order, first start and wire sizes. */
function tileRequests(page) {
  return page.evaluate((source) => {
    const re = new RegExp(source);
    const entries = performance
      .getEntriesByType('resource')
      .filter((e) => re.test(new URL(e.name).pathname))
      .sort((a, b) => a.startTime - b.startTime);
    return {
      urls: entries.map((e) => e.name),
      firstStart: entries.length ? performance.timeOrigin + entries[0].startTime : null,
      lastEnd: entries.length ? performance.timeOrigin + Math.max(...entries.map((e) => e.responseEnd)) : null,
      wireBytes: entries.reduce((s, e) => s + e.encodedBodySize, 0),
    };
  }, TILE_URL.source);
}

/**
 * Polls the app's database from the page, every 25 ms, until the `day` area is recorded
 * complete; answers when that was first seen (the page's wall clock). The area row's own
 * `updatedAt` is taken before the app labels the area's tiles and records it, so the moment
 * the area is complete on the device lies between the two (both are in the results).
 */
function areaComplete(page, timeoutMs = 120_000) {
  return page.evaluate(async (timeoutMs) => {
    const t0 = performance.now();
    for (;;) {
      const area = await new Promise((resolve) => {
        const open = indexedDB.open('fieldfix');
        open.onupgradeneeded = () => open.transaction.abort();
        open.onerror = () => resolve(null);
        open.onsuccess = () => {
          const db = open.result;
          if (!db.objectStoreNames.contains('tileAreas')) return (db.close(), resolve(null));
          const get = db.transaction('tileAreas').objectStore('tileAreas').get('day');
          get.onsuccess = () => (db.close(), resolve(get.result ?? null));
          get.onerror = () => (db.close(), resolve(null));
        };
      });
      if (area?.complete) return performance.timeOrigin + performance.now();
      if (performance.now() - t0 > timeoutMs) throw new Error(`the day area never completed: ${JSON.stringify(area)}`);
      await new Promise((r) => setTimeout(r, 25));
    }
  }, timeoutMs);
}

/** The page's wall clock (ms since the epoch, sub-millisecond), the clock the app's `updatedAt` uses. */
const pageNow = (page) => page.evaluate(() => performance.timeOrigin + performance.now());

/** Opens /day?view=map in a fresh page; ms from navigation start to the map's `ready` and `idle`. */
async function openMap(context, base) {
  const page = await context.newPage();
  await page.goto(`${base}/day?view=map`, { waitUntil: 'commit' });
  await page.waitForFunction(() => window.__benchMap?.idle !== undefined, null, { timeout: 30_000, polling: 50 });
  const { mounted, ready, idle } = await page.evaluate(() => window.__benchMap);
  // The basemap is drawn (not just pins on a background): its features are on screen.
  const basemapFeatures = await page.evaluate(
    () => window.fieldfixMap.queryRenderedFeatures().filter((f) => f.source === 'basemap').length,
  );
  if (basemapFeatures === 0) throw new Error('the day map shows no basemap features');
  return { page, mountedMs: mounted, readyMs: ready, idleMs: idle, basemapFeatures };
}

/** One counted (or warm-up) run: a fresh context, sign-in, the automatic download, then the map. */
async function appRun(browser, base) {
  const context = await browser.newContext({
    viewport: { width: 1280, height: 800 },
    timezoneId: TIME_ZONE,
    serviceWorkers: 'allow',
  });
  try {
    await context.addInitScript(clocks);
    const page = await context.newPage();
    await page.goto(`${base}/login`);
    // A person types for a while: the service worker is installed by then (its precache does
    // not compete with the sync and the tiles).
    await page.evaluate(() => navigator.serviceWorker.ready);
    await page.getByLabel('Email').fill(WORKER.email);
    await page.getByLabel('Password').fill(WORKER.password);
    const signInAt = await pageNow(page);
    await page.getByRole('button', { name: /sign in/i }).click();
    await page.waitForURL(/\/day$/);

    // The app downloads the day area on its own after the first sync; wait until it records
    // the area complete (what "ready" means to the app).
    const completeAt = await areaComplete(page);
    const device = await readDevice(page);
    const requests = await tileRequests(page);
    const { area } = device;
    const recordedAt = Date.parse(area.updatedAt);
    const dayTiles = device.tiles.filter((t) => t.area === 'day');
    const storedBytes = dayTiles.reduce((s, t) => s + t.size, 0);
    const distinct = new Set(requests.urls);
    const problems = [];
    if (area.stored !== area.tiles) problems.push(`area row: ${area.stored} of ${area.tiles} stored`);
    if (dayTiles.length !== area.tiles)
      problems.push(`${dayTiles.length} tile rows in the day area, the area row says ${area.tiles}`);
    if (storedBytes !== area.bytes)
      problems.push(`tile rows hold ${storedBytes} bytes, the area row says ${area.bytes}`);
    if (distinct.size !== area.tiles || requests.urls.length !== area.tiles)
      problems.push(`${requests.urls.length} tile requests (${distinct.size} distinct) for ${area.tiles} tiles`);
    if (area.zooms.join() !== zoomRange(...ZOOMS).join()) problems.push(`zooms ${area.zooms.join(',')}`);
    if (device.crewId !== CREW) problems.push(`crew ${device.crewId}`);
    if (!(requests.firstStart >= signInAt && requests.lastEnd <= recordedAt + 1 && recordedAt <= completeAt + 1))
      problems.push('tile requests outside sign-in…complete');
    if (problems.length) throw new Error(`the day area does not add up: ${problems.join('; ')}`);

    // The browser's share: the same URLs fetched in the app's page (service worker in the path),
    // 4 at a time, bodies read, nothing stored; `no-store` so Chromium's HTTP cache, which now
    // holds every tile (they are immutable), is neither read nor written.
    const pageFetch = await fetchInPage(page, requests.urls);
    if (!pageFetch.controlled) throw new Error('the service worker did not control the page after the download');
    if (pageFetch.bytes !== area.bytes)
      sizeMismatch('Chromium', pageFetch.sizes, new Map(dayTiles.map((t) => [t.key, t.size])));

    // Offline: a fresh page load of the day map; any tile request is counted and refused.
    await offlineReady(page);
    await page.close();
    // Every request the context issues is seen (pages and the service worker alike); none is
    // intercepted, as a Playwright route would intercept all of them and slow the load down.
    const offlineTiles = [];
    const onRequest = (req) => {
      if (new URL(req.url()).pathname.startsWith('/tiles/')) offlineTiles.push(req.url());
    };
    context.on('request', onRequest);
    await context.setOffline(true);
    const offline = await openMap(context, base);
    if (!(await offline.page.getByTestId('offline-indicator').isVisible()))
      throw new Error('the offline map load was not offline');
    // The status under the map says the same as the database.
    const status = offline.page.getByTestId('offline-map');
    // The status reads the device's map after the page loads; it says "ready" within moments.
    await status
      .and(offline.page.locator('[data-phase="ready"]'))
      .waitFor({ timeout: 5_000 })
      .catch(async () => {
        throw new Error(`offline map status: ${await status.getAttribute('data-phase')}`);
      });
    const shown = /\((\d+) tiles/.exec(await status.innerText())?.[1];
    if (Number(shown) !== area.tiles)
      throw new Error(`the map status shows ${shown} tiles, the database ${area.tiles}`);
    await offline.page.close();
    context.off('request', onRequest);

    // Online again, the same page load with the tiles on the device (it also syncs, as it would).
    const onlineTiles = [];
    context.on('request', (req) => {
      if (TILE_URL.test(new URL(req.url()).pathname)) onlineTiles.push(req.url());
    });
    await context.setOffline(false);
    const online = await openMap(context, base);
    await online.page.close();

    return {
      tiles: area.tiles,
      bytes: area.bytes,
      wireBytes: requests.wireBytes,
      urls: requests.urls,
      tileSizes: new Map(dayTiles.map((t) => [t.key, t.size])),
      crewPoints: device.points,
      prefetchS: (completeAt - requests.firstStart) / 1000,
      signInToReadyS: (completeAt - signInAt) / 1000,
      downloadStartS: (requests.firstStart - signInAt) / 1000,
      recordLagMs: completeAt - recordedAt,
      pageFetchS: pageFetch.s,
      pageFetchControlled: pageFetch.controlled,
      offlineIdleMs: offline.idleMs,
      offlineReadyMs: offline.readyMs,
      offlineMountedMs: offline.mountedMs,
      offlineTileRequests: offlineTiles.length,
      offlineBasemapFeatures: offline.basemapFeatures,
      onlineIdleMs: online.idleMs,
      onlineReadyMs: online.readyMs,
      onlineMountedMs: online.mountedMs,
      onlineTileRequests: onlineTiles.length,
    };
  } finally {
    await context.close();
  }
}

/**
 * Fetches `urls`, `parallel` at a time, bodies read in full. Self-contained, so the same code
 * runs in Node (the baseline) and, serialized by Playwright, in a page.
 */
async function poolFetch({ urls, parallel, init }) {
  let next = 0;
  let bytes = 0;
  const sizes = [];
  const t0 = performance.now();
  const worker = async () => {
    while (next < urls.length) {
      const url = urls[next++];
      const res = await fetch(url, init);
      if (!res.ok) throw new Error(`${url}: ${res.status}`);
      const n = (await res.arrayBuffer()).byteLength;
      bytes += n;
      sizes.push([new URL(url).pathname, n, res.status]);
    }
  };
  await Promise.all(Array.from({ length: parallel }, worker));
  return {
    s: (performance.now() - t0) / 1000,
    bytes,
    sizes,
    controlled: !!globalThis.navigator?.serviceWorker?.controller,
  };
}

/** The fetch in the page, bypassing Chromium's HTTP cache. */
function fetchInPage(page, urls) {
  return page.evaluate(poolFetch, { urls, parallel: PARALLEL, init: { cache: 'no-store' } });
}

/**
 * The same fetch in a page of the app's origin with no service worker: Chromium alone. (A
 * server answer, not a Playwright route: any route makes Playwright intercept every request.)
 */
async function chromiumFetch(browser, base, urls) {
  const context = await browser.newContext({ serviceWorkers: 'block' });
  try {
    const page = await context.newPage();
    await page.goto(`${base}/healthz`);
    return await fetchInPage(page, urls);
  } finally {
    await context.close();
  }
}

/** Throws, naming the tiles whose size differs between a fetch (`[path, bytes, status]`) and the app's rows. */
function sizeMismatch(who, sizes, appSizes) {
  const key = (path) => path.replace(/^\/tiles\//, '').replace(/\.pbf$/, '');
  const differ = sizes.filter(([path, n]) => appSizes.get(key(path)) !== n);
  const got = sizes.reduce((t, [, n]) => t + n, 0);
  const stored = [...appSizes.values()].reduce((t, n) => t + n, 0);
  const show = differ
    .slice(0, 8)
    .map(([path, n, status]) => `${key(path)}: ${who} ${status} ${n} B, app ${appSizes.get(key(path))} B`);
  throw new Error(
    `${who} fetched ${got} bytes, the app stored ${stored}; ${differ.length} tiles differ: ${show.join('; ')}`,
  );
}

/** The baseline: Node's fetch over the same URLs. */
function nodeFetch(urls) {
  return poolFetch({ urls, parallel: PARALLEL, init: {} });
}

/** What draws the map's WebGL in this Chromium (headless: usually SwiftShader, on the CPU). */
async function webglRenderer(browser) {
  const page = await browser.newPage();
  try {
    return await page.evaluate(() => {
      const gl =
        document.createElement('canvas').getContext('webgl2') ?? document.createElement('canvas').getContext('webgl');
      if (!gl) return 'none';
      const info = gl.getExtension('WEBGL_debug_renderer_info');
      return String(info ? gl.getParameter(info.UNMASKED_RENDERER_WEBGL) : gl.getParameter(gl.RENDERER));
    });
  } finally {
    await page.close();
  }
}

const server = await startServer();
const browser = await launch();
try {
  log(`server ${server.base}, Chromium ${browser.version()}, ${RUNS} runs`);
  const meta = await (await fetch(`${server.base}/tiles/meta.json`)).json();

  // Warm-up, not counted: Chromium's first context, and the server encoding every tile.
  const warm = await appRun(browser, server.base);
  log(
    `warm-up (server tile cache cold, Chromium's first context): ${warm.tiles} tiles, prefetch ${warm.prefetchS.toFixed(2)} s, sign-in → ready ${warm.signInToReadyS.toFixed(2)} s`,
  );

  // The same plan, worked out here from the crew's cases on the device with the app's tile math.
  const bbox = intersectBbox(bboxAround(warm.crewPoints, AREA_MARGIN_M), meta.bounds);
  const zooms = zoomRange(Math.max(ZOOMS[0], meta.minzoom), Math.min(ZOOMS[1], meta.maxzoom));
  const planned = countTiles(bbox, zooms);
  if (planned !== warm.tiles) throw new Error(`the app stored ${warm.tiles} tiles, the tile math plans ${planned}`);
  log(
    `plan: ${warm.crewPoints.length} cases, bbox ${bbox.map((v) => v.toFixed(4)).join(', ')}, zooms ${zooms[0]}–${zooms.at(-1)}: ${planned} tiles (agrees with the app)`,
  );

  const runs = [];
  const base = [];
  const bare = [];
  await nodeFetch(warm.urls); // the baselines' own warm-up (connections, JIT)
  await chromiumFetch(browser, server.base, warm.urls);
  for (let i = 0; i < RUNS; i++) {
    // Alternate the order, so no figure always follows another.
    const order = i % 2 ? ['node', 'bare', 'app'] : ['app', 'bare', 'node'];
    const got = {};
    for (const which of order) {
      if (which === 'app') got.app = await appRun(browser, server.base);
      else if (which === 'node') got.node = await nodeFetch(warm.urls);
      else got.bare = await chromiumFetch(browser, server.base, warm.urls);
    }
    const { app: a, node: b2 } = got;
    if (got.bare.bytes !== a.bytes) sizeMismatch('Chromium (no service worker)', got.bare.sizes, a.tileSizes);
    if (a.tiles !== warm.tiles || a.bytes !== warm.bytes || a.urls.join() !== warm.urls.join())
      throw new Error('the day area changed between runs');
    if (b2.bytes !== a.bytes) sizeMismatch('Node', b2.sizes, a.tileSizes);
    if (a.offlineTileRequests !== 0)
      throw new Error(`${a.offlineTileRequests} tile requests tried the network offline`);
    runs.push(a);
    base.push(b2);
    bare.push(got.bare);
    log(
      `run ${i + 1}: prefetch ${a.prefetchS.toFixed(2)} s (Node ${b2.s.toFixed(2)} s, Chromium ${got.bare.s.toFixed(2)} s, with the service worker ${a.pageFetchS.toFixed(2)} s), sign-in → ready ${a.signInToReadyS.toFixed(2)} s; ` +
        `map offline code/ready/idle ${[a.offlineMountedMs, a.offlineReadyMs, a.offlineIdleMs].map((x) => x.toFixed(0)).join('/')} ms, ` +
        `online ${[a.onlineMountedMs, a.onlineReadyMs, a.onlineIdleMs].map((x) => x.toFixed(0)).join('/')} ms`,
    );
  }

  const pick = (k) => runs.map((r) => r[k]);
  const med = (k) => median(pick(k));
  const tiles = warm.tiles;
  const prefetch = pick('prefetchS');
  const signIn = pick('signInToReadyS');
  const pageS = pick('pageFetchS');
  const baseS = base.map((b) => b.s);
  const bareS = bare.map((b) => b.s);
  const offIdle = pick('offlineIdleMs');
  const onIdle = pick('onlineIdleMs');
  const gl = await webglRenderer(browser);
  const results = {
    tiles,
    bytes: warm.bytes,
    wire_bytes: warm.wireBytes,
    prefetch_s: r2(median(prefetch)),
    tiles_per_s: Math.round(tiles / median(prefetch)),
    signin_to_ready_s: r2(median(signIn)),
    download_starts_after_signin_s: r2(med('downloadStartS')),
    baseline_fetch_s: r2(median(baseS)),
    baseline_tiles_per_s: Math.round(tiles / median(baseS)),
    prefetch_vs_baseline: r1(median(prefetch) / median(baseS)),
    chromium_fetch_s: r2(median(bareS)),
    chromium_fetch_vs_baseline: r1(median(bareS) / median(baseS)),
    chromium_sw_fetch_s: r2(median(pageS)),
    chromium_sw_fetch_vs_baseline: r1(median(pageS) / median(baseS)),
    prefetch_vs_chromium_sw_fetch: r1(median(prefetch) / median(pageS)),
    offline_idle_ms: Math.round(median(offIdle)),
    offline_map_code_ms: Math.round(med('offlineMountedMs')),
    offline_map_ready_ms: Math.round(med('offlineReadyMs')),
    online_warm_idle_ms: Math.round(median(onIdle)),
    online_warm_map_ready_ms: Math.round(med('onlineReadyMs')),
    offline_vs_online_idle: r2(median(offIdle) / median(onIdle)),
    offline_tile_requests: Math.max(...pick('offlineTileRequests')),
    online_warm_tile_requests: Math.max(...pick('onlineTileRequests')),
    cold_server_prefetch_s: r2(warm.prefetchS),
    cold_server_signin_to_ready_s: r2(warm.signInToReadyS),
    targets: { prefetch_s: PRIME_TARGET_S, offline_idle_ms: IDLE_TARGET_MS },
    area: {
      crew: CREW,
      cases: warm.crewPoints.length,
      bbox,
      zooms,
      margin_m: AREA_MARGIN_M,
      basemap: meta.version,
      basemap_bounds: meta.bounds,
      parallel: PARALLEL,
    },
    baseline: {
      what: `Node fetch of the same ${tiles} tile URLs over loopback, ${PARALLEL} at a time, bodies read (gzip decoded)`,
      fetch_s: baseS.map(r2),
      median_s: r2(median(baseS)),
      tiles_per_s: Math.round(tiles / median(baseS)),
      chromium_fetch: {
        what: `the same URLs fetched by Chromium in a blank page of the app's origin, no service worker, ${PARALLEL} at a time, cache: no-store, nothing stored`,
        fetch_s: bareS.map(r2),
        median_s: r2(median(bareS)),
      },
      chromium_sw_fetch: {
        what: `the same URLs fetched in the app's page after its download (its service worker in the path), ${PARALLEL} at a time, cache: no-store, nothing stored`,
        fetch_s: pageS.map(r2),
        median_s: r2(median(pageS)),
      },
    },
    runs: runs.map((r) => ({
      prefetch_s: r2(r.prefetchS),
      signin_to_ready_s: r2(r.signInToReadyS),
      download_starts_after_signin_s: r2(r.downloadStartS),
      complete_seen_after_updated_at_ms: Math.round(r.recordLagMs),
      chromium_sw_fetch_s: r2(r.pageFetchS),
      chromium_sw_fetch_controlled: r.pageFetchControlled,
      offline_map_code_ms: Math.round(r.offlineMountedMs),
      offline_map_ready_ms: Math.round(r.offlineReadyMs),
      offline_idle_ms: Math.round(r.offlineIdleMs),
      online_warm_map_code_ms: Math.round(r.onlineMountedMs),
      online_warm_map_ready_ms: Math.round(r.onlineReadyMs),
      online_warm_idle_ms: Math.round(r.onlineIdleMs),
      offline_tile_requests: r.offlineTileRequests,
      offline_basemap_features: r.offlineBasemapFeatures,
      online_warm_tile_requests: r.onlineTileRequests,
    })),
    chromium: browser.version(),
    webgl: gl,
    note: 'shared, noisy 2-core machine: medians of the runs, read the ratios to the baseline; headless Chromium draws WebGL in software here',
  };
  const ok = (x, t) => (x <= t ? '✓' : '✗');
  const s = (x) => `${x.toFixed(2)} s`;
  const ms = (x) => `${x.toFixed(0)} ms`;
  log(`WebGL: ${gl}`);
  report(
    'tiles',
    [
      {
        what: `day area, crew ${CREW}, z${zooms[0]}–${zooms.at(-1)}`,
        median: `${tiles} tiles, ${kb(warm.bytes)}`,
        'min–max': `(${kb(warm.wireBytes)} gzipped)`,
        vs: '',
        target: '',
      },
      {
        what: `Node fetch, same URLs, ${PARALLEL} at a time (baseline)`,
        median: `${s(median(baseS))}, ${results.baseline_tiles_per_s} tiles/s`,
        'min–max': range(baseS, s),
        vs: '1.00×',
        target: '',
      },
      {
        what: 'Chromium fetch, same URLs, no service worker',
        median: `${s(median(bareS))}, ${Math.round(tiles / median(bareS))} tiles/s`,
        'min–max': range(bareS, s),
        vs: `${results.chromium_fetch_vs_baseline}× baseline`,
        target: '',
      },
      {
        what: "Chromium fetch, same URLs, app's service worker",
        median: `${s(median(pageS))}, ${Math.round(tiles / median(pageS))} tiles/s`,
        'min–max': range(pageS, s),
        vs: `${results.chromium_sw_fetch_vs_baseline}× baseline`,
        target: '',
      },
      {
        what: 'app prefetch: 1st tile request → area complete',
        median: `${s(median(prefetch))}, ${results.tiles_per_s} tiles/s`,
        'min–max': range(prefetch, s),
        vs: `${results.prefetch_vs_baseline}× baseline`,
        target: `≤ ${PRIME_TARGET_S} s ${ok(median(prefetch), PRIME_TARGET_S)}`,
      },
      {
        what: 'app: press Sign in → area complete',
        median: s(median(signIn)),
        'min–max': range(signIn, s),
        vs: '',
        target: `≤ ${PRIME_TARGET_S} s ${ok(median(signIn), PRIME_TARGET_S)}`,
      },
      {
        what: 'day map online, warm cache: load → idle',
        median: ms(median(onIdle)),
        'min–max': range(onIdle, ms),
        vs: '1.00×',
        target: '',
      },
      {
        what: `day map offline: load → idle (${results.offline_tile_requests} tile requests)`,
        median: ms(median(offIdle)),
        'min–max': range(offIdle, ms),
        vs: `${results.offline_vs_online_idle}× online`,
        target: `≤ ${IDLE_TARGET_MS} ms ${ok(median(offIdle), IDLE_TARGET_MS)}`,
      },
    ],
    results,
  );
} finally {
  await browser.close();
  await server.stop();
}
