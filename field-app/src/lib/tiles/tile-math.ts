/**
 * Slippy-map tile arithmetic (pure; no imports, so tests and the priming code share it).
 * Web Mercator tiles as in OpenStreetMap's "Slippy map tilenames": at zoom z the world is
 * 2^z × 2^z tiles, x grows eastwards from lng −180, y grows southwards from lat ≈ 85.05.
 */

/** [west, south, east, north] in degrees. */
export type Bbox = [number, number, number, number];

export interface TileId {
  z: number;
  x: number;
  y: number;
}

/** Web Mercator's latitude limit: beyond it there are no tiles. */
export const MAX_LAT = 85.0511287798066;

const clamp = (v: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, v));

/** The tile holding a point at zoom `z` (points on the east/south edge fall in the last tile). */
export function lngLatToTile(lng: number, lat: number, z: number): TileId {
  const n = 2 ** z;
  const latRad = (clamp(lat, -MAX_LAT, MAX_LAT) * Math.PI) / 180;
  const x = Math.floor(((lng + 180) / 360) * n);
  const y = Math.floor(((1 - Math.asinh(Math.tan(latRad)) / Math.PI) / 2) * n);
  return { z, x: clamp(x, 0, n - 1), y: clamp(y, 0, n - 1) };
}

/** The north-west corner of a tile, as [lng, lat]. */
export function tileToLngLat(x: number, y: number, z: number): [number, number] {
  const n = 2 ** z;
  const lng = (x / n) * 360 - 180;
  const lat = (Math.atan(Math.sinh(Math.PI * (1 - (2 * y) / n))) * 180) / Math.PI;
  return [lng, lat];
}

/** The tile ranges (inclusive) covering a bbox at zoom `z`. */
export function tileRange(bbox: Bbox, z: number): { minX: number; maxX: number; minY: number; maxY: number } {
  const [w, s, e, n] = bbox;
  const nw = lngLatToTile(w, n, z);
  const se = lngLatToTile(e, s, z);
  return { minX: nw.x, maxX: se.x, minY: nw.y, maxY: se.y };
}

/** How many tiles cover a bbox over the zooms (without listing them). */
export function countTiles(bbox: Bbox, zooms: readonly number[]): number {
  let count = 0;
  for (const z of zooms) {
    const r = tileRange(bbox, z);
    count += (r.maxX - r.minX + 1) * (r.maxY - r.minY + 1);
  }
  return count;
}

/** Every tile covering a bbox over the zooms, low zooms first (so an interrupted download still shows an overview). */
export function tilesForBbox(bbox: Bbox, zooms: readonly number[]): TileId[] {
  const tiles: TileId[] = [];
  for (const z of [...zooms].sort((a, b) => a - b)) {
    const r = tileRange(bbox, z);
    for (let x = r.minX; x <= r.maxX; x++) for (let y = r.minY; y <= r.maxY; y++) tiles.push({ z, x, y });
  }
  return tiles;
}

/** Zooms from..to inclusive. */
export function zoomRange(from: number, to: number): number[] {
  const zooms: number[] = [];
  for (let z = Math.min(from, to); z <= Math.max(from, to); z++) zooms.push(z);
  return zooms;
}

/**
 * The bbox of the points grown by `marginMetres` on every side (null when there are none).
 * Metres to degrees with the spherical approximation, good enough for a margin.
 */
export function bboxAround(points: readonly { lat: number; long: number }[], marginMetres: number): Bbox | null {
  if (points.length === 0) return null;
  let w = Infinity,
    s = Infinity,
    e = -Infinity,
    n = -Infinity;
  for (const p of points) {
    w = Math.min(w, p.long);
    e = Math.max(e, p.long);
    s = Math.min(s, p.lat);
    n = Math.max(n, p.lat);
  }
  const dLat = marginMetres / 111_320;
  const midLat = ((s + n) / 2) * (Math.PI / 180);
  const dLng = marginMetres / (111_320 * Math.max(0.01, Math.cos(midLat)));
  return [
    clamp(w - dLng, -180, 180),
    clamp(s - dLat, -MAX_LAT, MAX_LAT),
    clamp(e + dLng, -180, 180),
    clamp(n + dLat, -MAX_LAT, MAX_LAT),
  ];
}

/** The overlap of two bboxes, or null when they do not meet. */
export function intersectBbox(a: Bbox, b: Bbox): Bbox | null {
  const r: Bbox = [Math.max(a[0], b[0]), Math.max(a[1], b[1]), Math.min(a[2], b[2]), Math.min(a[3], b[3])];
  return r[0] <= r[2] && r[1] <= r[3] ? r : null;
}

/** The cache key of a tile of a basemap version. */
export function tileKey(version: string, t: TileId): string {
  return `${version}/${t.z}/${t.x}/${t.y}`;
}
