/**
 * Automatic routing's SQL: the routing table (`routing_rules`, this module's alone), the
 * districts whose bounding box holds a point, and open cases near a point for duplicates.
 */
import type { RoutingNames, RoutingRule } from '@fieldfix/shared';
import type { Queryable } from '../db/database.ts';
import type { Geometry } from './point-in-polygon.ts';

type RuleRow = {
  department_id: string;
  district_id: string | null;
  service_code: string | null;
  group_name: string | null;
  crew_id: string | null;
};

const toRule = (r: RuleRow): RoutingRule => ({
  departmentId: r.department_id,
  districtId: r.district_id,
  serviceCode: r.service_code,
  group: r.group_name,
  crewId: r.crew_id,
});

export async function listRoutingRules(sql: Queryable): Promise<RoutingRule[]> {
  const rows = await sql<RuleRow[]>`
    select department_id, district_id, service_code, group_name, crew_id from routing_rules
    order by department_id, district_id nulls first, service_code nulls first, group_name nulls first`;
  return rows.map(toRule);
}

/** Replaces the whole table with `rules`, in the caller's transaction. */
export async function replaceRoutingRules(tx: Queryable, rules: RoutingRule[]): Promise<void> {
  await tx`delete from routing_rules`;
  if (rules.length === 0) return;
  await tx`insert into routing_rules ${tx(
    rules.map((r) => ({
      department_id: r.departmentId,
      district_id: r.districtId,
      service_code: r.serviceCode,
      group_name: r.group,
      crew_id: r.crewId,
    })),
  )}`;
}

/**
 * The rule for a request of `type` in `districtId`: the most specific of its department's
 * rules that match (the type before its group before any type, then a named district before any).
 */
export async function findRoutingRule(
  sql: Queryable,
  q: { departmentId: string; districtId: string; serviceCode: string; group: string },
): Promise<RoutingRule | null> {
  const [row] = await sql<RuleRow[]>`
    select department_id, district_id, service_code, group_name, crew_id from routing_rules
    where department_id = ${q.departmentId}
      and (district_id is null or district_id = ${q.districtId})
      and (service_code is null or service_code = ${q.serviceCode})
      and (group_name is null or group_name = ${q.group})
    order by (service_code is not null) desc, (group_name is not null) desc, (district_id is not null) desc
    limit 1`;
  return row ? toRule(row) : null;
}

export type DistrictCandidate = { id: string; name: string; boundary: Geometry };

/** Districts whose bounding box holds the point: the exact test is done in code. */
export async function districtsAround(sql: Queryable, lat: number, long: number): Promise<DistrictCandidate[]> {
  return sql<DistrictCandidate[]>`
    select id, name, boundary from districts
    where ${lat} between min_lat and max_lat and ${long} between min_long and max_long
    order by id`;
}

export type Names = { department: string; crew: string | null; district: string; type: string };

export async function routingNames(
  sql: Queryable,
  ids: { departmentId: string; crewId: string | null; districtId: string; serviceCode: string },
): Promise<Names> {
  const [row] = await sql<{ department: string; crew: string | null; district: string; type: string }[]>`
    select (select name from departments where id = ${ids.departmentId}) as department,
      (select name from crews where id = ${ids.crewId}) as crew,
      (select name from districts where id = ${ids.districtId}) as district,
      (select name from service_types where code = ${ids.serviceCode}) as type`;
  return row!;
}

export type NearbyCase = { id: string; lat: number; long: number };

/**
 * Open cases of `serviceCode` in a box of `radiusM` metres around the point (the exact
 * distance is measured in code). Merged and cancelled cases are not candidates.
 */
export async function openCasesNear(
  sql: Queryable,
  q: { serviceCode: string; lat: number; long: number; radiusM: number },
): Promise<NearbyCase[]> {
  const dLat = q.radiusM / 111_320;
  const dLong = q.radiusM / (111_320 * Math.max(0.01, Math.cos((q.lat * Math.PI) / 180)));
  return sql<NearbyCase[]>`
    select id::text, lat, long from cases
    where service_code = ${q.serviceCode}
      and state in ('new', 'assigned', 'in_progress', 'on_hold')
      and merged_into_id is null and not cancelled
      and lat between ${q.lat - dLat} and ${q.lat + dLat}
      and long between ${q.long - dLong} and ${q.long + dLong}
    limit 200`;
}

/** Each service type's duplicate distance in metres, by code. */
export async function listDuplicateRadii(sql: Queryable): Promise<Record<string, number>> {
  const rows = await sql<{ code: string; r: number }[]>`
    select code, duplicate_radius_m as r from service_types order by code`;
  return Object.fromEntries(rows.map((x) => [x.code, x.r]));
}

/** Sets the duplicate distance of the types named (known codes only: checked before). */
export async function setDuplicateRadii(tx: Queryable, radii: Record<string, number>): Promise<void> {
  const rows = Object.entries(radii).map(([code, r]) => ({ code, r }));
  if (rows.length === 0) return;
  await tx`
    update service_types t set duplicate_radius_m = x.r
    from jsonb_to_recordset(${tx.json(rows)}) as x(code text, r integer)
    where t.code = x.code`;
}

export async function duplicateRadius(sql: Queryable, serviceCode: string): Promise<number | null> {
  const [row] = await sql<{ r: number }[]>`
    select duplicate_radius_m as r from service_types where code = ${serviceCode} and active`;
  return row?.r ?? null;
}

/** The department, group and crews a routing table may name, to check a new table against. */
export async function routingVocabulary(sql: Queryable) {
  const [departments, districts, types, crews] = await Promise.all([
    sql<{ id: string }[]>`select id from departments`,
    sql<{ id: string }[]>`select id from districts`,
    sql<{ code: string; group_name: string; department_id: string }[]>`
      select code, group_name, department_id from service_types`,
    sql<{ id: string; department_id: string }[]>`select id, department_id from crews`,
  ]);
  return {
    departments: new Set(departments.map((d) => d.id)),
    districts: new Set(districts.map((d) => d.id)),
    types: new Map(types.map((t) => [t.code, { group: t.group_name, departmentId: t.department_id }])),
    groups: new Map(
      [...new Set(types.map((t) => t.group_name))].map((g) => [
        g,
        new Set(types.filter((t) => t.group_name === g).map((t) => t.department_id)),
      ]),
    ),
    crews: new Map(crews.map((c) => [c.id, c.department_id])),
  };
}

/** What a routing table may name, with names, in the order people read them. */
export async function routingNameLists(sql: Queryable): Promise<RoutingNames> {
  const [departments, districts, types, crews] = await Promise.all([
    sql<RoutingNames['departments']>`select id, name from departments order by name, id`,
    sql<RoutingNames['districts']>`select id, name from districts order by name, id`,
    sql<RoutingNames['types']>`
      select code, name, group_name as "group", department_id as "departmentId" from service_types
      order by group_name, name, code`,
    sql<RoutingNames['crews']>`
      select id, name, department_id as "departmentId" from crews order by name, id`,
  ]);
  return { departments: [...departments], districts: [...districts], types: [...types], crews: [...crews] };
}
