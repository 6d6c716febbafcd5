import { Hono } from 'hono';
import { timing } from 'hono/timing';
import { PullQuery, PushRequest, type PushResponse } from '@fieldfix/shared';
import { requireStaff } from '../auth/auth.middleware.ts';
import { ApiError } from '../http/errors.ts';
import { validate } from '../http/validate.ts';
import type { AppDeps, AppEnv } from '../http/deps.ts';
import { requireProtocol } from './protocol.ts';
import { pushMutations } from './push.service.ts';
import { pullChanges } from './pull.service.ts';

export function syncRoutes({ sql, config }: AppDeps) {
  const staffOnly = requireStaff(sql);
  return (
    new Hono<AppEnv>()
      // Server-Timing on every sync response: how long the server took, as devices and
      // benchmarks see it apart from the network.
      .use(timing({ crossOrigin: false }))
      .post('/push', staffOnly, requireProtocol, validate('json', PushRequest), async (c) => {
        const body = c.req.valid('json');
        const stranger = body.mutations.findIndex((m) => m.clientId !== body.clientId);
        if (stranger >= 0) {
          throw new ApiError(
            400,
            'invalid-body',
            `mutations.${stranger}.clientId differs from the batch's clientId: a device pushes only its own changes.`,
          );
        }
        const outcomes = await pushMutations(sql, c.var.staff, body.mutations, config.cityTimeZone);
        return c.json({ outcomes } satisfies PushResponse);
      })
      .get('/pull', staffOnly, requireProtocol, validate('query', PullQuery), async (c) => {
        return c.json(await pullChanges(sql, c.var.staff, c.req.valid('query')));
      })
  );
}
