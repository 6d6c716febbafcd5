/**
 * Automatic routing: where a new request falls (the district polygon that holds it) and what
 * it is (its service type) pick the crew, from the routing table. The department is always
 * the service type's: access follows it. Also: likely duplicates of a report.
 */
import type { Queryable } from '../db/database.ts';
import { metresBetween, pointInGeometry } from './point-in-polygon.ts';
import {
  districtsAround,
  duplicateRadius,
  findRoutingRule,
  openCasesNear,
  routingNames,
  type DistrictCandidate,
} from './routing.repo.ts';

export type Route = {
  districtId: string;
  departmentId: string;
  crewId: string | null;
  /** For the case history: "Routed to Streets, Streets Crew A: district Old Town, type Pothole." */
  message: string;
  /** For the public timeline: the department, never the crew. */
  publicMessage: string;
};

/** The district holding the point, or null when it is outside every district (outside the city). */
export async function districtAt(sql: Queryable, lat: number, long: number): Promise<DistrictCandidate | null> {
  const candidates = await districtsAround(sql, lat, long);
  return candidates.find((d) => pointInGeometry(long, lat, d.boundary)) ?? null;
}

/** Routes a request of `type` at the point; null when the point is outside the city. */
export async function routeRequest(
  sql: Queryable,
  at: { lat: number; long: number },
  type: { code: string; group: string; departmentId: string },
): Promise<Route | null> {
  const district = await districtAt(sql, at.lat, at.long);
  if (!district) return null;
  const rule = await findRoutingRule(sql, {
    departmentId: type.departmentId,
    districtId: district.id,
    serviceCode: type.code,
    group: type.group,
  });
  const crewId = rule?.crewId ?? null;
  const names = await routingNames(sql, {
    departmentId: type.departmentId,
    crewId,
    districtId: district.id,
    serviceCode: type.code,
  });
  const to = names.crew ? `${names.department}, ${names.crew}` : `${names.department} (waiting for a crew)`;
  return {
    districtId: district.id,
    departmentId: type.departmentId,
    crewId,
    message: `Routed to ${to}: district ${names.district}, type ${names.type}.`,
    publicMessage: `Sent to ${names.department}.`,
  };
}

/**
 * Open cases of the same type within the type's duplicate distance of the point, nearest
 * first, with their distance in metres. Null when the type is unknown.
 */
export async function likelyDuplicates(
  sql: Queryable,
  q: { serviceCode: string; lat: number; long: number },
): Promise<{ id: string; metres: number }[] | null> {
  const radiusM = await duplicateRadius(sql, q.serviceCode);
  if (radiusM === null) return null;
  const near = await openCasesNear(sql, { ...q, radiusM });
  return near
    .map((c) => ({ id: c.id, metres: Math.round(metresBetween(q, c)) }))
    .filter((c) => c.metres <= radiusM)
    .sort((a, b) => a.metres - b.metres || Number(a.id) - Number(b.id));
}
