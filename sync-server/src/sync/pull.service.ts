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

type CaseStreamRow = CaseRow & { change_cursor: string };
type OutcomeStreamRow = Omit<OutcomeRow, 'kind'> & { cursor: string };

/**
 * The change log's head for a device at `after` (migrations 0018 and 0021,
 * `change_log_head_from()`): every cursor at or below it belongs to a transaction that has
 * ended, so a statement started after this one sees every change up to it. Writers take
 * cursors without waiting on each other; this is what keeps a device from skipping a change
 * committed late with a lower cursor. A device at the last cursor issued is its own head.
 */
async function changeLogHead(sql: Sql, after: string): Promise<bigint> {
  const [row] = await sql<{ head: string }[]>`select change_log_head_from(${after}::bigint)::text as head`;
  return BigInt(row!.head);
}

/** One stream's answer: its rows (oldest first, at most `limit + 1`) and the head it was read to. */
export type Stream = { items: Item[]; head: bigint };

/**
 * A page from the streams' answers. Only what lies at or below the lowest head is known for
 * all of them (today every stream is read to the same head, `changeLogHead`): later items wait
 * for the next pull. With nothing more to give, the cursor moves to that head, past changes
 * the caller may not see (other scopes; cases closed long ago, while priming): a device up to date asks from
 * the newest cursor and is answered after the head alone.
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

/** "Nothing new": the device's cursor moves to `cursor` (its own, or a head it may skip to). */
export function nothingNew(cursor: bigint): PullResponse {
  return {
    cursor: cursor.toString(),
    hasMore: false,
    cases: [],
    departures: [],
    outcomes: [],
    serverTime: new Date().toISOString(),
  };
}

/**
 * What a device priming (`prime=1`, on every page from cursor 0 until it is done) is given:
 * the open cases and those closed within a day. Pulling on from a cursor it is given every
 * change since, a case closed long ago too: a fix a crew-mate's tablet sent on Friday (or
 * recorded offline days before it synced) reaches the tablet that was off all weekend, which
 * would otherwise keep the case open for good.
 */
const primed = (sql: Sql) =>
  sql`and (c.state = any(${[...OPEN_STATES]}::text[]) or c.closed_at > now() - ${CLOSED_KEPT_HOURS} * interval '1 hour')`;

/**
 * `knownHead`: the head read in an earlier statement of the same request (with the session,
 * `requireStaff(sql, { changeLogHead: true })`); any head read before the streams will do.
 */
export async function pullChanges(sql: Sql, staff: Staff, q: PullQuery, knownHead?: bigint): Promise<PullResponse> {
  const after = BigInt(q.cursor);
  const take = q.limit + 1;
  // The head first, in a statement before the streams (the session's, or its own); then each
  // stream up to it.
  const head = knownHead ?? (await changeLogHead(sql, q.cursor));
  // Nothing new in the whole city since the device's cursor: no stream can have anything.
  if (head <= after) return nothingNew(after);
  // The caller's scope, from the one access model: a worker's crew, a lead's department, the city.
  const inScope = caseScopeSql(sql, caseScope(callerOf(staff)), 'c');
  const [caseRows, departures, outcomes] = await Promise.all([
    sql<CaseStreamRow[]>`
      select ${caseColumns(sql, 'c')}, c.change_cursor::text as change_cursor from cases c
      where ${inScope} and c.change_cursor > ${q.cursor}::bigint and c.change_cursor <= ${head.toString()}::bigint
        ${q.prime === '1' ? primed(sql) : sql``}
      order by c.change_cursor limit ${take}`,
    staff.role === 'worker'
      ? sql<{ case_id: string; cursor: string }[]>`
          select case_id::text, cursor::text from case_departures
          where crew_id = ${staff.crewId} and cursor > ${q.cursor}::bigint and cursor <= ${head.toString()}::bigint
          order by case_departures.cursor limit ${take}`
      : Promise.resolve(null),
    sql<OutcomeStreamRow[]>`
      select id::text, case_id::text, landed_on_case_id::text, outcome, reason, message, case_version, cursor::text
      from mutations
      where client_id = ${q.clientId} and user_id = ${staff.id}
        and cursor > ${q.cursor}::bigint and cursor <= ${head.toString()}::bigint
      order by mutations.cursor limit ${take}`,
  ]);

  const streams: Stream[] = [
    {
      items: caseRows.map((r): Item => ({ cursor: BigInt(r.change_cursor), type: 'case', value: toCaseRecord(r) })),
      head,
    },
    { items: outcomes.map((r): Item => ({ cursor: BigInt(r.cursor), type: 'outcome', value: toOutcome(r) })), head },
  ];
  if (departures) {
    streams.push({
      items: departures.map((r): Item => ({ cursor: BigInt(r.cursor), type: 'departure', value: r.case_id })),
      head,
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
