/**
 * SQL of the dispatch board: a department's crews, their open cases for a day, the
 * unassigned queue, and the crews' devices' pulls. A handful of statements whatever the
 * number of cases (run side by side), never one per crew or per case.
 */
import { OPEN_STATES, ROUTE_STATES, type CaseRecord, type QueueFilter } from '@fieldfix/shared';
import type { Sql } from '../db/database.ts';
import { caseColumns, toCaseRecord, type CaseRow } from '../cases/case.repo.ts';

/** The unassigned queue shows at most this many (oldest first): a backlog beyond it is a report, not a board. */
export const UNASSIGNED_LIMIT = 5000;

export type DispatchCrew = {
  id: string;
  name: string;
  departmentId: string;
  capacityMinutes: number;
  /** Null: every service type of its department. */
  skills: string[] | null;
  start: { lat: number; long: number } | null;
  sharesPosition: boolean;
  position: { lat: number; long: number; at: string } | null;
  lastSyncedAt: Date | null;
};

export type BoardCaseRow = { record: CaseRecord; changeCursor: bigint };

type CrewRow = {
  id: string;
  name: string;
  department_id: string;
  capacity_minutes: number;
  skills: string[] | null;
  start_lat: number | null;
  start_long: number | null;
  shares_position: boolean;
  pos_lat: number | null;
  pos_long: number | null;
  pos_at: Date | null;
  last_synced_at: Date | null;
};

export async function findDepartment(sql: Sql, id: string): Promise<{ id: string; name: string } | undefined> {
  const [row] = await sql<{ id: string; name: string }[]>`select id, name from departments where id = ${id}`;
  return row;
}

/** The department's crews, with their yards, skills, last shared position and newest pull. */
export async function findDispatchCrews(sql: Sql, departmentId: string): Promise<DispatchCrew[]> {
  const rows = await sql<CrewRow[]>`
    select cr.id, cr.name, cr.department_id, cr.capacity_minutes, cr.skills, cr.start_lat, cr.start_long,
      cr.shares_position, p.lat as pos_lat, p.long as pos_long, p.at as pos_at,
      (select max(s.pulled_at) from device_syncs s where s.crew_id = cr.id) as last_synced_at
    from crews cr left join crew_positions p on p.crew_id = cr.id
    where cr.department_id = ${departmentId}
    order by cr.name, cr.id`;
  return rows.map((r) => ({
    id: r.id,
    name: r.name,
    departmentId: r.department_id,
    capacityMinutes: r.capacity_minutes,
    skills: r.skills,
    start: r.start_lat !== null && r.start_long !== null ? { lat: r.start_lat, long: r.start_long } : null,
    sharesPosition: r.shares_position,
    // A crew that stopped sharing is not shown where it was.
    position:
      r.shares_position && r.pos_lat !== null && r.pos_long !== null && r.pos_at
        ? { lat: r.pos_lat, long: r.pos_long, at: r.pos_at.toISOString() }
        : null,
    lastSyncedAt: r.last_synced_at,
  }));
}

/**
 * The open cases on the department's crews' routes for `day`: assigned for that day or
 * earlier and still open (carried over), as the crew's own day has them, in route order
 * (earlier days first). Ordered by crew.
 *
 * A later day than the city's `today` carries nothing from today or before: that work is
 * the crews' day now, and a plan for a later day must not pull it off their tablets (what is
 * left of it tonight reaches the later day's board when today is over).
 */
export async function findCrewRoutes(
  sql: Sql,
  departmentId: string,
  day: string,
  today: string,
): Promise<BoardCaseRow[]> {
  const rows = await sql<(CaseRow & { change_cursor: string })[]>`
    select ${caseColumns(sql, 'c')}, c.change_cursor::text
    from cases c
    where c.assigned_crew_id in (select id from crews where department_id = ${departmentId})
      and c.state = any(${[...ROUTE_STATES]}::text[]) and c.assigned_day <= ${day}::date
      and (${day}::date <= ${today}::date or c.assigned_day > ${today}::date)
    order by c.assigned_crew_id, c.assigned_day, c.route_position nulls last, c.id`;
  return rows.map((r) => ({ record: toCaseRecord(r), changeCursor: BigInt(r.change_cursor) }));
}

/**
 * The queue: the department's open cases with no crew, oldest first, at most `limit`, and how
 * many there are in all (the board says when it holds only the oldest). `filter` narrows it
 * as the board's filters do, judged at `now` (age, service level), so the lead reaches the
 * cases they look for past the first `limit`.
 */
export async function findUnassigned(
  sql: Sql,
  departmentId: string,
  {
    filter = {},
    now = new Date(),
    limit = UNASSIGNED_LIMIT,
  }: { filter?: QueueFilter; now?: Date; limit?: number } = {},
): Promise<{ rows: BoardCaseRow[]; total: number }> {
  const rows = await sql<(CaseRow & { change_cursor: string; total: number })[]>`
    select ${caseColumns(sql, 'c')}, c.change_cursor::text, count(*) over ()::int as total
    from cases c
    where c.assigned_crew_id is null and c.state = any(${[...OPEN_STATES]}::text[])
      and c.service_code in (select code from service_types where department_id = ${departmentId})
      ${filter.district ? sql`and c.district_id = ${filter.district}` : sql``}
      ${filter.type ? sql`and c.service_code = ${filter.type}` : sql``}
      ${filter.priority ? sql`and c.priority = ${filter.priority}` : sql``}
      ${filter.minAgeDays ? sql`and c.requested_at <= ${now}::timestamptz - make_interval(days => ${filter.minAgeDays})` : sql``}
      ${
        filter.overdue
          ? sql`and coalesce(c.expected_at, c.requested_at + make_interval(days => (select st.sla_days from service_types st where st.code = c.service_code))) < ${now}::timestamptz`
          : sql``
      }
    order by c.requested_at, c.id
    limit ${limit}`;
  return {
    rows: rows.map((r) => ({ record: toCaseRecord(r), changeCursor: BigInt(r.change_cursor) })),
    total: rows[0]?.total ?? 0,
  };
}

/** Every pull the department's crews' devices logged (pruned to about a week), by crew. */
export async function findCrewPulls(
  sql: Sql,
  departmentId: string,
): Promise<Map<string, { cursor: bigint; at: Date }[]>> {
  const rows = await sql<{ crew_id: string; cursor: string; at: Date }[]>`
    select l.crew_id, l.cursor::text, l.at from device_pull_log l
    where l.crew_id in (select id from crews where department_id = ${departmentId})`;
  const byCrew = new Map<string, { cursor: bigint; at: Date }[]>();
  for (const r of rows) {
    let list = byCrew.get(r.crew_id);
    if (!list) byCrew.set(r.crew_id, (list = []));
    list.push({ cursor: BigInt(r.cursor), at: r.at });
  }
  return byCrew;
}

/** Every service type's minutes and SLA (retired ones too: old cases still have them). */
export async function findTypeFigures(
  sql: Sql,
): Promise<Map<string, { estimatedMinutes: number; slaDays: number; departmentId: string }>> {
  const rows = await sql<{ code: string; estimated_minutes: number; sla_days: number; department_id: string }[]>`
    select code, estimated_minutes, sla_days, department_id from service_types`;
  return new Map(
    rows.map((r) => [
      r.code,
      { estimatedMinutes: r.estimated_minutes, slaDays: r.sla_days, departmentId: r.department_id },
    ]),
  );
}

/** A department's name, as people know it ("Streets"); its id when it has none. */
export async function findDepartmentName(sql: Sql, departmentId: string): Promise<string> {
  const [row] = await sql<{ name: string }[]>`select name from departments where id = ${departmentId}`;
  return row?.name ?? departmentId;
}

export type DistrictBox = { id: string; name: string; centre: { lat: number; long: number } };

export async function findDistricts(sql: Sql): Promise<DistrictBox[]> {
  const rows = await sql<
    { id: string; name: string; min_lat: number; min_long: number; max_lat: number; max_long: number }[]
  >`select id, name, min_lat, min_long, max_lat, max_long from districts order by name, id`;
  return rows.map((r) => ({
    id: r.id,
    name: r.name,
    centre: { lat: (r.min_lat + r.max_lat) / 2, long: (r.min_long + r.max_long) / 2 },
  }));
}

/**
 * The change log's head (migration 0018): every change at or below it is in what is read
 * after; live events after it change the board's picture.
 */
export async function currentCursor(sql: Sql): Promise<string> {
  const [row] = await sql<{ cursor: string }[]>`select change_log_head()::text as cursor`;
  return row?.cursor ?? '0';
}
