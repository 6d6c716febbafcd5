/**
 * Planning and downloading an offline area: the tiles covering the crew's cases (their bbox
 * plus a margin, at the configured zooms, inside the basemap's bounds), which of them the
 * device lacks, what they will take, fetching those a few at a time, and recording the result
 * (which may switch the basemap to a newer version, see `receiveBasemap` in `#lib/db/tiles.ts`).
 */
import { fetchTile } from '#lib/api/tiles.ts';
import {
  averageTileBytes,
  claimTiles,
  evictTiles,
  missingTiles,
  recordArea,
  storeTile,
  type TileAreaRow,
} from '#lib/db/tiles.ts';
import { FALLBACK_TILE_BYTES, tileUrl, type BasemapMeta, type MapSettings } from './basemap.ts';
import { bboxAround, intersectBbox, tileKey, tilesForBbox, zoomRange, type Bbox, type TileId } from './tile-math.ts';

/** Around the outermost cases: enough street to find the way in. */
export const AREA_MARGIN_M = 500;
/** Tiles fetched at once. */
export const PARALLEL = 4;

export interface AreaPlan {
  areaId: string;
  version: string;
  /** The server's tile URL template (from the style). */
  template: string;
  bbox: Bbox;
  zooms: number[];
  /** Every tile the area needs. */
  keys: string[];
  missing: TileId[];
  /** Bytes the missing tiles will probably take. */
  estimateBytes: number;
  avgTileBytes: number;
}

/** The plan for an area around `points`, or null when there is nothing to cover. */
export async function planArea(
  areaId: string,
  points: { lat: number; long: number }[],
  meta: BasemapMeta,
  template: string,
  settings: MapSettings,
): Promise<AreaPlan | null> {
  const around = bboxAround(points, AREA_MARGIN_M);
  const bbox = around && intersectBbox(around, meta.bounds);
  if (!bbox) return null;
  // Past the basemap's maxzoom the map overzooms what it has: nothing more to fetch.
  const zooms = zoomRange(Math.max(settings.minZoom, meta.minzoom), Math.min(settings.maxZoom, meta.maxzoom));
  if (zooms.length === 0) return null;
  const tiles = tilesForBbox(bbox, zooms);
  const keys = tiles.map((t) => tileKey(meta.version, t));
  const missingKeys = await missingTiles(keys);
  const missing = tiles.filter((_, i) => missingKeys.has(keys[i]!));
  const avgTileBytes = (await averageTileBytes(meta.version)) ?? meta.avgTileBytes ?? FALLBACK_TILE_BYTES;
  return {
    areaId,
    version: meta.version,
    template,
    bbox,
    zooms,
    keys,
    missing,
    estimateBytes: Math.round(missing.length * avgTileBytes),
    avgTileBytes,
  };
}

/**
 * The plan with only the tiles still missing from the device (those a stopped download
 * stored meanwhile are left out), and their estimate: what "Download the map" fetches again.
 */
export async function stillMissing(plan: AreaPlan): Promise<AreaPlan> {
  const keys = plan.missing.map((t) => tileKey(plan.version, t));
  const gone = await missingTiles(keys);
  const missing = plan.missing.filter((_, i) => gone.has(keys[i]!));
  return { ...plan, missing, estimateBytes: Math.round(missing.length * plan.avgTileBytes) };
}

export interface DownloadProgress {
  done: number;
  total: number;
  bytes: number;
  failed: number;
  /** Stopped early: the server stopped answering (the device shows signal but nothing comes). */
  noAnswer?: boolean;
}

/**
 * Tiles failing for want of an answer, one after another, before the download stops: a
 * device that shows signal in a basement would otherwise wait out each tile's stall in turn.
 */
export const NO_ANSWER_TILES = 8;

/**
 * Fetches and stores the plan's missing tiles, `PARALLEL` at a time, low zooms first.
 * Stops early on `signal`, when the device goes offline, or after `NO_ANSWER_TILES` tiles in a
 * row got no answer; answers what got done. Never throws for a failed tile.
 */
export async function downloadArea(
  plan: AreaPlan,
  signal: AbortSignal,
  onProgress: (p: DownloadProgress) => void,
): Promise<DownloadProgress> {
  const progress: DownloadProgress = { done: 0, total: plan.missing.length, bytes: 0, failed: 0 };
  let next = 0;
  let unansweredInRow = 0;
  const worker = async (): Promise<void> => {
    while (!signal.aborted && !progress.noAnswer && next < plan.missing.length) {
      const t = plan.missing[next++]!;
      const res = await fetchTile(tileUrl(plan.template, t), signal);
      if (res.ok) {
        await storeTile({
          key: tileKey(plan.version, t),
          version: plan.version,
          z: t.z,
          x: t.x,
          y: t.y,
          bytes: res.bytes,
          area: plan.areaId,
        });
        progress.done++;
        progress.bytes += res.bytes.byteLength;
        unansweredInRow = 0;
      } else if (res.kind !== 'aborted') {
        progress.failed++;
        // Offline now: the rest would fail the same way.
        if (res.kind === 'network' && typeof navigator !== 'undefined' && navigator.onLine === false) return;
        if (res.kind === 'network' && ++unansweredInRow >= NO_ANSWER_TILES) progress.noAnswer = true;
        else if (res.kind !== 'network') unansweredInRow = 0;
      }
      onProgress({ ...progress });
    }
  };
  await Promise.all(Array.from({ length: PARALLEL }, worker));
  return progress;
}

export interface AreaResult {
  /** The area as it now stands on the device. */
  area: TileAreaRow;
  /** Tiles of the area still missing, and what they would probably take. */
  missing: number;
  estimateBytes: number;
  /** The area belongs to the basemap the map opens with (false while a newer one waits). */
  active: boolean;
  /** This area completed a newer basemap, which is now the one the map opens with. */
  switched: boolean;
}

/**
 * After a download (or a plan with nothing missing): labels the area's tiles, records the area
 * (switching to a waiting basemap version once its area is complete, and only then dropping the
 * old version), and brings the tiles back under the budget.
 */
export async function finishArea(plan: AreaPlan, budgetBytes: number, now = new Date()): Promise<AreaResult> {
  const { stored, bytes } = await claimTiles(plan.areaId, plan.version, plan.keys);
  const area: TileAreaRow = {
    id: plan.areaId,
    bbox: plan.bbox,
    zooms: plan.zooms,
    version: plan.version,
    tiles: plan.keys.length,
    stored,
    bytes,
    complete: stored === plan.keys.length,
    updatedAt: now.toISOString(),
  };
  const { active, switched } = await recordArea(area);
  await evictTiles(budgetBytes);
  const missing = plan.keys.length - stored;
  return { area, missing, estimateBytes: Math.round(missing * plan.avgTileBytes), active, switched };
}
