import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, expect, test, type BrowserContext, type Page } from '@playwright/test';
import { findChromium } from '../support/browser.ts';
import { closeAppForBackgroundSync } from '../support/background-sync.ts';
import {
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
import { LinkProxy } from '../support/link-proxy.ts';

// Street networks: the app driven through a TCP proxy on loopback that slows, stalls and cuts
// the link the way a weak mobile signal does (Chromium's own offline switch lets a request on
// the wire finish; this cuts the connections themselves). The app is opened at the proxy's
// address, so every request of the page and of its service worker crosses it.

const serverPort = Number(process.env.E2E_PORT ?? 8181);
const proxy = new LinkProxy(serverPort);
const server = `http://localhost:${serverPort}`;

test.use({ baseURL: `http://localhost:${serverPort + 1}` });
test.beforeAll(async () => {
  await proxy.start(serverPort + 1);
});
test.afterAll(async () => {
  await proxy.stop();
});
test.beforeEach(() => {
  proxy.up();
  proxy.rate(0, 0);
  proxy.resetCounts();
});

async function ready(page: Page): Promise<ServerCase[]> {
  await signIn(page);
  await synced(page);
  await offlineReady(page);
  await synced(page);
  return serverDay(page.request);
}

const openCases = (day: ServerCase[]) =>
  day.filter((c) => c.state === 'assigned' || c.state === 'in_progress' || c.state === 'on_hold');

/**
 * A phone-camera-sized JPEG (4000×3000) that downscales to a typical 150–250 kB photo: a
 * smooth scene with a patch of detail.
 */
async function cameraJpeg(page: Page, seed: number): Promise<Buffer> {
  const b64 = await page.evaluate(async (seed) => {
    const canvas = document.createElement('canvas');
    canvas.width = 4000;
    canvas.height = 3000;
    const ctx = canvas.getContext('2d')!;
    const g = ctx.createLinearGradient(0, 0, 4000, 3000);
    g.addColorStop(0, '#557799');
    g.addColorStop(1, '#aa8844');
    ctx.fillStyle = g;
    ctx.fillRect(0, 0, 4000, 3000);
    const img = ctx.createImageData(2000, 1500);
    let x = seed * 2654435761;
    for (let i = 0; i < img.data.length; i += 4) {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      img.data[i] = x & 0xff;
      img.data[i + 1] = (x >>> 8) & 0xff;
      img.data[i + 2] = (x >>> 16) & 0xff;
      img.data[i + 3] = 255;
    }
    ctx.putImageData(img, 1000, 750);
    const blob = await new Promise<Blob>((r) => canvas.toBlob((b) => r(b!), 'image/jpeg', 0.85));
    const bytes = new Uint8Array(await blob.arrayBuffer());
    let s = '';
    for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
    return btoa(s);
  }, seed);
  return Buffer.from(b64, 'base64');
}

async function addPhoto(page: Page, jpeg: Buffer): Promise<void> {
  const before = await page.getByTestId('photo').count();
  await page.getByTestId('photo-gallery').setInputFiles({ name: 'scene.jpg', mimeType: 'image/jpeg', buffer: jpeg });
  await expect(page.getByTestId('photo')).toHaveCount(before + 1, { timeout: 20_000 });
}

/**
 * Saves a note on the open case. It must show as waiting to sync, or with `mayHaveSynced`
 * (a link that comes and goes) as waiting or already sent: the link may be up for a moment
 * between the tap and the look.
 */
async function addNote(page: Page, text: string, { mayHaveSynced = false } = {}): Promise<void> {
  await page.getByRole('button', { name: 'Add note' }).click();
  await page.getByLabel('Note', { exact: true }).fill(text);
  await page.getByRole('button', { name: 'Save note' }).click();
  const lists = mayHaveSynced
    ? '[data-testid="case-pending"], [data-testid="case-outcomes"]'
    : '[data-testid="case-pending"]';
  await expect(page.locator(lists).filter({ hasText: text }).first()).toBeVisible();
}

/** How many bytes of a photo the server holds (asked past the proxy). */
async function serverOffset(on: Page | BrowserContext, id: string): Promise<number> {
  const res = await on.request.head(`${server}/api/photos/${id}/upload`);
  return Number(res.headers()['upload-offset'] ?? -1);
}

test('a photo uploads at 24 kbit/s up, its progress moving as the bytes go', async ({ page }) => {
  test.setTimeout(240_000);
  const day = await ready(page);
  const target = openCases(day).at(-1)!;
  const jpeg = await cameraJpeg(page, 5);
  await openCase(page, target.id);

  proxy.rate(3_000); // 24 kbit/s from the tablet, loopback speed back
  proxy.resetCounts();
  const started = Date.now();
  await addPhoto(page, jpeg);
  const [photo] = await devicePhotos(page);
  console.log(`Photo: ${photo!.byteSize} bytes (downscaled to ${photo!.width}×${photo!.height})`);

  // Progress moves while the photo goes: sampled every 2 s, it shows several steps between 0
  // and the whole, not one jump at the end.
  const seen = new Set<number>();
  const progress = page.getByTestId('upload-progress');
  while ((await devicePhotos(page))[0]!.state !== 'done') {
    expect(Date.now() - started, 'the photo reaches the server').toBeLessThan(200_000);
    const value = await progress.getAttribute('value', { timeout: 100 }).catch(() => null);
    if (value !== null) seen.add(Number(value));
    await page.waitForTimeout(2_000);
  }
  const seconds = (Date.now() - started) / 1000;
  const uploadBytes = proxy.sentUpBy((r) => r.path.startsWith('/api/photos/'));
  const between = [...seen].filter((v) => v > 0 && v < photo!.byteSize);
  console.log(
    `24 kbit/s up: ${photo!.byteSize} bytes in ${seconds.toFixed(0)} s; its requests sent ${uploadBytes} bytes up (${(uploadBytes / photo!.byteSize).toFixed(3)}×), the whole link ${proxy.sentUp} (the day's map downloading too); progress seen at ${[...seen].sort((a, b) => a - b).join(', ')}`,
  );
  expect(between.length).toBeGreaterThanOrEqual(3);
  expect(uploadBytes / photo!.byteSize).toBeLessThan(1.1);

  proxy.rate(0);
  await synced(page);
  const s = await serverPhoto(page, photo!.id);
  expect(s.sha256).toBe(photo!.sha256);
});

test('a note saved while a photo goes up at 24 kbit/s reaches the server before the photo does', async ({ page }) => {
  test.setTimeout(240_000);
  const day = await ready(page);
  const target = openCases(day).at(-3)!;
  const jpeg = await cameraJpeg(page, 7);
  await openCase(page, target.id);

  proxy.rate(3_000); // 24 kbit/s from the tablet
  await addPhoto(page, jpeg);
  const [photo] = await devicePhotos(page);
  // Its bytes have started to go up.
  await expect.poll(() => serverOffset(page, photo!.id), { timeout: 60_000, intervals: [500] }).toBeGreaterThan(0);

  const text = `Cones placed around the hole (${Date.now()})`;
  await addNote(page, text, { mayHaveSynced: true });
  const noted = async () =>
    (await serverCase(page.request, target.id)).events.some((e) => e.kind === 'note' && e.data.text === text);
  await expect.poll(noted, { timeout: 30_000, intervals: [500] }).toBe(true);
  // The photo is still on its way: the note did not wait for its last byte.
  expect(await serverOffset(page, photo!.id)).toBeLessThan(photo!.byteSize);

  proxy.rate(0);
  await synced(page);
  const s = await serverPhoto(page, photo!.id);
  expect(s.sha256).toBe(photo!.sha256);
});

test('a photo cut off halfway resumes where the server stopped: only the bytes in flight go twice', async ({
  page,
}) => {
  test.setTimeout(120_000);
  const day = await ready(page);
  const target = openCases(day).at(-2)!;
  const jpeg = await cameraJpeg(page, 9);
  await openCase(page, target.id);

  proxy.rate(20_000); // 160 kbit/s: slow enough to cut halfway
  proxy.resetCounts();
  await addPhoto(page, jpeg);
  const [photo] = await devicePhotos(page);
  const half = photo!.byteSize / 2;
  await expect.poll(() => serverOffset(page, photo!.id), { timeout: 60_000, intervals: [250] }).toBeGreaterThan(half);
  proxy.cut();
  const stored = await serverOffset(page, photo!.id);
  expect(stored).toBeLessThan(photo!.byteSize);

  await expect.poll(async () => (await devicePhotos(page))[0]!.state, { timeout: 60_000 }).toBe('done');
  // Every byte of the photo's requests that crossed the link (HEADs, PATCHes, headers, the
  // browser's own resends, and what was on the way to the server when the link was cut).
  const isUpload = (r: { path: string }) => r.path.startsWith('/api/photos/');
  // As they crossed the link: the page's PATCHes and the service worker's (Background Sync
  // may send the resumed piece, where the page's request events do not show it).
  const patches = proxy.requests
    .filter((r) => r.method === 'PATCH' && r.path.endsWith('/upload'))
    .map((r) => ({ offset: r.uploadOffset ?? -1 }));
  const uploadBytes = proxy.sentUpBy(isUpload);
  const offered = proxy.sentUpBy(isUpload, 'offered');
  const ratio = uploadBytes / photo!.byteSize;
  console.log(
    `Cut at ${stored} of ${photo!.byteSize} bytes: PATCH offsets as they crossed the link ${patches.map((p) => p.offset).join(', ')}; its requests took ${uploadBytes} bytes across the link (${ratio.toFixed(3)}×); ${offered} left the browser (${(offered / photo!.byteSize).toFixed(3)}×, with what sat in buffers when the link went)`,
  );
  // Resumed from the server's offset (somewhere past half), not from 0 or a piece boundary.
  // (The browser may send the first piece twice itself, on a new connection after the cut.)
  const resumedAt = patches.findIndex((p) => p.offset >= stored && p.offset > half);
  expect(resumedAt).toBeGreaterThan(0);
  expect(patches.slice(0, resumedAt).every((p) => p.offset === 0)).toBe(true);
  expect(patches.slice(resumedAt).every((p) => p.offset >= stored)).toBe(true);
  expect(ratio).toBeLessThan(1.1);

  proxy.rate(0);
  await synced(page);
  const s = await serverPhoto(page, photo!.id);
  expect(s.sha256).toBe(photo!.sha256);
  const events = (await serverCase(page.request, target.id)).events.filter(
    (e) => e.kind === 'photo' && e.data.photoId === photo!.id,
  );
  expect(events).toHaveLength(1);
});

test('lie-fi: "signal too weak to sync" within 15 s, the retry counts down, and Sync now works during it', async ({
  page,
}) => {
  test.setTimeout(120_000);
  const day = await ready(page);
  const target = openCases(day)[0]!;
  await openCase(page, target.id);

  proxy.stall(); // connected, nothing answers
  const pushes: number[] = [];
  page.on('request', (r) => {
    if (/\/api\/sync\/push$/.test(r.url())) pushes.push(Date.now());
  });
  const note = `Lie-fi note (${Date.now()})`;
  const t0 = Date.now();
  await addNote(page, note);
  await expect(page.getByTestId('weak-indicator')).toBeVisible({ timeout: 15_000 });
  const shownAfter = (Date.now() - t0) / 1000;
  console.log(`Lie-fi shown after ${shownAfter.toFixed(1)} s`);
  await expect(page.getByTestId('weak-message')).toContainText('Signal too weak to sync');
  await expect(page.getByTestId('sync-now')).toBeEnabled();

  // Pressed during the hang: the hanging sync is dropped and a new one starts at once.
  const before = pushes.length;
  await page.getByTestId('sync-now').click();
  await expect.poll(() => pushes.length, { timeout: 3_000 }).toBeGreaterThan(before);

  // Still silent: the try is given up after 20 s with nothing moving, and the next one counts down.
  const countdown = page.getByTestId('retry-countdown');
  await expect(countdown).toBeVisible({ timeout: 40_000 });
  const first = Number(await countdown.getAttribute('data-seconds'));
  if (first >= 2) {
    await expect
      .poll(async () => Number(await countdown.getAttribute('data-seconds')), { timeout: 5_000 })
      .toBeLessThan(first);
  }

  // The signal comes back: Sync now goes at once (no waiting out the backoff).
  proxy.cut();
  proxy.up();
  const back = Date.now();
  await page.getByTestId('sync-now').click();
  await synced(page, 15_000);
  console.log(`Synced ${((Date.now() - back) / 1000).toFixed(1)} s after the signal came back and Sync now`);
  await expect(page.getByTestId('weak-indicator')).toHaveCount(0);
  const { events } = await serverCase(page.request, target.id);
  expect(events.filter((e) => e.kind === 'note' && e.data.text === note)).toHaveLength(1);
});

/**
 * Playwright's contexts are off the record, where Chromium turns Background Sync off: these
 * tests run in a profile on disk, as an installed app on a tablet does.
 */
async function withInstalledApp(run: (context: BrowserContext, page: Page) => Promise<void>): Promise<void> {
  const profile = mkdtempSync(join(tmpdir(), 'fieldfix-profile-'));
  const { launchOptions } = await findChromium();
  const context = await chromium.launchPersistentContext(profile, {
    ...launchOptions,
    baseURL: `http://localhost:${serverPort + 1}`,
    serviceWorkers: 'allow',
    viewport: { width: 1280, height: 800 },
    timezoneId: 'Pacific/Kiritimati',
  });
  try {
    await run(context, context.pages()[0] ?? (await context.newPage()));
  } finally {
    await context.close();
    rmSync(profile, { recursive: true, force: true });
  }
}

test('changes queued with the page closed reach the server with no page open (Background Sync)', async () => {
  test.setTimeout(120_000);
  await withInstalledApp(async (context, page) => {
    const day = await ready(page);
    const target = openCases(day)[1]!;
    await openCase(page, target.id);

    proxy.down(); // no network: connections refused (the browser still thinks it is online)
    const notes = [1, 2, 3].map((i) => `Queued with the tablet closed ${i} (${Date.now()})`);
    for (const n of notes) await addNote(page, n);
    await expect(page.getByTestId('pending-count')).toHaveAttribute('data-count', '3');
    // The failed sync asked the browser for a background sync; the page is closed.
    const background = await closeAppForBackgroundSync(context, page, 'fieldfix-sync');

    proxy.up(); // the signal is back; no page of the app is open
    const back = Date.now();
    await background.fire();
    await expect
      .poll(
        async () => {
          const res = await context.request.get(`${server}/api/cases/${target.id}`);
          const body = (await res.json()) as { events: { kind: string; data: Record<string, unknown> }[] };
          return notes.map((n) => body.events.filter((e) => e.kind === 'note' && e.data.text === n).length);
        },
        { timeout: 60_000, intervals: [1_000] },
      )
      .toEqual([1, 1, 1]);
    console.log(
      `Reached the server ${((Date.now() - back) / 1000).toFixed(1)} s after the signal came back, no page open`,
    );
  });
});

test('a photo still going up when the worker puts the tablet away finishes with no page open (Background Sync)', async () => {
  test.setTimeout(150_000);
  await withInstalledApp(async (context, page) => {
    const day = await ready(page);
    const target = openCases(day)[3]!;
    await openCase(page, target.id);
    const jpeg = await cameraJpeg(page, 29);

    proxy.rate(12_000); // 96 kbit/s up: a good-enough signal, the photo takes a while
    await addPhoto(page, jpeg);
    const [photo] = await devicePhotos(page);
    await expect.poll(() => serverOffset(page, photo!.id), { timeout: 60_000, intervals: [250] }).toBeGreaterThan(0);
    // Mid-upload, nothing has failed: the page had no reason to ask for a background sync yet.
    await expect(page.getByTestId('weak-indicator')).toHaveCount(0);
    await expect(page.getByTestId('retry-countdown')).toHaveCount(0);

    // The worker switches apps. (Headless Chromium keeps every page visible; this page turns
    // hidden as it does on a tablet, which fires the same event.)
    await page.evaluate(() => {
      Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => 'hidden' });
      document.dispatchEvent(new Event('visibilitychange'));
    });
    const background = await closeAppForBackgroundSync(context, page, 'fieldfix-sync');
    expect(background.scheduled, 'the hidden page asked the browser to finish its sync').toBe(true);
    const closedAt = Date.now();
    await background.fire();
    await expect
      .poll(() => serverOffset(context, photo!.id), { timeout: 90_000, intervals: [1_000] })
      .toBe(photo!.byteSize);
    const stored = await context.request.get(`${server}/api/photos/${photo!.id}`);
    expect(stored.status()).toBe(200);
    expect(
      createHash('sha256')
        .update(await stored.body())
        .digest('hex'),
    ).toBe(photo!.sha256);
    console.log(
      `Photo of ${photo!.byteSize} bytes finished ${((Date.now() - closedAt) / 1000).toFixed(1)} s after the page closed, no page open`,
    );
  });
});

test('flapping every few seconds for a minute loses and duplicates nothing', async ({ page }) => {
  test.setTimeout(180_000);
  const day = await ready(page);
  const target = openCases(day)[2]!;
  await openCase(page, target.id);
  const jpeg = await cameraJpeg(page, 13);
  proxy.rate(40_000); // 320 kbit/s when up: the photo takes several flaps to go

  let flapping = true;
  const flaps = (async () => {
    for (let i = 0; flapping; i++) {
      if (i % 2 === 0) proxy.down();
      else proxy.up();
      await new Promise((r) => setTimeout(r, 2_000 + ((i * 1_300) % 2_000)));
    }
  })();
  const notes: string[] = [];
  const started = Date.now();
  await addPhoto(page, jpeg);
  for (let i = 0; Date.now() - started < 60_000; i++) {
    const n = `Flap note ${i} (${started})`;
    await addNote(page, n, { mayHaveSynced: true });
    notes.push(n);
    await page.waitForTimeout(4_000);
  }
  flapping = false;
  await flaps;
  proxy.up();
  proxy.rate(0);
  await page.getByTestId('sync-now').click();
  await synced(page, 60_000);

  const [photo] = await devicePhotos(page);
  expect(photo!.state).toBe('done');
  const s = await serverPhoto(page, photo!.id);
  expect(s.sha256).toBe(photo!.sha256);
  const { events } = await serverCase(page.request, target.id);
  expect(events.filter((e) => e.kind === 'photo')).toHaveLength(1);
  expect(notes.map((n) => events.filter((e) => e.kind === 'note' && e.data.text === n).length)).toEqual(
    notes.map(() => 1),
  );
  console.log(`Flapping: ${notes.length} notes and a ${photo!.byteSize}-byte photo, each on the server once`);
});
