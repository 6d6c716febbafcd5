import { expect, test, type Page } from '@playwright/test';
import { ADMIN, LEAD, submitSignIn } from '../support/app.ts';
import { axeClean } from '../support/axe.ts';

// An address no page has gets a "not found" page, once, with the way on (it used to load
// itself again about 13 times a second, blank). And the pages that
// were wider than a phone are not: the lead's board, and the admins' notices and keys at
// 320 px (a phone's width at 200 % text).

/** How wide the page is, in CSS pixels (wider than the window: the whole page pans sideways). */
const pageWidth = (page: Page) => page.evaluate(() => document.documentElement.scrollWidth);

test('an unknown address shows "not found" once, with the way on for staff and residents', async ({
  browser,
  request,
}) => {
  for (const path of ['/reporte', '/cases/12/nothing']) {
    const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, serviceWorkers: 'block' });
    const page = await phone.newPage();
    let loads = 0;
    page.on('load', () => loads++);
    await page.goto(path);
    await expect(page.getByRole('heading', { level: 1 })).toHaveText('Page not found');
    await page.waitForTimeout(1500);
    expect(loads, path).toBe(1);
    await expect(page).toHaveURL(new RegExp(`${path}$`));
    await expect(page.getByRole('link', { name: 'Go to my day' })).toBeVisible();
    await axeClean(page);
    await page.getByRole('link', { name: 'Report a problem' }).click();
    await expect(page).toHaveURL(/\/report$/);
    await phone.close();
  }
  // What the client asked before reloading: the app's updates come from its service worker.
  expect((await request.get('/_app/version.json')).status()).toBe(404);
});

test("the lead's board fits a phone, and the admins' pages fit 320 px", async ({ browser }) => {
  const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
  const lead = await phone.newPage();
  await lead.goto('/login');
  await submitSignIn(lead, LEAD);
  await expect(lead).toHaveURL(/\/inbox$/);
  await lead.goto('/dispatch');
  await expect(lead.getByTestId('board')).toBeVisible();
  expect(await pageWidth(lead)).toBeLessThanOrEqual(390);
  await phone.close();

  const narrow = await browser.newContext({ viewport: { width: 320, height: 640 }, isMobile: true, hasTouch: true });
  const admin = await narrow.newPage();
  await admin.goto('/login');
  await submitSignIn(admin, ADMIN);
  await expect(admin).toHaveURL(/\/inbox$/);
  for (const [path, ready] of [
    ['/admin/mailbox', 'outbox-table'],
    ['/admin/api-keys', 'keys'],
  ] as const) {
    await admin.goto(path);
    await expect(admin.getByTestId(ready)).toBeVisible();
    expect(await pageWidth(admin), path).toBeLessThanOrEqual(320);
  }
  await narrow.close();
});
