// `pnpm bench:public`: the residents' pages. Writes bench/results/public.json.
//   - the JavaScript each resident page loads in headless Chromium (gzip -9), against the
//     budgets (/track ≤ 50 KB), beside the crew's day page measured the same way;
//   - `/api/public/cases/:id` (what /track reads) server time p50/p95 over loopback, beside
//     /healthz (no database) in the same run.
//   - /report's JavaScript before the map is opened (budget ≤ 100 KB), and when it is.
//   - /map's JavaScript at its first full draw and /stats' with its charts drawn;
//   - with TEST_DATABASE_URL (PostgreSQL): /map's viewport query on 100,000 generated cases,
//     p50/p95, beside the same query run directly in the same run, and the time to the map's
//     first full draw in headless Chromium (bench/client/record-map.mjs).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { median, report } from './lib.mjs';
import { launch, root, signIn, startServer, synced } from './client/harness.mjs';
import { measureRecordMap } from './client/record-map.mjs';

const build = join(root, 'field-app', 'build');
const gz = (file) => gzipSync(readFileSync(file), { level: 9 }).length;
const r1 = (x) => Math.round(x * 10) / 10;
const log = (...a) => console.log('[public]', ...a);

/** The scripts a page loads (service workers blocked: what the page itself needs). */
async function pageJs(browser, url, ready, setup) {
  const context = await browser.newContext({ serviceWorkers: 'block', locale: 'en-US' });
  try {
    const page = await context.newPage();
    if (setup) await setup(page);
    const urls = new Set();
    page.on('response', (res) => {
      const path = new URL(res.url()).pathname;
      if (path.endsWith('.js') && path.startsWith('/_app/')) urls.add(path);
    });
    await page.goto(url);
    await ready(page);
    await page.waitForLoadState('networkidle');
    let raw = 0;
    let gzip = 0;
    for (const p of urls) {
      raw += readFileSync(join(build, p)).length;
      gzip += gz(join(build, p));
    }
    return { files: [...urls].sort(), raw, gzip };
  } finally {
    await context.close();
  }
}

function percentile(xs, p) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
}

async function timeRequests(url, n) {
  const times = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    const res = await fetch(url);
    await res.arrayBuffer();
    if (!res.ok) throw new Error(`${url}: ${res.status}`);
    times.push(performance.now() - t0);
  }
  return { p50: median(times), p95: percentile(times, 95) };
}

const server = await startServer();
const browser = await launch();
try {
  const base = server.base;
  const closed = await (await fetch(`${base}/open311/v2/requests.json?status=closed&page_size=20`)).json();
  const id = closed[0].service_request_id;

  const track = await pageJs(browser, `${base}/track/${id}`, (p) =>
    p.getByRole('heading', { name: 'What has happened' }).waitFor(),
  );
  const lookup = await pageJs(browser, `${base}/track`, (p) => p.getByLabel('Case number').waitFor());
  const reportPage = await pageJs(browser, `${base}/report`, (p) => p.getByLabel('Search the problem types').waitFor());
  // The same page once the resident opens the map (MapLibre loads only then).
  const reportMap = await pageJs(browser, `${base}/report`, async (p) => {
    await p.getByLabel('Search the problem types').waitFor();
    await p.getByRole('button', { name: 'Pick the place on a map' }).click();
    await p.locator('[data-testid="report-map"][data-state="ready"]').waitFor({ timeout: 60_000 });
  });
  const mapPage = await pageJs(browser, `${base}/map`, (p) =>
    p.locator('[data-testid="record-map"][data-drawn="true"]').waitFor({ timeout: 60_000 }),
  );
  const statsPage = await pageJs(browser, `${base}/stats`, (p) =>
    p.locator('[data-testid="chart-trend"][data-drawn="true"]').waitFor({ timeout: 60_000 }),
  );
  const crewDay = await pageJs(
    browser,
    `${base}/day`,
    (p) => p.getByTestId('case-row').first().waitFor(),
    async (p) => {
      await signIn(p, base);
      await synced(p);
    },
  );
  log(`/track/${id}: ${track.files.length} scripts, ${r1(track.gzip / 1024)} KB gzip`);

  // Warm up, then measure: the tracking page's read, and /healthz as the floor.
  await timeRequests(`${base}/api/public/cases/${id}`, 50);
  const trackApi = await timeRequests(`${base}/api/public/cases/${id}`, 500);
  const health = await timeRequests(`${base}/healthz`, 500);
  const record = await measureRecordMap(browser, log);

  const results = {
    track_js_gzip_kb: r1(track.gzip / 1024),
    track_js_raw_kb: r1(track.raw / 1024),
    track_lookup_js_gzip_kb: r1(lookup.gzip / 1024),
    report_js_gzip_kb: r1(reportPage.gzip / 1024),
    report_js_raw_kb: r1(reportPage.raw / 1024),
    report_with_map_js_gzip_kb: r1(reportMap.gzip / 1024),
    map_js_gzip_kb: r1(mapPage.gzip / 1024),
    map_js_raw_kb: r1(mapPage.raw / 1024),
    stats_js_gzip_kb: r1(statsPage.gzip / 1024),
    stats_js_raw_kb: r1(statsPage.raw / 1024),
    crew_day_js_gzip_kb: r1(crewDay.gzip / 1024),
    track_api_p50_ms: r1(trackApi.p50),
    track_api_p95_ms: r1(trackApi.p95),
    healthz_p50_ms: r1(health.p50),
    healthz_p95_ms: r1(health.p95),
    track_files: track.files,
    report_files: reportPage.files,
    record_map: record,
  };
  report(
    'public',
    [
      {
        what: `/track/{id} JavaScript, gzip -9, ${track.files.length} files`,
        figure: `${results.track_js_gzip_kb} KB (${results.track_js_raw_kb} KB raw)`,
        vs: `crew day page ${results.crew_day_js_gzip_kb} KB`,
        target: `≤ 50 KB ${results.track_js_gzip_kb <= 50 ? 'met' : 'MISSED'}`,
      },
      {
        what: '/track (case lookup) JavaScript, gzip -9',
        figure: `${results.track_lookup_js_gzip_kb} KB`,
        vs: '',
        target: '≤ 50 KB',
      },
      {
        what: `/report JavaScript before the map is opened, gzip -9, ${reportPage.files.length} files`,
        figure: `${results.report_js_gzip_kb} KB (${results.report_js_raw_kb} KB raw)`,
        vs: `with the map opened ${results.report_with_map_js_gzip_kb} KB`,
        target: `≤ 100 KB ${results.report_js_gzip_kb <= 100 ? 'met' : 'MISSED'}`,
      },
      {
        what: `/map JavaScript at its first full draw (MapLibre included), gzip -9, ${mapPage.files.length} files`,
        figure: `${results.map_js_gzip_kb} KB (${results.map_js_raw_kb} KB raw)`,
        vs: `crew day page ${results.crew_day_js_gzip_kb} KB`,
        target: '',
      },
      {
        what: `/stats JavaScript with its charts drawn (uPlot included), gzip -9, ${statsPage.files.length} files`,
        figure: `${results.stats_js_gzip_kb} KB (${results.stats_js_raw_kb} KB raw)`,
        vs: '',
        target: '',
      },
      ...(record
        ? [
            {
              what: `GET /api/public/map, whole city at zoom ${record.view.zoom}: ${record.view.cases} of ${record.generated} generated cases in ${record.view.cells} cells, loopback, 200 requests`,
              figure: `p50 ${r1(record.api.p50)} ms, p95 ${r1(record.api.p95)} ms`,
              vs: `the same query run directly: p50 ${r1(record.sql.p50)} ms, p95 ${r1(record.sql.p95)} ms`,
              target: '',
            },
            {
              what: `/map first full draw in headless Chromium (1280×800), ${record.generated} generated cases, 5 cold loads`,
              figure: `median ${Math.round(record.first_draw_ms.median)} ms`,
              vs: `all: ${record.first_draw_ms.all.join(', ')} ms`,
              target: '',
            },
          ]
        : [{ what: '/map on 100,000 cases', figure: 'not measured: needs TEST_DATABASE_URL', vs: '', target: '' }]),
      {
        what: 'GET /api/public/cases/:id, loopback, 500 requests one at a time',
        figure: `p50 ${results.track_api_p50_ms} ms, p95 ${results.track_api_p95_ms} ms`,
        vs: `/healthz p50 ${results.healthz_p50_ms} ms, p95 ${results.healthz_p95_ms} ms`,
        target: '',
      },
    ],
    results,
  );
} finally {
  await browser.close();
  await server.stop();
}
