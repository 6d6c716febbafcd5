/**
 * Exact point-in-polygon for GeoJSON polygons (an outer ring and holes), by ray casting. The
 * database filters districts by bounding box first (no PostGIS: it is not available
 * embedded); this decides. Coordinates are [longitude, latitude].
 */
export type Position = [number, number] | number[];
export type PolygonCoords = Position[][];
export type Geometry =
  { type: 'Polygon'; coordinates: PolygonCoords } | { type: 'MultiPolygon'; coordinates: PolygonCoords[] };

/** True when the point lies inside the ring or on its edge. */
function inRing(x: number, y: number, ring: Position[]): 'in' | 'edge' | 'out' {
  let inside = false;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const xi = ring[i]![0]!;
    const yi = ring[i]![1]!;
    const xj = ring[j]![0]!;
    const yj = ring[j]![1]!;
    // On the segment: collinear and within its box.
    const cross = (x - xi) * (yj - yi) - (y - yi) * (xj - xi);
    if (
      Math.abs(cross) < 1e-12 &&
      x >= Math.min(xi, xj) &&
      x <= Math.max(xi, xj) &&
      y >= Math.min(yi, yj) &&
      y <= Math.max(yi, yj)
    ) {
      return 'edge';
    }
    if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside ? 'in' : 'out';
}

function inPolygon(x: number, y: number, rings: PolygonCoords): boolean {
  const [outer, ...holes] = rings;
  if (!outer || inRing(x, y, outer) === 'out') return false;
  // A point on a hole's edge is on the polygon's boundary: it counts as inside.
  return holes.every((h) => inRing(x, y, h) !== 'in');
}

/** True when (long, lat) lies in the geometry, boundary included. */
export function pointInGeometry(long: number, lat: number, g: Geometry): boolean {
  if (g.type === 'Polygon') return inPolygon(long, lat, g.coordinates);
  return g.coordinates.some((p) => inPolygon(long, lat, p));
}

/** Distance in metres between two points: the shared haversine. */
export { haversineMetres as metresBetween } from '@fieldfix/shared';
