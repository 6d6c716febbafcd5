import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, expect, test, type BrowserContext, type Page } from '@playwright/test';
import { TcpProxy } from '../../sync-server/test/tcp-proxy.ts';
import {
  FIXABLE,
  WORKER_B,
  bigJpeg,
  count,
  devicePhotos,
  offlineReady,
  openCase,
  row,
  serverCase,
  serverDay,
  serverPhoto,
  signIn,
  stateBadge,
  synced,
} from '../support/app.ts';

// "A day with no signal" (issue 4): prime online, then a whole day's work with no signal,
// the tablet restarted in the middle of it, and everything reaching the server once when the
// signal returns. The browser keeps a real profile on disk, so a restart is a real restart:
// a new browser process finding the app, the session and the work where it left them.

test.setTimeout(180_000);

let profile: string;
/**
 * The tablet's link to the server: a TCP proxy on loopback the tablet reaches the app through.
 * Down, nothing reaches the server, from the pages or from the service worker, and from the
 * first moment of a restart (a route set on a new browser comes after its worker has woken:
 * Background Sync on a profile on disk went around it).
 */
let link: TcpProxy;
test.beforeEach(async () => {
  profile = mkdtempSync(join(tmpdir(), 'fieldfix-tablet-'));
  const app = new URL(test.info().project.use.baseURL!);
  link = await new TcpProxy({ host: app.hostname, port: Number(app.port) }).start();
});
test.afterEach(async () => {
  await link?.stop();
  rmSync(profile, { recursive: true, force: true });
});

/** The signal: the link, and Chromium's offline switch (what the pages are told). */
async function setSignal(context: BrowserContext, on: boolean): Promise<void> {
  if (on) await link.up();
  else await link.down();
  await context.setOffline(!on);
}

/** Starts "the tablet": a Chromium with its profile on disk and the project's settings. */
async function bootTablet(offline: boolean): Promise<{ context: BrowserContext; page: Page }> {
  const use = test.info().project.use;
  if (offline) await link.down();
  const context = await chromium.launchPersistentContext(profile, {
    ...use.launchOptions,
    baseURL: `http://127.0.0.1:${link.port}`,
    viewport: { width: 1280, height: 800 },
    hasTouch: true,
    timezoneId: use.timezoneId,
    serviceWorkers: 'allow',
    offline,
  });
  if (offline) await setSignal(context, false);
  const page = context.pages()[0] ?? (await context.newPage());
  return { context, page };
}

test('a day with no signal: work, photos and a restart offline, then everything synced once', async () => {
  let { context, page } = await bootTablet(false);

  // Morning, online: sign in and prime the device. (Crew B: the other browser tests work
  // crew A's cases on the same server.)
  await signIn(page, WORKER_B);
  await synced(page);
  await offlineReady(page);
  await synced(page);
  const day = await serverDay(page.request);
  const assigned = day.filter((c) => c.state === 'assigned');
  const fixable = assigned.filter((c) => FIXABLE.includes(c.serviceCode));
  const pothole = assigned.find((c) => c.serviceCode === 'POTHOLE');
  const toHold = day.find((c) => c.state === 'in_progress');
  const toStart = assigned.filter((c) => c !== pothole && !fixable.slice(0, 2).includes(c)).slice(0, 2);
  expect(fixable.length, 'two cases to fix without a photo').toBeGreaterThanOrEqual(2);
  expect(pothole, 'a pothole to fix with an after-photo').toBeTruthy();
  expect(toHold, 'a case in progress to put on hold').toBeTruthy();
  expect(toStart, 'two more jobs to start').toHaveLength(2);
  const jpegs = [await bigJpeg(page, 7), await bigJpeg(page, 11)];

  // The signal goes.
  await setSignal(context, false);
  await expect(page.getByTestId('offline-indicator')).toBeVisible();

  // Start two jobs, with a note each; a before-photo on the second.
  for (const [i, c] of toStart.entries()) {
    await openCase(page, c.id);
    await page.getByRole('button', { name: 'Start', exact: true }).click();
    await expect(stateBadge(page)).toContainText('In progress');
    await page.getByRole('button', { name: 'Add note' }).click();
    await page.getByLabel('Note', { exact: true }).fill(`Job ${i + 1}: cones out.`);
    await page.getByRole('button', { name: 'Save note' }).click();
    await expect(page.getByTestId('case-pending')).toContainText(`Job ${i + 1}: cones out.`);
  }
  await page.getByRole('radio', { name: 'Before' }).check();
  await page
    .getByTestId('photo-camera')
    .setInputFiles({ name: 'before.jpg', mimeType: 'image/jpeg', buffer: jpegs[0]! });
  await expect(page.getByTestId('photo')).toHaveCount(1, { timeout: 20_000 });

  // Fix two without photos, and the pothole with its after-photo.
  for (const c of fixable.slice(0, 2)) {
    await openCase(page, c.id);
    await page.getByRole('button', { name: 'Fix', exact: true }).click();
    await page.getByRole('group', { name: 'What was done?' }).getByRole('radio').first().check();
    await page.getByRole('button', { name: 'Save fix' }).click();
    await expect(stateBadge(page)).toContainText('Fixed');
  }
  // The pothole's fix form first, as a worker does who finds it needs an after-photo: the photo
  // taken then is ticked as it arrives.
  await openCase(page, pothole!.id);
  await page.getByRole('button', { name: 'Fix', exact: true }).click();
  await expect(page.getByTestId('fix-photos')).toContainText('Fix needs an after-photo.');
  await page.getByRole('radio', { name: 'After' }).check();
  await page
    .getByTestId('photo-camera')
    .setInputFiles({ name: 'after.jpg', mimeType: 'image/jpeg', buffer: jpegs[1]! });
  await expect(page.getByTestId('photo')).toHaveCount(1, { timeout: 20_000 });
  await expect(page.getByTestId('fix-photos').getByRole('checkbox', { name: /After photo/ })).toBeChecked();
  await page.getByRole('group', { name: 'What was done?' }).getByRole('radio').first().check();
  await page.getByRole('button', { name: 'Save fix' }).click();
  await expect(stateBadge(page)).toContainText('Fixed');

  // Hold the one in progress.
  await openCase(page, toHold!.id);
  await page.getByRole('button', { name: 'Hold', exact: true }).click();
  await page
    .getByRole('group', { name: 'Why is the work on hold?' })
    .getByRole('button', { name: 'Needs material' })
    .click();
  await expect(stateBadge(page)).toContainText('On hold');

  // 2 starts + 2 notes + 2 photo attachments + 3 fixes + 1 hold, and 2 photos to upload.
  const pending = page.getByTestId('pending-count');
  await expect(pending).toHaveAttribute('data-changes', '10');
  await expect(pending).toHaveAttribute('data-photos', '2');

  // A reload, then the tablet restarts: both with no signal.
  await page.reload();
  await expect(pending).toHaveAttribute('data-changes', '10');
  await context.close();
  ({ context, page } = await bootTablet(true));
  await page.goto('/day');
  await expect(page.getByTestId('offline-indicator')).toBeVisible();
  await expect(page.getByTestId('pending-count')).toHaveAttribute('data-changes', '10');
  await expect(page.getByTestId('pending-count')).toHaveAttribute('data-photos', '2');
  for (const c of toStart) await expect(row(page, c.id)).toContainText('In progress');
  for (const c of [...fixable.slice(0, 2), pothole!]) await expect(row(page, c.id)).toContainText('Fixed');
  await expect(row(page, toHold!.id)).toContainText('On hold');
  const onDevice = await devicePhotos(page);
  expect(onDevice).toHaveLength(2);
  for (const p of onDevice) expect(Math.max(p.width, p.height)).toBeLessThanOrEqual(1600);

  // The signal returns: the sync runs with a progress bar, and completes. (The bar may show
  // only briefly, so the page itself notes whether it appeared.)
  await page.evaluate(() => {
    const w = window as unknown as { sawProgress: boolean };
    w.sawProgress = false;
    new MutationObserver(() => {
      if (document.querySelector('#sync-progress')) w.sawProgress = true;
    }).observe(document.body, { subtree: true, childList: true });
  });
  await setSignal(context, true);
  await synced(page, 60_000);
  expect(await page.evaluate(() => (window as unknown as { sawProgress: boolean }).sawProgress)).toBe(true);
  await expect(page.getByTestId('sync-problems')).toHaveCount(0);

  // The server has every change once.
  for (const c of toStart) {
    const s = await serverCase(page.request, c.id);
    expect(s.case.state).toBe('in_progress');
    expect(count(s.events, (e) => e.kind === 'started')).toBe(1);
    expect(count(s.events, (e) => e.kind === 'note')).toBe(1);
  }
  for (const c of [...fixable.slice(0, 2), pothole!]) {
    const s = await serverCase(page.request, c.id);
    expect(s.case.state).toBe('fixed');
    expect(count(s.events, (e) => e.kind === 'fixed')).toBe(1);
  }
  const potholeFix = (await serverCase(page.request, pothole!.id)).events.find((e) => e.kind === 'fixed')!;
  const afterPhoto = onDevice.find((p) => p.caseId === pothole!.id)!;
  expect(potholeFix.data.photoIds).toEqual([afterPhoto.id]);
  expect((await serverCase(page.request, toHold!.id)).case).toMatchObject({
    state: 'on_hold',
    holdReason: 'needs_material',
  });

  // Each photo stored once, downscaled, byte for byte what the device kept.
  for (const p of onDevice) {
    const s = await serverPhoto(page, p.id);
    expect(s.status).toBe(200);
    expect(s.sha256).toBe(p.sha256);
    expect(Math.max(s.width, s.height)).toBeLessThanOrEqual(1600);
  }

  // One "fixed" notice queued per fixed case, none twice (seen through the admin's outbox);
  // the pothole's shows its after-photo.
  await context.close();
  const browser = await chromium.launch(test.info().project.use.launchOptions);
  const admin = await browser.newContext({ baseURL: test.info().project.use.baseURL });
  expect(
    (
      await admin.request.post('/api/auth/login', { data: { email: 'admin@riverton.example', password: 'fieldfix' } })
    ).status(),
  ).toBe(200);
  for (const c of [...fixable.slice(0, 2), pothole!]) {
    const res = await admin.request.get(`/api/admin/outbox?caseId=${c.id}`);
    const { notices } = (await res.json()) as { notices: { template: string; photoIds: string[] }[] };
    const fixed = notices.filter((n) => n.template === 'fixed');
    expect(fixed).toHaveLength(1);
    expect(fixed[0]!.photoIds).toEqual(c === pothole ? [afterPhoto.id] : []);
  }
  await browser.close();
});
