import { Hono } from 'hono';
import { timing } from 'hono/timing';
import { parsePushEntries, PullQuery, PushEnvelope, type PushResponse } from '@fieldfix/shared';
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
      .post('/push', staffOnly, requireProtocol, validate('json', PushEnvelope), async (c) => {
        const body = c.req.valid('json');
        // Each change on its own: a malformed one is rejected by its own outcome (R9) and the
        // rest apply; only one that does not say which change it is refuses the whole batch.
        const parsed = parsePushEntries(body.mutations);
        if ('error' in parsed) throw new ApiError(400, 'invalid-body', parsed.error);
        const ids = parsed.entries.map((e) => (e.ok ? e.mutation : e.refused));
        const stranger = ids.findIndex((m) => m.clientId !== body.clientId);
        if (stranger >= 0) {
          throw new ApiError(
            400,
            'invalid-body',
            `mutations.${stranger}.clientId differs from the batch's clientId: a device pushes only its own changes.`,
          );
        }
        const outcomes = await pushMutations(sql, c.var.staff, parsed.entries, {
          timeZone: config.cityTimeZone,
          ...(body.sentAt ? { sentAt: body.sentAt } : {}),
        });
        return c.json({ outcomes } satisfies PushResponse);
      })
      .get('/pull', staffOnly, requireProtocol, validate('query', PullQuery), async (c) => {
        return c.json(await pullChanges(sql, c.var.staff, c.req.valid('query')));
      })
  );
}
