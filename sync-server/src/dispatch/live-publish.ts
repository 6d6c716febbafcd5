/**
 * What the sync path tells the dispatch boards, after its own commit: cases that changed (by
 * department, with the newest cursor), and a crew device that synced. Best effort: a failure
 * here is logged and never fails the sync that caused it (the board refetches on reconnect).
 */
import type { Outcome } from '@fieldfix/shared';
import type { Sql } from '../db/database.ts';
import type { AppDeps, Logger } from '../http/deps.ts';
import type { CrewSyncFacts } from './crew-sync.repo.ts';
import { liveHub, type LiveHub, type LiveMessage } from './live-hub.ts';

/** The cases a push changed: those its applied or merged changes landed on. */
export function changedCaseIds(outcomes: Outcome[]): string[] {
  const ids = new Set<string>();
  for (const o of outcomes) {
    if (o.outcome !== 'applied' && o.outcome !== 'merged') continue;
    ids.add(o.landedOnCaseId ?? o.caseId);
    // A move or merge also changes the case it was sent for (its crew's board column).
    ids.add(o.caseId);
  }
  return [...ids];
}

/** Tells the boards of each department which of `caseIds` changed, with their newest cursor. */
export async function publishCaseChanges(sql: Sql, hub: LiveHub, caseIds: string[], log: Logger): Promise<void> {
  if (caseIds.length === 0) return;
  try {
    // The department is the service type's (as access has it); one query for the lot.
    const rows = await sql<{ department_id: string; ids: string[]; cursor: string }[]>`
      select st.department_id, array_agg(c.id::text order by c.id) as ids, max(c.change_cursor)::text as cursor
      from cases c join service_types st on st.code = c.service_code
      where c.id = any(${caseIds}::bigint[])
      group by st.department_id`;
    await hub.publish(
      rows.map((r): LiveMessage => ({
        departmentId: r.department_id,
        event: { type: 'cases', caseIds: r.ids, cursor: r.cursor },
      })),
    );
  } catch (err) {
    log.warn(`dispatch live: could not tell the boards about a push: ${(err as Error).message}`);
  }
}

/** Tells the crew's department's boards that one of its devices synced (or reported where it is). */
export async function publishCrewSynced(hub: LiveHub, crewId: string, facts: CrewSyncFacts, at: Date): Promise<void> {
  await hub.publish([
    {
      departmentId: facts.departmentId,
      event: { type: 'crew-synced', crewId, at: at.toISOString(), position: facts.position },
    },
  ]);
}

/**
 * For writers outside the sync path (a resident's report through Open311, a resident's
 * "still a problem?"): tells the boards after the writer's commit, without waiting for it.
 */
export function announceCaseChanges(deps: Pick<AppDeps, 'sql' | 'dbKind' | 'log'>, caseIds: string[]): void {
  void publishCaseChanges(deps.sql, liveHub(deps.sql, deps.dbKind, deps.log), caseIds, deps.log);
}
