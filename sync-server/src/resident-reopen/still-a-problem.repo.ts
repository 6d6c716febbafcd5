/**
 * "Still a problem?": a resident's signed link from the "fixed" notice reopens the case, in
 * one transaction: the case row through the rules' own `reopenPatch`, then routed again as a
 * new report is (by place and type, to the crew of today's routing rule, at the end of its
 * day; left for the desk when no rule names a crew); a `reopened` history entry whose source
 * is the resident, the resident's "reopened" notification, and a note in the lead inbox of
 * the case's department. The update trigger moves the change-log cursor, so the crew's
 * devices get the case back at their next pull.
 */
import { createHash } from 'node:crypto';
import {
  residentReopenRefusal,
  reopenPatch,
  type CaseState,
  type Patch,
  type ResidentReopenRefusal,
} from '@fieldfix/shared';
import { recordLeadInboxEntries } from '../lead-inbox/lead-inbox.repo.ts';
import { routeRequest } from '../routing/routing.service.ts';
import { cityDate } from '../time.ts';
import { queueResidentNotifications } from '../resident-notifications/resident-notification.repo.ts';
import type { Queryable, Sql } from '../db/database.ts';

/** The claims of a verified "still a problem?" link. */
export type StillAProblemLink = { caseId: string; exp: number };

export type ResidentReopenResult =
  | { kind: 'reopened'; caseId: string }
  /** This very link reopened the case before: nothing more is done. */
  | { kind: 'already-reopened'; caseId: string }
  | { kind: 'refused'; caseId: string; why: ResidentReopenRefusal | 'no-case' };

const uuidOf = (text: string) => {
  const h = createHash('sha256').update(text).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
};

/**
 * A link's id: a UUID from the case and the link's end, the same every time the link is used
 * (two fixes on one city day carry the same link). Kept in the history entry of the reopening
 * it made (`data.link`; earlier entries have it as their `mutation_id`).
 */
export function linkKey(link: StillAProblemLink): string {
  return uuidOf(`still-a-problem:${link.caseId}:${link.exp}`);
}

/**
 * The key of the reopening of one fix by one link: the `mutation_id` of the history entry, the
 * notification and the lead's note, so pressing twice reopens once and queues once, and the
 * same link after the crew fixed the case again reopens it again.
 */
export function reopenKey(link: StillAProblemLink, fixedAt: Date): string {
  return uuidOf(`still-a-problem:${link.caseId}:${link.exp}:${fixedAt.toISOString()}`);
}

/** The column each field of a patch is written to: every field, so none can be left out. */
const COLUMNS: Record<keyof Patch, string> = {
  state: 'state',
  crewId: 'assigned_crew_id',
  assignedDay: 'assigned_day',
  routePosition: 'route_position',
  priority: 'priority',
  expectedAt: 'expected_at',
  holdReason: 'hold_reason',
  resolutionCode: 'resolution_code',
  closeReason: 'close_reason',
  statusNotes: 'status_notes',
  mergedIntoId: 'merged_into_id',
  cancelled: 'cancelled',
  closedAt: 'closed_at',
};

/** The row to write for `patch` (postgres.js `sql(row)` in an update). */
export function patchRow(patch: Patch): Record<string, unknown> {
  return Object.fromEntries(Object.entries(patch).map(([k, v]) => [COLUMNS[k as keyof Patch], v] as const));
}

/**
 * Reopens the case `link` names when the link may (`residentReopenRefusal`): only a fixed
 * case, the fix at most `windowDays` old. The case row is locked first, so two uses of one
 * link at once reopen it once.
 */
export async function reopenByResidentLink(
  sql: Sql,
  link: StillAProblemLink,
  opts: { now: Date; windowDays: number; timeZone: string },
): Promise<ResidentReopenResult> {
  const linkId = linkKey(link);
  return sql.begin(async (tx) => {
    const [c] = await tx<
      {
        id: string;
        state: CaseState;
        closed_at: Date | null;
        version: number;
        department_id: string;
        lat: number;
        long: number;
        service_code: string;
        group_name: string;
      }[]
    >`
      select c.id::text, c.state, c.closed_at, c.version, t.department_id, c.lat, c.long, c.service_code, t.group_name
      from cases c join service_types t on t.code = c.service_code
      where c.id = ${link.caseId}
      for update of c`;
    if (!c) return { kind: 'refused', caseId: link.caseId, why: 'no-case' };
    if (c.state !== 'fixed' && (await reopenedBy(tx, c.id, linkId))) return { kind: 'already-reopened', caseId: c.id };
    const why = residentReopenRefusal(
      { caseId: link.caseId, expiresAt: new Date(link.exp * 1000) },
      { id: c.id, state: c.state, closedAt: c.closed_at },
      opts.now,
      opts.windowDays,
      opts.timeZone,
    );
    if (why) return { kind: 'refused', caseId: c.id, why };

    const key = reopenKey(link, c.closed_at!); // a fixed case has its fix's time
    const version = c.version + 1;
    const row: Record<string, unknown> = { ...patchRow(reopenPatch()), version, updated_at: opts.now };
    const route = await routeRequest(
      tx,
      { lat: c.lat, long: c.long },
      { code: c.service_code, group: c.group_name, departmentId: c.department_id },
    );
    const crewId = route?.crewId ?? null;
    if (crewId) {
      const day = cityDate(opts.now, opts.timeZone);
      const [last] = await tx<{ n: number }[]>`
        select coalesce(max(route_position), 0)::int as n from cases
        where assigned_crew_id = ${crewId} and assigned_day = ${day}`;
      Object.assign(row, {
        state: 'assigned',
        assigned_crew_id: crewId,
        assigned_day: day,
        route_position: last!.n + 1,
      });
    }
    await tx`update cases set ${tx(row)} where id = ${c.id}`;
    // The resident is the source; who they are stays with the reporter's record.
    await tx`
      insert into case_events (case_id, at, received_at, kind, actor_user_id, mutation_id, data, version, crew_id, outcome)
      values (${c.id}, ${opts.now}, ${opts.now}, 'reopened', null, ${key},
        ${tx.json({
          source: 'resident',
          link: linkId,
          reason: 'The resident says it is still a problem.',
          previousState: c.state,
          ...(route ? { routed: route.message } : {}),
        })},
        ${version}, null, 'applied')`;
    await queueResidentNotifications(tx, [
      { caseId: c.id, template: 'reopened', mutationId: key, happenedAt: opts.now.toISOString() },
    ]);
    await recordLeadInboxEntries(tx, [
      {
        departmentId: c.department_id,
        caseId: c.id,
        mutationId: key,
        message: crewId
          ? `A resident says case #${c.id} is still a problem: it is open again, back on a crew's day (${route!.message})`
          : `A resident says case #${c.id} is still a problem: it is open again, for the desk to schedule.`,
        kind: 'crossed-path',
        actorName: 'A resident',
        actorUserId: null, // no member of staff did this
      },
    ]);
    return { kind: 'reopened', caseId: c.id };
  });
}

/** Whether the link `linkId` reopened the case since its last fix (a second press: nothing to do). */
async function reopenedBy(tx: Queryable, caseId: string, linkId: string): Promise<boolean> {
  const rows = await tx`
    select 1 from case_events e
    where e.case_id = ${caseId} and e.kind = 'reopened'
      and (e.data->>'link' = ${linkId} or e.mutation_id = ${linkId}::uuid)
      and e.id > coalesce(
        (select max(f.id) from case_events f where f.case_id = ${caseId} and f.kind = 'fixed' and coalesce(f.outcome, 'applied') = 'applied'),
        0)
    limit 1`;
  return rows.length > 0;
}
