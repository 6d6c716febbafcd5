/**
 * Generated cases for testing and measuring the public record (`/map`, `/stats`) at a big
 * city's scale: `count` cases over the last year, of the catalogue's active types, each at a
 * place inside a district's box (so the district filter is true to the map), in one
 * `insert … select generate_series` statement (100,000 in a few seconds). Deterministic for a
 * given `seed` and `now`. No reporter rows and no descriptions: nobody's data.
 *
 * Ages: reports spread over `days` (more of them recent); a case older than a few weeks is
 * mostly closed, 90 % of the closed fixed, at a time between its report and `now`.
 */
import type { Queryable, Sql } from '../db/database.ts';

export type GenerateOptions = {
  count: number;
  now: Date;
  /** Reports spread over this many days before `now` (365). */
  days?: number;
  /** Any number in [-1, 1] (setseed). */
  seed?: number;
};

export async function generateCases(sql: Sql, o: GenerateOptions): Promise<number> {
  const days = o.days ?? 365;
  const run = async (tx: Queryable) => {
    await tx`select setseed(${o.seed ?? 0.42}::float8)`;
    const rows = await tx`
      with types as (select array_agg(code order by code) as codes from service_types where active),
      dist as (
        select array_agg(id order by id) as ids, array_agg(min_lat order by id) as s,
          array_agg(max_lat order by id) as n, array_agg(min_long order by id) as w,
          array_agg(max_long order by id) as e
        from districts),
      g as (
        select i,
          1 + floor(random() * cardinality(dist.ids))::int as d,
          types.codes[1 + floor(random() * cardinality(types.codes))::int] as code,
          random() as rx, random() as ry,
          -- more recent than old: the square of a uniform number
          ${o.now}::timestamptz - (power(random(), 2) * ${days}::float8 * interval '1 day') as requested_at,
          random() as close_draw, random() as close_at, random() as state_draw
        from generate_series(1, ${o.count}::int) as i, types, dist),
      placed as (
        select g.*, dist.ids[d] as district_id,
          dist.s[d] + ry * (dist.n[d] - dist.s[d]) as lat,
          dist.w[d] + rx * (dist.e[d] - dist.w[d]) as long,
          extract(epoch from (${o.now}::timestamptz - requested_at)) / 86400 as age
        from g, dist),
      decided as (
        select placed.*,
          close_draw < least(0.97, age / 30.0) as closed
        from placed)
      insert into cases (service_code, description, lat, long, address, district_id, state, requested_at,
        updated_at, closed_at, resolution_code, close_reason)
      select code, '', lat, long, (100 + i % 900)::text || ' Generated St', district_id,
        case
          when closed and state_draw < 0.9 then 'fixed'
          when closed then 'closed_not_fixed'
          when state_draw < 0.4 then 'new'
          when state_draw < 0.7 then 'assigned'
          when state_draw < 0.9 then 'in_progress'
          else 'on_hold'
        end,
        requested_at,
        case when closed then requested_at + (${o.now}::timestamptz - requested_at) * power(close_at, 3) else requested_at end,
        case when closed then requested_at + (${o.now}::timestamptz - requested_at) * power(close_at, 3) end,
        case when closed and state_draw < 0.9 then 'repaired' end,
        case when closed and state_draw >= 0.9 then 'duplicate' end
      from decided`;
    return rows.count;
  };
  const n = await sql.begin(run);
  await sql`analyze cases`;
  return n;
}
