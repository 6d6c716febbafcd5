/**
 * The offline map's tiles and areas, and the basemap's stored style. Tiles are keyed by
 * basemap version, so a new version never mixes with the old; the old version's tiles go once
 * the new day area is complete.
 */
import { db, getMeta, setMeta, type TileAreaRow, type TileRow } from './database.ts';
import { DEFAULT_MAP_SETTINGS, type BasemapMeta, type BasemapStyle, type MapSettings } from '#lib/tiles/basemap.ts';

export type { TileAreaRow, TileRow };

/** A read refreshes `lastUsed` at most this often (a write per tile read would be wasteful). */
const TOUCH_AFTER_MS = 60 * 60 * 1000;
/** The area that is never evicted. */
export const DAY_AREA = 'day';
/** Tiles fetched while looking around outside any area. */
export const BROWSE_AREA = 'browse';
/** Tiles an area needed before it moved: evicted first. */
export const STALE_AREA = 'stale';

export async function readTile(key: string, now = Date.now()): Promise<ArrayBuffer | undefined> {
  const row = await db().tiles.get(key);
  if (!row) return undefined;
  if (now - row.lastUsed > TOUCH_AFTER_MS) void db().tiles.update(key, { lastUsed: now }).catch(() => {});
  return row.bytes;
}

export async function storeTile(row: Omit<TileRow, 'size' | 'lastUsed'>, now = Date.now()): Promise<void> {
  await db().tiles.put({ ...row, size: row.bytes.byteLength, lastUsed: now });
}

/** Of these keys, the ones not on the device. */
export async function missingTiles(keys: string[]): Promise<Set<string>> {
  const missing = new Set<string>();
  const CHUNK = 500;
  for (let i = 0; i < keys.length; i += CHUNK) {
    const part = keys.slice(i, i + CHUNK);
    const have = await db().tiles.bulkGet(part);
    part.forEach((k, j) => {
      if (!have[j]) missing.add(k);
    });
  }
  return missing;
}

/** The average stored tile size of a version (null before any was stored). */
export async function averageTileBytes(version: string): Promise<number | null> {
  let n = 0;
  let total = 0;
  await db().tiles.where('version').equals(version).each((t) => {
    n++;
    total += t.size;
  });
  return n ? total / n : null;
}

/**
 * Labels tiles with the area that needs them: the area's tiles get its id; tiles that carried
 * it and are no longer inside become stale (evicted first). Answers the stored count and bytes.
 */
export async function claimTiles(areaId: string, keys: string[]): Promise<{ stored: number; bytes: number }> {
  const d = db();
  const wanted = new Set(keys);
  let stored = 0;
  let bytes = 0;
  await d.transaction('rw', [d.tiles], async () => {
    await d.tiles.where('area').equals(areaId).modify((t) => {
      if (!wanted.has(t.key)) t.area = STALE_AREA;
    });
    const rows = await d.tiles.bulkGet(keys);
    const relabel: string[] = [];
    for (const r of rows) {
      if (!r) continue;
      stored++;
      bytes += r.size;
      if (r.area !== areaId) relabel.push(r.key);
    }
    if (relabel.length) await d.tiles.where('key').anyOf(relabel).modify({ area: areaId });
  });
  return { stored, bytes };
}

export async function saveArea(area: TileAreaRow): Promise<void> {
  await db().tileAreas.put(area);
}

export async function getArea(id: string): Promise<TileAreaRow | undefined> {
  return db().tileAreas.get(id);
}

/** What the tiles take on the device. */
export async function tileUsage(): Promise<{ tiles: number; bytes: number }> {
  let tiles = 0;
  let bytes = 0;
  await db().tiles.each((t) => {
    tiles++;
    bytes += t.size;
  });
  return { tiles, bytes };
}

/**
 * Brings the tiles under `budgetBytes`: least recently used first, stale and browsing tiles
 * before anything else, the day area's tiles never. Answers how many went.
 */
export async function evictTiles(budgetBytes: number): Promise<number> {
  const d = db();
  return d.transaction('rw', [d.tiles], async () => {
    let total = 0;
    const candidates: { key: string; size: number; lastUsed: number }[] = [];
    await d.tiles.each((t) => {
      total += t.size;
      if (t.area !== DAY_AREA) candidates.push({ key: t.key, size: t.size, lastUsed: t.lastUsed });
    });
    if (total <= budgetBytes) return 0;
    candidates.sort((a, b) => a.lastUsed - b.lastUsed);
    const drop: string[] = [];
    for (const c of candidates) {
      if (total <= budgetBytes) break;
      drop.push(c.key);
      total -= c.size;
    }
    await d.tiles.bulkDelete(drop);
    return drop.length;
  });
}

/** Drops the tiles (and areas) of every other basemap version. */
export async function dropOtherVersions(version: string): Promise<void> {
  const d = db();
  await d.transaction('rw', [d.tiles, d.tileAreas], async () => {
    await d.tiles.where('version').notEqual(version).delete();
    await d.tileAreas.filter((a) => a.version !== version).delete();
  });
}

/** Forgets every stored tile and area (the style stays). */
export async function clearTiles(): Promise<void> {
  const d = db();
  await d.transaction('rw', [d.tiles, d.tileAreas], async () => {
    await d.tiles.clear();
    await d.tileAreas.clear();
  });
}

/** Where the crew's cases on the device are (what the day area must cover). */
export async function crewCaseLocations(crewId: string): Promise<{ lat: number; long: number }[]> {
  const cases = await db().cases.where('crewId').equals(crewId).toArray();
  return cases.filter((c) => Number.isFinite(c.lat) && Number.isFinite(c.long)).map((c) => ({ lat: c.lat, long: c.long }));
}

export async function getBasemap(): Promise<{ meta: BasemapMeta; style: BasemapStyle; fetchedAt: string } | undefined> {
  return getMeta('basemap');
}

export async function saveBasemap(meta: BasemapMeta, style: BasemapStyle): Promise<void> {
  await setMeta('basemap', { meta, style, fetchedAt: new Date().toISOString() });
}

export async function getMapSettings(): Promise<MapSettings> {
  return { ...DEFAULT_MAP_SETTINGS, ...(await getMeta('mapSettings')) };
}

export async function saveMapSettings(settings: MapSettings): Promise<void> {
  await setMeta('mapSettings', settings);
}
