import { expect, test, type Page } from '@playwright/test';
import { ADMIN, LEAD, WORKER, signIn, submitSignIn } from '../support/app.ts';
import { axeClean } from '../support/axe.ts';

// An address no page has gets a "not found" page, once, with the way on (it used to load
// itself again about 13 times a second, blank). And the pages that
// were wider than a phone are not: the lead's board, and the admins' notices and keys at
// 320 px (a phone's width at 200 % text).

/** How wide the page is, in CSS pixels (wider than the window: the whole page pans sideways). */
const pageWidth = (page: Page) => page.evaluate(() => document.documentElement.scrollWidth);

test('an unknown address shows "not found" once, with the way on for whoever is here', async ({ browser, request }) => {
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
    // Nobody signed in here: a resident's ways on, and the staff's sign-in.
    await expect(page.getByRole('link', { name: 'Find a case' })).toBeVisible();
    await expect(page.getByRole('link', { name: 'Staff sign-in' })).toHaveAttribute('href', '/login');
    await expect(page.getByRole('link', { name: 'Go to my day' })).toHaveCount(0);
    await axeClean(page);
    await page.getByRole('link', { name: 'Report a problem' }).click();
    await expect(page).toHaveURL(/\/report$/);
    await phone.close();
  }
  // Signed in: the way to where `/` takes each (a crew member's day, a lead's inbox), nothing else.
  for (const [who, way, to] of [
    [WORKER, 'Go to my day', /\/day$/],
    [LEAD, 'Go to the inbox', /\/inbox$/],
  ] as const) {
    const tablet = await browser.newContext({ viewport: { width: 1024, height: 768 }, serviceWorkers: 'block' });
    const page = await tablet.newPage();
    await signIn(page, who);
    await page.goto('/admin/nothing');
    await expect(page.getByRole('heading', { level: 1 })).toHaveText('Page not found');
    await expect(page.getByRole('main').getByRole('link')).toHaveText([way]);
    await page.getByRole('link', { name: way }).click();
    await expect(page).toHaveURL(to);
    // The frame's "Fieldfix" leads to the same start page, from anywhere.
    await page.goto('/settings');
    await page.getByRole('link', { name: 'Fieldfix', exact: true }).click();
    await expect(page).toHaveURL(to);
    await tablet.close();
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
    ['/admin/people', 'people'],
  ] as const) {
    await admin.goto(path);
    await expect(admin.getByTestId(ready)).toBeVisible();
    expect(await pageWidth(admin), path).toBeLessThanOrEqual(320);
  }
  await narrow.close();
});
