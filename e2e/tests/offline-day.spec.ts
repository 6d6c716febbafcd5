import { expect, test } from '@playwright/test';
import AxeBuilder from '@axe-core/playwright';

const WORKER = { email: 'worker@riverton.example', password: 'fieldfix' };

test('a worker signs in, goes offline, reloads and still has the day and its cases', async ({ page, context }) => {
  await page.goto('/');
  await expect(page).toHaveURL(/\/login$/);
  await page.getByLabel('Email').fill(WORKER.email);
  await page.getByLabel('Password').fill(WORKER.password);
  await page.getByRole('button', { name: /sign in/i }).click();

  await expect(page).toHaveURL(/\/day$/);
  // What the server says the day holds is what the list shows.
  const day = await page.evaluate(
    async () => (await (await fetch('/api/day')).json()) as { cases: { id: string; address: string }[] },
  );
  expect(day.cases.length).toBeGreaterThanOrEqual(10);
  const rows = page.getByTestId('case-row');
  await expect(rows).toHaveCount(day.cases.length);
  await expect(rows.first()).toContainText(day.cases[0]!.address);

  // The service worker must control the page before the signal goes.
  await page.evaluate(async () => {
    await navigator.serviceWorker.ready;
  });
  if (!(await page.evaluate(() => !!navigator.serviceWorker.controller))) await page.reload();
  await expect.poll(() => page.evaluate(() => !!navigator.serviceWorker.controller)).toBe(true);

  await context.setOffline(true);
  await page.reload();
  await expect(page.getByTestId('offline-indicator')).toBeVisible();
  await expect(rows).toHaveCount(day.cases.length);

  const target = day.cases[1]!;
  await page.locator(`[data-testid="case-row"][data-case-id="${target.id}"]`).click();
  await expect(page).toHaveURL(new RegExp(`/cases/${target.id}$`));
  await expect(page.getByTestId('case-detail')).toContainText(target.address);

  // A cold open of a deep link, offline, also works from the precached shell.
  await page.goto(`/cases/${day.cases[0]!.id}`);
  await expect(page.getByTestId('case-detail')).toContainText(day.cases[0]!.address);
});

test('the sign-in and day pages have no serious accessibility violations', async ({ page }) => {
  await page.goto('/login');
  await expect(page.getByTestId('login-form')).toBeVisible();
  const login = await new AxeBuilder({ page }).analyze();
  expect(login.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => v.id)).toEqual(
    [],
  );

  await page.getByLabel('Email').fill(WORKER.email);
  await page.getByLabel('Password').fill(WORKER.password);
  await page.getByRole('button', { name: /sign in/i }).click();
  await expect(page.getByTestId('case-row').first()).toBeVisible();
  const day = await new AxeBuilder({ page }).analyze();
  expect(
    day.violations
      .filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => `${v.id}: ${v.nodes[0]?.target}`),
  ).toEqual([]);
});

test('a wrong password is refused with words a person can act on', async ({ page }) => {
  await page.goto('/login');
  await page.getByLabel('Email').fill(WORKER.email);
  await page.getByLabel('Password').fill('wrong-password');
  await page.getByRole('button', { name: /sign in/i }).click();
  await expect(page.getByRole('alert')).toContainText(/do not match/i);
  await expect(page).toHaveURL(/\/login$/);
});
