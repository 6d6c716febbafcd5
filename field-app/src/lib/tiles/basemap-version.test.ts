/**
 * A new basemap version replacing the old one without blanking the offline map: the device
 * keeps the active version (its style and tiles) until the new version's day area is complete,
 * then switches and only then drops the old tiles. Real downloads from a loopback server into a
 * fresh in-memory IndexedDB.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { freshDb } from '../../../test/fresh-db.ts';
import { startTileServer, type TileServer } from '../../../test/tile-server.ts';
import { db } from '#lib/db/database.ts';
import {
  DAY_AREA,
  basemapToDownload,
  evictTiles,
  getArea,
  getBasemap,
  getNextBasemap,
  receiveBasemap,
} from '#lib/db/tiles.ts';
import type { BasemapMeta, BasemapStyle, MapSettings } from './basemap.ts';
import { downloadArea, finishArea, planArea, type AreaPlan } from './offline-area.ts';

const SETTINGS: MapSettings = { minZoom: 14, maxZoom: 16, budgetBytes: 100 * 1024 * 1024 };
const CASES = [
  { lat: 42.35, long: -86.98 },
  { lat: 42.36, long: -86.96 },
];

function meta(version: string): BasemapMeta {
  return {
    version,
    minzoom: 0,
    maxzoom: 16,
    bounds: [-87.2, 42.2, -86.8, 42.5],
    center: [-86.97, 42.355],
    attribution: 'test',
    layers: [],
  };
}

let server: TileServer;
function style(version: string, colour = '#fff'): BasemapStyle {
  return {
    version: 8,
    sources: { basemap: { type: 'vector', tiles: [server.template(version)] } },
    layers: [{ id: 'background', type: 'background', paint: { 'background-color': colour } }],
  };
}

/** Makes `version` the active basemap with its day area fully on the device. */
async function activeAndComplete(version: string): Promise<AreaPlan> {
  await receiveBasemap(meta(version), style(version));
  const plan = await planDay();
  await download(plan);
  await finishArea(plan, SETTINGS.budgetBytes);
  return plan;
}

/** Plans the day area for the basemap the device should download (as the app does). */
async function planDay(): Promise<AreaPlan> {
  const target = (await basemapToDownload())!;
  const plan = await planArea(DAY_AREA, CASES, target.meta, target.style.sources['basemap']!.tiles![0]!, SETTINGS);
  if (!plan) throw new Error('no plan');
  return plan;
}

/** Downloads the plan, stopping after `stopAfter` tiles when given. */
async function download(plan: AreaPlan, stopAfter?: number): Promise<void> {
  const abort = new AbortController();
  await downloadArea(plan, abort.signal, (p) => {
    if (stopAfter !== undefined && p.done >= stopAfter) abort.abort();
  });
}

async function tileCount(version: string): Promise<number> {
  return db().tiles.where('version').equals(version).count();
}

beforeEach(async () => {
  await freshDb();
  server = await startTileServer({ versions: ['A', 'B', 'C'] });
});
afterEach(() => server.close());

describe('basemap versions', () => {
  it('makes the first basemap active at once', async () => {
    const target = await receiveBasemap(meta('A'), style('A'));
    expect(target.meta.version).toBe('A');
    expect((await getBasemap())?.meta.version).toBe('A');
    expect(await getNextBasemap()).toBeUndefined();
  });

  it("keeps version A until B's day area is complete, then switches to B and drops A", async () => {
    // A is active and its day area complete.
    await receiveBasemap(meta('A'), style('A'));
    const planA = await planDay();
    await download(planA);
    expect((await finishArea(planA, SETTINGS.budgetBytes)).area.complete).toBe(true);
    const tilesA = await tileCount('A');
    expect(tilesA).toBe(planA.keys.length);

    // The server now reports B: it waits; the map still opens with A.
    const target = await receiveBasemap(meta('B'), style('B'));
    expect(target.meta.version).toBe('B');
    expect((await getBasemap())?.meta.version).toBe('A');
    expect((await getBasemap())?.style.sources['basemap']?.tiles).toEqual([server.template('A')]);
    expect((await getNextBasemap())?.meta.version).toBe('B');
    expect(await tileCount('A')).toBe(tilesA);

    // Half of B's day area arrives, then the download stops.
    const planB = await planDay();
    expect(planB.version).toBe('B');
    await download(planB, Math.floor(planB.keys.length / 2));
    const partial = await finishArea(planB, SETTINGS.budgetBytes);
    expect(partial).toMatchObject({ active: false, switched: false });
    expect(partial.area.complete).toBe(false);
    expect((await getBasemap())?.meta.version).toBe('A');
    expect(await tileCount('A')).toBe(tilesA);
    expect(await getArea(DAY_AREA)).toMatchObject({ version: 'A', complete: true });
    // Both days' tiles are protected from eviction meanwhile.
    const partialB = await tileCount('B');
    expect(partialB).toBeGreaterThan(0);
    await evictTiles(0);
    expect(await tileCount('A')).toBe(tilesA);
    expect(await tileCount('B')).toBe(partialB);

    // The rest of B arrives: B takes over, and A's tiles and areas go.
    const restB = await planDay();
    expect(restB.missing).toHaveLength(planB.keys.length - partialB);
    await download(restB);
    const done = await finishArea(restB, SETTINGS.budgetBytes);
    expect(done).toMatchObject({ active: true, switched: true });
    expect((await getBasemap())?.meta.version).toBe('B');
    expect((await getBasemap())?.style.sources['basemap']?.tiles).toEqual([server.template('B')]);
    expect(await getNextBasemap()).toBeUndefined();
    expect(await tileCount('A')).toBe(0);
    expect(await tileCount('B')).toBe(planB.keys.length);
    expect(await db().tileAreas.toArray()).toEqual([
      expect.objectContaining({ id: DAY_AREA, version: 'B', complete: true }),
    ]);
  });

  it('replaces a waiting version by a newer one, and forgets it when the server goes back', async () => {
    const planA = await activeAndComplete('A');

    await receiveBasemap(meta('B'), style('B'));
    const planB = await planDay();
    await download(planB, 5);
    await finishArea(planB, SETTINGS.budgetBytes);
    expect(await tileCount('B')).toBeGreaterThan(0);

    // C arrives before B was complete: B's tiles go, A stays active.
    await receiveBasemap(meta('C'), style('C'));
    expect((await getNextBasemap())?.meta.version).toBe('C');
    expect((await getBasemap())?.meta.version).toBe('A');
    expect(await tileCount('B')).toBe(0);
    expect(await tileCount('A')).toBe(planA.keys.length);
    const planC = await planDay();
    await download(planC, 5);
    await finishArea(planC, SETTINGS.budgetBytes);

    // The server is back on A: nothing waits any more, C's tiles go, A is untouched.
    const target = await receiveBasemap(meta('A'), style('A', '#000'));
    expect(target.meta.version).toBe('A');
    expect(await getNextBasemap()).toBeUndefined();
    expect((await getBasemap())?.style.layers[0]?.['paint']).toEqual({ 'background-color': '#000' });
    expect(await tileCount('C')).toBe(0);
    expect(await tileCount('A')).toBe(planA.keys.length);
    expect(await getArea(DAY_AREA)).toMatchObject({ version: 'A', complete: true });
  });

  it("switches at once when the new version's tiles are already all on the device", async () => {
    await activeAndComplete('A');
    await receiveBasemap(meta('B'), style('B'));
    const planB = await planDay();
    await download(planB);
    // Planned again with nothing missing (as after a sync), the area completes the switch.
    const again = await planDay();
    expect(again.missing).toEqual([]);
    expect((await finishArea(again, SETTINGS.budgetBytes)).switched).toBe(true);
    expect((await getBasemap())?.meta.version).toBe('B');
    expect(await tileCount('A')).toBe(0);
  });
});
