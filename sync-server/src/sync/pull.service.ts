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

/**
 * The newest change cursor visible to the statement it is part of, over the three streams.
 * Cursors are taken under the change-log lock (take_change_cursor, lockChangeLog) and the lock
 * is held until commit, so cursors commit in order: a change not yet visible to a statement
 * has a cursor above every cursor that statement sees. Each stream's query returns this head
 * beside its rows, read in the same snapshot: below the lowest of the heads, every stream
 * has shown everything there is. (Replacing the lock means replacing this reasoning too.)
 */
const HEAD_SQL = (sql: Sql) => sql`greatest(
  coalesce((select max(change_cursor) from cases), 0),
  coalesce((select max(cursor) from case_departures), 0),
  coalesce((select max(cursor) from mutations), 0))::text`;

/** A stream query's row: one of its rows, or none (a null row) with the head alone. */
type CaseStreamRow = (CaseRow & { change_cursor: string | null }) & { head: string };
type OutcomeStreamRow = Omit<OutcomeRow, 'kind'> & { cursor: string | null; head: string };

/** One stream's answer: its rows (oldest first, at most `limit + 1`) and the head its snapshot saw. */
export type Stream = { items: Item[]; head: bigint };

/**
 * A page from the streams' answers. Each stream was read in its own snapshot, so only what
 * lies at or below the lowest head is known for all of them: later items wait for the next
 * pull. With nothing more to give, the cursor moves to that head, past changes the caller may
 * not see (other scopes, cases closed long ago): a device up to date asks from the newest
 * cursor and is answered from the indexes alone.
 */
export function pageOf(streams: readonly Stream[], after: bigint, limit: number) {
  const known = streams.reduce((h, s) => (s.head < h ? s.head : h), streams[0]?.head ?? after);
  const items = streams
    .flatMap((s) => s.items)
    .filter((i) => i.cursor <= known)
    .sort((a, b) => (a.cursor < b.cursor ? -1 : a.cursor > b.cursor ? 1 : 0));
  if (items.length > limit) {
    const page = items.slice(0, limit);
    return { page, cursor: page[page.length - 1]!.cursor, hasMore: true };
  }
  // Rows held back lie above `known`. A stream that filled its `limit + 1` rows and has rows
  // unseen beyond them is among these: had all its rows been at or below `known`, the page
  // would be over the limit.
  const beyond = streams.some((s) => s.items.some((i) => i.cursor > known));
  const cursor = known > after ? known : after;
  return { page: items, cursor, hasMore: beyond };
}

export async function pullChanges(sql: Sql, staff: Staff, q: PullQuery): Promise<PullResponse> {
  const after = BigInt(q.cursor);
  const take = q.limit + 1;
  // The caller's scope, from the one access model: a worker's crew, a lead's department, the city.
  const inScope = caseScopeSql(sql, caseScope(callerOf(staff)), 'c');
  // Each query's rows come with the head its own snapshot saw (a head row when it has none).
  const [caseRows, departures, outcomes] = await Promise.all([
    sql<CaseStreamRow[]>`
      with page as (
        select ${caseColumns(sql, 'c')}, c.change_cursor as page_cursor from cases c
        where ${inScope} and c.change_cursor > ${q.cursor}::bigint
          and (c.state = any(${[...OPEN_STATES]}::text[]) or c.closed_at > now() - ${CLOSED_KEPT_HOURS} * interval '1 hour')
        order by c.change_cursor limit ${take})
      select page.*, page.page_cursor::text as change_cursor, ${HEAD_SQL(sql)} as head
      from (select 1) one left join page on true order by page.page_cursor`,
    staff.role === 'worker'
      ? sql<{ case_id: string | null; cursor: string | null; head: string }[]>`
          with page as (
            select case_id, cursor from case_departures
            where crew_id = ${staff.crewId} and cursor > ${q.cursor}::bigint
            order by case_departures.cursor limit ${take})
          select page.case_id::text, page.cursor::text, ${HEAD_SQL(sql)} as head
          from (select 1) one left join page on true order by page.cursor`
      : Promise.resolve(null),
    sql<OutcomeStreamRow[]>`
      with page as (
        select id, case_id, landed_on_case_id, outcome, reason, message, case_version, cursor
        from mutations
        where client_id = ${q.clientId} and user_id = ${staff.id} and cursor > ${q.cursor}::bigint
        order by mutations.cursor limit ${take})
      select page.id::text, page.case_id::text, page.landed_on_case_id::text, page.outcome, page.reason,
        page.message, page.case_version, page.cursor::text, ${HEAD_SQL(sql)} as head
      from (select 1) one left join page on true order by page.cursor`,
  ]);

  const headOf = (rows: readonly { head: string }[]) => BigInt(rows[0]!.head);
  const streams: Stream[] = [
    {
      items: caseRows.flatMap((r): Item[] =>
        r.change_cursor === null ? [] : [{ cursor: BigInt(r.change_cursor), type: 'case', value: toCaseRecord(r) }],
      ),
      head: headOf(caseRows),
    },
    {
      items: outcomes.flatMap((r): Item[] =>
        r.cursor === null ? [] : [{ cursor: BigInt(r.cursor), type: 'outcome', value: toOutcome(r) }],
      ),
      head: headOf(outcomes),
    },
  ];
  if (departures) {
    streams.push({
      items: departures.flatMap((r): Item[] =>
        r.cursor === null || r.case_id === null
          ? []
          : [{ cursor: BigInt(r.cursor), type: 'departure', value: r.case_id }],
      ),
      head: headOf(departures),
    });
  }

  const { page, cursor, hasMore } = pageOf(streams, after, q.limit);
  // Within a page the later of a case's change and its departure wins.
  const last = new Map<string, Item>();
  for (const item of page) {
    if (item.type === 'case') last.set(item.value.id, item);
    if (item.type === 'departure') last.set(item.value, item);
  }
  return {
    cursor: cursor.toString(),
    hasMore,
    cases: [...last.values()].filter((i) => i.type === 'case').map((i) => i.value as CaseRecord),
    departures: [...last.values()].filter((i) => i.type === 'departure').map((i) => i.value as string),
    outcomes: page.filter((i) => i.type === 'outcome').map((i) => i.value as Outcome),
    serverTime: new Date().toISOString(),
  };
}
