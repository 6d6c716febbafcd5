/**
 * What the public map reads, in SQL: the cases of the record (open, or closed in the last
 * `MAP_CLOSED_DAYS` days; never cancelled ones or duplicates merged into another) inside a
 * box, grouped into grid cells, or listed. Public fields only (`PublicCase`), and nothing here
 * joins `case_reporters`. The index of migration 0015 holds every column the cell query reads.
 */
import type { PublicMapCase, PublicMapCell, PublicMapFilters } from '@fieldfix/shared';
import { hideContactDetails, MAP_CLOSED_DAYS } from '@fieldfix/shared';
import type { Queryable } from '../db/database.ts';

export const OPEN_STATES = ['new', 'assigned', 'in_progress', 'on_hold'] as const;
export const CLOSED_STATES = ['fixed', 'closed_not_fixed'] as const;
const DAY_MS = 86_400_000;

export type MapQuery = {
  /** [west, south, east, north], west < east, south < north. */
  bbox: [number, number, number, number];
  types: string[] | null;
  districts: string[] | null;
  departments: string[] | null;
  states: string[] | null;
  now: Date;
};

/** The record's cases in the box, with the filters, as a SQL condition on `c`. */
function where(sql: Queryable, q: MapQuery) {
  const [w, s, e, n] = q.bbox;
  const since = new Date(q.now.getTime() - MAP_CLOSED_DAYS * DAY_MS);
  return sql`
    not c.cancelled and c.merged_into_id is null
    and c.long >= ${w} and c.long <= ${e} and c.lat >= ${s} and c.lat <= ${n}
    and (c.state = any(${[...OPEN_STATES]}::text[])
      or (c.state = any(${[...CLOSED_STATES]}::text[]) and c.closed_at >= ${since}))
    and ${q.states ? sql`c.state = any(${q.states}::text[])` : sql`true`}
    and ${q.types ? sql`c.service_code = any(${q.types}::text[])` : sql`true`}
    and ${q.districts ? sql`c.district_id = any(${q.districts}::text[])` : sql`true`}
    and ${
      q.departments
        ? sql`c.service_code in (select t.code from service_types t where t.department_id = any(${q.departments}::text[]))`
        : sql`true`
    }`;
}

type CellRow = {
  n: number;
  lat: number;
  long: number;
  open: number;
  age_sum: number;
  id: string;
  state: PublicMapCell['state'];
  type: string;
  requested_at: Date;
  closed_at: Date | null;
};

const round6 = (x: number) => Math.round(x * 1e6) / 1e6;

/** Whole days from the report to the close, or to `now` while open. */
export const ageDays = (requestedAt: Date, closedAt: Date | null, now: Date): number =>
  Math.max(0, Math.floor(((closedAt ?? now).getTime() - requestedAt.getTime()) / DAY_MS));

/**
 * The record's cases in the box, in cells of `cell` degrees ([longitude, latitude]) aligned on
 * the grid from 0°, 0°: each cell's count and mean place; a cell of one case names it.
 */
export async function mapCells(sql: Queryable, q: MapQuery, cell: [number, number]): Promise<PublicMapCell[]> {
  const [cx, cy] = cell;
  const rows = await sql<CellRow[]>`
    select count(*)::int as n, avg(c.lat) as lat, avg(c.long) as long,
      count(*) filter (where c.state = any(${[...OPEN_STATES]}::text[]))::int as open,
      coalesce(sum(floor(extract(epoch from (${q.now}::timestamptz - c.requested_at)) / 86400))
        filter (where c.state = any(${[...OPEN_STATES]}::text[])), 0)::float8 as age_sum,
      min(c.id)::text as id, min(c.state) as state, min(c.service_code) as type,
      min(c.requested_at) as requested_at, min(c.closed_at) as closed_at
    from cases c
    where ${where(sql, q)}
    group by floor(c.long / ${cx}::float8), floor(c.lat / ${cy}::float8)`;
  return rows.map((r) => {
    const out: PublicMapCell = {
      lat: round6(r.lat),
      long: round6(r.long),
      n: r.n,
      open: r.open,
      ageSum: Math.max(0, r.age_sum),
    };
    if (r.n === 1) {
      out.id = r.id;
      out.state = r.state;
      out.type = r.type;
      out.age = ageDays(r.requested_at, r.closed_at, q.now);
    }
    return out;
  });
}

/** The record's cases in the box, oldest report first: public fields only. */
export async function mapCases(
  sql: Queryable,
  q: MapQuery,
  page: { limit: number; offset: number },
): Promise<{ total: number; cases: PublicMapCase[] }> {
  const [rows, [count]] = await Promise.all([
    sql<
      {
        id: string;
        service_code: string;
        state: PublicMapCase['state'];
        address: string;
        lat: number;
        long: number;
        requested_at: Date;
        closed_at: Date | null;
      }[]
    >`
      select c.id::text, c.service_code, c.state, c.address, c.lat, c.long, c.requested_at, c.closed_at
      from cases c
      where ${where(sql, q)}
      order by c.requested_at, c.id
      limit ${page.limit} offset ${page.offset}`,
    sql<{ total: number }[]>`select count(*)::int as total from cases c where ${where(sql, q)}`,
  ]);
  return {
    total: count?.total ?? 0,
    cases: rows.map((r) => ({
      id: r.id,
      serviceCode: r.service_code,
      state: r.state,
      // Typed by the reporter: a phone number or an email address in it is not shown (as `toPublicCase`).
      address: hideContactDetails(r.address),
      lat: r.lat,
      long: r.long,
      requestedAt: r.requested_at.toISOString(),
      closedAt: r.closed_at ? r.closed_at.toISOString() : null,
      ageDays: ageDays(r.requested_at, r.closed_at, q.now),
    })),
  };
}

/** What the filters offer: the active types, the departments and the districts, and the city's extent. */
export async function mapFilters(sql: Queryable): Promise<PublicMapFilters> {
  const [services, departments, districts, [extent]] = await Promise.all([
    sql<{ code: string; name: string; group_name: string; department_id: string }[]>`
      select code, name, group_name, department_id from service_types where active order by group_name, name`,
    sql<{ id: string; name: string }[]>`select id, name from departments order by name`,
    sql<{ id: string; name: string }[]>`select id, name from districts order by name`,
    sql<{ w: number | null; s: number | null; e: number | null; n: number | null }[]>`
      select min(min_long) as w, min(min_lat) as s, max(max_long) as e, max(max_lat) as n from districts`,
  ]);
  return {
    services: services.map((s) => ({
      code: s.code,
      name: s.name,
      group: s.group_name,
      departmentId: s.department_id,
    })),
    departments: departments.map((d) => ({ id: d.id, name: d.name })),
    districts: districts.map((d) => ({ id: d.id, name: d.name })),
    bounds:
      extent && extent.w !== null && extent.s !== null && extent.e !== null && extent.n !== null
        ? [extent.w, extent.s, extent.e, extent.n]
        : null,
    closedDays: MAP_CLOSED_DAYS,
  };
}

/** The codes among `asked` that the catalogue does not know, per filter. */
export async function unknownFilterValues(
  sql: Queryable,
  asked: { types: string[] | null; districts: string[] | null; departments: string[] | null },
): Promise<{ types: string[]; districts: string[]; departments: string[] }> {
  const check = async (values: string[] | null, known: () => Promise<{ id: string }[]>) => {
    if (!values) return [];
    const ids = new Set((await known()).map((r) => r.id));
    return values.filter((v) => !ids.has(v));
  };
  const [types, districts, departments] = await Promise.all([
    check(
      asked.types,
      () => sql<{ id: string }[]>`select code as id from service_types where code = any(${asked.types!})`,
    ),
    check(asked.districts, () => sql<{ id: string }[]>`select id from districts where id = any(${asked.districts!})`),
    check(
      asked.departments,
      () => sql<{ id: string }[]>`select id from departments where id = any(${asked.departments!})`,
    ),
  ]);
  return { types, districts, departments };
}
