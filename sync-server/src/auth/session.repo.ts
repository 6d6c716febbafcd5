import { createHash, randomBytes } from 'node:crypto';
import type { Queryable, Sql } from '../db/database.ts';
import type { Staff } from '../access/caller.ts';

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** Starts a session; the token goes to the client once and only its hash is kept. */
export async function createSession(
  sql: Sql,
  userId: string,
  hours: number,
  userAgent: string | undefined,
): Promise<{ token: string; expiresAt: Date }> {
  const token = randomBytes(32).toString('base64url');
  const [row] = await sql<{ expires_at: Date }[]>`
    insert into sessions (token_hash, user_id, expires_at, user_agent)
    values (${hashToken(token)}, ${userId}, now() + make_interval(secs => ${hours * 3600}), ${userAgent?.slice(0, 300) ?? null})
    returning expires_at`;
  return { token, expiresAt: row!.expires_at };
}

export type SessionLookup =
  | { status: 'ok'; staff: Staff; expiresAt: Date; tokenHash: string; changeLogHead?: bigint }
  | { status: 'expired' | 'revoked' | 'unknown' };

/** What a pull's session lookup also reads: the change log's head, for a device at `cursor`. */
export type HeadFor = { cursor: string };

/**
 * The session behind a token. With `head`, the same statement also reads the change log's
 * head for the device's cursor (`change_log_head_from()`, migration 0021, see the pull): a
 * device already up to date is then answered after one round trip to the database, not two.
 */
export async function findSession(sql: Sql, token: string, opts: { head?: HeadFor } = {}): Promise<SessionLookup> {
  const tokenHash = hashToken(token);
  const [row] = await sql<
    {
      expires_at: Date;
      revoked_at: Date | null;
      expired: boolean;
      active: boolean;
      id: string;
      name: string;
      email: string;
      role: Staff['role'];
      crew_id: string | null;
      department_id: string | null;
      head?: string;
    }[]
  >`
    select s.expires_at, s.revoked_at, s.expires_at <= now() as expired,
           u.active, u.id, u.name, u.email, u.role, u.crew_id, u.department_id
           ${opts.head ? sql`, change_log_head_from(${opts.head.cursor}::bigint)::text as head` : sql``}
    from sessions s join users u on u.id = s.user_id
    where s.token_hash = ${tokenHash}`;
  if (!row) return { status: 'unknown' };
  if (row.revoked_at || !row.active) return { status: 'revoked' };
  if (row.expired) return { status: 'expired' };
  return {
    status: 'ok',
    tokenHash,
    expiresAt: row.expires_at,
    ...(row.head === undefined ? {} : { changeLogHead: BigInt(row.head) }),
    staff: {
      id: row.id,
      name: row.name,
      email: row.email,
      role: row.role,
      crewId: row.crew_id,
      departmentId: row.department_id,
    },
  };
}

/** When a live session ends (the device may work offline until then). */
export async function sessionExpiry(sql: Sql, tokenHash: string): Promise<Date> {
  const [row] = await sql<{ expires_at: Date }[]>`select expires_at from sessions where token_hash = ${tokenHash}`;
  if (!row) throw new Error('sessionExpiry: no such session (the auth middleware found it a moment ago)');
  return row.expires_at;
}

export async function revokeSession(sql: Sql, tokenHash: string): Promise<void> {
  await sql`update sessions set revoked_at = now() where token_hash = ${tokenHash} and revoked_at is null`;
}

/**
 * Signs a person out everywhere (a lost tablet, a member of staff who left), but for the
 * session `keep` (an admin's own, as they set their own password).
 */
export async function revokeUserSessions(sql: Queryable, userId: string, keep?: string): Promise<number> {
  const rows = await sql`
    update sessions set revoked_at = now()
    where user_id = ${userId} and revoked_at is null ${keep ? sql`and token_hash <> ${keep}` : sql``}
    returning 1`;
  return rows.length;
}
