import { expect, test, type Page } from '@playwright/test';
import AxeBuilder from '@axe-core/playwright';
import { distanceText, haversineMetres } from '../../shared/src/domain/geo.ts';

const WORKER = { email: 'worker@riverton.example', password: 'fieldfix' };

interface DayCase {
  id: string;
  address: string;
  state: string;
  serviceCode: string;
  lat: number;
  long: number;
}

const BUCKET: Record<string, string> = {
  new: 'open',
  assigned: 'open',
  in_progress: 'in_progress',
  on_hold: 'on_hold',
  fixed: 'done',
  closed_not_fixed: 'done',
};

async function signInAndSync(page: Page): Promise<DayCase[]> {
  await page.goto('/login');
  await page.getByLabel('Email').fill(WORKER.email);
  await page.getByLabel('Password').fill(WORKER.password);
  await page.getByRole('button', { name: /sign in/i }).click();
  await expect(page).toHaveURL(/\/day$/);
  const day = await page.evaluate(async () => (await (await fetch('/api/day')).json()) as { cases: DayCase[] });
  await expect(page.getByTestId('case-row')).toHaveCount(day.cases.length);
  await page.evaluate(async () => {
    await navigator.serviceWorker.ready;
  });
  if (!(await page.evaluate(() => !!navigator.serviceWorker.controller))) await page.reload();
  await expect.poll(() => page.evaluate(() => !!navigator.serviceWorker.controller)).toBe(true);
  return day.cases;
}

async function shownIds(page: Page): Promise<string[]> {
  return page.getByTestId('case-row').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-case-id') ?? ''));
}

const serious = (r: { violations: { impact?: string | null; id: string; nodes: { target: unknown }[] }[] }) =>
  r.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id}: ${String(v.nodes[0]?.target)}`);

test('haversine distances read as a crew expects', () => {
  // Detroit City Hall to the Renaissance Center: about 1.1 km on the ground.
  const m = haversineMetres({ lat: 42.3297, long: -83.0458 }, { lat: 42.3293, long: -83.0398 });
  expect(m).toBeGreaterThan(480);
  expect(m).toBeLessThan(500);
  // One degree of latitude is ~111.2 km everywhere.
  expect(haversineMetres({ lat: 10, long: 20 }, { lat: 11, long: 20 })).toBeCloseTo(111_195, -2);
  expect(haversineMetres({ lat: 1, long: 1 }, { lat: 1, long: 1 })).toBe(0);
  expect(distanceText(347)).toBe('350 m');
  expect(distanceText(1234)).toBe('1.2 km');
  expect(distanceText(23_456)).toBe('23 km');
});

test('day filters and search narrow the list offline, and the URL keeps them across a reload', async ({
  page,
  context,
}) => {
  const cases = await signInAndSync(page);
  expect(cases.length).toBeGreaterThanOrEqual(5);
  await context.setOffline(true);
  await page.reload();
  await expect(page.getByTestId('offline-indicator')).toBeVisible();
  await expect(page.getByTestId('case-row')).toHaveCount(cases.length);

  // Status: the biggest bucket of the day.
  const counts = new Map<string, number>();
  for (const c of cases) counts.set(BUCKET[c.state]!, (counts.get(BUCKET[c.state]!) ?? 0) + 1);
  const [bucket] = [...counts.entries()].sort((a, b) => b[1] - a[1])[0]!;
  await page.getByTestId('filters-toggle').click();
  await page.locator(`[data-testid="status-filter"][data-status="${bucket}"]`).click();
  await expect(page).toHaveURL(new RegExp(`status=${bucket}`));
  const byStatus = cases.filter((c) => BUCKET[c.state] === bucket);
  await expect(page.getByTestId('case-row')).toHaveCount(byStatus.length);
  expect(await shownIds(page)).toEqual(byStatus.map((c) => c.id));
  await expect(page.getByTestId('day-count')).toHaveText(`${byStatus.length} of ${cases.length} cases`);

  // Type buttons: only the types on today's list.
  const types = [...new Set(cases.map((c) => c.serviceCode))].sort();
  const offered = await page
    .getByTestId('type-filter')
    .evaluateAll((b) => b.map((x) => x.getAttribute('data-type') ?? ''));
  expect([...offered].sort()).toEqual(types);
  const type = byStatus[0]!.serviceCode;
  await page.locator(`[data-testid="type-filter"][data-type="${type}"]`).click();
  const both = byStatus.filter((c) => c.serviceCode === type);
  await expect(page.getByTestId('case-row')).toHaveCount(both.length);
  const box = await page.locator('[data-testid="status-filter"]').first().boundingBox();
  expect(box!.height).toBeGreaterThanOrEqual(48);

  // The filters survive an offline reload (from the URL).
  await page.reload();
  await expect(page.getByTestId('case-row')).toHaveCount(both.length);
  await expect(page.locator(`[data-testid="status-filter"][data-status="${bucket}"]`)).toHaveAttribute(
    'aria-pressed',
    'true',
  );
  await expect(page.getByTestId('filters-toggle')).toHaveAttribute('aria-expanded', 'true');

  const axe = await new AxeBuilder({ page }).analyze();
  expect(serious(axe)).toEqual([]);

  // Back goes to the status-only filter.
  await page.goBack();
  await expect(page.getByTestId('case-row')).toHaveCount(byStatus.length);

  await page.getByTestId('clear-filters').click();
  await expect(page.getByTestId('case-row')).toHaveCount(cases.length);

  // Search by case number (with and without "#") and by address text.
  const target = cases[cases.length - 1]!;
  await page.getByTestId('day-search').fill(`#${target.id}`);
  await expect(page.getByTestId('case-row')).toHaveCount(1);
  expect(await shownIds(page)).toEqual([target.id]);
  const word = target.address.split(/\s+/).find((w) => /^[A-Za-z]{4,}$/.test(w)) ?? target.address.slice(0, 5);
  await page.getByTestId('day-search').fill(word.toLowerCase());
  const byWord = cases.filter((c) => c.address.toLowerCase().includes(word.toLowerCase()));
  await expect(page.getByTestId('case-row')).toHaveCount(byWord.length);
  await expect.poll(() => new URL(page.url()).searchParams.get('q')).toBe(word.toLowerCase());

  // Nothing matches: it says so and offers to clear.
  await page.getByTestId('day-search').fill('no such street anywhere');
  await expect(page.getByTestId('case-row')).toHaveCount(0);
  await expect(page.getByTestId('day-no-match')).toContainText('No cases');
  await page
    .getByTestId('day-no-match')
    .getByRole('button', { name: /clear filters/i })
    .click();
  await expect(page.getByTestId('case-row')).toHaveCount(cases.length);
  await expect(page.getByTestId('day-search')).toHaveValue('');
});

test('distances show when location is already allowed, without asking, and follow the crew as it moves', async ({
  page,
  context,
}) => {
  const cases = await signInAndSync(page);
  await expect(page.getByTestId('case-distance')).toHaveCount(0);
  const first = cases[0]!;
  const here = { lat: first.lat + 0.003, long: first.long };
  await context.grantPermissions(['geolocation']);
  await context.setGeolocation({ latitude: here.lat, longitude: here.long });
  await page.reload();
  const row = page.locator(`[data-testid="case-row"][data-case-id="${first.id}"]`);
  await expect(row.getByTestId('case-distance')).toHaveText(`${distanceText(haversineMetres(here, first))} away`);
  // The crew drives on: the distances follow without a reload.
  await context.setGeolocation({ latitude: first.lat, longitude: first.long + 0.02 });
  await expect(row.getByTestId('case-distance')).toHaveText(
    `${distanceText(haversineMetres({ lat: first.lat, long: first.long + 0.02 }, first))} away`,
  );
});

test('the case history shows the server’s events, and still does offline after a reload', async ({ page, context }) => {
  const cases = await signInAndSync(page);
  // The case with the longest story makes the best check.
  let best = { id: cases[0]!.id, events: [] as { kind: string; actorName: string | null }[] };
  for (const c of cases.slice(0, 8)) {
    const r = await page.evaluate(
      async (id) =>
        (await (await fetch(`/api/cases/${id}`)).json()) as { events: { kind: string; actorName: string | null }[] },
      c.id,
    );
    if (r.events.length > best.events.length) best = { id: c.id, events: r.events };
  }
  expect(best.events.length).toBeGreaterThan(0);

  await page.goto(`/cases/${best.id}`);
  const entries = page.getByTestId('history-entry');
  await expect(entries).toHaveCount(best.events.length);
  await expect(page.getByTestId('history-as-of')).toContainText('As of');
  const actor = best.events.find((e) => e.actorName)?.actorName;
  if (actor) await expect(page.getByTestId('case-history')).toContainText(actor);
  if (best.events.some((e) => e.kind === 'started'))
    await expect(page.getByTestId('case-history')).toContainText('Started the job');

  const axe = await new AxeBuilder({ page }).analyze();
  expect(serious(axe)).toEqual([]);

  await context.setOffline(true);
  await page.reload();
  await expect(page.getByTestId('case-detail')).toBeVisible();
  await expect(entries).toHaveCount(best.events.length);
  await expect(page.getByTestId('history-as-of')).toContainText('offline');
});
