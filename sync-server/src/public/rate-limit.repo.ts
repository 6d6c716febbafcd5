/**
 * Limits on what the public may do (report, follow), counted in `public_rate_limits` so every
 * server instance counts the same: a fixed window per bucket, e.g. `report:ip:203.0.113.9`.
 */
import type { Queryable } from '../db/database.ts';
import { ApiError } from '../http/errors.ts';

export type Limit = { bucket: string; max: number; windowSeconds: number };

/** Counts one hit in each bucket; the seconds to wait when one is over its limit, else null. */
export async function takeHits(sql: Queryable, limits: Limit[], now: Date): Promise<number | null> {
  let wait: number | null = null;
  for (const l of limits) {
    const since = new Date(now.getTime() - l.windowSeconds * 1000);
    const [row] = await sql<{ window_start: Date; hits: number }[]>`
      insert into public_rate_limits as r (bucket, window_start, hits) values (${l.bucket}, ${now}, 1)
      on conflict (bucket) do update set
        window_start = case when r.window_start <= ${since} then ${now} else r.window_start end,
        hits = case when r.window_start <= ${since} then 1 else r.hits + 1 end
      returning window_start, hits`;
    if (row!.hits > l.max) {
      const left = Math.ceil((row!.window_start.getTime() + l.windowSeconds * 1000 - now.getTime()) / 1000);
      wait = Math.max(wait ?? 0, left, 1);
    }
  }
  return wait;
}

/** A 429 naming what to do, and when. */
function tooMany(what: string, wait: number): ApiError {
  const minutes = Math.ceil(wait / 60);
  return new ApiError(
    429,
    'rate-limited',
    `Too many ${what} from this connection or address. Try again in ${minutes} minute${minutes === 1 ? '' : 's'}.`,
    { retryAfterSeconds: wait },
    { retryAfter: wait },
  );
}

/** Throws a 429 naming what to do when any limit is passed. */
export async function enforceLimits(sql: Queryable, limits: Limit[], now: Date, what: string): Promise<void> {
  const wait = await takeHits(sql, limits, now);
  if (wait !== null) throw tooMany(what, wait);
}

/**
 * Throws the same 429 when a bucket is already spent, counting nothing (one read): a flood
 * is refused before the work a request costs (routing, addresses). The count that decides
 * stays `enforceLimits`, in the transaction that does the work.
 */
export async function refuseIfSpent(sql: Queryable, limits: Limit[], now: Date, what: string): Promise<void> {
  const rows = await sql<{ bucket: string; window_start: Date; hits: number }[]>`
    select bucket, window_start, hits from public_rate_limits where bucket = any(${limits.map((l) => l.bucket)})`;
  let wait: number | null = null;
  for (const r of rows) {
    const l = limits.find((x) => x.bucket === r.bucket)!;
    const ends = r.window_start.getTime() + l.windowSeconds * 1000;
    if (ends > now.getTime() && r.hits >= l.max)
      wait = Math.max(wait ?? 0, Math.ceil((ends - now.getTime()) / 1000), 1);
  }
  if (wait !== null) throw tooMany(what, wait);
}
