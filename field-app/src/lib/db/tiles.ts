/**
 * The offline map's tiles and areas, and the basemap's stored style. Tiles are keyed by
 * basemap version, so a new version never mixes with the old.
 *
 * Two basemaps can be stored: the active one (meta `basemap`), which the map opens with, and a
 * newer version the server reported (meta `basemapNext`). The style's tile URLs carry the
 * version, so switching the map to a version whose tiles are not on the device would blank it
 * offline. The next version therefore waits: the day area is downloaded for it while the map
 * keeps the active one, and only when that area is complete does it become active and the old
 * version's tiles and areas go.
 */
import { db, getMeta, setMeta, type StoredBasemap, type TileAreaRow, type TileRow } from './database.ts';
import { DEFAULT_MAP_SETTINGS, type BasemapMeta, type BasemapStyle, type MapSettings } from '#lib/tiles/basemap.ts';

export type { StoredBasemap, TileAreaRow, TileRow };

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
  if (now - row.lastUsed > TOUCH_AFTER_MS)
    void db()
      .tiles.update(key, { lastUsed: now })
      .catch(() => {});
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
  await db()
    .tiles.where('version')
    .equals(version)
    .each((t) => {
      n++;
      total += t.size;
    });
  return n ? total / n : null;
}

/**
 * Labels a version's tiles with the area that needs them: the area's tiles get its id; tiles of
 * that version that carried it and are no longer inside become stale (evicted first). Other
 * versions keep their labels, so the active version's day area stays protected while a newer
 * version's is downloaded. Answers the stored count and bytes.
 */
export async function claimTiles(
  areaId: string,
  version: string,
  keys: string[],
): Promise<{ stored: number; bytes: number }> {
  const d = db();
  const wanted = new Set(keys);
  let stored = 0;
  let bytes = 0;
  await d.transaction('rw', [d.tiles], async () => {
    await d.tiles
      .where('area')
      .equals(areaId)
      .and((t) => t.version === version)
      .modify((t) => {
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

/** Eviction order: tiles nothing needs (stale, browsing) before other areas' tiles. */
const evictionRank = (area: string): number => (area === STALE_AREA || area === BROWSE_AREA ? 0 : 1);

/**
 * Brings the tiles under `budgetBytes`: stale and browsing tiles before anything else, then
 * other areas' tiles, least recently used first within each; the day area's tiles never (so the
 * total may stay above a budget smaller than the day area). Answers how many went.
 */
export async function evictTiles(budgetBytes: number): Promise<number> {
  const d = db();
  return d.transaction('rw', [d.tiles], async () => {
    let total = 0;
    const candidates: { key: string; size: number; lastUsed: number; rank: number }[] = [];
    await d.tiles.each((t) => {
      total += t.size;
      if (t.area !== DAY_AREA)
        candidates.push({ key: t.key, size: t.size, lastUsed: t.lastUsed, rank: evictionRank(t.area) });
    });
    if (total <= budgetBytes) return 0;
    candidates.sort((a, b) => a.rank - b.rank || a.lastUsed - b.lastUsed);
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

/** Drops the tiles and areas of every basemap version but these. */
async function keepOnlyVersions(keep: (string | undefined)[]): Promise<void> {
  const d = db();
  const versions = keep.filter((v): v is string => !!v);
  await d.transaction('rw', [d.tiles, d.tileAreas], async () => {
    await d.tiles.where('version').noneOf(versions).delete();
    await d.tileAreas.filter((a) => !versions.includes(a.version)).delete();
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
  return cases
    .filter((c) => Number.isFinite(c.lat) && Number.isFinite(c.long))
    .map((c) => ({ lat: c.lat, long: c.long }));
}

/** The active basemap: the one the map opens with. */
export async function getBasemap(): Promise<StoredBasemap | undefined> {
  return getMeta('basemap');
}

/** A newer basemap waiting for its day area, if any. */
export async function getNextBasemap(): Promise<StoredBasemap | undefined> {
  return getMeta('basemapNext');
}

/** The basemap the day area is downloaded for: the waiting one, else the active one. */
export async function basemapToDownload(): Promise<StoredBasemap | undefined> {
  return (await getNextBasemap()) ?? (await getBasemap());
}

/**
 * Takes in the basemap the server reports and answers the one to download the day area for.
 * - No active basemap yet: it becomes active at once (there is nothing to keep showing).
 * - The active version: its style is refreshed; a waiting version (the server went back) goes.
 * - Another version: it waits as the next one while the map keeps the active one; a version that
 *   was waiting before it goes, tiles and all.
 */
export async function receiveBasemap(meta: BasemapMeta, style: BasemapStyle): Promise<StoredBasemap> {
  const d = db();
  const incoming: StoredBasemap = { meta, style, fetchedAt: new Date().toISOString() };
  return d.transaction('rw', [d.meta, d.tiles, d.tileAreas], async () => {
    const active = await getBasemap();
    const next = await getNextBasemap();
    if (!active || active.meta.version === meta.version) {
      await setMeta('basemap', incoming);
      if (next) {
        await d.meta.delete('basemapNext');
        await keepOnlyVersions([meta.version]);
      }
      return incoming;
    }
    await setMeta('basemapNext', incoming);
    if (next && next.meta.version !== meta.version) await keepOnlyVersions([active.meta.version, meta.version]);
    return incoming;
  });
}

/**
 * Records an area after its tiles were claimed. An area of the active version is saved, and
 * once complete the tiles and areas of other versions go (a waiting one's stay). A complete
 * area of the waiting version makes it active first, so the old version goes then; an
 * incomplete one is not saved, so the active version's area stays as it is. Answers whether the
 * area is now the active version's and whether the basemap switched.
 */
export async function recordArea(area: TileAreaRow): Promise<{ active: boolean; switched: boolean }> {
  const d = db();
  return d.transaction('rw', [d.meta, d.tiles, d.tileAreas], async () => {
    let active = await getBasemap();
    let next = await getNextBasemap();
    let switched = false;
    if (area.complete && next && next.meta.version === area.version) {
      await setMeta('basemap', next);
      await d.meta.delete('basemapNext');
      active = next;
      next = undefined;
      switched = true;
    }
    // With no stored basemap at all there is nothing to protect: the area counts as active.
    const isActive = !active || active.meta.version === area.version;
    if (!isActive) return { active: false, switched };
    await d.tileAreas.put(area);
    if (area.complete) await keepOnlyVersions([area.version, next?.meta.version]);
    return { active: true, switched };
  });
}

export async function getMapSettings(): Promise<MapSettings> {
  return { ...DEFAULT_MAP_SETTINGS, ...(await getMeta('mapSettings')) };
}

/** Saves the settings and brings the tiles under the new budget at once. Answers how many tiles went. */
export async function saveMapSettings(settings: MapSettings): Promise<number> {
  await setMeta('mapSettings', settings);
  return evictTiles(settings.budgetBytes);
}
