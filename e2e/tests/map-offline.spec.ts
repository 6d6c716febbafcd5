import { expect, test, type Page } from '@playwright/test';
import { offlineReady, signIn } from '../support/app.ts';

/** The share of pixels that differ between two PNGs of the same size (decoded in the page). */
async function differingShare(page: Page, a: Buffer, b: Buffer): Promise<number> {
  return page.evaluate(
    async ([a64, b64]) => {
      const pixels = async (s: string) => {
        const bitmap = await createImageBitmap(
          new Blob([Uint8Array.from(atob(s), (c) => c.charCodeAt(0))], { type: 'image/png' }),
        );
        const ctx = new OffscreenCanvas(bitmap.width, bitmap.height).getContext('2d')!;
        ctx.drawImage(bitmap, 0, 0);
        return ctx.getImageData(0, 0, bitmap.width, bitmap.height).data;
      };
      const [x, y] = [await pixels(a64), await pixels(b64)];
      let differ = 0;
      for (let i = 0; i < x.length; i += 4)
        if (Math.abs(x[i]! - y[i]!) + Math.abs(x[i + 1]! - y[i + 1]!) + Math.abs(x[i + 2]! - y[i + 2]!) > 24) differ++;
      return differ / (x.length / 4);
    },
    [a.toString('base64'), b.toString('base64')] as const,
  );
}

/** Distinct colours in a PNG (decoded in the page), counted on a coarse grid. */
async function distinctColours(page: Page, png: Buffer): Promise<number> {
  return page.evaluate(async (b64) => {
    const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
    const bitmap = await createImageBitmap(new Blob([bytes], { type: 'image/png' }));
    const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
    const ctx = canvas.getContext('2d')!;
    ctx.drawImage(bitmap, 0, 0);
    const data = ctx.getImageData(0, 0, bitmap.width, bitmap.height).data;
    const seen = new Set<number>();
    for (let i = 0; i < data.length; i += 4 * 7) seen.add((data[i]! << 16) | (data[i + 1]! << 8) | data[i + 2]!);
    return seen.size;
  }, png.toString('base64'));
}

test('the day map opens offline from the tiles primed online, and a pin opens its case', async ({ page, context }) => {
  // Style, tiles and fonts all come from our own server, online and offline.
  const elsewhere: string[] = [];
  context.on('request', (r) => {
    const url = new URL(r.url());
    if (url.protocol.startsWith('http') && !['localhost', '127.0.0.1'].includes(url.hostname)) elsewhere.push(r.url());
  });
  await signIn(page);
  await expect(page.getByTestId('case-row').first()).toBeVisible();

  // Online: the map around the crew's cases is downloaded after the first sync.
  await page.getByTestId('view-map').click();
  await expect(page).toHaveURL(/view=map/);
  await expect(page.getByTestId('offline-map')).toHaveAttribute('data-phase', 'ready', { timeout: 45_000 });
  const stored = await page.evaluate(async () => {
    const req = indexedDB.open('fieldfix');
    const db = await new Promise<IDBDatabase>(
      (res, rej) => ((req.onsuccess = () => res(req.result)), (req.onerror = () => rej(req.error))),
    );
    const count = await new Promise<number>((res) => {
      const r = db.transaction('tiles').objectStore('tiles').count();
      r.onsuccess = () => res(r.result);
    });
    db.close();
    return count;
  });
  expect(stored).toBeGreaterThan(10);

  // The service worker must control the page before the signal goes (the app shell and the
  // lazily loaded map code come from its cache).
  await offlineReady(page);

  // Offline, and any tile request that still tries the network is counted (and refused).
  let tileRequests = 0;
  await context.route('**/tiles/**/*.pbf', (route) => {
    tileRequests++;
    return route.abort('internetdisconnected');
  });
  await context.setOffline(true);
  await page.reload();
  await expect(page.getByTestId('offline-indicator')).toBeVisible();

  const map = page.getByTestId('day-map');
  await expect(map).toHaveAttribute('data-map-status', 'ready', { timeout: 20_000 });
  await expect(map).toHaveAttribute('data-map-idle', 'true', { timeout: 20_000 });
  expect(tileRequests).toBe(0);

  // Streets, water and pins are drawn: far more colours than a blank or single-colour canvas.
  const drawn = await map.locator('canvas').screenshot();
  const colours = await distinctColours(page, drawn);
  expect(colours).toBeGreaterThan(40);
  // And the tiles are much of the picture: hiding their layers (background and pins left)
  // changes a large share of it; a map whose tiles drew nothing would not change at all.
  const setBasemap = (visibility: 'visible' | 'none') =>
    page.evaluate(async (v) => {
      type M = {
        getStyle(): { layers: { id: string; source?: string }[] };
        setLayoutProperty(id: string, p: string, v: string): void;
        once(e: string, f: () => void): void;
        triggerRepaint(): void;
      };
      const m = (window as unknown as { fieldfixMap: M }).fieldfixMap;
      const idle = new Promise<void>((r) => m.once('idle', r));
      for (const l of m.getStyle().layers) if (l.source === 'basemap') m.setLayoutProperty(l.id, 'visibility', v);
      m.triggerRepaint();
      await idle;
    }, visibility);
  await setBasemap('none');
  const pinsOnly = await map.locator('canvas').screenshot();
  await setBasemap('visible');
  expect(await differingShare(page, drawn, pinsOnly)).toBeGreaterThan(0.3);

  // Tap the first pin: its card links to the case.
  const pin = await page.evaluate(() => {
    // The map component exposes its MapLibre map for tests.
    type Feature = { geometry: { coordinates: [number, number] }; properties: Record<string, unknown> };
    const m = (
      window as unknown as {
        fieldfixMap: {
          queryRenderedFeatures(o: object): Feature[];
          project(l: [number, number]): { x: number; y: number };
        };
      }
    ).fieldfixMap;
    const f = m.queryRenderedFeatures({ layers: ['case-pins'] })[0]!;
    const [lng, lat] = f.geometry.coordinates;
    const p = m.project([lng, lat]);
    return { id: f.properties['id'] as string, x: p.x, y: p.y };
  });
  const box = (await map.boundingBox())!;
  await page.touchscreen.tap(box.x + pin.x, box.y + pin.y);
  const card = page.getByTestId('map-case-card');
  await expect(card).toBeVisible();
  await card.getByTestId('map-case-open').click();
  await expect(page).toHaveURL(new RegExp(`/cases/${pin.id}$`));
  await expect(page.getByTestId('case-detail')).toBeVisible();
  // The case page's small map also draws from the device.
  await expect(page.getByTestId('case-map')).toHaveAttribute('data-map-idle', 'true', { timeout: 20_000 });
  expect(tileRequests).toBe(0);
  expect(elsewhere).toEqual([]);
});

test('tiles the device lacked offline are drawn once the signal returns', async ({ page, context }) => {
  await signIn(page);
  await page.getByTestId('view-map').click();
  await expect(page.getByTestId('offline-map')).toHaveAttribute('data-phase', 'ready', { timeout: 45_000 });
  await offlineReady(page);

  // Lose the stored tiles (a storage clean-up, say), then open the map offline.
  const dropped = await page.evaluate(async () => {
    const req = indexedDB.open('fieldfix');
    const db = await new Promise<IDBDatabase>(
      (res, rej) => ((req.onsuccess = () => res(req.result)), (req.onerror = () => rej(req.error))),
    );
    const store = db.transaction('tiles', 'readwrite').objectStore('tiles');
    const rows = await new Promise<{ key: string; z: number }[]>((res) => {
      const r = store.getAll();
      r.onsuccess = () => res(r.result as { key: string; z: number }[]);
    });
    const gone = rows;
    for (const t of gone) store.delete(t.key);
    await new Promise((res) => (store.transaction.oncomplete = res));
    db.close();
    return gone.length;
  });
  expect(dropped).toBeGreaterThan(0);
  await context.setOffline(true);
  await page.reload();
  const map = page.getByTestId('day-map');
  await expect(map).toHaveAttribute('data-map-idle', 'true', { timeout: 20_000 });
  const drawn = () =>
    page.evaluate(() => {
      const m = (
        window as unknown as {
          fieldfixMap: {
            queryRenderedFeatures(o: object): unknown[];
            getStyle(): { layers: { id: string; source?: string }[] };
          };
        }
      ).fieldfixMap;
      const layers = m
        .getStyle()
        .layers.filter((l) => l.source === 'basemap')
        .map((l) => l.id);
      return m.queryRenderedFeatures({ layers }).length;
    });
  expect(await drawn(), 'offline, the missing tiles are drawn empty').toBe(0);

  // Signal: the map asks for them again and draws the streets.
  await context.setOffline(false);
  await expect.poll(drawn, { timeout: 20_000 }).toBeGreaterThan(50);
});

test('on a slow link the day list itself shows the map still downloading, how far, and then nothing', async ({
  page,
  context,
}) => {
  // Every tile takes a while, as on a weak signal after the first sign-in.
  await context.route('**/tiles/**/*.pbf', async (route) => {
    await new Promise((r) => setTimeout(r, 100));
    await route.continue().catch(() => {}); // the page may have gone at the end of the test
  });
  await signIn(page);
  await expect(page.getByTestId('case-row').first()).toBeVisible();
  const note = page.getByTestId('day-map-download');
  await expect(note).toBeVisible({ timeout: 20_000 });
  await expect(note).toContainText(/Downloading the map for use without signal: \d+ of \d+ tiles/);
  const progress = note.locator('progress');
  const first = Number(await progress.getAttribute('value'));
  const total = Number(await progress.getAttribute('max'));
  expect(total).toBeGreaterThan(10);
  // It moves while the person reads the list.
  await expect
    .poll(async () => Number(await progress.getAttribute('value')), { timeout: 20_000 })
    .toBeGreaterThan(first);
  // Once the day's area is on the device the note goes; the list stayed usable throughout.
  await expect(note).toBeHidden({ timeout: 90_000 });
  await expect(page.getByTestId('case-row').first()).toBeVisible();
});

test('the offline map settings: one zoom level fewer keeps fewer tiles, back again downloads the rest, and the choice outlives a reload', async ({
  page,
}) => {
  test.setTimeout(120_000);
  await signIn(page);
  await page.getByRole('link', { name: 'Settings' }).click();
  const status = page.getByTestId('offline-map');
  await expect(status).toHaveAttribute('data-phase', 'ready', { timeout: 45_000 });
  const usage = page.getByTestId('offline-map-usage');
  const tiles = async () => Number(/Map tiles on this device: (\d+) /.exec((await usage.textContent()) ?? '')?.[1]);
  await expect(usage).toContainText('of the 100.0 MB allowed');
  const whole = await tiles();
  expect(whole).toBeGreaterThan(10);
  const closest = page.getByLabel('Closest zoom kept');
  await expect(closest).toHaveValue('17');
  await expect(closest).toHaveAccessibleDescription(/17 shows each house/);

  // One level less detail, and the stored map deleted: what comes back is the smaller map.
  await closest.fill('16');
  await page.getByLabel('Space for map tiles (MB)').fill('50');
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(page.getByText('Saved.')).toBeVisible();
  await page.getByRole('button', { name: /Delete the stored map/ }).click();
  await page.getByTestId('delete-map-confirm').getByRole('button', { name: 'Delete the map' }).click();
  await expect(page.getByTestId('delete-map-status')).toHaveText('The stored map was deleted from this device.');
  await expect(status).toHaveAttribute('data-phase', 'ready', { timeout: 45_000 });
  await expect(usage).toContainText('of the 50.0 MB allowed');
  const fewer = await tiles();
  expect(fewer).toBeGreaterThan(0);
  expect(fewer).toBeLessThan(whole / 2); // a zoom level holds about three quarters of the tiles

  // Kept on the device: a reload shows the choice.
  await page.reload();
  await expect(closest).toHaveValue('16');
  await expect(page.getByLabel('Space for map tiles (MB)')).toHaveValue('50');

  // Back to 17: the tiles it lacks are downloaded, and the map is whole again.
  await closest.fill('17');
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(page.getByText('Saved.')).toBeVisible();
  await expect.poll(tiles, { timeout: 45_000 }).toBe(whole);
  await expect(status).toHaveAttribute('data-phase', 'ready');
});
