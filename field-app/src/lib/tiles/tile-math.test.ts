/**
 * The tile-set arithmetic checked against the slippy-map formulas as OpenStreetMap's wiki
 * writes them (with log(tan + sec) rather than the module's asinh, so the two are independent).
 */
import { describe, expect, it } from 'vitest';
import {
  bboxAround,
  countTiles,
  lngLatToTile,
  tileKey,
  tileToLngLat,
  tilesForBbox,
  zoomRange,
  type Bbox,
} from './tile-math.ts';

/** OSM's "Slippy map tilenames" formulas, written out afresh. */
function osmTile(lng: number, lat: number, z: number): { x: number; y: number } {
  const n = 2 ** z;
  const latRad = (lat * Math.PI) / 180;
  const x = Math.floor(((lng + 180) / 360) * n);
  const y = Math.floor(((1 - Math.log(Math.tan(latRad) + 1 / Math.cos(latRad)) / Math.PI) / 2) * n);
  return { x: Math.min(n - 1, x), y: Math.min(n - 1, y) };
}

/** Tiles covering a bbox at zoom z by the formula: (x range) × (y range). */
function osmCount(bbox: Bbox, z: number): number {
  const [w, s, e, n] = bbox;
  const nw = osmTile(w, n, z);
  const se = osmTile(e, s, z);
  return (se.x - nw.x + 1) * (se.y - nw.y + 1);
}

const BBOXES: Record<string, Bbox> = {
  'a few streets in Riverton': [-86.99, 42.34, -86.95, 42.37],
  'central Berlin': [13.36, 52.5, 13.42, 52.53],
  'south of the equator, west of Greenwich': [-43.25, -22.95, -43.15, -22.88],
  'across the prime meridian': [-0.02, 51.49, 0.03, 51.52],
  'a single point': [13.3777, 52.5163, 13.3777, 52.5163],
};
const ZOOMS = zoomRange(12, 17);

describe('tile math', () => {
  it('puts known points in the tiles the slippy-map formulas give', () => {
    // lng 0, lat 0 sits on the corner shared by the four z1 tiles: it falls in x 1, y 1.
    expect(lngLatToTile(0, 0, 1)).toEqual({ z: 1, x: 1, y: 1 });
    expect(lngLatToTile(0, 0, 0)).toEqual({ z: 0, x: 0, y: 0 });
    expect(lngLatToTile(-180, 85, 2)).toEqual({ z: 2, x: 0, y: 0 });
    expect(lngLatToTile(179.999, -85, 2)).toEqual({ z: 2, x: 3, y: 3 });
    // Known tiles: Berlin's Brandenburger Tor (13.3777, 52.5163) at z16 and London at z10.
    expect(lngLatToTile(13.3777, 52.5163, 16)).toEqual({ z: 16, x: 35203, y: 21493 });
    expect(lngLatToTile(-0.1276, 51.5072, 10)).toEqual({ z: 10, x: 511, y: 340 });
    // Beyond Web Mercator's latitude limit a point is clamped into the edge row.
    expect(lngLatToTile(10, 89.9, 3).y).toBe(0);
    expect(lngLatToTile(10, -89.9, 3).y).toBe(7);
    // A tile's north-west corner maps back into that tile.
    const [lng, lat] = tileToLngLat(35203, 21493, 16);
    expect(lngLatToTile(lng + 1e-9, lat - 1e-9, 16)).toEqual({ z: 16, x: 35203, y: 21493 });
  });

  it('agrees with the formulas tile by tile at zooms 12–17', () => {
    for (const bbox of Object.values(BBOXES)) {
      for (const z of ZOOMS) {
        for (const [lng, lat] of [
          [bbox[0], bbox[3]],
          [bbox[2], bbox[1]],
          [(bbox[0] + bbox[2]) / 2, (bbox[1] + bbox[3]) / 2],
        ] as const) {
          expect(lngLatToTile(lng, lat, z)).toEqual({ z, ...osmTile(lng, lat, z) });
        }
      }
    }
  });

  for (const [name, bbox] of Object.entries(BBOXES)) {
    it(`counts and lists the tiles of ${name} as the formulas do, zooms 12–17`, () => {
      const expected = ZOOMS.map((z) => osmCount(bbox, z));
      expect(ZOOMS.map((z) => countTiles(bbox, [z]))).toEqual(expected);
      const total = expected.reduce((a, b) => a + b, 0);
      expect(countTiles(bbox, ZOOMS)).toBe(total);

      const tiles = tilesForBbox(bbox, ZOOMS);
      expect(tiles).toHaveLength(total);
      // No tile twice, each inside the bbox's range at its zoom, low zooms first.
      expect(new Set(tiles.map((t) => tileKey('v', t))).size).toBe(total);
      for (const t of tiles) {
        const nw = osmTile(bbox[0], bbox[3], t.z);
        const se = osmTile(bbox[2], bbox[1], t.z);
        expect(t.x).toBeGreaterThanOrEqual(nw.x);
        expect(t.x).toBeLessThanOrEqual(se.x);
        expect(t.y).toBeGreaterThanOrEqual(nw.y);
        expect(t.y).toBeLessThanOrEqual(se.y);
      }
      expect(tiles.map((t) => t.z)).toEqual([...tiles.map((t) => t.z)].sort((a, b) => a - b));
      expect(tiles[0]!.z).toBe(12);
      expect(tiles.at(-1)!.z).toBe(17);
    });
  }

  it('counts the whole world as 4^z tiles per zoom and a point as one per zoom', () => {
    const world: Bbox = [-180, -85.05, 179.9999, 85.05];
    expect(countTiles(world, [0, 1, 2])).toBe(1 + 4 + 16);
    expect(tilesForBbox(world, [2])).toHaveLength(16);
    expect(countTiles(BBOXES['a single point']!, ZOOMS)).toBe(6);
    // Zooms given out of order are still listed low first.
    expect(tilesForBbox(BBOXES['a single point']!, [17, 12]).map((t) => t.z)).toEqual([12, 17]);
  });

  it('grows the bbox around points by the margin', () => {
    const bbox = bboxAround(
      [
        { lat: 42.34, long: -86.99 },
        { lat: 42.37, long: -86.95 },
      ],
      500,
    )!;
    expect(bbox[3] - 42.37).toBeCloseTo(500 / 111_320, 6);
    expect(42.34 - bbox[1]).toBeCloseTo(500 / 111_320, 6);
    expect(bbox[0]).toBeLessThan(-86.99);
    expect(bbox[2]).toBeGreaterThan(-86.95);
    expect(bboxAround([], 500)).toBeNull();
  });
});
