/**
 * For the public record's tests (map and stats): the demo city plus generated cases on a fresh
 * database, the record's routes on a fixed clock, and every case as raw rows for recomputing
 * the answers independently.
 */
import { Hono } from 'hono';
import { createTestDatabase, type TestDatabase } from '../../test/test-db.ts';
import { quietLogger, TEST_NOW } from '../../test/test-app.ts';
import { loadConfig } from '../config.ts';
import { seedDemoCity } from '../demo/seed.ts';
import { onError } from '../http/errors.ts';
import { generateCases } from './generate-cases.ts';
import { mapRoutes } from './map.routes.ts';
import { statsRoutes } from './stats.routes.ts';

export const NOW = TEST_NOW;
export const DAY = 86_400_000;

export type RawCase = {
  id: string;
  service_code: string;
  department_id: string;
  sla_days: number;
  district_id: string | null;
  lat: number;
  long: number;
  state: string;
  requested_at: Date;
  closed_at: Date | null;
  cancelled: boolean;
  merged_into_id: string | null;
};

/** Reporters' details put on some cases: none may ever show in public output. */
export const PERSONAL = ['Rosa', 'Quintana', 'rosa.quintana@example.org', '555-0199', 'device-7f3a'];

export type RecordFixture = {
  db: TestDatabase;
  app: Hono;
  cases: RawCase[];
  close(): Promise<void>;
};

export async function recordFixture(generated = 5000): Promise<RecordFixture> {
  const db = await createTestDatabase();
  const config = { ...loadConfig({}), cityTimeZone: 'America/Detroit' };
  await seedDemoCity(db.sql, { now: NOW, timeZone: config.cityTimeZone });
  await generateCases(db.sql, { count: generated, now: NOW, seed: 0.17 });
  // A cancelled case and a merged duplicate: not part of the record.
  await db.sql`update cases set cancelled = true where id = (select min(id) from cases where state = 'new')`;
  await db.sql`
    update cases set merged_into_id = (select min(id) from cases), state = 'closed_not_fixed', closed_at = ${NOW}
    where id = (select max(id) from cases where state = 'new')`;
  await db.sql`
    insert into case_reporters (case_id, first_name, last_name, email, phone, device_id)
    select id, ${PERSONAL[0]!}, ${PERSONAL[1]!}, ${PERSONAL[2]!}, ${PERSONAL[3]!}, ${PERSONAL[4]!}
    from cases where id % 7 = 0
    on conflict (case_id) do update set first_name = excluded.first_name, last_name = excluded.last_name,
      email = excluded.email, phone = excluded.phone, device_id = excluded.device_id`;
  const deps = { sql: db.sql, config, dbKind: db.kind, version: 'test', log: quietLogger };
  const app = new Hono()
    .route('/api/public', mapRoutes(deps, { now: () => NOW }))
    .route('/api/public', statsRoutes(deps, { now: () => NOW }))
    .onError(onError(quietLogger.error));
  const cases = await db.sql<RawCase[]>`
    select c.id::text, c.service_code, t.department_id, t.sla_days, c.district_id, c.lat, c.long, c.state,
      c.requested_at, c.closed_at, c.cancelled, c.merged_into_id::text
    from cases c join service_types t on t.code = c.service_code`;
  return { db, app, cases, close: () => db.close() };
}

export const OPEN = new Set(['new', 'assigned', 'in_progress', 'on_hold']);
export const CLOSED = new Set(['fixed', 'closed_not_fixed']);

/** The record as the map defines it, recomputed: open, or closed in the last 90 days. */
export const onMap = (c: RawCase) =>
  !c.cancelled &&
  c.merged_into_id === null &&
  (OPEN.has(c.state) ||
    (CLOSED.has(c.state) && c.closed_at !== null && c.closed_at.getTime() >= NOW.getTime() - 90 * DAY));
