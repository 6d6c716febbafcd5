/**
 * Resident notifications (`notification_outbox`), and the only module that reads or writes
 * that table: "received", "scheduled", "fixed", "closed" and "reopened" for the resident who
 * reported a case (R10). The lead inbox is another module (`../lead-inbox/`).
 */
import type { ResidentNotification, ResidentNotificationTemplate } from '@fieldfix/shared';
import type { Queryable } from '../db/database.ts';

export type ResidentNotificationInsert = {
  caseId: string;
  template: 'scheduled' | 'fixed' | 'closed' | 'reopened';
  mutationId: string;
  /** When the change happened (ISO), which may be long before it reached the server. */
  happenedAt: string;
};

/**
 * R10: queues the notifications of a push, in the push's transaction, keyed by the change
 * that caused each: a replay or a second call for the same change queues nothing more.
 */
export async function queueResidentNotifications(tx: Queryable, rows: ResidentNotificationInsert[]): Promise<void> {
  if (rows.length === 0) return;
  const json = rows.map((r) => ({
    case_id: r.caseId,
    template: r.template,
    mutation_id: r.mutationId,
    happened_at: r.happenedAt,
  }));
  await tx`
    insert into notification_outbox (case_id, template, mutation_id, happened_at)
    select x.case_id, x.template, x.mutation_id, x.happened_at
    from jsonb_to_recordset(${tx.json(json)}) as x(case_id bigint, template text, mutation_id uuid, happened_at timestamptz)
    on conflict (mutation_id, template) where mutation_id is not null do nothing`;
}

/**
 * The notifications queued, newest first, at most 500; of one case when `caseId` is given.
 * Never the recipient: that stays with the reporter's record.
 */
export async function listResidentNotifications(
  sql: Queryable,
  opts: { caseId?: string | undefined },
): Promise<ResidentNotification[]> {
  // A "fixed" notification shows the fix's after-photos: those of the change that queued it.
  const rows = await sql<
    {
      id: string;
      case_id: string;
      template: ResidentNotificationTemplate;
      mutation_id: string | null;
      happened_at: Date | null;
      created_at: Date;
      sent_at: Date | null;
      attempts: number;
      photo_ids: string[] | null;
    }[]
  >`
    select o.id::text, o.case_id::text, o.template, o.mutation_id::text, o.happened_at, o.created_at, o.sent_at, o.attempts,
      (select array(select jsonb_array_elements_text(e.data->'photoIds'))
       from case_events e where e.case_id = o.case_id and e.mutation_id = o.mutation_id and e.kind = 'fixed' limit 1) as photo_ids
    from notification_outbox o
    where ${opts.caseId ? sql`o.case_id = ${opts.caseId}` : sql`true`}
    order by o.id desc limit 500`;
  return rows.map((r) => ({
    id: r.id,
    caseId: r.case_id,
    template: r.template,
    mutationId: r.mutation_id,
    happenedAt: r.happened_at?.toISOString() ?? null,
    createdAt: r.created_at.toISOString(),
    sentAt: r.sent_at?.toISOString() ?? null,
    attempts: r.attempts,
    photoIds: r.photo_ids ?? [],
  }));
}

/**
 * R10: queues the "received" notification of a new case, keyed by its `reported` event, in
 * the transaction that creates the case: a second call for the same event queues nothing.
 */
export async function queueReceivedNotification(
  tx: Queryable,
  r: { caseId: string; eventId: string; happenedAt: string },
): Promise<void> {
  await tx`
    insert into notification_outbox (case_id, event_id, template, happened_at)
    values (${r.caseId}, ${r.eventId}, 'received', ${r.happenedAt})
    on conflict (case_id, template, event_id) do nothing`;
}
