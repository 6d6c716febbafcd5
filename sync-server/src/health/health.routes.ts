import { Hono } from 'hono';
import type { AppDeps } from '../http/deps.ts';

/** Liveness and readiness: 200 only when the database answers. */
export function healthRoutes({ sql, dbKind, version }: AppDeps) {
  return new Hono().get('/', async (c) => {
    try {
      await sql`select 1`;
      return c.json({ ok: true, db: dbKind, version });
    } catch {
      return c.json({ ok: false, db: dbKind, version }, 503);
    }
  });
}
