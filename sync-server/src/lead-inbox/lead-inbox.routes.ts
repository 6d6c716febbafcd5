import { Hono } from 'hono';
import { createMiddleware } from 'hono/factory';
import { z } from 'zod';
import { inboxScope, staffCaller, type NoticesResponse } from '@fieldfix/shared';
import { requireStaff } from '../auth/auth.middleware.ts';
import { ApiError } from '../http/errors.ts';
import { validate } from '../http/validate.ts';
import type { AppDeps, AppEnv } from '../http/deps.ts';
import { acknowledgeLeadNotice, listLeadInbox, type InboxScope } from './lead-inbox.repo.ts';

/**
 * The lead inbox: crossed paths and changes that did not take (R2, R6, R9), for the leads of
 * the case's department and for admins. Mounted at `/api/notices`.
 */
export function leadInboxRoutes({ sql }: AppDeps) {
  const readers = [requireStaff(sql), inboxReader] as const;
  return new Hono<InboxEnv>()
    .get(
      '/',
      ...readers,
      validate(
        'query',
        z.object({
          all: z.enum(['0', '1']).default('0'),
          /** One department's notices only (an admin's board of that department). */
          department: z
            .string()
            .regex(/^[A-Za-z0-9_.-]{1,64}$/, 'is not a department id')
            .optional(),
        }),
      ),
      async (c) => {
        const { all, department } = c.req.valid('query');
        const scope = department === undefined ? c.var.inboxScope : inboxScope(staffCaller(c.var.staff), department);
        if (!scope) throw new ApiError(403, 'forbidden', `The inbox of ${department} is for its leads.`);
        const { notices, waiting } = await listLeadInbox(sql, scope, { includeAcknowledged: all === '1' });
        return c.json({ notices, waiting } satisfies NoticesResponse);
      },
    )
    .post(
      '/:id/ack',
      ...readers,
      validate('param', z.object({ id: z.string().regex(/^\d{1,18}$/, 'a notice id is a number') })),
      async (c) => {
        const found = await acknowledgeLeadNotice(sql, c.var.inboxScope, c.req.valid('param').id, c.var.staff.id);
        if (!found) throw new ApiError(404, 'not-found', 'No such notice in your department.');
        return c.json({ ok: true });
      },
    );
}

type InboxEnv = { Variables: AppEnv['Variables'] & { inboxScope: InboxScope } };

/** Sets the part of the inbox the signed-in person reads; 403 for those who have none. */
const inboxReader = createMiddleware<InboxEnv>(async (c, next) => {
  const scope = inboxScope(staffCaller(c.var.staff));
  if (!scope) throw new ApiError(403, 'forbidden', 'The inbox is for leads and administrators.');
  c.set('inboxScope', scope);
  await next();
});
