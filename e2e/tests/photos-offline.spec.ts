import { expect, test, type APIRequestContext, type Page } from '@playwright/test';
import AxeBuilder from '@axe-core/playwright';

// Photos taken with no signal: downscaled and stored on the device, attached through the
// outbox like any change, kept through a reload, uploaded once (resumably) when the signal
// comes back, and usable as the after-photo a pothole fix needs.

const WORKER = { email: 'worker@riverton.example', password: 'fieldfix' };
const CHUNK = 256 * 1024;

interface ServerCase {
  id: string;
  serviceCode: string;
  state: string;
}
interface ServerEvent {
  kind: string;
  data: Record<string, unknown>;
}
interface DevicePhoto {
  id: string;
  caseId: string;
  tag: string;
  width: number;
  height: number;
  byteSize: number;
  uploadedBytes: number;
  state: string;
  sha256: string;
}

async function signIn(page: Page): Promise<void> {
  await page.goto('/login');
  await page.getByLabel('Email').fill(WORKER.email);
  await page.getByLabel('Password').fill(WORKER.password);
  await page.getByRole('button', { name: /sign in/i }).click();
  await expect(page).toHaveURL(/\/day$/);
}

/** Nothing pending (changes and photos), the loop idle, a sync time shown. */
async function synced(page: Page, timeout = 30_000): Promise<void> {
  await expect(page.getByTestId('pending-count')).toHaveAttribute('data-count', '0', { timeout });
  await expect(page.getByTestId('sync-status')).toHaveAttribute('data-running', 'false', { timeout });
  await expect(page.getByTestId('last-synced')).toContainText('Last synced', { timeout });
}

async function offlineReady(page: Page): Promise<void> {
  await page.evaluate(async () => {
    await navigator.serviceWorker.ready;
  });
  if (!(await page.evaluate(() => !!navigator.serviceWorker.controller))) await page.reload();
  await expect.poll(() => page.evaluate(() => !!navigator.serviceWorker.controller)).toBe(true);
}

async function serverDay(api: APIRequestContext): Promise<ServerCase[]> {
  const res = await api.get('/api/day');
  expect(res.status()).toBe(200);
  return ((await res.json()) as { cases: ServerCase[] }).cases;
}

async function serverCase(api: APIRequestContext, id: string): Promise<{ case: ServerCase; events: ServerEvent[] }> {
  const res = await api.get(`/api/cases/${id}`);
  expect(res.status()).toBe(200);
  return (await res.json()) as { case: ServerCase; events: ServerEvent[] };
}

async function openCase(page: Page, id: string): Promise<void> {
  await page.goto('/day');
  await page.locator(`[data-testid="case-row"][data-case-id="${id}"] a`).click();
  await expect(page).toHaveURL(new RegExp(`/cases/${id}$`));
  await expect(page.getByTestId('case-detail')).toBeVisible();
}

/**
 * A real 4000×3000 camera-sized JPEG, drawn in the page: noise (so it does not compress to
 * nothing) under shapes. Returned as bytes for `setInputFiles`.
 */
async function bigJpeg(page: Page, seed: number): Promise<Buffer> {
  const b64 = await page.evaluate(async (seed) => {
    const canvas = document.createElement('canvas');
    canvas.width = 4000;
    canvas.height = 3000;
    const ctx = canvas.getContext('2d')!;
    const img = ctx.createImageData(4000, 3000);
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
    ctx.putImageData(img, 0, 0);
    ctx.fillStyle = 'rgba(40, 40, 40, 0.6)';
    ctx.beginPath();
    ctx.ellipse(2000, 1500, 1200, 700, 0, 0, Math.PI * 2);
    ctx.fill();
    const blob = await new Promise<Blob>((r) => canvas.toBlob((b) => r(b!), 'image/jpeg', 0.85));
    const bytes = new Uint8Array(await blob.arrayBuffer());
    let s = '';
    for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
    return btoa(s);
  }, seed);
  return Buffer.from(b64, 'base64');
}

/** The photos as stored on the device (read straight from IndexedDB), with their SHA-256. */
async function devicePhotos(page: Page): Promise<DevicePhoto[]> {
  return page.evaluate(async () => {
    const rows = await new Promise<Record<string, unknown>[]>((resolve, reject) => {
      const open = indexedDB.open('fieldfix');
      open.onerror = () => reject(open.error);
      open.onsuccess = () => {
        const db = open.result;
        const q = db.transaction('photos').objectStore('photos').getAll();
        q.onsuccess = () => {
          resolve(q.result as Record<string, unknown>[]);
          db.close();
        };
        q.onerror = () => reject(q.error);
      };
    });
    const hex = (buf: ArrayBuffer) => [...new Uint8Array(buf)].map((b) => b.toString(16).padStart(2, '0')).join('');
    return Promise.all(
      rows.map(async (r) => ({
        id: r.id as string,
        caseId: r.caseId as string,
        tag: r.tag as string,
        width: r.width as number,
        height: r.height as number,
        byteSize: r.byteSize as number,
        uploadedBytes: r.uploadedBytes as number,
        state: r.state as string,
        sha256: hex(await crypto.subtle.digest('SHA-256', r.bytes as ArrayBuffer)),
      })),
    );
  });
}

/** The photo as the server serves it: decoded in the page, hashed, with its ETag. */
async function serverPhoto(page: Page, id: string) {
  return page.evaluate(async (id) => {
    const res = await fetch(`/api/photos/${id}`, { cache: 'no-store' });
    if (!res.ok) return { status: res.status, etag: null, type: null, sha256: null, width: 0, height: 0 };
    const buf = await res.arrayBuffer();
    const bitmap = await createImageBitmap(new Blob([buf], { type: res.headers.get('content-type') ?? 'image/jpeg' }));
    const sha = [...new Uint8Array(await crypto.subtle.digest('SHA-256', buf))].map((b) => b.toString(16).padStart(2, '0')).join('');
    return { status: res.status, etag: res.headers.get('etag'), type: res.headers.get('content-type'), sha256: sha, width: bitmap.width, height: bitmap.height };
  }, id);
}

async function ready(page: Page): Promise<ServerCase[]> {
  await signIn(page);
  await synced(page);
  await offlineReady(page);
  await synced(page);
  return serverDay(page.request);
}

test('photos taken offline survive a reload, upload once downscaled, and carry a pothole fix', async ({ page, context }) => {
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
  await page.getByTestId('photo-camera').setInputFiles({ name: 'pothole-1.jpg', mimeType: 'image/jpeg', buffer: jpegs[0]! });
  await expect(page.getByTestId('photo')).toHaveCount(1, { timeout: 20_000 });
  const ms = Number(await page.getByTestId('case-photos').getAttribute('data-last-process-ms'));
  expect(workers.some((u) => u.includes('downscale')), 'downscaled in a worker, off the main thread').toBe(true);
  console.log(`Downscaling a 4000×3000 JPEG (${jpegs[0]!.length} bytes) took ${ms} ms`);
  await page.getByRole('radio', { name: 'Before' }).check();
  await page.getByTestId('photo-gallery').setInputFiles({ name: 'pothole-2.jpg', mimeType: 'image/jpeg', buffer: jpegs[1]! });
  await expect(page.getByTestId('photo')).toHaveCount(2, { timeout: 20_000 });
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
  await expect.poll(() => page.getByTestId('photo').locator('img').evaluateAll((imgs) => imgs.map((i) => (i as HTMLImageElement).naturalWidth))).toEqual([
    expect.any(Number),
    expect.any(Number),
  ]);
  expect(await page.getByTestId('photo').locator('img').evaluateAll((imgs) => imgs.every((i) => (i as HTMLImageElement).naturalWidth > 0))).toBe(true);

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

  const axe = await new AxeBuilder({ page }).include('[data-testid="case-detail"]').analyze();
  const serious = axe.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  expect(serious.map((v) => `${v.id}: ${v.help}`)).toEqual([]);
});

test('an upload cut off halfway resumes from the server offset and ends with one intact photo', async ({ page, context }) => {
  const day = await ready(page);
  const open = day.filter((c) => c.state === 'assigned' || c.state === 'in_progress' || c.state === 'on_hold');
  const target = open.at(-1)!;
  expect(target).toBeTruthy();
  const jpeg = await bigJpeg(page, 23);

  const patches: { offset: string | null }[] = [];
  let heads = 0;
  page.on('request', (r) => {
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
