import { expect, test, type Page } from '@playwright/test';
import { bboxAround, countTiles, lngLatToTile, tileToLngLat, tilesForBbox, zoomRange, type Bbox } from '../../field-app/src/lib/tiles/tile-math.ts';

const WORKER = { email: 'worker@riverton.example', password: 'fieldfix' };

async function signIn(page: Page) {
  await page.goto('/login');
  await page.getByLabel('Email').fill(WORKER.email);
  await page.getByLabel('Password').fill(WORKER.password);
  await page.getByRole('button', { name: /sign in/i }).click();
  await expect(page).toHaveURL(/\/day$/);
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
  await signIn(page);
  await expect(page.getByTestId('case-row').first()).toBeVisible();

  // Online: the map around the crew's cases is downloaded after the first sync.
  await page.getByTestId('view-map').click();
  await expect(page).toHaveURL(/view=map/);
  await expect(page.getByTestId('offline-map')).toHaveAttribute('data-phase', 'ready', { timeout: 45_000 });
  const stored = await page.evaluate(async () => {
    const req = indexedDB.open('fieldfix');
    const db = await new Promise<IDBDatabase>((res, rej) => ((req.onsuccess = () => res(req.result)), (req.onerror = () => rej(req.error))));
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
  await page.evaluate(async () => {
    await navigator.serviceWorker.ready;
  });
  if (!(await page.evaluate(() => !!navigator.serviceWorker.controller))) await page.reload();
  await expect.poll(() => page.evaluate(() => !!navigator.serviceWorker.controller)).toBe(true);

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
  const colours = await distinctColours(page, await map.locator('canvas').screenshot());
  expect(colours).toBeGreaterThan(40);

  // Tap the first pin: its card links to the case.
  const pin = await page.evaluate(() => {
    // The map component exposes its MapLibre map for tests.
    type Feature = { geometry: { coordinates: [number, number] }; properties: Record<string, unknown> };
    const m = (window as unknown as { fieldfixMap: { queryRenderedFeatures(o: object): Feature[]; project(l: [number, number]): { x: number; y: number } } }).fieldfixMap;
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
});

test('tile math matches the slippy-map formulas', () => {
  // lng 0, lat 0 sits on the corner shared by the four z1 tiles: it falls in x 1, y 1.
  expect(lngLatToTile(0, 0, 1)).toEqual({ z: 1, x: 1, y: 1 });
  expect(lngLatToTile(0, 0, 0)).toEqual({ z: 0, x: 0, y: 0 });
  expect(lngLatToTile(-180, 85, 2)).toEqual({ z: 2, x: 0, y: 0 });
  expect(lngLatToTile(179.999, -85, 2)).toEqual({ z: 2, x: 3, y: 3 });
  // Known tiles: Berlin's Brandenburger Tor (13.3777, 52.5163) at z16 and London at z10.
  expect(lngLatToTile(13.3777, 52.5163, 16)).toEqual({ z: 16, x: 35203, y: 21493 });
  expect(lngLatToTile(-0.1276, 51.5072, 10)).toEqual({ z: 10, x: 511, y: 340 });
  // A tile's north-west corner maps back into that tile.
  const [lng, lat] = tileToLngLat(35203, 21493, 16);
  expect(lngLatToTile(lng + 1e-9, lat - 1e-9, 16)).toEqual({ z: 16, x: 35203, y: 21493 });

  // Counts for a bbox: the whole world is 4^z tiles per zoom.
  const world: Bbox = [-180, -85.05, 179.9999, 85.05];
  expect(countTiles(world, [0, 1, 2])).toBe(1 + 4 + 16);
  expect(tilesForBbox(world, [2]).length).toBe(16);
  // A point is one tile per zoom; listing agrees with counting, low zooms first.
  const point: Bbox = [13.3777, 52.5163, 13.3777, 52.5163];
  expect(countTiles(point, zoomRange(12, 17))).toBe(6);
  const bbox = bboxAround([{ lat: 42.34, long: -86.99 }, { lat: 42.37, long: -86.95 }], 500)!;
  const tiles = tilesForBbox(bbox, zoomRange(12, 17));
  expect(tiles.length).toBe(countTiles(bbox, zoomRange(12, 17)));
  expect(tiles[0]!.z).toBe(12);
  expect(tiles.at(-1)!.z).toBe(17);
  // The margin grows the box by about 500 m each way.
  expect(bbox[3] - 42.37).toBeCloseTo(500 / 111_320, 6);
});
