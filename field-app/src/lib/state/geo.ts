/** Distances on the ground: the shared definition (`@fieldfix/shared`, domain/geo.ts). */
export { distanceText, haversineMetres, type LatLong } from '@fieldfix/shared';
