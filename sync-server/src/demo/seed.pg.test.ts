import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CASE_STATES } from '@fieldfix/shared';
import { createTestDatabase, type TestDatabase } from '../../test/test-db.ts';
import { buildDemoCity, seedDemoCity } from './seed.ts';
import { riverton } from './city.ts';

const NOW = new Date('2026-06-10T14:00:00Z');
const TZ = 'America/Detroit';

describe('demo city seed', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(() => db.close());

  it('seeds a whole city once and never twice', async () => {
    const first = await seedDemoCity(db.sql, { now: NOW, timeZone: TZ });
    expect(first).toEqual({
      departments: 4,
      serviceTypes: 11,
      districts: 5,
      crews: 6,
      users: 15,
      cases: 300,
      reportPhotos: 0,
    });
    expect(await seedDemoCity(db.sql, { now: NOW, timeZone: TZ })).toBeNull();
    const [row] = await db.sql<{ n: number }[]>`select count(*)::int as n from cases`;
    expect(row!.n).toBe(300);
  });

  it('has 12 workers in 6 crews, 2 leads and an admin', async () => {
    const roles = await db.sql<
      { role: string; n: number }[]
    >`select role, count(*)::int as n from users group by role order by role`;
    expect(Object.fromEntries(roles.map((r) => [r.role, r.n]))).toEqual({ admin: 1, lead: 2, worker: 12 });
    const crews = await db.sql<
      { n: number }[]
    >`select count(*)::int as n from users where role = 'worker' group by crew_id`;
    expect(crews.map((c) => c.n)).toEqual([2, 2, 2, 2, 2, 2]);
  });

  it('covers every lifecycle state and ages beyond 90 days', async () => {
    const states = await db.sql<{ state: string }[]>`select distinct state from cases`;
    expect(states.map((s) => s.state).sort()).toEqual([...CASE_STATES].sort());
    const [old] = await db.sql<
      { n: number }[]
    >`select count(*)::int as n from cases where requested_at < ${NOW} - interval '90 days' and state in ('new','assigned')`;
    expect(old!.n).toBeGreaterThanOrEqual(5);
    const [closed] = await db.sql<{ n: number }[]>`
      select count(*)::int as n from cases where state in ('fixed', 'closed_not_fixed') and closed_at is null`;
    expect(closed!.n).toBe(0);
  });

  it('places every case inside the city, in a district, with a street address', async () => {
    const [w, s, e, n] = riverton().bbox;
    const outside = await db.sql`
      select id from cases where long < ${w} or long > ${e} or lat < ${s} or lat > ${n} or district_id is null
        or address !~ '^[0-9]+ [A-Z0-9]'`;
    expect(outside).toHaveLength(0);
  });

  it('gives each crew a routed day: positions 1..n without gaps per day', async () => {
    const rows = await db.sql<{ crew: string; day: string; positions: number[] }[]>`
      select assigned_crew_id as crew, assigned_day::text as day, array_agg(route_position order by route_position) as positions
      from cases where state in ('assigned', 'in_progress', 'on_hold') and assigned_crew_id is not null
      group by 1, 2`;
    expect(rows.length).toBeGreaterThanOrEqual(6 * 3);
    for (const r of rows) expect(r.positions).toEqual(r.positions.map((_, i) => i + 1));
  });

  it('never assigns a case to a day before it was reported', async () => {
    const early = await db.sql`select id from cases where assigned_day < (requested_at at time zone ${TZ})::date`;
    expect(early).toHaveLength(0);
  });

  it('keeps reporters apart and writes an append-only story for each case', async () => {
    const [noStory] = await db.sql<{ n: number }[]>`
      select count(*)::int as n from cases c where not exists (select 1 from case_events e where e.case_id = c.id and e.kind = 'reported')`;
    expect(noStory!.n).toBe(0);
    const [versions] = await db.sql<{ n: number }[]>`
      select count(*)::int as n from cases c where version <> (select count(*) from case_events e where e.case_id = c.id)`;
    expect(versions!.n).toBe(0);
    const [withEmail] = await db.sql<
      { n: number }[]
    >`select count(*)::int as n from case_reporters where email is not null`;
    expect(withEmail!.n).toBeGreaterThan(150);
  });

  it('queues no resident notification for its back story, and marks none as sent', async () => {
    // Demo data never pretends: no notice marked sent that was not, and none queued for events
    // that happened before this server existed (the worker would mail them out weeks late).
    const [row] = await db.sql<{ n: number }[]>`select count(*)::int as n from notification_outbox`;
    expect(row!.n).toBe(0);
  });
});

describe('demo city data', () => {
  it('is the same for the same clock', () => {
    const a = buildDemoCity(NOW, TZ, 'x');
    const b = buildDemoCity(NOW, TZ, 'x');
    expect(JSON.stringify(a)).toBe(JSON.stringify(b));
    expect(a.cases.length).toBe(300);
  });
});
