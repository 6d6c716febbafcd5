import { Hono } from 'hono';
import { z } from 'zod';
import { requireStaff } from '../auth/auth.middleware.ts';
import { validate } from '../http/validate.ts';
import type { AppDeps, AppEnv } from '../http/deps.ts';

/**
 * Resident notices queued and sent (R10), for administrators: which notice, for which case,
 * when queued and sent, and the photos it shows. Never the recipient: that stays with the
 * reporter's record.
 */
export function outboxRoutes({ sql }: AppDeps) {
  return new Hono<AppEnv>().get(
    '/',
    requireStaff(sql, 'admin'),
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
      const { caseId } = c.req.valid('query');
      // A "fixed" notice shows the fix's after-photos: those of the change that queued it.
      const rows = await sql<
        {
          id: string;
          case_id: string;
          template: string;
          mutation_id: string | null;
          created_at: Date;
          sent_at: Date | null;
          attempts: number;
          photo_ids: string[] | null;
        }[]
      >`
        select o.id::text, o.case_id::text, o.template, o.mutation_id::text, o.created_at, o.sent_at, o.attempts,
          (select array(select jsonb_array_elements_text(e.data->'photoIds'))
           from case_events e where e.case_id = o.case_id and e.mutation_id = o.mutation_id and e.kind = 'fixed' limit 1) as photo_ids
        from notification_outbox o
        where ${caseId ? sql`o.case_id = ${caseId}` : sql`true`}
        order by o.id desc limit 500`;
      return c.json({
        notices: rows.map((r) => ({
          id: r.id,
          caseId: r.case_id,
          template: r.template,
          mutationId: r.mutation_id,
          createdAt: r.created_at.toISOString(),
          sentAt: r.sent_at?.toISOString() ?? null,
          attempts: r.attempts,
          photoIds: r.photo_ids ?? [],
        })),
      });
    },
  );
}
