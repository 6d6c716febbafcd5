/**
 * Downloading an offline area from a real HTTP server on the loopback interface into a fresh
 * in-memory IndexedDB: progress, cancelling mid-way, failed tiles, and planning again after.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { freshDb } from '../../../test/fresh-db.ts';
import { startTileServer, tileBytes, type TileServer, type TileServerOptions } from '../../../test/tile-server.ts';
import { db } from '#lib/db/database.ts';
import { DAY_AREA, missingTiles } from '#lib/db/tiles.ts';
import type { BasemapMeta, MapSettings } from './basemap.ts';
import {
  NO_ANSWER_TILES,
  PARALLEL,
  downloadArea,
  finishArea,
  planArea,
  stillMissing,
  type AreaPlan,
  type DownloadProgress,
} from './offline-area.ts';

const VERSION = 'v1';
const META: BasemapMeta = {
  version: VERSION,
  minzoom: 0,
  maxzoom: 16,
  bounds: [-87.2, 42.2, -86.8, 42.5],
  center: [-86.97, 42.355],
  attribution: 'test',
  layers: [],
};
const SETTINGS: MapSettings = { minZoom: 14, maxZoom: 17, budgetBytes: 100 * 1024 * 1024 };
/** Where the crew's cases are. */
const CASES = [
  { lat: 42.35, long: -86.98 },
  { lat: 42.36, long: -86.96 },
];

let server: TileServer | undefined;
async function serve(options: Partial<TileServerOptions> = {}): Promise<TileServer> {
  server = await startTileServer({ versions: [VERSION], ...options });
  return server;
}

async function plan(s: TileServer): Promise<AreaPlan> {
  const p = await planArea(DAY_AREA, CASES, META, s.template(VERSION), SETTINGS);
  if (!p) throw new Error('no plan');
  return p;
}

/** The stored tiles, as key → bytes. */
async function stored(): Promise<Map<string, Uint8Array>> {
  const rows = await db().tiles.toArray();
  return new Map(rows.map((r) => [r.key, new Uint8Array(r.bytes)]));
}

beforeEach(freshDb);
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('downloading an area', () => {
  it("plans the area inside the basemap, its zooms capped at the basemap's maxzoom", async () => {
    const p = await plan(await serve());
    expect(p.zooms).toEqual([14, 15, 16]);
    expect(p.missing).toHaveLength(p.keys.length);
    expect(p.keys.length).toBeGreaterThan(20);
    expect(p.estimateBytes).toBeGreaterThan(0);
    // Cases outside the basemap's bounds give nothing to plan.
    expect(await planArea(DAY_AREA, [{ lat: 10, long: 10 }], META, p.template, SETTINGS)).toBeNull();
  });

  it('fetches every missing tile once, stores what was served, and reports progress', async () => {
    const s = await serve();
    const p = await plan(s);
    const reports: DownloadProgress[] = [];

    const result = await downloadArea(p, new AbortController().signal, (r) => reports.push(r));

    const total = p.keys.length;
    expect(result).toMatchObject({ done: total, total, failed: 0 });
    expect(reports).toHaveLength(total);
    expect(reports.map((r) => r.done)).toEqual(Array.from({ length: total }, (_, i) => i + 1));
    expect(reports.every((r) => r.total === total)).toBe(true);
    expect([...s.requests].sort()).toEqual([...p.keys].sort());

    const tiles = await stored();
    let bytes = 0;
    for (const key of p.keys) {
      expect(tiles.get(key)).toEqual(tileBytes(key));
      bytes += tileBytes(key).byteLength;
    }
    expect(result.bytes).toBe(bytes);
    expect(reports.at(-1)!.bytes).toBe(bytes);
    expect((await db().tiles.toArray()).every((t) => t.area === DAY_AREA && t.version === VERSION)).toBe(true);

    // Nothing is left to fetch, and the area is recorded complete.
    expect((await plan(s)).missing).toEqual([]);
    const finished = await finishArea(p, SETTINGS.budgetBytes);
    expect(finished.area).toMatchObject({ id: DAY_AREA, complete: true, tiles: total, stored: total, bytes });
    expect(finished.missing).toBe(0);
  });

  it('stops on cancel: no further requests, stored tiles whole, and a new plan lists only the rest', async () => {
    const s = await serve({ delayMs: 15 });
    const p = await plan(s);
    const abort = new AbortController();
    const STOP_AFTER = 6;

    const result = await downloadArea(p, abort.signal, (r) => {
      if (r.done >= STOP_AFTER) abort.abort();
    });

    expect(result.done).toBeGreaterThanOrEqual(STOP_AFTER);
    expect(result.done).toBeLessThan(p.keys.length);
    // Tiles in flight when it stopped are dropped, not counted as failed.
    expect(result.failed).toBe(0);
    const requestedAtStop = s.requests.length;
    // At most the four in flight were asked for beyond those stored.
    expect(requestedAtStop).toBeLessThanOrEqual(result.done + 4);
    await new Promise((r) => setTimeout(r, 100));
    expect(s.requests).toHaveLength(requestedAtStop);

    // Exactly the tiles counted as done are stored, each with the bytes served.
    const tiles = await stored();
    expect(tiles.size).toBe(result.done);
    for (const [key, bytes] of tiles) {
      expect(p.keys).toContain(key);
      expect(bytes).toEqual(tileBytes(key));
    }

    // The area is recorded as incomplete, and planning again lists only what is missing.
    const finished = await finishArea(p, SETTINGS.budgetBytes);
    expect(finished.area).toMatchObject({ complete: false, stored: result.done });
    expect(finished.missing).toBe(p.keys.length - result.done);
    const again = await plan(s);
    const againKeys = again.missing.map((t) => `${VERSION}/${t.z}/${t.x}/${t.y}`);
    expect(againKeys.sort()).toEqual(p.keys.filter((k) => !tiles.has(k)).sort());
    expect(again.estimateBytes).toBeGreaterThan(0);
    // Going on from the stopped plan fetches only the rest too, with its own estimate.
    const left = await stillMissing(p);
    expect(left.missing).toEqual(again.missing);
    expect(left.estimateBytes).toBe(Math.round(left.missing.length * p.avgTileBytes));
    expect(left.estimateBytes).toBeLessThan(p.estimateBytes);

    // Resuming fetches only those, and completes the area.
    const before = s.requests.length;
    const rest = await downloadArea(again, new AbortController().signal, () => {});
    expect(rest).toMatchObject({ done: againKeys.length, failed: 0 });
    expect(s.requests.slice(before).sort()).toEqual(againKeys.sort());
    expect(await missingTiles(p.keys)).toEqual(new Set());
  });

  it('counts a tile the server fails (5xx) as failed without throwing, and fetches it on the next plan', async () => {
    const s0 = await serve();
    const p0 = await plan(s0);
    const broken = p0.keys[3]!;
    const alsoBroken = p0.keys[7]!;
    await s0.close();
    const s = await serve({ statuses: { [broken]: 503, [alsoBroken]: 500 } });
    const p = await plan(s);

    const result = await downloadArea(p, new AbortController().signal, () => {});

    expect(result).toMatchObject({ total: p.keys.length, done: p.keys.length - 2, failed: 2 });
    const tiles = await stored();
    expect(tiles.has(broken)).toBe(false);
    expect(tiles.has(alsoBroken)).toBe(false);
    expect((await finishArea(p, SETTINGS.budgetBytes)).area.complete).toBe(false);
    const again = await plan(s);
    expect(again.missing.map((t) => `${VERSION}/${t.z}/${t.x}/${t.y}`).sort()).toEqual([broken, alsoBroken].sort());
  });

  it('keeps an empty answer (204) as an empty tile', async () => {
    const s0 = await serve();
    const empty = (await plan(s0)).keys[0]!;
    await s0.close();
    const s = await serve({ statuses: { [empty]: 204 } });
    const p = await plan(s);

    const result = await downloadArea(p, new AbortController().signal, () => {});

    expect(result).toMatchObject({ done: p.keys.length, failed: 0 });
    expect((await stored()).get(empty)?.byteLength).toBe(0);
  });

  it('stops, saying so, once tiles in a row get no answer from the server', async () => {
    const s = await serve();
    const p = await plan(s);
    expect(p.keys.length).toBeGreaterThan(NO_ANSWER_TILES + PARALLEL);
    await s.close();
    server = undefined;

    const result = await downloadArea(p, new AbortController().signal, () => {});

    // The tiles already asked for by the other workers finish failing; nothing more is asked.
    expect(result).toMatchObject({ done: 0, noAnswer: true });
    expect(result.failed).toBeGreaterThanOrEqual(NO_ANSWER_TILES);
    expect(result.failed).toBeLessThan(NO_ANSWER_TILES + PARALLEL);
    expect(await db().tiles.count()).toBe(0);
  });
});
