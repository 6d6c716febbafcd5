import { expect, request, test } from '@playwright/test';
import { type Page } from '@playwright/test';
import { LEAD, openCase, pushOne, row, serverDay, signIn, synced } from '../support/app.ts';

// A crew's tablet that is online hears of a lead's change as it commits (`/api/sync/live`)
// and pulls it at once: the day list shows it within seconds, not at the next poll (every
// 30 s, and every 2 minutes while the hints flow).

/** The tablet's pulls from now on: whether each said the device knows it is behind (`behind=1`). */
function pullsOf(page: Page): { behind: boolean }[] {
  const pulls: { behind: boolean }[] = [];
  page.on('request', (r) => {
    const url = new URL(r.url());
    if (url.pathname === '/api/sync/pull') pulls.push({ behind: url.searchParams.get('behind') === '1' });
  });
  return pulls;
}

test("a lead's change shows on an open tablet within seconds, without waiting for the poll", async ({ page }) => {
  const hintStreams: string[] = [];
  page.on('request', (r) => {
    if (new URL(r.url()).pathname === '/api/sync/live') hintStreams.push(r.url());
  });
  const pulls = pullsOf(page);
  await signIn(page);
  await synced(page);
  const day = await serverDay(page.request);
  const target = day.find((c) => c.state === 'assigned' || c.state === 'in_progress');
  expect(target, 'the demo crew has an open case').toBeTruthy();
  await expect(row(page, target!.id)).not.toContainText('Urgent');
  // Let the first sync's own triggers settle, so only the hint can bring the change.
  await page.waitForTimeout(1_500);

  const lead = await request.newContext({ baseURL: test.info().project.use.baseURL });
  expect((await lead.post('/api/auth/login', { data: LEAD })).status()).toBe(200);
  const changedAt = Date.now();
  const pullsBefore = pulls.length;
  expect(await pushOne(lead, target!.id, 'set_priority', { priority: 'urgent' }, 'e2e-hints')).toBe('applied');
  await expect(row(page, target!.id)).toContainText('Urgent', { timeout: 10_000 });
  const seconds = (Date.now() - changedAt) / 1000;
  console.log(`The lead's change was on the tablet ${seconds.toFixed(1)} s after it was pushed`);
  // The poll would take up to 30 s; the hint a second or two.
  expect(seconds).toBeLessThan(4);
  expect(hintStreams.length).toBeGreaterThan(0);
  // The hinted pull says the device is behind: the server reads its database for it rather
  // than answer "nothing new" from what it read a moment before.
  expect(pulls.slice(pullsBefore)).toContainEqual({ behind: true });
  await lead.dispose();
});

test('a pull after its own push, or after "Sync now", says the device is behind; a poll does not', async ({ page }) => {
  await signIn(page);
  await synced(page);
  const target = (await serverDay(page.request)).find((c) => c.state === 'assigned' || c.state === 'in_progress');
  await openCase(page, target!.id);
  await page.waitForTimeout(1_500); // the first sync's own triggers settle
  const pulls = pullsOf(page);

  // A poll: the window regains focus, nothing was pushed.
  await page.evaluate(() => window.dispatchEvent(new Event('focus')));
  await expect.poll(() => pulls.length).toBeGreaterThan(0);
  await synced(page);
  expect(pulls.at(-1)).toEqual({ behind: false });

  // Its own push: the pull after it says so.
  const before = pulls.length;
  await page.getByRole('button', { name: 'Add note' }).click();
  await page.getByLabel('Note', { exact: true }).fill(`Behind after a push (${Date.now()})`);
  await page.getByRole('button', { name: 'Save note' }).click();
  await expect.poll(() => pulls.length).toBeGreaterThan(before);
  await synced(page);
  expect(pulls.slice(before)[0]).toEqual({ behind: true });

  // "Sync now" with nothing to push.
  const beforeNow = pulls.length;
  await page.getByTestId('sync-now').click();
  await expect.poll(() => pulls.length).toBeGreaterThan(beforeNow);
  await synced(page);
  expect(pulls.slice(beforeNow)[0]).toEqual({ behind: true });
});
