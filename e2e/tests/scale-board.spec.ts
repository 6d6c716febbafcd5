import { expect, test } from '@playwright/test';
import { OPEN_STATES } from '@fieldfix/shared';
import { LEAD, signIn } from '../support/app.ts';
import { ensureBigCity, onCityDatabase } from '../support/big-city.ts';
import { column } from '../support/board.ts';

// The lead's board in a big city: with 100,000 cases in the record, thousands are open with no
// crew, and the board takes the oldest 5,000 into its queue. Drawn whole, those cards made the
// board take seconds to open and again after every move (a keyboard test timed out behind
// them). The queue draws a page of 100 at a time, oldest first; "Show more" draws the next.
// The board's filters narrow what the server sends, so the cases past its 5,000 can be reached.

test.beforeAll(async () => {
  if (!(await ensureBigCity()))
    test.skip(true, 'needs TEST_DATABASE_URL (the generated cases go straight into PostgreSQL)');
});

test("a big city's backlog: the queue counts every case it holds, draws a page, and shows more by keyboard", async ({
  browser,
  baseURL,
}) => {
  test.setTimeout(120_000);
  const desk = await browser.newContext({ baseURL, viewport: { width: 1280, height: 800 } });
  const page = await desk.newPage();
  await signIn(page, LEAD);
  const t0 = Date.now();
  await page.getByRole('link', { name: 'Dispatch' }).click();
  const queue = column(page, 'queue');
  await expect(queue).toBeVisible({ timeout: 60_000 });
  const held = Number(await queue.getAttribute('data-count'));
  const drawn = queue.getByTestId('board-card');
  console.log(`The board opened with ${held} cases in its queue in ${Date.now() - t0} ms`);
  expect(held).toBeGreaterThan(1000);
  await expect(queue.getByRole('heading', { level: 2 })).toContainText(`(${held})`);
  await expect(drawn).toHaveCount(100);
  // More open cases with no crew than the board takes: it says it holds the oldest.
  const capped = queue.getByTestId('queue-capped');
  await expect(capped).toHaveText(
    new RegExp(
      `^The board holds the oldest ${held.toLocaleString('en-US')} of [\\d,]+\\. Filter to reach the others\\.$`,
    ),
  );

  const more = queue.getByTestId('queue-more');
  const left = (n: number) => n.toLocaleString('en-US');
  await expect(more).toHaveText(`Show 100 more unassigned cases (${left(held - 100)} not shown)`);
  await more.focus();
  await page.keyboard.press('Enter');
  await expect(drawn).toHaveCount(200);
  // The button stays under the keyboard for the next page.
  await expect(more).toBeFocused();
  await expect(more).toContainText(`(${left(held - 200)} not shown)`);
  // Oldest first, as the server sent them: the page drawn is the head of the queue.
  const ids = await drawn.evaluateAll((els) => els.map((e) => e.getAttribute('data-case-id')));
  expect(new Set(ids).size).toBe(200);

  // A filter narrows what the server sends: the queue then holds every open case of a
  // district with no crew, its newest too, not only those among the oldest the board held.
  await page.getByText('Filters', { exact: true }).click();
  const district = page.getByLabel('District');
  await district.selectOption({ index: 1 });
  const districtId = await district.inputValue();
  const counts = await onCityDatabase(async (sql) => {
    const open = sql`c.assigned_crew_id is null and c.state = any(${[...OPEN_STATES]}::text[])
      and c.service_code in (select code from service_types where department_id = 'streets')`;
    const [all] = await sql<{ n: number }[]>`
      select count(*)::int as n from cases c where ${open} and c.district_id = ${districtId}`;
    const [oldest] = await sql<{ n: number }[]>`
      select count(*)::int as n from (
        select c.district_id from cases c where ${open} order by c.requested_at, c.id limit ${held}
      ) x where x.district_id = ${districtId}`;
    return { all: all!.n, amongOldest: oldest!.n };
  });
  expect(counts!.all, 'the district has cases past the oldest the board held').toBeGreaterThan(counts!.amongOldest);
  await expect(queue).toHaveAttribute('data-count', String(Math.min(counts!.all, held)), { timeout: 30_000 });
  if (counts!.all > held)
    await expect(capped).toContainText(`of ${counts!.all.toLocaleString('en-US')} that match the filters.`);
  else await expect(capped).toHaveCount(0);
  await desk.close();
});
