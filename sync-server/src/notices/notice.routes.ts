import { Hono } from 'hono';
import { z } from 'zod';
import type { NoticesResponse } from '@fieldfix/shared';
import { requireStaff } from '../auth/auth.middleware.ts';
import { ApiError } from '../http/errors.ts';
import { validate } from '../http/validate.ts';
import type { AppDeps, AppEnv } from '../http/deps.ts';

/**
 * The lead's inbox of "crossed paths": field work that superseded a move, work on a
 * cancelled case, transfer requests (R2, R6, R9).
 */
export function noticeRoutes({ sql }: AppDeps) {
  const leads = requireStaff(sql, 'lead', 'admin');
  return new Hono<AppEnv>()
    .get('/', leads, validate('query', z.object({ all: z.enum(['0', '1']).default('0') })), async (c) => {
      const staff = c.var.staff;
      const includeAcknowledged = c.req.valid('query').all === '1';
      const rows = await sql<
        {
          id: string;
          case_id: string;
          mutation_id: string | null;
          message: string;
          created_at: Date;
          acknowledged_at: Date | null;
        }[]
      >`
        select id::text, case_id::text, mutation_id::text, message, created_at, acknowledged_at
        from lead_notices
        where (${staff.role === 'admin'} or department_id = ${staff.departmentId})
          and (${includeAcknowledged} or acknowledged_at is null)
        order by created_at desc, id desc
        limit 200`;
      return c.json({
        notices: rows.map((r): NoticesResponse['notices'][number] => ({
          id: r.id,
          caseId: r.case_id,
          mutationId: r.mutation_id,
          message: r.message,
          createdAt: r.created_at.toISOString(),
          acknowledgedAt: r.acknowledged_at?.toISOString() ?? null,
        })),
      } satisfies NoticesResponse);
    })
    .post(
      '/:id/ack',
      leads,
      validate('param', z.object({ id: z.string().regex(/^\d{1,18}$/, 'a notice id is a number') })),
      async (c) => {
        const staff = c.var.staff;
        const [row] = await sql<{ id: string }[]>`
        update lead_notices set acknowledged_at = coalesce(acknowledged_at, now()), acknowledged_by = coalesce(acknowledged_by, ${staff.id})
        where id = ${c.req.valid('param').id} and (${staff.role === 'admin'} or department_id = ${staff.departmentId})
        returning id::text`;
        if (!row) throw new ApiError(404, 'not-found', 'No such notice in your department.');
        return c.json({ ok: true });
      },
    );
}
