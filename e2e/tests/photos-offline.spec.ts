import { expect, test, type Page } from '@playwright/test';
import AxeBuilder from '@axe-core/playwright';
import {
  WORKER,
  apiSession,
  bigJpeg,
  devicePhotos,
  offlineReady,
  openCase,
  serverCase,
  serverDay,
  serverPhoto,
  signIn,
  synced,
  type ServerCase,
} from '../support/app.ts';

// Photos taken with no signal: downscaled and stored on the device, attached through the
// outbox like any change, kept through a reload, uploaded once (resumably) when the signal
// comes back, and usable as the after-photo a pothole fix needs.

const CHUNK = 256 * 1024;

async function ready(page: Page): Promise<ServerCase[]> {
  await signIn(page);
  await synced(page);
  await offlineReady(page);
  await synced(page);
  return serverDay(page.request);
}

test('photos taken offline survive a reload, upload once downscaled, and carry a pothole fix', async ({
  page,
  context,
}) => {
  const day = await ready(page);
  const pothole = day.find((c) => c.serviceCode === 'POTHOLE' && (c.state === 'assigned' || c.state === 'in_progress'));
  expect(pothole, 'the demo crew has an open pothole case').toBeTruthy();
  const jpegs = [await bigJpeg(page, 7), await bigJpeg(page, 11)];

  await context.setOffline(true);
  await expect(page.getByTestId('offline-indicator')).toBeVisible();
  await openCase(page, pothole!.id);
  if (pothole!.state === 'assigned') {
    await page.getByRole('button', { name: 'Start', exact: true }).click();
    await expect(page.getByTestId('action-saved')).toContainText('Start saved on this device');
  }
  // In progress: new photos default to After.
  await expect(page.getByRole('radio', { name: 'After' })).toBeChecked();

  const workers: string[] = [];
  page.on('worker', (w) => workers.push(w.url()));
  await page
    .getByTestId('photo-camera')
    .setInputFiles({ name: 'pothole-1.jpg', mimeType: 'image/jpeg', buffer: jpegs[0]! });
  await expect(page.getByTestId('photo')).toHaveCount(1, { timeout: 20_000 });
  const ms = Number(await page.getByTestId('case-photos').getAttribute('data-last-process-ms'));
  expect(
    workers.some((u) => u.includes('downscale')),
    'downscaled in a worker, off the main thread',
  ).toBe(true);
  console.log(`Downscaling a 4000×3000 JPEG (${jpegs[0]!.length} bytes) took ${ms} ms`);
  await page.getByRole('radio', { name: 'Before' }).check();
  await page
    .getByTestId('photo-gallery')
    .setInputFiles({ name: 'pothole-2.jpg', mimeType: 'image/jpeg', buffer: jpegs[1]! });
  await expect(page.getByTestId('photo')).toHaveCount(2, { timeout: 20_000 });
  // A gallery picture this browser cannot read (HEIC): said by its name, with what to do.
  await page.getByTestId('photo-gallery').setInputFiles({
    name: 'IMG_1234.heic',
    mimeType: 'image/heic',
    buffer: Buffer.from('ftypheic, not readable here'),
  });
  await expect(page.getByTestId('case-photos').getByRole('alert')).toContainText(
    '“IMG_1234.heic” is in a format this device cannot read.',
    { timeout: 20_000 },
  );
  await expect(page.getByTestId('photo')).toHaveCount(2);
  await expect(page.getByTestId('photo').first()).toContainText('Waiting to upload');
  await expect(page.getByTestId('pending-count')).toHaveAttribute('data-photos', '2');
  await expect(page.getByTestId('pending-count')).toContainText('and 2 photos waiting');

  const stored = await devicePhotos(page);
  expect(stored).toHaveLength(2);
  for (const p of stored) {
    expect(Math.max(p.width, p.height)).toBeLessThanOrEqual(1600);
    expect(p.byteSize).toBeGreaterThan(CHUNK); // more than one chunk each
  }
  const after = stored.find((p) => p.tag === 'after')!;
  const before = stored.find((p) => p.tag === 'before')!;
  expect(after && before).toBeTruthy();

  // Fix with the after-photo (preselected; the before-photo is not).
  await page.getByRole('button', { name: 'Fix', exact: true }).click();
  const fixPhotos = page.getByTestId('fix-photos');
  await expect(fixPhotos.getByRole('checkbox')).toHaveCount(2);
  await expect(fixPhotos.getByRole('checkbox', { name: /After photo/ })).toBeChecked();
  await expect(fixPhotos.getByRole('checkbox', { name: /Before photo/ })).not.toBeChecked();
  await page.getByRole('group', { name: 'What was done?' }).getByRole('radio').first().check();
  await page.getByRole('button', { name: 'Save fix' }).click();
  await expect(page.getByTestId('action-saved')).toContainText('Fix saved on this device');

  // Offline reload: the photos are still there, thumbnails and all.
  await page.reload();
  await expect(page.getByTestId('case-detail')).toBeVisible();
  await expect(page.getByTestId('photo')).toHaveCount(2);
  await expect
    .poll(() =>
      page
        .getByTestId('photo')
        .locator('img')
        .evaluateAll((imgs) => imgs.map((i) => (i as HTMLImageElement).naturalWidth)),
    )
    .toEqual([expect.any(Number), expect.any(Number)]);
  expect(
    await page
      .getByTestId('photo')
      .locator('img')
      .evaluateAll((imgs) => imgs.every((i) => (i as HTMLImageElement).naturalWidth > 0)),
  ).toBe(true);

  // Signal: changes and photos go up.
  await context.setOffline(false);
  await synced(page, 60_000);
  await expect(page.getByTestId('photo').nth(0)).toHaveAttribute('data-state', 'done');
  await expect(page.getByTestId('photo').nth(1)).toHaveAttribute('data-state', 'done');

  for (const p of stored) {
    const s = await serverPhoto(page, p.id);
    expect(s.status).toBe(200);
    expect(s.type).toBe('image/jpeg');
    expect(Math.max(s.width, s.height)).toBeLessThanOrEqual(1600);
    expect([s.width, s.height]).toEqual([p.width, p.height]);
    expect(s.sha256).toBe(p.sha256);
    expect(s.etag).toBe(`"${p.sha256}"`);
  }
  const { case: c, events } = await serverCase(page.request, pothole!.id);
  expect(c.state).toBe('fixed');
  expect(events.filter((e) => e.kind === 'photo')).toHaveLength(2);

  // The synced photos are in the case's history: each added photo, and the fix with its after-photo.
  const history = page.getByTestId('case-history');
  await expect(
    history.getByTestId('history-entry').filter({ hasText: 'Fixed: ' }).getByTestId('photo-by-id'),
  ).toHaveAttribute('data-photo-id', after.id);
  await expect(history.getByTestId('photo-by-id')).toHaveCount(3);
  await expect(history.locator('[data-testid="photo-by-id"][data-status="ready"] img')).toHaveCount(3);
  expect(
    await history.locator('img').evaluateAll((imgs) => imgs.every((i) => (i as HTMLImageElement).naturalWidth > 0)),
  ).toBe(true);

  const axe = await new AxeBuilder({ page }).include('[data-testid="case-detail"]').analyze();
  const serious = axe.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  expect(serious.map((v) => `${v.id}: ${v.help}`)).toEqual([]);
});

test('an upload cut off halfway resumes from the server offset and ends with one intact photo', async ({
  page,
  context,
}) => {
  const day = await ready(page);
  const open = day.filter((c) => c.state === 'assigned' || c.state === 'in_progress' || c.state === 'on_hold');
  const target = open.at(-1)!;
  expect(target).toBeTruthy();
  const jpeg = await bigJpeg(page, 23);

  const patches: { offset: string | null }[] = [];
  let heads = 0;
  // Counted for the whole context: once the signal returns, the service worker's Background
  // Sync may send the rest before the page does (its requests are not the page's).
  context.on('request', (r) => {
    if (!/\/api\/photos\/[^/]+\/upload$/.test(r.url())) return;
    if (r.method() === 'PATCH') patches.push({ offset: r.headers()['upload-offset'] ?? null });
    if (r.method() === 'HEAD') heads++;
  });
  // The first chunk goes through; the second dies with the signal.
  let cut = false;
  let routed = 0;
  await page.route('**/api/photos/*/upload', async (route) => {
    if (route.request().method() === 'PATCH' && ++routed === 2 && !cut) {
      cut = true;
      await context.setOffline(true);
      return route.abort('internetdisconnected');
    }
    return route.continue();
  });

  await openCase(page, target.id);
  await page.getByTestId('photo-gallery').setInputFiles({ name: 'scene.jpg', mimeType: 'image/jpeg', buffer: jpeg });
  await expect(page.getByTestId('photo')).toHaveCount(1, { timeout: 20_000 });
  await expect.poll(() => cut, { timeout: 30_000 }).toBe(true);
  await expect(page.getByTestId('offline-indicator')).toBeVisible();

  const [stored] = await devicePhotos(page);
  expect(stored!.byteSize).toBeGreaterThan(2 * CHUNK);
  await expect.poll(async () => (await devicePhotos(page))[0]!.uploadedBytes).toBe(CHUNK);
  expect((await devicePhotos(page))[0]!.state).toBe('uploading');
  // The server holds exactly the first chunk.
  const head = await page.request.head(`/api/photos/${stored!.id}/upload`);
  expect(head.headers()['upload-offset']).toBe(String(CHUNK));
  await expect(page.getByTestId('photo')).toContainText('Uploading');

  // A reload while cut off keeps the progress.
  await page.reload();
  await expect(page.getByTestId('photo')).toHaveCount(1);
  expect((await devicePhotos(page))[0]!.uploadedBytes).toBe(CHUNK);

  await page.unroute('**/api/photos/*/upload');
  const headsBefore = heads;
  const patchesBefore = patches.length;
  await context.setOffline(false);
  await synced(page, 60_000);
  await expect(page.getByTestId('photo')).toHaveAttribute('data-state', 'done');

  expect(heads).toBeGreaterThan(headsBefore);
  expect(patches[patchesBefore]?.offset).toBe(String(CHUNK)); // resumed, not restarted
  expect(patches.filter((p) => p.offset === '0')).toHaveLength(1);

  const s = await serverPhoto(page, stored!.id);
  expect(s.status).toBe(200);
  expect(s.sha256).toBe(stored!.sha256);
  expect(s.etag).toBe(`"${stored!.sha256}"`);
  const events = (await serverCase(page.request, target.id)).events.filter((e) => e.kind === 'photo');
  expect(events).toHaveLength(1);
});

test('a photo the server refuses stays on the device, listed for the worker, until they delete it', async ({
  page,
}) => {
  const day = await ready(page);
  const open = day.filter((c) => c.state === 'assigned' || c.state === 'in_progress' || c.state === 'on_hold');
  const target = open.at(0)!;
  // The server refuses the bytes as not a picture it takes (as it would a corrupt file).
  await page.route('**/api/photos/*/upload', (route) =>
    route.request().method() === 'PATCH'
      ? route.fulfill({
          status: 415,
          contentType: 'application/json',
          body: JSON.stringify({
            error: { code: 'unsupported-media-type', message: 'The picture could not be read.' },
          }),
        })
      : route.continue(),
  );
  await openCase(page, target.id);
  await page
    .getByTestId('photo-gallery')
    .setInputFiles({ name: 'scene.jpg', mimeType: 'image/jpeg', buffer: await bigJpeg(page, 31) });
  const photo = page.getByTestId('photo');
  await expect(photo).toHaveAttribute('data-state', 'failed', { timeout: 30_000 });
  await expect(photo.getByRole('button', { name: /^Try again/ })).toBeVisible();

  // Listed where the worker looks for what needs them, from any page, with the case.
  await page.goto('/day');
  const entry = page.getByTestId('failed-photo');
  await expect(entry).toHaveCount(1);
  await expect(entry).toContainText(`photo of case #${target.id} is not on the server: The picture could not be read.`);
  await expect(entry).toContainText('It is kept on this device until you delete it.');
  await expect(page.getByTestId('sync-problems')).toBeVisible();

  // Deleting asks first; "Keep it" keeps it.
  await entry.getByRole('button', { name: 'Delete from this device…' }).click();
  await entry.getByRole('button', { name: 'Keep it' }).click();
  await expect(entry).toHaveCount(1);
  expect(await devicePhotos(page)).toHaveLength(1);
  await entry.getByRole('button', { name: 'Delete from this device…' }).click();
  await entry.getByRole('button', { name: 'Yes, delete this photo' }).click();
  await expect(page.getByTestId('failed-photo')).toHaveCount(0);
  expect(await devicePhotos(page)).toHaveLength(0);
  await page.unroute('**/api/photos/*/upload');
});

test("a crew's second tablet closes a pothole with the after-photo the first tablet took", async ({
  page,
  browser,
  request,
  playwright,
  baseURL,
}) => {
  test.setTimeout(120_000);
  // The test's own pothole, in Old Town: routed to Streets Crew A's day.
  const made = await request.post('/open311/v2/requests.json', {
    form: {
      api_key: 'fieldfix-demo-open311-key',
      service_code: 'POTHOLE',
      lat: '42.35595',
      long: '-86.9808',
      description: 'Pothole by the library steps, two-tablet test',
      'attribute[size]': 'medium',
    },
  });
  expect(made.status(), await made.text()).toBe(200);
  const id = ((await made.json()) as { service_request_id: string }[])[0]!.service_request_id;
  const crewApi = await apiSession(playwright, baseURL!, WORKER);
  expect((await serverCase(crewApi, id)).case).toMatchObject({ crewId: 'streets-a', state: 'assigned' });

  // Tablet 1 starts the job and photographs the finished patch; the photo goes up.
  await ready(page);
  await openCase(page, id);
  await page.getByRole('button', { name: 'Start', exact: true }).click();
  await expect(page.getByRole('radio', { name: 'After' })).toBeChecked();
  await page
    .getByTestId('photo-camera')
    .setInputFiles({ name: 'patched.jpg', mimeType: 'image/jpeg', buffer: await bigJpeg(page, 41) });
  await expect(page.getByTestId('photo')).toHaveAttribute('data-state', 'done', { timeout: 30_000 });
  await synced(page);
  const [taken] = await devicePhotos(page);

  // Tablet 2, the same crew: it never held the photo, and the fix form offers it, ticked.
  const second = await browser.newContext();
  const tablet2 = await second.newPage();
  await signIn(tablet2);
  await synced(tablet2);
  expect(await devicePhotos(tablet2)).toHaveLength(0);
  await openCase(tablet2, id);
  await tablet2.getByRole('button', { name: 'Fix', exact: true }).click();
  const fixPhotos = tablet2.getByTestId('fix-photos');
  const offered = fixPhotos.getByRole('checkbox', { name: /^After photo from another device, taken / });
  await expect(offered).toBeChecked();
  await expect(fixPhotos.getByTestId('fix-needs-photo')).toHaveCount(0);
  await expect(fixPhotos.locator(`[data-photo-id="${taken!.id}"]`)).toHaveAttribute('data-status', 'ready');
  await tablet2.getByRole('group', { name: 'What was done?' }).getByRole('radio').first().check();
  await tablet2.getByRole('button', { name: 'Save fix' }).click();
  await synced(tablet2);
  await expect(tablet2.getByTestId('action-saved')).toHaveText('Fix saved on this device, and synced.');

  const { case: c, events } = await serverCase(crewApi, id);
  expect(c.state).toBe('fixed');
  expect(events.find((e) => e.kind === 'fixed')?.data.photoIds).toEqual([taken!.id]);
  await second.close();
});
