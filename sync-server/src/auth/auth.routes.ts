import { Hono } from 'hono';
import { deleteCookie, setCookie } from 'hono/cookie';
import { z } from 'zod';
import { LoginRequest, type SessionResponse } from '@fieldfix/shared';
import { ApiError } from '../http/errors.ts';
import { validate } from '../http/validate.ts';
import type { AppDeps, AppEnv } from '../http/deps.ts';
import { DUMMY_HASH, verifyPassword } from './password.ts';
import { findCrew, findUserByEmail, publicStaff } from './user.repo.ts';
import { canManageSessions } from '@fieldfix/shared';
import { callerOf } from '../access/caller.ts';
import { createSession, revokeSession, revokeUserSessions, sessionExpiry } from './session.repo.ts';
import { requireStaff, SESSION_COOKIE } from './auth.middleware.ts';
import { clientAddress } from './client-address.ts';
import { beginLogin, tryAgainIn } from './login-throttle.ts';

export function authRoutes({ sql, config, quietPull }: AppDeps) {
  return new Hono<AppEnv>()
    .post('/login', validate('json', LoginRequest), async (c) => {
      const { email, password } = c.req.valid('json');
      // Too many failures for this email or from this address: refused before anything is
      // looked up, the same way whether the account exists or not.
      const attempt = await beginLogin(sql, config.loginThrottle, {
        email,
        address: clientAddress(c, config.trustProxyHops),
      });
      if (!attempt.allowed) {
        const seconds = attempt.retryAfterSeconds;
        throw new ApiError(
          429,
          'rate-limited',
          `Too many sign-in attempts. ${tryAgainIn(seconds)}`,
          { retryAfterSeconds: seconds },
          { retryAfter: seconds },
        );
      }
      const user = await findUserByEmail(sql, email);
      // Verify against a dummy hash when there is no such user, so timing does not tell.
      const ok = await verifyPassword(password, user?.passwordHash ?? DUMMY_HASH);
      if (!user || !ok || !user.active) {
        await attempt.failed();
        throw new ApiError(401, 'bad-credentials', 'That email and password do not match. Check them and try again.');
      }
      await attempt.succeeded();
      const { token, expiresAt } = await createSession(sql, user.id, config.sessionHours, c.req.header('user-agent'));
      setCookie(c, SESSION_COOKIE, token, {
        httpOnly: true,
        sameSite: 'Lax',
        secure: config.secureCookies,
        path: '/',
        expires: expiresAt,
      });
      const body: SessionResponse = {
        user: publicStaff(user),
        crew: user.crewId ? ((await findCrew(sql, user.crewId)) ?? null) : null,
        expiresAt: expiresAt.toISOString(),
        cityTimeZone: config.cityTimeZone,
      };
      // API clients (scripts, benchmarks) may ask for a bearer token; the app never does, so
      // the token it holds stays in an HttpOnly cookie out of reach of page scripts.
      return c.json(c.req.query('bearer') === '1' ? { ...body, token } : body);
    })
    .get('/session', requireStaff(sql), async (c) => {
      const staff = c.var.staff;
      const body: SessionResponse = {
        user: staff,
        crew: staff.crewId ? ((await findCrew(sql, staff.crewId)) ?? null) : null,
        expiresAt: (await sessionExpiry(sql, c.var.sessionTokenHash)).toISOString(),
        cityTimeZone: config.cityTimeZone,
      };
      return c.json(body);
    })
    .post('/logout', requireStaff(sql), async (c) => {
      await revokeSession(sql, c.var.sessionTokenHash);
      // This instance stops answering the device's pulls from memory at once (see QuietPull).
      await quietPull?.forgetSession(c.var.sessionTokenHash);
      deleteCookie(c, SESSION_COOKIE, { path: '/' });
      return c.json({ ok: true });
    })
    .post(
      '/users/:id/revoke-sessions',
      requireStaff(sql),
      validate('param', z.object({ id: z.string().min(1).max(64) })),
      async (c) => {
        if (!canManageSessions(callerOf(c.var.staff))) {
          throw new ApiError(403, 'forbidden', "Only an administrator can end another person's sessions.");
        }
        const revoked = await revokeUserSessions(sql, c.req.valid('param').id);
        await quietPull?.forgetUser(c.req.valid('param').id);
        return c.json({ revoked });
      },
    );
}
