import { statSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { PRECACHE_BUDGET_BYTES } from '../../field-app/tools/precache-plan.ts';
import { LEAD, offlineReady, openCase, serverDay, signIn, synced } from '../support/app.ts';
import { e2eStaticDir } from '../support/paths.ts';

// The service worker's precache is what a crew needs (field-app/tools/precache-plan.ts): every
// file the crew's pages load, within the budget, and none that only the dispatch board or the
// residents' pages load. Those load from the network, and the board once opened opens offline.

/** Paths of the built files the page asks for from now on (through its service worker or not). */
function recordBuiltFiles(page: Page): Set<string> {
  const seen = new Set<string>();
  page.on('request', (r) => {
    const path = new URL(r.url()).pathname;
    if (path.startsWith('/_app/immutable/')) seen.add(path);
  });
  return seen;
}

/** What the page's service worker holds, by cache: `precache` (Workbox's) and `runtime`. */
async function cached(page: Page): Promise<{ precache: string[]; runtime: string[] }> {
  return page.evaluate(async () => {
    const out = { precache: [] as string[], runtime: [] as string[] };
    for (const name of await caches.keys()) {
      const cache = await caches.open(name);
      const paths = (await cache.keys()).map((r) => new URL(r.url).pathname);
      if (name.includes('precache')) out.precache.push(...paths);
      else if (name.includes('runtime')) out.runtime.push(...paths);
    }
    return out;
  });
}

test('a crew tablet precaches every file its pages load, within the budget, and nothing only the board or the residents use', async ({
  page,
  browser,
  baseURL,
}) => {
  test.setTimeout(120_000);
  const crewFiles = recordBuiltFiles(page);
  await signIn(page);
  await synced(page);
  await offlineReady(page);
  const day = await serverDay(page.request);
  await openCase(page, day[0]!.id);
  await page.getByTestId('case-detail').waitFor();
  for (const path of ['/settings', '/inbox', '/day']) {
    await page.goto(path);
    await page.waitForLoadState('networkidle');
  }

  const { precache } = await cached(page);
  const precached = new Set(precache);
  expect([...crewFiles].filter((p) => !precached.has(p))).toEqual([]);

  const dir = e2eStaticDir();
  const bytes = precache.reduce((n, p) => n + statSync(join(dir, p === '/' ? '200.html' : p)).size, 0);
  console.log(
    `Precache: ${precache.length} files, ${(bytes / 1024).toFixed(0)} KiB (budget ${PRECACHE_BUDGET_BYTES / 1024} KiB); the crew's pages loaded ${crewFiles.size} built files`,
  );
  expect(bytes).toBeLessThanOrEqual(PRECACHE_BUDGET_BYTES);

  // The residents' pages, in a browser with no service worker: what they load that no crew
  // page does is not precached.
  const resident = await browser.newContext({ baseURL, serviceWorkers: 'block' });
  const pub = await resident.newPage();
  const publicFiles = recordBuiltFiles(pub);
  for (const path of ['/report', '/map', '/stats', '/track']) {
    await pub.goto(path);
    await pub.waitForLoadState('networkidle');
  }
  await resident.close();
  // Code and styles (a font a crew page shows may come from the memory cache, unseen here).
  const code = (p: string) => /\.(js|css)$/.test(p);
  const publicOnly = [...publicFiles].filter((p) => code(p) && !crewFiles.has(p));
  expect(publicOnly.length).toBeGreaterThan(0);
  expect(publicOnly.filter((p) => precached.has(p))).toEqual([]);

  // The lead's board: its own files are not precached; once opened they are kept at run time,
  // and the board opens again with no network.
  const desk = await browser.newContext({ baseURL, viewport: { width: 1280, height: 800 } });
  const lead = await desk.newPage();
  await signIn(lead, LEAD);
  await offlineReady(lead);
  const boardFiles = recordBuiltFiles(lead);
  await lead.goto('/dispatch');
  await expect(lead.getByRole('heading', { name: 'Dispatch board' })).toBeVisible();
  const boardOnly = [...boardFiles].filter((p) => code(p) && !crewFiles.has(p));
  expect(boardOnly.length).toBeGreaterThan(0);
  expect(boardOnly.filter((p) => precached.has(p))).toEqual([]);
  await expect
    .poll(async () => {
      const { runtime } = await cached(lead);
      return boardOnly.filter((p) => !runtime.includes(p));
    })
    .toEqual([]);

  await desk.setOffline(true);
  await lead.reload();
  await expect(lead.getByRole('heading', { name: 'Dispatch board' })).toBeVisible();
  await desk.close();
});
