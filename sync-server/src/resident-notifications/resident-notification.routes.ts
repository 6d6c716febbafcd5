import { Hono } from 'hono';
import { createMiddleware } from 'hono/factory';
import { z } from 'zod';
import { canReadResidentNotifications, staffCaller, type ResidentNotificationsResponse } from '@fieldfix/shared';
import { requireStaff } from '../auth/auth.middleware.ts';
import { ApiError } from '../http/errors.ts';
import { validate } from '../http/validate.ts';
import type { AppDeps, AppEnv } from '../http/deps.ts';
import { listResidentNotifications } from './resident-notification.repo.ts';

/**
 * Resident notifications queued and sent (R10), for administrators: which notification, for
 * which case, when queued and sent, and the photos it shows. Mounted at `/api/admin/outbox`.
 */
export function residentNotificationRoutes({ sql }: AppDeps) {
  return new Hono<AppEnv>().get(
    '/',
    requireStaff(sql),
    residentNotificationReader,
    validate(
      'query',
      z.object({
        caseId: z
          .string()
          .regex(/^\d{1,18}$/, 'a case id is a number')
          .optional(),
      }),
    ),
    async (c) => {
      const notices = await listResidentNotifications(sql, { caseId: c.req.valid('query').caseId });
      return c.json({ notices } satisfies ResidentNotificationsResponse);
    },
  );
}

/** 403 for those who may not read resident notifications (`canReadResidentNotifications`). */
const residentNotificationReader = createMiddleware<AppEnv>(async (c, next) => {
  if (!canReadResidentNotifications(staffCaller(c.var.staff))) {
    throw new ApiError(403, 'forbidden', 'Resident notifications are for administrators.');
  }
  await next();
});
