import { readFileSync } from 'node:fs';
import { expect, test, type Page } from '@playwright/test';
import { axeClean } from '../support/axe.ts';
import { ensureBigCity, GENERATED } from '../support/big-city.ts';

// The city's record with a big city's year: 100,000 generated cases put straight into the test
// database (one insert … select generate_series). `/map` draws them as numbered circles and
// filters them; the list after the map has the same cases; `/stats` shows its tables, draws its
// charts and downloads CSV and JSON; both are axe clean at phone and desktop sizes.

const SIZES = [
  { name: 'phone', width: 390, height: 844 },
  { name: 'desktop', width: 1280, height: 800 },
];

test.describe.configure({ mode: 'serial' });

test.beforeAll(async () => {
  if (!(await ensureBigCity()))
    test.skip(true, 'needs TEST_DATABASE_URL (the generated cases go straight into PostgreSQL)');
});

const map = (page: Page) => page.getByTestId('record-map');
const total = async (page: Page) => Number(await map(page).getAttribute('data-total'));

/** Waits for the cells of the current view to be drawn with `expected` cases in view. */
async function drawnWith(page: Page, pred: (n: number) => boolean) {
  await expect.poll(async () => pred(await total(page)), { timeout: 30_000 }).toBe(true);
}

test('/map draws 100,000 cases as numbered circles, filters them, zooms by keyboard, and lists them', async ({
  browser,
}) => {
  test.setTimeout(180_000);
  const context = await browser.newContext({ locale: 'en-US', serviceWorkers: 'block' });
  const page = await context.newPage();
  const t0 = Date.now();
  await page.goto('/map');
  await expect(map(page)).toHaveAttribute('data-drawn', 'true', { timeout: 60_000 });
  console.log(`/map first full draw with ${GENERATED} cases: ${Date.now() - t0} ms`);
  const all = await total(page);
  expect(all).toBeGreaterThan(10_000);
  expect(Number(await map(page).getAttribute('data-clusters'))).toBeGreaterThan(0);
  await expect(page.getByTestId('map-count')).toContainText('cases in this area');
  // The list has the same cases: its total is the map's.
  await expect(page.getByTestId('case-list').locator('li')).toHaveCount(50);
  await expect(page.getByText(`Showing 50 of ${all.toLocaleString('en-US')}`)).toBeVisible();

  // Filters: one type, then a district and open cases only; each view has fewer cases.
  await page.getByLabel('Type of problem').selectOption('POTHOLE');
  await drawnWith(page, (n) => n > 0 && n < all / 3);
  const potholes = await total(page);
  await page.getByLabel('District').selectOption({ label: 'Old Town' });
  await page.getByLabel('Status').selectOption('open');
  await drawnWith(page, (n) => n > 0 && n < potholes);
  const narrowed = await total(page);
  const res = await page.request.get(
    `/api/public/map/cases?bbox=-180,-85,180,85&type=POTHOLE&district=old-town&status=open&limit=1`,
  );
  expect(((await res.json()) as { total: number }).total).toBeGreaterThanOrEqual(narrowed);
  await expect(page.getByTestId('case-list').locator('li').first()).toContainText('Pothole');

  // Back to everything; the map's controls have names, and zooming in with the keyboard
  // redraws the smaller area with fewer cases.
  await page.getByLabel('Type of problem').selectOption('');
  await page.getByLabel('District').selectOption('');
  await page.getByLabel('Status').selectOption('');
  await drawnWith(page, (n) => n === all);
  const zoomIn = page.getByRole('button', { name: 'Zoom in' });
  await zoomIn.focus();
  await page.keyboard.press('Enter');
  await drawnWith(page, (n) => n > 0 && n < all);
  await expect.poll(async () => Number(await map(page).getAttribute('data-clusters'))).toBeGreaterThan(0);

  // The list's first case opens its timeline.
  const firstListed = page.getByTestId('case-list').locator('li a').first();
  expect(await firstListed.getAttribute('href')).toMatch(/^\/track\/\d+$/);
  await firstListed.click();
  await expect(page).toHaveURL(/\/track\/\d+$/);
  await context.close();
});

test('a case card opens from the map and links to the timeline', async ({ browser }) => {
  test.setTimeout(120_000);
  const context = await browser.newContext({ locale: 'en-US', serviceWorkers: 'block' });
  const page = await context.newPage();
  // A view close enough that single cases are drawn: one case's own place, zoomed in.
  const list = (await (
    await page.request.get('/api/public/map/cases?bbox=-180,-85,180,85&status=open&limit=1')
  ).json()) as {
    cases: { id: string; lat: number; long: number }[];
  };
  const c = list.cases[0]!;
  // A link to a place: the map opens there, close enough that single cases are drawn.
  await page.goto(`/map?lat=${c.lat}&long=${c.long}&zoom=19`);
  await expect(map(page)).toHaveAttribute('data-drawn', 'true', { timeout: 60_000 });
  await expect
    .poll(async () => Number(await map(page).getAttribute('data-cases')), { timeout: 30_000 })
    .toBeGreaterThan(0);
  // Its centre on screen, wherever the filters above push it.
  await map(page).evaluate((el) => el.scrollIntoView({ block: 'center' }));
  const box = (await map(page).boundingBox())!;
  await page.mouse.click(box.x + box.width / 2, box.y + box.height / 2);
  const card = page.getByTestId('case-card');
  await expect(card).toBeVisible();
  await expect(card.getByRole('heading')).toContainText(`Case #`);
  await expect(card.getByRole('link', { name: 'See what has happened' })).toHaveAttribute('href', /^\/track\/\d+$/);
  await card.getByRole('button', { name: 'Close' }).click();
  await expect(card).toBeHidden();
  await context.close();
});

test('/map and /stats in Spanish are axe clean at phone and desktop sizes', async ({ browser }) => {
  test.setTimeout(180_000);
  const context = await browser.newContext({ locale: 'es-MX', serviceWorkers: 'block' });
  const page = await context.newPage();
  await page.goto('/map');
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Mapa de casos');
  await expect(map(page)).toHaveAttribute('data-drawn', 'true', { timeout: 60_000 });
  await expect(page.getByRole('button', { name: 'Acercar' })).toBeVisible();
  // The map's own buttons are big enough for a thumb.
  for (const name of ['Acercar', 'Alejar']) {
    const box = await page.getByRole('button', { name }).boundingBox();
    expect(Math.min(box!.width, box!.height), name).toBeGreaterThanOrEqual(44);
  }
  for (const size of SIZES) {
    await page.setViewportSize(size);
    await axeClean(page);
  }
  await page.goto('/stats');
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Las cifras de la ciudad');
  await expect(page.getByTestId('chart-open')).toHaveAttribute('data-drawn', 'true', { timeout: 30_000 });
  for (const size of SIZES) {
    await page.setViewportSize(size);
    await axeClean(page);
  }
  await context.close();
});

test('/stats shows its tables and charts, follows a department, and downloads CSV and JSON', async ({ browser }) => {
  test.setTimeout(120_000);
  const context = await browser.newContext({ locale: 'en-US', serviceWorkers: 'block', acceptDownloads: true });
  const page = await context.newPage();
  await page.goto('/stats');
  await expect(page.getByRole('heading', { level: 1 })).toHaveText("The city's figures");
  const open = page.getByTestId('table-open');
  await expect(open.getByRole('rowheader', { name: 'Streets' })).toBeVisible();
  await expect(open.locator('tbody tr')).toHaveCount(4);
  for (const id of ['chart-open', 'chart-close', 'chart-trend']) {
    await expect(page.getByTestId(id)).toHaveAttribute('data-drawn', 'true', { timeout: 30_000 });
    await expect(page.getByTestId(id).locator('canvas')).toHaveCount(1);
  }
  await expect(page.getByTestId('table-trend').locator('tbody tr')).toHaveCount(26);
  // The city's open cases in the table are the JSON's.
  const json = (await (await page.request.get('/api/public/stats')).json()) as {
    rows: { departmentId: string | null; serviceCode: string | null; openTotal: number }[];
  };
  const city = json.rows.find((r) => r.departmentId === null)!;
  expect(city.openTotal).toBeGreaterThan(1000);
  await expect(open.locator('tfoot')).toContainText(city.openTotal.toLocaleString('en-US'));

  await page.getByLabel('Department').selectOption({ label: 'Streets' });
  await expect(open.getByRole('rowheader', { name: 'Pothole' })).toBeVisible();
  await expect(open.locator('tbody tr')).toHaveCount(3);

  const [csv] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('link', { name: 'By type (CSV)' }).click(),
  ]);
  expect(csv.suggestedFilename()).toMatch(/types.*\.csv$/);
  const text = readFileSync((await csv.path())!, 'utf8');
  expect(text.split('\r\n')[0]).toContain('open_0_7_days');
  expect(text).toContain(`city,,,,,,`);
  const [weeks] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('link', { name: 'By week (CSV)' }).click(),
  ]);
  expect(readFileSync((await weeks.path())!, 'utf8').split('\r\n')[0]).toContain('week_starting');
  const [whole] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('link', { name: 'Everything (JSON)' }).click(),
  ]);
  expect(whole.suggestedFilename()).toBe('city-311-figures.json');
  const body = JSON.parse(readFileSync((await whole.path())!, 'utf8')) as { rows: unknown[]; trend: unknown[] };
  expect(body.rows.length).toBe(json.rows.length);
  await context.close();
});

test("the case list beside the map does not hang on a failed request: without the city's area it lists the map's view; a failed list says so and tries again", async ({
  browser,
}) => {
  test.setTimeout(120_000);
  const context = await browser.newContext({ locale: 'en-US', serviceWorkers: 'block' });
  const page = await context.newPage();
  // The city's area and filters do not come (a blip): the list waits for the map's view.
  await page.route('**/api/public/map/filters', (route) => route.abort('connectionreset'));
  await page.goto('/map');
  await expect(page.getByTestId('case-list')).toBeVisible({ timeout: 60_000 });
  await page.unroute('**/api/public/map/filters');

  // The list's own request fails: said, and "Try again" brings it.
  await page.route('**/api/public/map/cases?*', (route) => route.abort('connectionreset'));
  await page.getByLabel('Status').selectOption('open');
  const retry = page.getByTestId('case-list-retry');
  await expect(retry).toBeVisible({ timeout: 15_000 });
  await expect(page.getByRole('alert').filter({ hasText: 'Something went wrong' })).toBeVisible();
  await page.unroute('**/api/public/map/cases?*');
  await retry.click();
  await expect(page.getByTestId('case-list')).toBeVisible({ timeout: 30_000 });
  await expect(page.getByRole('heading', { name: 'Cases in this area' })).toBeFocused();
  await context.close();
});
