/**
 * The city's figures (`/stats`), aggregated in SQL (PostgreSQL and PGlite alike: no extensions;
 * `percentile_cont` for medians, grouping sets for the department and city totals):
 *
 * - open cases now, by age band (whole days since the report: 0–7, 8–30, 31–90, over 90);
 * - of the cases closed (fixed or closed without a fix) in the last `STATS_CLOSED_DAYS` days:
 *   how many, their median days from report to close, and how many within their type's
 *   target (the SLA: closed at most `sla_days` × 24 h after the report);
 * - by week (Monday to Sunday in the city's time zone), the last `STATS_WEEKS` weeks: cases
 *   reported, cases closed, their median days to close and how many within target.
 *
 * For every department and service type, every department and the whole city. Cancelled cases
 * and duplicates merged into another are not counted. Counts only: no case, place or person.
 */
import {
  STATS_CLOSED_DAYS,
  STATS_WEEKS,
  AGE_BANDS,
  type PublicStatsResponse,
  type PublicStatsRow,
  type PublicStatsWeek,
} from '@fieldfix/shared';
import type { Queryable } from '../db/database.ts';
import { CLOSED_STATES, OPEN_STATES } from './map.repo.ts';

const DAY_MS = 86_400_000;
const round1 = (x: number | null) => (x === null ? null : Math.round(x * 10) / 10);
const share = (within: number, closed: number) => (closed === 0 ? null : Math.round((within / closed) * 1000) / 1000);
const keyOf = (dept: string | null, type: string | null) => `${dept ?? '*'}|${type ?? '*'}`;

type Agg = {
  department_id: string | null;
  service_code: string | null;
  b0: number;
  b1: number;
  b2: number;
  b3: number;
  closed: number;
  median: number | null;
  within: number;
};

type WeekAgg = {
  week: string;
  department_id: string | null;
  service_code: string | null;
  n: number;
  median: number | null;
  within: number;
};

export async function publicStats(sql: Queryable, now: Date, timeZone: string): Promise<PublicStatsResponse> {
  const since = new Date(now.getTime() - STATS_CLOSED_DAYS * DAY_MS);
  const ago = (days: number) => new Date(now.getTime() - days * DAY_MS);
  const open = [...OPEN_STATES];
  const closedStates = [...CLOSED_STATES];
  const base = sql`
    select c.service_code, t.department_id, c.requested_at, c.closed_at,
      c.state = any(${open}::text[]) as is_open,
      (c.state = any(${closedStates}::text[]) and c.closed_at is not null) as is_closed,
      extract(epoch from (c.closed_at - c.requested_at)) / 86400.0 as days,
      c.closed_at - c.requested_at <= t.sla_days * interval '1 day' as on_time
    from cases c join service_types t on t.code = c.service_code
    where not c.cancelled and c.merged_into_id is null`;
  // The first day of the first week shown, and of the current week, as the city's local time.
  const firstWeek = sql`(date_trunc('week', ${now}::timestamptz at time zone ${timeZone}) - ${`${STATS_WEEKS - 1} weeks`}::interval)`;

  const [catalogue, aggs, weeks, reported, closedByWeek] = await Promise.all([
    sql<
      {
        code: string;
        name: string;
        sla_days: number;
        active: boolean;
        department_id: string;
        department_name: string;
      }[]
    >`
      select t.code, t.name, t.sla_days, t.active, t.department_id, d.name as department_name
      from service_types t join departments d on d.id = t.department_id
      order by d.name, t.name`,
    sql<Agg[]>`
      with b as (${base})
      select department_id, service_code,
        count(*) filter (where is_open and requested_at > ${ago(8)})::int as b0,
        count(*) filter (where is_open and requested_at <= ${ago(8)} and requested_at > ${ago(31)})::int as b1,
        count(*) filter (where is_open and requested_at <= ${ago(31)} and requested_at > ${ago(91)})::int as b2,
        count(*) filter (where is_open and requested_at <= ${ago(91)})::int as b3,
        count(*) filter (where is_closed and closed_at >= ${since})::int as closed,
        percentile_cont(0.5) within group (order by days) filter (where is_closed and closed_at >= ${since}) as median,
        count(*) filter (where is_closed and closed_at >= ${since} and on_time)::int as within
      from b
      group by grouping sets ((department_id, service_code), (department_id), ())`,
    sql<{ week: string }[]>`
      select to_char(w, 'YYYY-MM-DD') as week
      from generate_series(${firstWeek}, ${firstWeek} + ${`${STATS_WEEKS - 1} weeks`}::interval, interval '1 week') w
      order by w`,
    sql<WeekAgg[]>`
      with b as (${base}),
      w as (
        select *, to_char(date_trunc('week', requested_at at time zone ${timeZone}), 'YYYY-MM-DD') as week from b
        where (requested_at at time zone ${timeZone}) >= ${firstWeek})
      select week, department_id, service_code, count(*)::int as n, null::float8 as median, 0 as within
      from w
      group by grouping sets ((week, department_id, service_code), (week, department_id), (week))`,
    sql<WeekAgg[]>`
      with b as (${base}),
      w as (
        select *, to_char(date_trunc('week', closed_at at time zone ${timeZone}), 'YYYY-MM-DD') as week from b
        where is_closed and (closed_at at time zone ${timeZone}) >= ${firstWeek})
      select week, department_id, service_code, count(*)::int as n,
        percentile_cont(0.5) within group (order by days) as median,
        count(*) filter (where on_time)::int as within
      from w
      group by grouping sets ((week, department_id, service_code), (week, department_id), (week))`,
  ]);

  const byKey = new Map(aggs.map((a) => [keyOf(a.department_id, a.service_code), a]));
  const departments = new Map<string, string>();
  for (const t of catalogue) departments.set(t.department_id, t.department_name);

  const row = (
    departmentId: string | null,
    serviceCode: string | null,
    names: { department: string | null; service: string | null; target: number | null },
  ): PublicStatsRow => {
    const a = byKey.get(keyOf(departmentId, serviceCode));
    const bands: [number, number, number, number] = a ? [a.b0, a.b1, a.b2, a.b3] : [0, 0, 0, 0];
    const closed = a?.closed ?? 0;
    const within = a?.within ?? 0;
    return {
      departmentId,
      departmentName: names.department,
      serviceCode,
      serviceName: names.service,
      targetDays: names.target,
      open: bands,
      openTotal: bands[0] + bands[1] + bands[2] + bands[3],
      closed,
      medianDaysToClose: round1(a?.median ?? null),
      closedWithinTarget: within,
      shareWithinTarget: share(within, closed),
    };
  };

  const rows: PublicStatsRow[] = [row(null, null, { department: null, service: null, target: null })];
  for (const [deptId, deptName] of departments) {
    rows.push(row(deptId, null, { department: deptName, service: null, target: null }));
    for (const t of catalogue) {
      if (t.department_id !== deptId) continue;
      // A retired type is shown while it has figures.
      if (!t.active && !byKey.has(keyOf(deptId, t.code))) continue;
      rows.push(row(deptId, t.code, { department: deptName, service: t.name, target: t.sla_days }));
    }
  }

  const rep = new Map(reported.map((r) => [`${r.week}|${keyOf(r.department_id, r.service_code)}`, r]));
  const clo = new Map(closedByWeek.map((r) => [`${r.week}|${keyOf(r.department_id, r.service_code)}`, r]));
  const trend: PublicStatsWeek[] = [];
  for (const r of rows) {
    for (const { week } of weeks) {
      const k = `${week}|${keyOf(r.departmentId, r.serviceCode)}`;
      const c = clo.get(k);
      trend.push({
        week,
        departmentId: r.departmentId,
        serviceCode: r.serviceCode,
        reported: rep.get(k)?.n ?? 0,
        closed: c?.n ?? 0,
        medianDaysToClose: round1(c?.median ?? null),
        closedWithinTarget: c?.within ?? 0,
        shareWithinTarget: share(c?.within ?? 0, c?.n ?? 0),
      });
    }
  }

  return {
    generatedAt: now.toISOString(),
    timeZone,
    closedDays: STATS_CLOSED_DAYS,
    weeks: STATS_WEEKS,
    bands: AGE_BANDS.map((b) => b.id),
    rows,
    trend,
  };
}
