import {
  CLOSED_STATES,
  ROUTE_STATES,
  type CaseEvent,
  type CaseRecord,
  type Crew,
  type Names,
  type ServiceType,
} from '@fieldfix/shared';
import type { ScopeSql } from '../access/case-scope.sql.ts';
import type { Queryable, Sql } from '../db/database.ts';

export type CaseRow = {
  id: string;
  service_code: string;
  description: string;
  lat: number;
  long: number;
  address: string;
  district_id: string | null;
  state: CaseRecord['state'];
  priority: CaseRecord['priority'];
  status_notes: string | null;
  hold_reason: string | null;
  resolution_code: string | null;
  close_reason: string | null;
  attributes: CaseRecord['attributes'];
  requested_at: Date;
  updated_at: Date;
  expected_at: Date | null;
  closed_at: Date | null;
  assigned_crew_id: string | null;
  assigned_day: string | null;
  route_position: number | null;
  media_url: string | null;
  merged_into_id: string | null;
  cancelled: boolean;
  version: number;
  report_photo_ids: string[];
};

/**
 * The columns staff devices get, from `cases` (or the alias given). Never the reporter's
 * contact: that is another table. The resident's photos count once their bytes are complete.
 */
export const caseColumns = (sql: Queryable, alias = 'cases') => sql`
  ${sql(alias)}.id::text, service_code, description, lat, long, address, district_id, state, priority,
  status_notes, hold_reason, resolution_code, close_reason, attributes, requested_at, updated_at,
  expected_at, closed_at, assigned_crew_id, assigned_day::text, route_position, media_url,
  merged_into_id::text, cancelled, version,
  array(
    select p.id::text from photos p
    where p.case_id = ${sql(alias)}.id and p.kind = 'report' and p.completed_at is not null
    order by p.created_at, p.id
  ) as report_photo_ids`;

export function toCaseRecord(r: CaseRow): CaseRecord {
  return {
    id: r.id,
    serviceCode: r.service_code,
    description: r.description,
    lat: r.lat,
    long: r.long,
    address: r.address,
    districtId: r.district_id,
    state: r.state,
    priority: r.priority,
    statusNotes: r.status_notes,
    holdReason: r.hold_reason,
    resolutionCode: r.resolution_code,
    closeReason: r.close_reason,
    attributes: r.attributes,
    requestedAt: r.requested_at.toISOString(),
    updatedAt: r.updated_at.toISOString(),
    expectedAt: r.expected_at?.toISOString() ?? null,
    closedAt: r.closed_at?.toISOString() ?? null,
    crewId: r.assigned_crew_id,
    assignedDay: r.assigned_day,
    routePosition: r.route_position,
    mediaUrl: r.media_url,
    mergedIntoId: r.merged_into_id,
    cancelled: r.cancelled,
    version: r.version,
    reportPhotoIds: r.report_photo_ids,
  };
}

/**
 * A crew's day: open cases assigned for `day` or earlier (carried-over work first, then route
 * order), and the cases it closed on `day`, so the list shows what is done too.
 */
export async function findCrewDay(sql: Sql, crewId: string, day: string, timeZone: string): Promise<CaseRecord[]> {
  const rows = await sql<CaseRow[]>`
    select ${caseColumns(sql)} from cases
    where assigned_crew_id = ${crewId}
      and (
        (state = any(${[...ROUTE_STATES]}::text[]) and assigned_day <= ${day}::date)
        or (state = any(${[...CLOSED_STATES]}::text[]) and (closed_at at time zone ${timeZone})::date = ${day}::date)
      )
    order by assigned_day, route_position nulls last, id`;
  return rows.map(toCaseRecord);
}

export async function findCase(sql: Sql, id: string): Promise<CaseRecord | undefined> {
  const [row] = await sql<CaseRow[]>`select ${caseColumns(sql)} from cases where id = ${id}`;
  return row && toCaseRecord(row);
}

type EventRow = {
  id: string;
  case_id: string;
  at: Date;
  kind: string;
  actor_name: string | null;
  data: Record<string, unknown>;
};

function toCaseEvent(r: EventRow): CaseEvent {
  return { id: r.id, caseId: r.case_id, at: r.at.toISOString(), kind: r.kind, actorName: r.actor_name, data: r.data };
}

/** A case's history, oldest first: by when each change happened (on the device, for offline work). */
export async function findCaseEvents(sql: Sql, caseId: string): Promise<CaseEvent[]> {
  const rows = await sql<EventRow[]>`
    select e.id::text, e.case_id::text, e.at, e.kind, u.name as actor_name, e.data
    from case_events e left join users u on u.id = e.actor_user_id
    where e.case_id = ${caseId}
    order by e.at, e.id`;
  return rows.map(toCaseEvent);
}

/**
 * The histories of `ids` that pass `scope` (a predicate on `cases c` from the access model),
 * each with the case's current version.
 */
export async function findCaseHistories(
  sql: Sql,
  ids: string[],
  scope: ScopeSql,
): Promise<{ caseId: string; version: number; events: CaseEvent[] }[]> {
  const cases = await sql<{ id: string; version: number }[]>`
    select c.id::text, c.version from cases c where c.id = any(${ids}::bigint[]) and ${scope}`;
  if (cases.length === 0) return [];
  const rows = await sql<EventRow[]>`
    select e.id::text, e.case_id::text, e.at, e.kind, u.name as actor_name, e.data
    from case_events e left join users u on u.id = e.actor_user_id
    where e.case_id = any(${cases.map((c) => c.id)}::bigint[])
    order by e.case_id, e.at, e.id`;
  const byCase = new Map<string, CaseEvent[]>(cases.map((c) => [c.id, []]));
  for (const r of rows) byCase.get(r.case_id)?.push(toCaseEvent(r));
  return cases.map((c) => ({ caseId: c.id, version: c.version, events: byCase.get(c.id) ?? [] }));
}

/** Names of every crew and department: histories name them, never show a raw id. */
export async function findNames(sql: Sql): Promise<Names> {
  const [crews, departments] = await Promise.all([
    sql<{ id: string; name: string }[]>`select id, name from crews`,
    sql<{ id: string; name: string }[]>`select id, name from departments`,
  ]);
  return {
    crews: Object.fromEntries(crews.map((r) => [r.id, r.name])),
    departments: Object.fromEntries(departments.map((r) => [r.id, r.name])),
  };
}

export async function findCrewById(sql: Sql, id: string): Promise<Crew | undefined> {
  const [r] = await sql<{ id: string; name: string; department_id: string; capacity: number }[]>`
    select id, name, department_id, capacity from crews where id = ${id}`;
  return r && { id: r.id, name: r.name, departmentId: r.department_id, capacity: r.capacity };
}

type ServiceTypeRow = {
  code: string;
  name: string;
  group_name: string;
  description: string;
  department_id: string;
  keywords: string[];
  icon: string;
  attributes: ServiceType['attributes'];
  photo_required_on_fix: boolean;
  estimated_minutes: number;
  sla_days: number;
  resolution_codes: ServiceType['resolutionCodes'];
  hold_reasons: ServiceType['holdReasons'];
  close_reasons: ServiceType['closeReasons'];
};

export async function listServiceTypes(sql: Sql): Promise<ServiceType[]> {
  const rows = await sql<ServiceTypeRow[]>`select * from service_types where active order by group_name, name`;
  return rows.map((r) => ({
    code: r.code,
    name: r.name,
    group: r.group_name,
    description: r.description,
    departmentId: r.department_id,
    keywords: r.keywords,
    icon: r.icon,
    attributes: r.attributes,
    photoRequiredOnFix: r.photo_required_on_fix,
    estimatedMinutes: r.estimated_minutes,
    slaDays: r.sla_days,
    resolutionCodes: r.resolution_codes,
    holdReasons: r.hold_reasons,
    closeReasons: r.close_reasons,
  }));
}
