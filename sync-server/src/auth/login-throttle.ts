import type { LoginThrottlePolicy } from '../config.ts';
import type { Sql } from '../db/database.ts';
import {
  clearKey,
  countAttempt,
  deleteExpired,
  recordFailure,
  uncountAttempt,
  type ThrottleKey,
} from './login-throttle.repo.ts';

/** A sign-in attempt let through: report how its password check went. */
export type LoginAttempt = {
  allowed: true;
  failed(): Promise<void>;
  succeeded(): Promise<void>;
};
export type LoginRefusal = { allowed: false; retryAfterSeconds: number };

/**
 * Limits failed sign-ins per account (lower-cased email, whether or not it exists, so a lock
 * says nothing about which emails are real) and per client address. The state is in the
 * database, shared by every server instance.
 *
 * An attempt is counted before its password is checked and refused once a key is at its limit,
 * so parallel guesses cannot get past it; a refused attempt checks no password and is not
 * counted, so waiting out the lock is enough, and a success clears the account.
 */
export async function beginLogin(
  sql: Sql,
  policy: LoginThrottlePolicy,
  who: { email: string; address: string },
): Promise<LoginAttempt | LoginRefusal> {
  await deleteExpired(sql);
  const account: ThrottleKey = {
    scope: 'account',
    key: who.email.trim().toLowerCase(),
    maxFailures: policy.accountMaxFailures,
  };
  const address: ThrottleKey = { scope: 'address', key: who.address, maxFailures: policy.addressMaxFailures };
  // Always in this order, so two attempts never wait on each other's rows crosswise.
  const states = [await countAttempt(sql, account, policy), await countAttempt(sql, address, policy)];
  const refusedBy = states.filter((s) => s.locked || s.failures > s.maxFailures);
  if (refusedBy.length > 0) {
    for (const s of states) if (!s.locked) await uncountAttempt(sql, s);
    return { allowed: false, retryAfterSeconds: Math.max(...refusedBy.map((s) => s.retryAfterSeconds)) };
  }
  return {
    allowed: true,
    async failed() {
      await recordFailure(sql, account, policy);
      await recordFailure(sql, address, policy);
    },
    async succeeded() {
      await clearKey(sql, account);
      await uncountAttempt(sql, address);
    },
  };
}

/** "Try again in 15 minutes." and the like, for a person. */
export function tryAgainIn(seconds: number): string {
  const minutes = Math.ceil(seconds / 60);
  if (seconds < 60) return `Try again in ${Math.ceil(seconds)} second${Math.ceil(seconds) === 1 ? '' : 's'}.`;
  if (minutes < 60) return `Try again in ${minutes} minute${minutes === 1 ? '' : 's'}.`;
  const hours = Math.floor(minutes / 60);
  const rest = minutes % 60;
  const h = `${hours} hour${hours === 1 ? '' : 's'}`;
  return `Try again in ${rest === 0 ? h : `${h} ${rest} minute${rest === 1 ? '' : 's'}`}.`;
}
