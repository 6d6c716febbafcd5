/**
 * Pull by cursor: everything in the asker's scope that changed after the cursor, oldest
 * first, in pages. Three streams share one cursor space (cases, departures, the device's
 * own outcomes); a page takes the lowest cursors of all three.
 */
import {
  caseScope,
  CLOSED_KEPT_HOURS,
  OPEN_STATES,
  type CaseRecord,
  type Outcome,
  type PullQuery,
  type PullResponse,
} from '@fieldfix/shared';
import { callerOf } from '../access/caller.ts';
import { caseScopeSql } from '../access/case-scope.sql.ts';
import type { Sql } from '../db/database.ts';
import type { Staff } from '../access/caller.ts';
import { caseColumns, toCaseRecord, type CaseRow } from '../cases/case.repo.ts';
import { toOutcome, type OutcomeRow } from './sync.repo.ts';

type Item =
  | { cursor: bigint; type: 'case'; value: CaseRecord }
  | { cursor: bigint; type: 'departure'; value: string }
  | { cursor: bigint; type: 'outcome'; value: Outcome };

export async function pullChanges(sql: Sql, staff: Staff, q: PullQuery): Promise<PullResponse> {
  const after = q.cursor;
  const take = q.limit + 1;
  // The caller's scope, from the one access model: a worker's crew, a lead's department, the city.
  const inScope = caseScopeSql(sql, caseScope(callerOf(staff)), 'c');
  const [caseRows, departures, outcomes] = await Promise.all([
    sql<(CaseRow & { change_cursor: string })[]>`
      select ${caseColumns(sql, 'c')}, change_cursor::text from cases c
      where ${inScope} and c.change_cursor > ${after}::bigint
        and (c.state = any(${[...OPEN_STATES]}::text[]) or c.closed_at > now() - ${CLOSED_KEPT_HOURS} * interval '1 hour')
      order by c.change_cursor limit ${take}`,
    staff.role === 'worker'
      ? sql<{ case_id: string; cursor: string }[]>`
          select case_id::text, cursor::text from case_departures
          where crew_id = ${staff.crewId} and cursor > ${after}::bigint
          order by case_departures.cursor limit ${take}`
      : Promise.resolve([]),
    sql<(Omit<OutcomeRow, 'kind'> & { cursor: string })[]>`
      select id::text, case_id::text, landed_on_case_id::text, outcome, reason, message, case_version, cursor::text
      from mutations
      where client_id = ${q.clientId} and user_id = ${staff.id} and cursor > ${after}::bigint
      order by mutations.cursor limit ${take}`,
  ]);

  const items: Item[] = [
    ...caseRows.map((r): Item => ({ cursor: BigInt(r.change_cursor), type: 'case', value: toCaseRecord(r) })),
    ...departures.map((r): Item => ({ cursor: BigInt(r.cursor), type: 'departure', value: r.case_id })),
    ...outcomes.map((r): Item => ({ cursor: BigInt(r.cursor), type: 'outcome', value: toOutcome(r) })),
  ].sort((a, b) => (a.cursor < b.cursor ? -1 : a.cursor > b.cursor ? 1 : 0));

  const page = items.slice(0, q.limit);
  const hasMore = items.length > q.limit;
  // Within a page the later of a case's change and its departure wins.
  const last = new Map<string, Item>();
  for (const item of page) {
    if (item.type === 'case') last.set(item.value.id, item);
    if (item.type === 'departure') last.set(item.value, item);
  }
  return {
    cursor: page.length > 0 ? page[page.length - 1]!.cursor.toString() : after,
    hasMore,
    cases: [...last.values()].filter((i) => i.type === 'case').map((i) => i.value as CaseRecord),
    departures: [...last.values()].filter((i) => i.type === 'departure').map((i) => i.value as string),
    outcomes: page.filter((i) => i.type === 'outcome').map((i) => i.value as Outcome),
    serverTime: new Date().toISOString(),
  };
}
