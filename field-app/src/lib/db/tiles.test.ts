/**
 * The tile cache's bookkeeping on a fresh in-memory IndexedDB: eviction to the storage budget
 * (what goes first, what never goes), relabelling an area's tiles, and the budget setting.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { freshDb } from '../../../test/fresh-db.ts';
import { db } from './database.ts';
import {
  BROWSE_AREA,
  DAY_AREA,
  STALE_AREA,
  claimTiles,
  evictTiles,
  getMapSettings,
  readTile,
  saveMapSettings,
  storeTile,
  tileUsage,
} from './tiles.ts';
import { DEFAULT_MAP_SETTINGS } from '#lib/tiles/basemap.ts';

/** Stores a tile of `size` bytes, last used at `lastUsed`, needed by `area`. Answers its key. */
async function put(name: string, area: string, size: number, lastUsed: number, version = 'v1'): Promise<string> {
  const key = `${version}/${name}`;
  await storeTile({ key, version, z: 14, x: 0, y: 0, bytes: new ArrayBuffer(size), area }, lastUsed);
  return key;
}

async function keys(): Promise<string[]> {
  return (await db().tiles.toCollection().primaryKeys()).sort();
}

async function areaOf(key: string): Promise<string | undefined> {
  return (await db().tiles.get(key))?.area;
}

beforeEach(freshDb);

describe('eviction to the storage budget', () => {
  it('drops the least recently used tiles first, only as many as needed', async () => {
    await put('day-a', DAY_AREA, 100, 1);
    await put('day-b', DAY_AREA, 100, 2);
    await put('browse-old', BROWSE_AREA, 100, 10);
    await put('browse-mid', BROWSE_AREA, 100, 20);
    await put('browse-new', BROWSE_AREA, 100, 30);

    expect(await evictTiles(350)).toBe(2);
    // The day tiles are the oldest of all and still stay.
    expect(await keys()).toEqual(['v1/browse-new', 'v1/day-a', 'v1/day-b']);
    expect((await tileUsage()).bytes).toBe(300);
  });

  it('drops stale and browsing tiles before the tiles of other areas, however old those are', async () => {
    await put('saved-oldest', 'saved', 100, 1);
    await put('stale', STALE_AREA, 100, 50);
    await put('browse', BROWSE_AREA, 100, 60);
    await put('saved-newer', 'saved', 100, 70);

    expect(await evictTiles(200)).toBe(2);
    expect(await keys()).toEqual(['v1/saved-newer', 'v1/saved-oldest']);
    // Once nothing unneeded is left, other areas go, least recently used first.
    expect(await evictTiles(100)).toBe(1);
    expect(await keys()).toEqual(['v1/saved-newer']);
  });

  it('never drops the day area, even when the budget is smaller than it', async () => {
    await put('day-a', DAY_AREA, 300, 1);
    await put('day-b', DAY_AREA, 300, 2);
    await put('browse', BROWSE_AREA, 10, 100);

    expect(await evictTiles(100)).toBe(1);
    expect(await keys()).toEqual(['v1/day-a', 'v1/day-b']);
    expect(await evictTiles(0)).toBe(0);
    expect((await tileUsage()).bytes).toBe(600);
  });

  it('drops nothing while the tiles fit the budget', async () => {
    await put('a', BROWSE_AREA, 100, 1);
    await put('b', STALE_AREA, 100, 2);
    await put('c', DAY_AREA, 100, 3);

    expect(await evictTiles(300)).toBe(0);
    expect(await evictTiles(10_000)).toBe(0);
    expect(await keys()).toHaveLength(3);
  });

  it('counts a tile the map read as recently used', async () => {
    const hour = 60 * 60 * 1000;
    const read = await put('read', BROWSE_AREA, 100, 0);
    await put('unread', BROWSE_AREA, 100, hour);
    expect(await readTile(read, 5 * hour)).toBeInstanceOf(ArrayBuffer);
    // The refresh is written in the background; a later read waits for it.
    await expect.poll(async () => (await db().tiles.get(read))?.lastUsed).toBe(5 * hour);

    expect(await evictTiles(100)).toBe(1);
    expect(await keys()).toEqual([read]);
  });
});

describe("claiming an area's tiles", () => {
  it('labels the tiles the area needs and marks those it no longer needs as stale', async () => {
    const left = await put('left', DAY_AREA, 100, 1);
    const kept = await put('kept', DAY_AREA, 200, 2);
    const browsed = await put('browsed', BROWSE_AREA, 300, 3);
    const otherVersion = await put('old', DAY_AREA, 400, 4, 'v0');

    const claimed = await claimTiles(DAY_AREA, 'v1', [kept, browsed, 'v1/not-stored']);

    expect(claimed).toEqual({ stored: 2, bytes: 500 });
    expect(await areaOf(left)).toBe(STALE_AREA);
    expect(await areaOf(kept)).toBe(DAY_AREA);
    expect(await areaOf(browsed)).toBe(DAY_AREA);
    // Another version's day tiles are not this claim's business (the map may still show them).
    expect(await areaOf(otherVersion)).toBe(DAY_AREA);

    // What left the area is now the first to go.
    expect(await evictTiles(999)).toBe(1);
    expect(await keys()).not.toContain(left);
  });
});

describe('the storage budget setting', () => {
  it('defaults to 100 MB', async () => {
    expect(await getMapSettings()).toEqual(DEFAULT_MAP_SETTINGS);
    expect(DEFAULT_MAP_SETTINGS.budgetBytes).toBe(100 * 1024 * 1024);
  });

  it('evicts down to a smaller budget as soon as it is saved', async () => {
    await put('day', DAY_AREA, 400, 1);
    await put('stale', STALE_AREA, 300, 2);
    await put('browse-old', BROWSE_AREA, 200, 3);
    await put('browse-new', BROWSE_AREA, 100, 4);

    expect(await saveMapSettings({ ...DEFAULT_MAP_SETTINGS, budgetBytes: 1000 })).toBe(0);
    expect(await keys()).toHaveLength(4);

    expect(await saveMapSettings({ ...DEFAULT_MAP_SETTINGS, budgetBytes: 500 })).toBe(2);
    expect((await getMapSettings()).budgetBytes).toBe(500);
    expect(await keys()).toEqual(['v1/browse-new', 'v1/day']);
    expect((await tileUsage()).bytes).toBeLessThanOrEqual(500);
  });
});
