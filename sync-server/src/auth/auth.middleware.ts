import { createMiddleware } from 'hono/factory';
import { Cursor } from '@fieldfix/shared';
import { getCookie } from 'hono/cookie';
import { ApiError } from '../http/errors.ts';
import type { AppEnv, Sql } from '../http/deps.ts';
import { findSession } from './session.repo.ts';

export const SESSION_COOKIE = 'ff_session';

/** The session token from the cookie (the app) or an `Authorization: Bearer` header (API clients). */
function tokenOf(cookie: string | undefined, authorization: string | undefined): string | undefined {
  if (authorization?.startsWith('Bearer ')) return authorization.slice(7).trim() || undefined;
  return cookie || undefined;
}

/**
 * Lets through only signed-in staff; sets `c.var.staff`. 401 when nobody (or an ended
 * session) is asking. What they may do is the access model's to decide
 * (`@fieldfix/shared` access, `../access/`), not this middleware's. With `changeLogHead`
 * the same statement reads the change log's head for the pull (`c.var.changeLogHead`), for
 * the device's cursor in the query; a cursor that is no cursor reads none (the route refuses it).
 */
export function requireStaff(sql: Sql, opts: { changeLogHead?: boolean } = {}) {
  return createMiddleware<AppEnv>(async (c, next) => {
    const token = tokenOf(getCookie(c, SESSION_COOKIE), c.req.header('authorization'));
    if (!token) throw new ApiError(401, 'not-authenticated', 'Sign in to continue.');
    const cursor = opts.changeLogHead ? Cursor.safeParse(c.req.query('cursor') ?? '0') : null;
    const found = await findSession(sql, token, cursor?.success ? { head: { cursor: cursor.data } } : {});
    if (found.status === 'expired') {
      throw new ApiError(401, 'session-expired', 'Your shift session has ended. Sign in again to sync.');
    }
    if (found.status !== 'ok') {
      throw new ApiError(401, 'session-expired', 'You were signed out. Sign in again to sync.');
    }
    c.set('staff', found.staff);
    c.set('sessionTokenHash', found.tokenHash);
    if (found.changeLogHead !== undefined) c.set('changeLogHead', found.changeLogHead);
    await next();
  });
}
