/**
 * What the crews' devices report as they sync: each pull's cursor and time (the board's
 * delivery receipts), and the crew's last position. Written on the sync path, so each call
 * is one statement.
 */
import type { CrewPosition } from '@fieldfix/shared';
import type { Queryable } from '../db/database.ts';

/** Rows of a device's pull log older than this are pruned at its next pull (its newest stays). */
export const PULL_LOG_KEPT_DAYS = 7;

export type CrewSyncFacts = {
  departmentId: string;
  /** The crew's last shared position (null when none, or the crew does not share it). */
  position: CrewPosition | null;
};

type PositionRow = { department_id: string; lat: number | null; long: number | null; at: Date | null };

function facts(r: PositionRow | undefined): CrewSyncFacts | null {
  if (!r) return null;
  return {
    departmentId: r.department_id,
    position: r.lat !== null && r.long !== null && r.at ? { lat: r.lat, long: r.long, at: r.at.toISOString() } : null,
  };
}

/**
 * Records that a crew device was answered with `cursor` at `at`: its newest pull, and, when
 * the answer `delivered` something, the first time it held that cursor, pruning its old log
 * rows. A pull that brought nothing moves the cursor past changes the crew does not see
 * (pull.service.ts): it changes no receipt, so it is not logged. Answers the crew's
 * department and shared position for the live feed (null: no crew).
 */
export async function recordDevicePull(
  sql: Queryable,
  p: { clientId: string; userId: string; crewId: string; cursor: string; at: Date; delivered: boolean },
): Promise<CrewSyncFacts | null> {
  const [row] = await sql<PositionRow[]>`
    with synced as (
      insert into device_syncs (client_id, user_id, crew_id, cursor, pulled_at)
      values (${p.clientId}, ${p.userId}, ${p.crewId}, ${p.cursor}::bigint, ${p.at})
      on conflict (client_id, user_id) do update
        set crew_id = excluded.crew_id, cursor = excluded.cursor, pulled_at = excluded.pulled_at
    ), logged as (
      insert into device_pull_log (client_id, user_id, crew_id, cursor, at)
      select ${p.clientId}, ${p.userId}, ${p.crewId}, ${p.cursor}::bigint, ${p.at}::timestamptz
      where ${p.delivered}::boolean
      on conflict do nothing
    ), pruned as (
      delete from device_pull_log
      where ${p.delivered}::boolean and client_id = ${p.clientId} and user_id = ${p.userId} and cursor < ${p.cursor}::bigint
        and at < ${p.at}::timestamptz - ${PULL_LOG_KEPT_DAYS} * interval '1 day'
    )
    select c.department_id, pos.lat, pos.long, pos.at
    from crews c left join crew_positions pos on pos.crew_id = c.id and c.shares_position
    where c.id = ${p.crewId}`;
  return facts(row);
}

export type PositionResult =
  | { stored: true; facts: CrewSyncFacts; lastSyncedAt: Date | null }
  | { stored: false; why: 'not-shared' | 'older' | 'no-crew' };

/**
 * Keeps `position` as the crew's last one when the crew shares its position and it is newer
 * than the one kept (devices report out of order after a dead zone).
 */
export async function recordCrewPosition(
  sql: Queryable,
  p: { crewId: string; userId: string; lat: number; long: number; at: Date },
): Promise<PositionResult> {
  const [crew] = await sql<{ shares_position: boolean }[]>`
    select shares_position from crews where id = ${p.crewId}`;
  if (!crew) return { stored: false, why: 'no-crew' };
  if (!crew.shares_position) return { stored: false, why: 'not-shared' };
  const [row] = await sql<(PositionRow & { last_synced_at: Date | null })[]>`
    with kept as (
      insert into crew_positions (crew_id, lat, long, at, reported_by)
      values (${p.crewId}, ${p.lat}, ${p.long}, ${p.at}, ${p.userId})
      on conflict (crew_id) do update
        set lat = excluded.lat, long = excluded.long, at = excluded.at, reported_by = excluded.reported_by,
            received_at = now()
        where crew_positions.at < excluded.at
      returning lat, long, at
    )
    select c.department_id, kept.lat, kept.long, kept.at,
      (select max(s.pulled_at) from device_syncs s where s.crew_id = c.id) as last_synced_at
    from crews c join kept on true
    where c.id = ${p.crewId}`;
  if (!row) return { stored: false, why: 'older' };
  return { stored: true, facts: facts(row)!, lastSyncedAt: row.last_synced_at };
}
