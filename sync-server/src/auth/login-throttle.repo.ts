import type { Sql } from '../db/database.ts';
import type { LoginThrottlePolicy } from '../config.ts';

export type ThrottleScope = 'account' | 'address';
export type ThrottleKey = { scope: ThrottleScope; key: string; maxFailures: number };

/** What one key says about a sign-in attempt that was just counted against it. */
export type KeyState = ThrottleKey & {
  /** Locked: the attempt was refused and not counted. */
  locked: boolean;
  /** Failed and in-flight attempts in the window, this one included. */
  failures: number;
  /** Seconds until the lock ends, or else until the window ends. */
  retryAfterSeconds: number;
};

/** Forgets keys whose window and lockout memory have run out, so the table stays small. */
export async function deleteExpired(sql: Sql): Promise<number> {
  const rows = await sql`delete from login_throttle where expires_at <= now() returning 1`;
  return rows.length;
}

/**
 * Counts an attempt against a key before its password is checked, so attempts made at the
 * same time cannot slip past the limit together. A locked key is left as it is. The row lock
 * taken by the upsert orders concurrent attempts on the same key.
 */
export async function countAttempt(sql: Sql, k: ThrottleKey, policy: LoginThrottlePolicy): Promise<KeyState> {
  const window = policy.windowSeconds;
  const [row] = await sql<{ locked: boolean; failures: number; retry_after: number }[]>`
    insert into login_throttle as t (scope, key, failures, window_start, expires_at)
    values (${k.scope}, ${k.key}, 1, now(), now() + make_interval(secs => ${window}))
    on conflict (scope, key) do update set
      failures = case
        when t.locked_until > now() then t.failures
        when t.window_start <= now() - make_interval(secs => ${window}) then 1
        else t.failures + 1 end,
      window_start = case
        when t.locked_until > now() then t.window_start
        when t.window_start <= now() - make_interval(secs => ${window}) then now()
        else t.window_start end,
      expires_at = greatest(t.expires_at, now() + make_interval(secs => ${window}))
    returning
      coalesce(t.locked_until > now(), false) as locked,
      t.failures,
      greatest(1, ceil(extract(epoch from
        case when t.locked_until > now() then t.locked_until
             else t.window_start + make_interval(secs => ${window}) end - now())))::int as retry_after`;
  return { ...k, locked: row!.locked, failures: row!.failures, retryAfterSeconds: row!.retry_after };
}

/** Takes back an attempt counted by `countAttempt` that was refused or that succeeded. */
export async function uncountAttempt(sql: Sql, k: ThrottleKey): Promise<void> {
  await sql`
    update login_throttle set failures = greatest(failures - 1, 0)
    where scope = ${k.scope} and key = ${k.key} and not coalesce(locked_until > now(), false)`;
}

/**
 * The attempt counted by `countAttempt` failed: at the key's limit, lock it. Each lockout in a
 * row doubles, up to the cap; the row then remembers them for `rememberLockoutsSeconds`.
 */
export async function recordFailure(sql: Sql, k: ThrottleKey, policy: LoginThrottlePolicy): Promise<void> {
  const lockFor = sql`least(${policy.lockoutSeconds}::float8 * power(2, least(lockouts, 30)), ${policy.maxLockoutSeconds}::float8)`;
  await sql`
    update login_throttle set
      locked_until = now() + make_interval(secs => ${lockFor}),
      expires_at = greatest(expires_at, now() + make_interval(secs => ${lockFor} + ${policy.rememberLockoutsSeconds})),
      lockouts = lockouts + 1,
      failures = 0,
      window_start = now()
    where scope = ${k.scope} and key = ${k.key}
      and failures >= ${k.maxFailures}
      and not coalesce(locked_until > now(), false)`;
}

/** A successful sign-in: the account's failures and lockouts are forgotten. */
export async function clearKey(sql: Sql, k: Pick<ThrottleKey, 'scope' | 'key'>): Promise<void> {
  await sql`delete from login_throttle where scope = ${k.scope} and key = ${k.key}`;
}
