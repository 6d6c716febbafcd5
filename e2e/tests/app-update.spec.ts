import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { offlineReady, signIn, synced } from '../support/app.ts';
import { e2eStaticDir } from '../support/paths.ts';

// A new version of the app reaches a tablet in use: the service worker finds it, the app says
// so instead of swapping code under the crew's hands, and "Reload" brings it in with the
// day still there.

test('a new version waits for the crew, and "Reload" brings it in with the day intact', async ({ page }) => {
  await signIn(page);
  await synced(page);
  await offlineReady(page);
  const rows = await page.getByTestId('case-row').count();
  expect(rows).toBeGreaterThan(0);
  await expect(page.getByText('A new version is ready.')).toHaveCount(0);
  await expect(page.getByTestId('app-not-saved')).toHaveCount(0);
  const firstScript = await page.evaluate(
    async () => (await navigator.serviceWorker.getRegistration())?.active?.scriptURL,
  );

  // Publish a new version: a service worker whose bytes differ.
  const file = join(e2eStaticDir(), 'service-worker.js');
  const original = readFileSync(file);
  try {
    appendFileSync(file, `\n// next version ${Date.now()}\n`);
    // The browser looks for a new version when the app is opened again.
    await page.reload();
    await expect(page.getByText('A new version is ready.')).toBeVisible({ timeout: 30_000 });
    expect(await page.evaluate(async () => !!(await navigator.serviceWorker.getRegistration())?.waiting)).toBe(true);

    // The new version takes over and the page reloads itself once.
    await Promise.all([page.waitForEvent('load'), page.getByRole('button', { name: 'Reload', exact: true }).click()]);
    await expect(page.getByText('A new version is ready.')).toHaveCount(0);
    await expect
      .poll(() =>
        page.evaluate(async () => {
          const r = await navigator.serviceWorker.getRegistration();
          return { waiting: !!r?.waiting, active: r?.active?.state, controlled: !!navigator.serviceWorker.controller };
        }),
      )
      .toEqual({ waiting: false, active: 'activated', controlled: true });
    expect(await page.evaluate(async () => (await navigator.serviceWorker.getRegistration())?.active?.scriptURL)).toBe(
      firstScript,
    );
    await expect(page.getByTestId('case-row')).toHaveCount(rows);
  } finally {
    writeFileSync(file, original);
  }
});

test('a tablet whose browser could not save the app says it will not open without signal, and how to retry', async ({
  browser,
}) => {
  const context = await browser.newContext();
  // The app's own files cannot be saved: the service worker does not come.
  await context.route('**/service-worker.js', (route) => route.fulfill({ status: 404, body: 'gone' }));
  const page = await context.newPage();
  await signIn(page);
  await synced(page);
  const note = page.getByTestId('app-not-saved');
  await expect(note).toContainText('This app is not saved on this device yet, so it will not open without signal.');
  await expect(note.getByRole('button', { name: 'Reload the app' })).toBeVisible();
  // Without signal a reload would find no saved app: not offered then.
  await context.setOffline(true);
  await expect(note).toContainText('Keep it open: it is saved once there is signal again.');
  await expect(note.getByRole('button', { name: 'Reload the app' })).toHaveCount(0);
  await context.setOffline(false);
  // The file comes back: reloaded, the app is saved and the note goes.
  await context.unroute('**/service-worker.js');
  await note.getByRole('button', { name: 'Reload the app' }).click();
  await offlineReady(page);
  await expect(page.getByTestId('app-not-saved')).toHaveCount(0);
  await context.close();
});
