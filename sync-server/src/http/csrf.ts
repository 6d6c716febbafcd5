import { createMiddleware } from 'hono/factory';
import { csrf } from 'hono/csrf';
import { HTTPException } from 'hono/http-exception';
import { ApiError } from './errors.ts';

const check = csrf();

/**
 * Refuses state-changing requests from other sites when the session rides on a cookie.
 * Requests with a bearer token carry no ambient authority, so they need no such check.
 */
export const crossSiteGuard = createMiddleware(async (c, next) => {
  if (c.req.header('authorization')?.startsWith('Bearer ')) return next();
  try {
    await check(c, async () => {});
  } catch (err) {
    if (err instanceof HTTPException && err.status === 403) {
      throw new ApiError(403, 'forbidden', 'This request came from another site and was refused.');
    }
    throw err;
  }
  await next();
});
