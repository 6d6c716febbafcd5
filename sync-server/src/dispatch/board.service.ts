/**
 * The dispatch board of one department and day (`GET /api/dispatch/board`): each crew's open
 * cases in route order with its load, SLA markers and delivery receipts; the unassigned
 * queue; the department's service types and the districts. Loaded in one round of parallel
 * queries, assembled in memory.
 */
import type {
  BoardCase,
  BoardCrew,
  BoardResponse,
  CaseRecord,
  LatLong,
  QueueFilter,
  ServiceType,
} from '@fieldfix/shared';
import { dueTime, isOverdue } from '@fieldfix/shared';
import type { Sql } from '../db/database.ts';
import { listServiceTypes } from '../cases/case.repo.ts';
import {
  currentCursor,
  findCrewPulls,
  findCrewRoutes,
  findDepartmentName,
  findDispatchCrews,
  findDistricts,
  findTypeFigures,
  findUnassigned,
  type BoardCaseRow,
  type DispatchCrew,
  type DistrictBox,
} from './board.repo.ts';
import { crewReceipts } from './delivery.ts';
import { routeLoad } from './route-load.ts';

/** Minutes on site for a case whose service type has gone from the catalogue (never expected). */
const UNKNOWN_TYPE_MINUTES = 30;

type TypeFigures = Map<string, { estimatedMinutes: number; slaDays: number; departmentId: string }>;

/** A department's day as loaded: what the board and the balancer both start from. */
export type DispatchDay = {
  departmentId: string;
  departmentName: string;
  date: string;
  /** The city's day when it was read. */
  today: string;
  cursor: string;
  crews: (DispatchCrew & { start: LatLong; skillCodes: string[] })[];
  routes: Map<string, BoardCaseRow[]>;
  unassigned: BoardCaseRow[];
  /** How many open cases have no crew, of which `unassigned` holds the oldest. */
  unassignedTotal: number;
  pulls: Map<string, { cursor: bigint; at: Date }[]>;
  types: TypeFigures;
  serviceTypes: ServiceType[];
  districts: DistrictBox[];
};

/**
 * A department's day, seen on the city's `today`; `narrow` says which unassigned cases the
 * queue holds (the board's filters).
 */
export async function loadDispatchDay(
  sql: Sql,
  departmentId: string,
  date: string,
  today: string,
  narrow: { filter?: QueueFilter; now?: Date } = {},
): Promise<DispatchDay> {
  // The cursor first: anything that changes while the rest is read comes as a live event after it.
  const cursor = await currentCursor(sql);
  const [crews, routeRows, queue, pulls, types, allTypes, districts, departmentName] = await Promise.all([
    findDispatchCrews(sql, departmentId),
    findCrewRoutes(sql, departmentId, date, today),
    findUnassigned(sql, departmentId, narrow),
    findCrewPulls(sql, departmentId),
    findTypeFigures(sql),
    listServiceTypes(sql),
    findDistricts(sql),
    findDepartmentName(sql, departmentId),
  ]);
  const serviceTypes = allTypes.filter((t) => t.departmentId === departmentId);
  const routes = new Map<string, BoardCaseRow[]>(crews.map((c) => [c.id, []]));
  for (const r of routeRows) routes.get(r.record.crewId!)?.push(r);
  const cityCentre = centreOf(districts.map((d) => d.centre));
  return {
    departmentId,
    departmentName,
    date,
    today,
    cursor,
    crews: crews.map((c) => ({
      ...c,
      // A crew with no yard starts from the middle of its cases, else of the city.
      start: c.start ?? centreOf((routes.get(c.id) ?? []).map((r) => r.record)) ?? cityCentre ?? { lat: 0, long: 0 },
      skillCodes: c.skills ?? serviceTypes.map((t) => t.code),
    })),
    routes,
    unassigned: queue.rows,
    unassignedTotal: queue.total,
    pulls,
    types,
    serviceTypes,
    districts,
  };
}

function centreOf(points: LatLong[]): LatLong | null {
  if (points.length === 0) return null;
  return {
    lat: points.reduce((s, p) => s + p.lat, 0) / points.length,
    long: points.reduce((s, p) => s + p.long, 0) / points.length,
  };
}

export function serviceMinutesOf(types: TypeFigures, c: Pick<CaseRecord, 'serviceCode'>): number {
  return types.get(c.serviceCode)?.estimatedMinutes ?? UNKNOWN_TYPE_MINUTES;
}

export function toBoard(day: DispatchDay, now: Date): BoardResponse {
  const boardCase = (row: BoardCaseRow, delivery: BoardCase['delivery']): BoardCase => {
    const c = row.record;
    // The case's own due date where it has one (a lead may have moved it), as every view reads it.
    const due = dueTime(c, day.types.get(c.serviceCode)?.slaDays ?? 0);
    return {
      case: c,
      serviceMinutes: serviceMinutesOf(day.types, c),
      slaDueAt: new Date(due).toISOString(),
      overdue: isOverdue(c.state, due, now),
      delivery,
    };
  };
  const crews = day.crews.map((crew): BoardCrew => {
    const route = day.routes.get(crew.id) ?? [];
    const receipts = crewReceipts(day.pulls.get(crew.id) ?? [], crew.lastSyncedAt);
    const stops = route.map((r) => ({
      lat: r.record.lat,
      long: r.record.long,
      serviceMinutes: serviceMinutesOf(day.types, r.record),
    }));
    return {
      id: crew.id,
      name: crew.name,
      capacityMinutes: crew.capacityMinutes,
      skills: crew.skillCodes,
      start: crew.start,
      load: routeLoad(crew.start, stops),
      position: crew.position,
      lastSyncedAt: crew.lastSyncedAt?.toISOString() ?? null,
      cases: route.map((r) => boardCase(r, receipts(r.changeCursor))),
    };
  });
  return {
    date: day.date,
    departmentId: day.departmentId,
    departmentName: day.departmentName,
    serverTime: now.toISOString(),
    today: day.today,
    cursor: day.cursor,
    crews,
    unassigned: day.unassigned.map((r) => boardCase(r, null)),
    unassignedTotal: day.unassignedTotal,
    serviceTypes: day.serviceTypes,
    districts: day.districts.map((d) => ({ id: d.id, name: d.name })),
  };
}
