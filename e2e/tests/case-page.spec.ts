import { expect, test, type Locator, type Page } from '@playwright/test';
import AxeBuilder from '@axe-core/playwright';
import { LEAD, offlineReady, openCase, pushOne, serverCase, signIn, synced, WORKER } from '../support/app.ts';

// The case page as a crew member uses it: the resident's photos there with no signal, every
// crew page free of serious accessibility problems at tablet and phone size, the work done
// with a keyboard alone, and the app's own install button.

interface DayCase {
  id: string;
  serviceCode: string;
  state: string;
  reportPhotoIds: string[];
}

async function day(page: Page): Promise<DayCase[]> {
  const res = await page.request.get('/api/day');
  expect(res.status()).toBe(200);
  return ((await res.json()) as { cases: DayCase[] }).cases;
}

const naturalWidths = (page: Page, testId: string) =>
  page
    .getByTestId(testId)
    .locator('img')
    .evaluateAll((imgs) => imgs.map((i) => (i as HTMLImageElement).naturalWidth));

test('the resident’s photos are on the device: the case page shows them with no signal', async ({ page, context }) => {
  await signIn(page);
  await synced(page);
  await offlineReady(page);
  const cases = await day(page);
  const withPhoto = cases.find((c) => c.reportPhotoIds.length > 0);
  const without = cases.find((c) => c.reportPhotoIds.length === 0);
  expect(withPhoto, 'the demo crew has a case reported with a photo').toBeTruthy();
  expect(without, 'and one reported without').toBeTruthy();

  // Kept by the sync itself: no case page was opened with signal.
  await context.setOffline(true);
  await page.reload();
  await openCase(page, withPhoto!.id);
  // Its number by its title, as the board and the lead call it.
  await expect(page.getByTestId('case-number')).toHaveText(`#${withPhoto!.id}`);
  const photos = page.getByTestId('resident-photos');
  await expect(photos.getByRole('img', { name: /the resident sent with the report/ })).toHaveCount(
    withPhoto!.reportPhotoIds.length,
  );
  await expect.poll(() => naturalWidths(page, 'resident-photos')).toEqual(withPhoto!.reportPhotoIds.map(() => 1024));

  await openCase(page, without!.id);
  await expect(page.getByTestId('resident-photos')).toHaveCount(0);
  await expect(page.getByTestId('case-detail')).toContainText('The resident sent no photo.');
});

test('every crew page has no serious accessibility violations and fits a tablet and a phone', async ({
  page,
  browser,
  baseURL,
}) => {
  test.setTimeout(240_000); // 15 page loads, each checked by axe
  await signIn(page);
  await synced(page);
  await offlineReady(page);
  // A case reported with a photo: its page is the longest.
  const first = (await day(page)).find((c) => c.reportPhotoIds.length > 0);
  expect(first, 'the demo crew has a case reported with a photo').toBeTruthy();
  // AxeBuilder needs a page of a context made with newContext().
  const leadContext = await browser.newContext({ baseURL });
  const lead = await leadContext.newPage();
  await signIn(lead, LEAD);
  await offlineReady(lead);

  // Each page, and what shows once it has loaded.
  const pages: [Page, string, (p: Page) => Locator][] = [
    [page, '/day', (p) => p.getByTestId('case-row').first()],
    [page, '/day?view=map', (p) => p.getByTestId('day-map')],
    [page, `/cases/${first!.id}`, (p) => p.getByTestId('case-detail')],
    [page, '/settings', (p) => p.getByRole('heading', { level: 1 })],
    [lead, '/inbox', (p) => p.getByRole('heading', { name: 'Crossed paths' })],
  ];
  const sizes = [
    { name: 'tablet', width: 1280, height: 800 },
    { name: 'tablet portrait', width: 800, height: 1280 },
    { name: 'phone', width: 390, height: 844 },
  ];
  const problems: string[] = [];
  for (const size of sizes) {
    for (const [p, path, loaded] of pages) {
      await p.setViewportSize(size);
      await p.goto(path);
      await expect(loaded(p)).toBeVisible();
      const axe = await new AxeBuilder({ page: p }).analyze();
      for (const v of axe.violations) {
        if (v.impact === 'serious' || v.impact === 'critical')
          problems.push(`${size.name} ${path}: ${v.id} at ${String(v.nodes[0]?.target)}`);
      }
      // Nothing wider than the screen: no sideways scrolling with a glove.
      const overflow = await p.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      if (overflow > 1) problems.push(`${size.name} ${path}: ${overflow}px wider than the screen`);
      // A case's first action in the first screen, above the resident's photos: no scrolling to start.
      if (path.startsWith('/cases/')) {
        const start = await p.getByTestId('case-actions').getByRole('button').first().boundingBox();
        if (!start || start.y + start.height > size.height)
          problems.push(`${size.name} ${path}: the first action is below the first screen (at ${start?.y}px)`);
      }
    }
  }
  expect(problems).toEqual([]);
  await leadContext.close();
});

test('a note added with the keyboard alone reaches the server', async ({ page }) => {
  await signIn(page);
  await synced(page);
  const cases = await day(page);
  const target = cases.filter((c) => ['assigned', 'in_progress', 'on_hold'].includes(c.state)).at(-1)!;
  await page.goto(`/cases/${target.id}`);
  await expect(page.getByTestId('case-detail')).toBeVisible();

  // Tab to "Add note" as a keyboard user would, counting the stops.
  let stops = 0;
  for (; stops < 40; stops++) {
    await page.keyboard.press('Tab');
    const name = await page.evaluate(() => document.activeElement?.textContent?.trim() ?? '');
    if (name === 'Add note') break;
  }
  expect(stops, '"Add note" is reachable with Tab').toBeLessThan(40);
  await page.keyboard.press('Enter');
  const text = `Keyboard note ${Date.now()}`;
  // The form puts the caret in its first field.
  await page.keyboard.type(text);
  let saved = false;
  for (let i = 0; i < 10 && !saved; i++) {
    await page.keyboard.press('Tab');
    saved = (await page.evaluate(() => document.activeElement?.textContent?.trim() ?? '')) === 'Save note';
  }
  expect(saved, '"Save note" follows the field').toBe(true);
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('action-saved')).toContainText('saved on this device');
  await synced(page);
  const { events } = await serverCase(page.request, target.id);
  expect(events.filter((e) => e.kind === 'note' && e.data.text === text)).toHaveLength(1);
});

test('words typed in a form and not saved are not lost to a tap on a link: the page asks first', async ({ page }) => {
  await signIn(page);
  await synced(page);
  const target = (await day(page)).find((c) => ['assigned', 'in_progress', 'on_hold'].includes(c.state))!;
  await page.goto(`/cases/${target.id}`);
  await page.getByRole('button', { name: 'Add note' }).click();
  const note = page.getByRole('textbox').first();
  await note.fill('Curb cracked along 3 m, cones out');
  // "Back to my day": asked; staying keeps the page and the words.
  const asked: string[] = [];
  page.once('dialog', (d) => {
    asked.push(d.message());
    void d.dismiss();
  });
  await page.getByRole('link', { name: 'Back to my day' }).click();
  await expect.poll(() => asked).toEqual(['What you wrote here is not saved. Leave without saving it?']);
  await expect(page).toHaveURL(new RegExp(`/cases/${target.id}$`));
  await expect(note).toHaveValue('Curb cracked along 3 m, cones out');
  // Leaving anyway goes; with nothing typed, nothing is asked.
  page.once('dialog', (d) => void d.accept());
  await page.getByRole('link', { name: 'Back to my day' }).click();
  await expect(page).toHaveURL(/\/day$/);
  await page.goto(`/cases/${target.id}`);
  await page.getByRole('button', { name: 'Add note' }).click();
  page.once('dialog', () => {
    throw new Error('asked with nothing typed');
  });
  await page.getByRole('link', { name: 'Back to my day' }).click();
  await expect(page).toHaveURL(/\/day$/);
});

test('the app offers its own install button while the browser allows installing, and uses the offer once', async ({
  page,
}) => {
  await signIn(page, WORKER);
  await expect(page.getByTestId('install-app')).toHaveCount(0);
  // What Chromium fires when the app meets its install criteria (headless never does).
  await page.evaluate(() => {
    const e = new Event('beforeinstallprompt', { cancelable: true }) as Event & {
      prompt(): Promise<void>;
      userChoice: Promise<{ outcome: string }>;
    };
    (window as unknown as { prompted: number }).prompted = 0;
    e.prompt = async () => {
      (window as unknown as { prompted: number }).prompted++;
    };
    e.userChoice = Promise.resolve({ outcome: 'accepted' });
    window.dispatchEvent(e);
    (window as unknown as { defaultPrevented: boolean }).defaultPrevented = e.defaultPrevented;
  });
  expect(
    await page.evaluate(() => (window as unknown as { defaultPrevented: boolean }).defaultPrevented),
    'the browser’s own mini-infobar is held back',
  ).toBe(true);
  const button = page.getByTestId('install-app');
  await expect(button).toBeVisible();
  await button.click();
  expect(await page.evaluate(() => (window as unknown as { prompted: number }).prompted)).toBe(1);
  await expect(button).toHaveCount(0);
});

test('a case moved to another crew while its worker writes a note keeps the page and the note; saved, the note stands (R8)', async ({
  page,
  playwright,
  baseURL,
}) => {
  await signIn(page);
  await synced(page);
  const target = (await day(page)).find((c) => c.state === 'assigned');
  expect(target, 'the demo crew has an assigned case').toBeTruthy();
  const was = (await (await page.request.get(`/api/cases/${target!.id}`)).json()) as {
    case: { crewId: string; assignedDay: string; routePosition: number | null };
  };
  await openCase(page, target!.id);
  await page.getByRole('button', { name: 'Add note' }).click();
  const text = `Cones at the corner, back after lunch (${Date.now()})`;
  await page.getByLabel('Note', { exact: true }).fill(text);

  const lead = await playwright.request.newContext({ baseURL, extraHTTPHeaders: { origin: baseURL! } });
  expect((await lead.post('/api/auth/login', { data: LEAD })).status()).toBe(200);
  try {
    const day = was.case.assignedDay;
    expect(await pushOne(lead, target!.id, 'assign', { crewId: 'streets-b', day, position: null }, 'e2e-departs')).toBe(
      'applied',
    );
    // The tablet hears of it and pulls: the case leaves the device, the page and the note stay.
    await expect(page.getByTestId('case-departed').or(page.getByTestId('case-from-server'))).toBeVisible({
      timeout: 15_000,
    });
    await expect(page.getByLabel('Note', { exact: true })).toHaveValue(text);
    await page.getByRole('button', { name: 'Save note' }).click();
    await expect(page.getByRole('status').filter({ hasText: 'Note saved' })).toBeVisible();
    await synced(page);
    await expect
      .poll(async () =>
        (await serverCase(lead, target!.id)).events.some((e) => e.kind === 'note' && e.data.text === text),
      )
      .toBe(true);
  } finally {
    await pushOne(
      lead,
      target!.id,
      'assign',
      { crewId: was.case.crewId, day: was.case.assignedDay, position: was.case.routePosition },
      'e2e-departs',
    );
    await lead.dispose();
  }
});
