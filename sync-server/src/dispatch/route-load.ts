/**
 * A route's load as the board shows it: service minutes (each service type's estimate) plus
 * travel from the crew's start, case by case in route order, and back.
 *
 * Travel is straight-line (haversine) distance at an average city speed. There is no street
 * graph on the server (the basemap is vector tiles for drawing, not routing), so a route's
 * real driving distance is longer, typically by a fifth to a third on a street grid; the
 * speed is an average that includes stops and turns, so the minutes are a usable estimate.
 * The balance preview uses these same figures before and after, so they compare like with like.
 */
import { haversineMetres, type LatLong } from '@fieldfix/shared';

/** Average driving speed between jobs in the city, stops included. */
export const CITY_SPEED_KMH = 25;

export type RouteLoad = { serviceMinutes: number; travelMinutes: number; routeKm: number };

/** Kilometres from `start` through `stops` in order and back to `start` (0 with no stops). */
export function routeKm(start: LatLong, stops: LatLong[]): number {
  if (stops.length === 0) return 0;
  let metres = 0;
  let here = start;
  for (const s of stops) {
    metres += haversineMetres(here, s);
    here = s;
  }
  metres += haversineMetres(here, start);
  return metres / 1000;
}

export function travelMinutes(km: number): number {
  return (km / CITY_SPEED_KMH) * 60;
}

/** The load of a route: stops in order, each with its service minutes. */
export function routeLoad(start: LatLong, stops: (LatLong & { serviceMinutes: number })[]): RouteLoad {
  const km = routeKm(start, stops);
  return {
    serviceMinutes: stops.reduce((sum, s) => sum + s.serviceMinutes, 0),
    travelMinutes: round1(travelMinutes(km)),
    routeKm: round2(km),
  };
}

const round1 = (x: number) => Math.round(x * 10) / 10;
const round2 = (x: number) => Math.round(x * 100) / 100;
