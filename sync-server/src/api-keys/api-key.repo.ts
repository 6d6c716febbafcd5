/**
 * Open311 API keys (`api_keys`), and the only module with that table's SQL. A key is a random
 * token shown once; only its SHA-256 is stored. Each use counts against the key's per-minute
 * limit in its row, so every server instance sees the same count.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Queryable } from '../db/database.ts';

export type ApiKey = {
  id: string;
  name: string;
  createdAt: string;
  createdBy: string | null;
  /** The name of the admin who made it, for people reading the list. */
  createdByName: string | null;
  revokedAt: string | null;
  lastUsedAt: string | null;
  rateLimitPerMinute: number;
};

type Row = {
  id: string;
  name: string;
  created_at: Date;
  created_by: string | null;
  created_by_name: string | null;
  revoked_at: Date | null;
  last_used_at: Date | null;
  rate_limit_per_minute: number;
};

/** A key's columns from `k`, an `api_keys` row, and `u`, its creator (left joined). */
const keyColumns = (sql: Queryable) => sql`
  k.id, k.name, k.created_at, k.created_by, u.name as created_by_name, k.revoked_at, k.last_used_at,
  k.rate_limit_per_minute`;

const toApiKey = (r: Row): ApiKey => ({
  id: r.id,
  name: r.name,
  createdAt: r.created_at.toISOString(),
  createdBy: r.created_by,
  createdByName: r.created_by_name,
  revokedAt: r.revoked_at?.toISOString() ?? null,
  lastUsedAt: r.last_used_at?.toISOString() ?? null,
  rateLimitPerMinute: r.rate_limit_per_minute,
});

export function hashApiKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

/** A new key: `ff311_` and 32 random bytes, base64url. */
export function newApiKeyToken(): string {
  return `ff311_${randomBytes(32).toString('base64url')}`;
}

export async function insertApiKey(
  sql: Queryable,
  k: { id: string; name: string; token: string; createdBy: string | null; rateLimitPerMinute: number },
): Promise<ApiKey> {
  const [row] = await sql<Row[]>`
    with made as (
      insert into api_keys (id, name, key_hash, created_by, rate_limit_per_minute)
      values (${k.id}, ${k.name}, ${hashApiKey(k.token)}, ${k.createdBy}, ${k.rateLimitPerMinute})
      returning *)
    select ${keyColumns(sql)} from made k left join users u on u.id = k.created_by`;
  return toApiKey(row!);
}

export async function listApiKeys(sql: Queryable): Promise<ApiKey[]> {
  const rows = await sql<Row[]>`
    select ${keyColumns(sql)} from api_keys k left join users u on u.id = k.created_by order by k.created_at, k.id`;
  return rows.map(toApiKey);
}

/** Revokes a key; false when there is no such key. Revoking twice keeps the first time. */
export async function revokeApiKey(sql: Queryable, id: string): Promise<ApiKey | null> {
  const [row] = await sql<Row[]>`
    with revoked as (update api_keys set revoked_at = coalesce(revoked_at, now()) where id = ${id} returning *)
    select ${keyColumns(sql)} from revoked k left join users u on u.id = k.created_by`;
  return row ? toApiKey(row) : null;
}

export type KeyUse =
  { status: 'ok'; keyId: string } | { status: 'unknown' } | { status: 'limited'; retryAfter: number };

/**
 * Records one use of the key `token`: its last use, and one more in its current minute. A
 * revoked or unknown key is `unknown`; past the limit `limited` (nothing else is done).
 */
export async function useApiKey(sql: Queryable, token: string, now = new Date()): Promise<KeyUse> {
  const [row] = await sql<{ id: string; window_start: Date; window_count: number; rate_limit_per_minute: number }[]>`
    update api_keys set
      last_used_at = ${now},
      window_start = case when window_start is null or window_start <= ${now}::timestamptz - interval '1 minute'
        then ${now}::timestamptz else window_start end,
      window_count = case when window_start is null or window_start <= ${now}::timestamptz - interval '1 minute'
        then 1 else window_count + 1 end
    where key_hash = ${hashApiKey(token)} and revoked_at is null
    returning id, window_start, window_count, rate_limit_per_minute`;
  if (!row) return { status: 'unknown' };
  if (row.window_count > row.rate_limit_per_minute) {
    const retryAfter = Math.max(1, Math.ceil((row.window_start.getTime() + 60_000 - now.getTime()) / 1000));
    return { status: 'limited', retryAfter };
  }
  return { status: 'ok', keyId: row.id };
}
