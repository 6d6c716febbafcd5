import type { Context } from 'hono';
import { createMiddleware } from 'hono/factory';
import { Cursor } from '@fieldfix/shared';
import { getCookie } from 'hono/cookie';
import { ApiError } from '../http/errors.ts';
import type { Staff } from '../access/caller.ts';
import type { AppEnv, Sql } from '../http/deps.ts';
import type { QuietPull } from '../sync/quiet-pull.ts';
import { findSession, hashToken } from './session.repo.ts';

export const SESSION_COOKIE = 'ff_session';

/** The session token from the cookie (the app) or an `Authorization: Bearer` header (API clients). */
function tokenOf(cookie: string | undefined, authorization: string | undefined): string | undefined {
  if (authorization?.startsWith('Bearer ')) return authorization.slice(7).trim() || undefined;
  return cookie || undefined;
}

/**
 * Lets through only signed-in staff; sets `c.var.staff`. 401 when nobody (or an ended
 * session) is asking. What they may do is the access model's to decide
 * (`@fieldfix/shared` access, `../access/`), not this middleware's.
 *
 * For the pull (`changeLogHead`), the same statement reads the change log's head for the
 * device's cursor in the query (`c.var.changeLogHead`); a cursor that is no cursor reads none
 * (the route refuses it). With `quiet`, a device already up to date whose session this
 * instance found valid a moment ago is let through with no statement at all (`QuietPull`);
 * on any route given `quiet`, a session the database finds valid is remembered for that.
 */
export function requireStaff(sql: Sql, opts: { changeLogHead?: boolean; quiet?: QuietPull } = {}) {
  return createMiddleware<AppEnv>(async (c, next) => {
    const token = tokenOf(getCookie(c, SESSION_COOKIE), c.req.header('authorization'));
    if (!token) throw new ApiError(401, 'not-authenticated', 'Sign in to continue.');
    const cursor = opts.changeLogHead ? Cursor.safeParse(c.req.query('cursor') ?? '0') : null;
    // A device that says it is behind (a hint, its own push, "Sync now") gets the database's answer.
    if (opts.quiet && cursor?.success) {
      const tokenHash = c.req.query('behind') === undefined ? hashToken(token) : null;
      const known = tokenHash
        ? opts.quiet.consult(tokenHash, BigInt(cursor.data), c.req.query('clientId'))
        : ({ asks: 'behind' } as const);
      if ('asks' in known) {
        c.set('askedBecause', known.asks);
      } else {
        c.set('staff', known.staff);
        c.set('sessionTokenHash', tokenHash!);
        // The cursor to answer "nothing new" with (see the pull route).
        c.set('changeLogHead', known.head);
        c.set('fromMemory', true);
        return next();
      }
    }
    // An instance's first lookups wait for its LISTEN, which forgets whatever was remembered before it.
    const listening = opts.quiet?.listening();
    if (listening) await listening;
    const epoch = opts.quiet?.epoch ?? 0;
    const found = await findSession(sql, token, cursor?.success ? { head: { cursor: cursor.data } } : {});
    if (found.status === 'expired') {
      throw new ApiError(401, 'session-expired', 'Your shift session has ended. Sign in again to sync.');
    }
    if (found.status !== 'ok') {
      throw new ApiError(401, 'session-expired', 'You were signed out. Sign in again to sync.');
    }
    opts.quiet?.remember(found, epoch);
    c.set('staff', found.staff);
    c.set('sessionTokenHash', found.tokenHash);
    if (found.changeLogHead !== undefined) c.set('changeLogHead', found.changeLogHead);
    await next();
  });
}

/**
 * The request's session read again, for a stream that outlives its request: who is asking
 * now, or null once the session has ended (signed out, expired, the account ended).
 */
export async function currentStaff(sql: Sql, c: Context): Promise<Staff | null> {
  const token = tokenOf(getCookie(c, SESSION_COOKIE), c.req.header('authorization'));
  if (!token) return null;
  const found = await findSession(sql, token);
  return found.status === 'ok' ? found.staff : null;
}
