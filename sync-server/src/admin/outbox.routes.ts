import { Hono } from 'hono';
import { z } from 'zod';
import { requireStaff } from '../auth/auth.middleware.ts';
import { validate } from '../http/validate.ts';
import type { AppDeps, AppEnv } from '../http/deps.ts';

/**
 * Resident notices queued and sent (R10), for administrators: which notice, for which case,
 * when queued and sent. Never the recipient: that stays with the reporter's record.
 */
export function outboxRoutes({ sql }: AppDeps) {
  return new Hono<AppEnv>().get(
    '/',
    requireStaff(sql, 'admin'),
    validate('query', z.object({ caseId: z.string().regex(/^\d{1,18}$/, 'a case id is a number').optional() })),
    async (c) => {
      const { caseId } = c.req.valid('query');
      const rows = await sql<{ id: string; case_id: string; template: string; mutation_id: string | null; created_at: Date; sent_at: Date | null; attempts: number }[]>`
        select id::text, case_id::text, template, mutation_id::text, created_at, sent_at, attempts
        from notification_outbox
        where ${caseId ? sql`case_id = ${caseId}` : sql`true`}
        order by id desc limit 500`;
      return c.json({
        notices: rows.map((r) => ({
          id: r.id,
          caseId: r.case_id,
          template: r.template,
          mutationId: r.mutation_id,
          createdAt: r.created_at.toISOString(),
          sentAt: r.sent_at?.toISOString() ?? null,
          attempts: r.attempts,
        })),
      });
    },
  );
}
