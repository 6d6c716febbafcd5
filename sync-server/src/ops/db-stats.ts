import { CONNECTION_NAME, type DatabaseKind, type Sql } from '../db/database.ts';

/** The resident notices waiting to be sent, as the metrics report them. */
export type OutboxStats = {
  /** Rows not sent yet and not given up on (`notification_outbox`). */
  depth: number;
  /** Seconds since the oldest of those was queued; 0 when there is none. */
  oldestAgeSeconds: number;
  /** Rows delivery gave up on, waiting for an admin to retry them. */
  failed: number;
};

/** One read of the outbox, on its index of unsent rows (`notification_outbox_pending_idx`). */
export async function outboxStats(sql: Sql): Promise<OutboxStats> {
  const [row] = await sql<{ depth: number; failed: number; oldest_age: number | null }[]>`
    select count(*) filter (where failed_at is null)::int as depth,
      count(*) filter (where failed_at is not null)::int as failed,
      extract(epoch from now() - min(created_at) filter (where failed_at is null))::float8 as oldest_age
    from notification_outbox
    where sent_at is null`;
  return {
    depth: row?.depth ?? 0,
    failed: row?.failed ?? 0,
    oldestAgeSeconds: Math.max(0, row?.oldest_age ?? 0),
  };
}

/**
 * This instance's connections to the database by state (`active`, `idle`,
 * `idle in transaction`, …), as PostgreSQL sees them: those named with this process's
 * `CONNECTION_NAME` (its request pool, its LISTEN and head-read connections, its notice
 * worker's), less the one asking. postgres.js keeps no public count of its pool, and opens
 * connections as they are needed and keeps them: `active` ones near the pool's maximum mean
 * requests wait for one, `idle` ones are spare. Summed over instances, the fleet's.
 * PGlite has one session, always open: `{ open: 1 }`.
 */
export async function connectionsByState(sql: Sql, kind: DatabaseKind): Promise<Record<string, number>> {
  if (kind === 'embedded') return { open: 1 };
  const rows = await sql<{ state: string | null; n: number }[]>`
    select coalesce(state, 'unknown') as state, count(*)::int as n
    from pg_stat_activity
    where application_name = ${CONNECTION_NAME} and datname = current_database() and pid <> pg_backend_pid()
    group by 1`;
  return Object.fromEntries(rows.map((r) => [r.state, r.n]));
}
