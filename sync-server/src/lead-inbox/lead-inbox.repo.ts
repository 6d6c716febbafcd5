/**
 * The lead inbox (`lead_notices`), and the only module that reads or writes that table:
 * crossed paths and changes that did not take, for the leads of the case's department
 * (R2, R6, R9). Resident notifications are another module (`../resident-notifications/`).
 */
import type { LeadNotice, LeadNoticeItem, LeadNoticeKind, inboxScope } from '@fieldfix/shared';
import type { Queryable } from '../db/database.ts';

/** Something the push found a lead must hear about. */
export type LeadInboxEntry = {
  /** The department whose leads are told: the case's. */
  departmentId: string;
  caseId: string;
  mutationId: string;
  /** In plain words, with the person's name: "Ann Worker: Start on case #12 not applied: …". */
  message: string;
  kind: LeadNoticeKind;
  actorName: string;
  /** Null when nobody on staff made it (a resident's "still a problem"). */
  actorUserId: string | null;
  /**
   * Why it did not take, in plain words, for a group's summary. By default, the clause after
   * "refused:" or "not applied:" in `message`.
   */
  why?: string;
};

/** The part of the inbox a caller reads, as data (`inboxScope` in '@fieldfix/shared'). */
export type InboxScope = NonNullable<ReturnType<typeof inboxScope>>;

type NoticeInsert = {
  department_id: string;
  case_id: string | null;
  mutation_id: string | null;
  message: string;
  kind: LeadNoticeKind;
  actor_user_id: string | null;
  items: LeadNoticeItem[] | null;
};

/**
 * Records what one push found the leads must hear about, in one statement. A crossed path is
 * always a notice of its own. The changes that did not take are grouped per department and
 * person: a single one stands as it is; two or more become one notice that summarises them
 * and lists every one (case, change, message), so a device's refused batch is one notice in
 * the inbox and the crossed paths stay in sight.
 *
 * Call it once per push, inside the push's transaction.
 */
export async function recordLeadInboxEntries(tx: Queryable, entries: LeadInboxEntry[]): Promise<void> {
  const rows = inboxRows(entries);
  if (rows.length === 0) return;
  await tx`
    insert into lead_notices (department_id, case_id, mutation_id, message, kind, actor_user_id, items)
    select x.department_id, x.case_id, x.mutation_id, x.message, x.kind, x.actor_user_id, x.items
    from jsonb_to_recordset(${tx.json(rows)}) as x(
      department_id text, case_id bigint, mutation_id uuid, message text, kind text, actor_user_id text, items jsonb)`;
}

/** The rows `recordLeadInboxEntries` writes: crossed paths first, then one row per group. */
export function inboxRows(entries: LeadInboxEntry[]): NoticeInsert[] {
  const rows: NoticeInsert[] = entries.filter((e) => e.kind === 'crossed-path').map(single);
  const groups = new Map<string, LeadInboxEntry[]>();
  for (const e of entries) {
    if (e.kind !== 'not-applied') continue;
    const key = JSON.stringify([e.departmentId, e.actorUserId]);
    const group = groups.get(key);
    if (group) group.push(e);
    else groups.set(key, [e]);
  }
  for (const group of groups.values()) {
    if (group.length === 1) {
      rows.push(single(group[0]!));
      continue;
    }
    const first = group[0]!;
    const cases = new Set(group.map((e) => e.caseId));
    rows.push({
      department_id: first.departmentId,
      case_id: cases.size === 1 ? first.caseId : null,
      mutation_id: null,
      message: summarizeNotApplied(group),
      kind: 'not-applied',
      actor_user_id: first.actorUserId,
      items: group.map((e) => ({ caseId: e.caseId, mutationId: e.mutationId, message: e.message })),
    });
  }
  return rows;
}

function single(e: LeadInboxEntry): NoticeInsert {
  return {
    department_id: e.departmentId,
    case_id: e.caseId,
    mutation_id: e.mutationId,
    message: e.message,
    kind: e.kind,
    actor_user_id: e.actorUserId,
    items: null,
  };
}

/**
 * One line for a group of changes that did not take, most common reason first:
 * "Ann Worker: 37 changes were not applied — 30 because the case is not assigned to your
 * crew, 7 because the case was already in that state." With one reason:
 * "Ann Worker: 40 changes were not applied because the case is not assigned to your crew."
 */
export function summarizeNotApplied(group: LeadInboxEntry[]): string {
  const byReason = new Map<string, number>();
  for (const e of group) {
    const why = e.why ?? whyOf(e.message);
    const reason = why ? `because ${why}` : 'for other reasons';
    byReason.set(reason, (byReason.get(reason) ?? 0) + 1);
  }
  const head = `${group[0]!.actorName}: ${group.length} changes were not applied`;
  if (byReason.size === 1) return `${head} ${[...byReason.keys()][0]}.`;
  // Stable sort: reasons that are equally common keep the order they first came in.
  const parts = [...byReason].sort((a, b) => b[1] - a[1]).map(([reason, n]) => `${n} ${reason}`);
  return `${head} — ${parts.join(', ')}.`;
}

/** "…: Start on case #12 not applied: the case was already in that state." → "the case was …". */
function whyOf(message: string): string | null {
  const m = /case #\S+ (?:refused|not applied): (.+?)\.?$/.exec(message);
  return m ? m[1]! : null;
}

type NoticeRow = {
  id: string;
  kind: LeadNoticeKind | null;
  case_id: string | null;
  mutation_id: string | null;
  message: string;
  items: LeadNoticeItem[] | null;
  created_at: Date;
  acknowledged_at: Date | null;
};

/** How many notices a list of the inbox holds at most: the newest. */
export const INBOX_LIST_MAX = 200;

/**
 * The notices in `scope`, newest first, at most `INBOX_LIST_MAX`; acknowledged ones only
 * when asked. With them, how many in `scope` wait to be read in all.
 */
export async function listLeadInbox(
  sql: Queryable,
  scope: InboxScope,
  opts: { includeAcknowledged: boolean },
): Promise<{ notices: LeadNotice[]; waiting: number }> {
  const [rows, [count]] = await Promise.all([
    sql<NoticeRow[]>`
      select id::text, kind, case_id::text, mutation_id::text, message, items, created_at, acknowledged_at
      from lead_notices
      where ${inScope(sql, scope)} and (${opts.includeAcknowledged} or acknowledged_at is null)
      order by created_at desc, id desc
      limit ${INBOX_LIST_MAX}`,
    sql<{ n: number }[]>`
      select count(*)::int as n from lead_notices where ${inScope(sql, scope)} and acknowledged_at is null`,
  ]);
  return { notices: rows.map(toLeadNotice), waiting: count!.n };
}

/**
 * Marks a notice (a group: every change in it) as read by `userId`; acknowledging it again
 * keeps the first reader. False when there is no such notice in `scope`.
 */
export async function acknowledgeLeadNotice(
  sql: Queryable,
  scope: InboxScope,
  id: string,
  userId: string,
): Promise<boolean> {
  const rows = await sql`
    update lead_notices
    set acknowledged_at = coalesce(acknowledged_at, now()), acknowledged_by = coalesce(acknowledged_by, ${userId})
    where id = ${id} and ${inScope(sql, scope)}
    returning id`;
  return rows.length > 0;
}

function inScope(sql: Queryable, scope: InboxScope) {
  switch (scope.kind) {
    case 'city':
      return sql`true`;
    case 'department':
      return sql`department_id = ${scope.departmentId}`;
  }
}

function toLeadNotice(r: NoticeRow): LeadNotice {
  const items = r.items ?? [{ caseId: r.case_id!, mutationId: r.mutation_id, message: r.message }];
  return {
    id: r.id,
    kind: r.kind,
    caseId: r.case_id,
    mutationId: r.mutation_id,
    message: r.message,
    count: items.length,
    items,
    createdAt: r.created_at.toISOString(),
    acknowledgedAt: r.acknowledged_at?.toISOString() ?? null,
  };
}
