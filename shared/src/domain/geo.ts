/** Distances on the ground (pure; no imports, so the browser tests can import it directly). One definition for the day list, routing, likely duplicates and the proof of a fix. */

export interface LatLong {
  lat: number;
  long: number;
}

/** Mean Earth radius in metres (IUGG), what the haversine formula assumes. */
const EARTH_RADIUS_M = 6_371_008.8;

const rad = (deg: number) => (deg * Math.PI) / 180;

/** Great-circle distance in metres between two points (haversine formula). */
export function haversineMetres(a: LatLong, b: LatLong): number {
  const dLat = rad(b.lat - a.lat);
  const dLong = rad(b.long - a.long);
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(rad(a.lat)) * Math.cos(rad(b.lat)) * Math.sin(dLong / 2) ** 2;
  return 2 * EARTH_RADIUS_M * Math.asin(Math.min(1, Math.sqrt(h)));
}

/** "350 m" under a kilometre (to 10 m), "1.2 km" under 10 km, "14 km" beyond. */
export function distanceText(metres: number): string {
  if (metres < 1000) return `${Math.max(10, Math.round(metres / 10) * 10)} m`;
  if (metres < 10_000) return `${(Math.round(metres / 100) / 10).toFixed(1)} km`;
  return `${Math.round(metres / 1000)} km`;
}
