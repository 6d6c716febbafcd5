/**
 * What the lead's dispatch board keeps on the device: the last board fetched for each
 * department and day (so the board opens with no signal and says how old it is), and a live
 * read of the lead's own desk changes still in the outbox or not yet on the board. Imported
 * directly (`#lib/db/dispatch.ts`), not re-exported by `index.ts`, so it loads with the board
 * and with no crew page.
 */
import { liveQuery, type Observable } from 'dexie';
import { LEAD_KINDS, addDays, type BoardResponse, type MutationKind } from '@fieldfix/shared';
import { db, type BoardRow, type OutcomeRow, type PendingRow } from './database.ts';

export type { BoardRow };

const boardKey = (departmentId: string, date: string) => `${departmentId}/${date}`;

/** Keeps the board as the server sent it (one per department and day). */
export async function saveBoard(board: BoardResponse, fetchedAt = new Date().toISOString()): Promise<void> {
  await db().boards.put({
    key: boardKey(board.departmentId, board.date),
    departmentId: board.departmentId,
    date: board.date,
    board,
    fetchedAt,
  });
}

/**
 * The board kept for a day: of `departmentId` when given, else the one most recently fetched
 * for that day (a lead has one department; an admin opens the one they looked at last).
 */
export async function getBoard(date: string, departmentId?: string): Promise<BoardRow | undefined> {
  if (departmentId) return db().boards.get(boardKey(departmentId, date));
  const rows = await db()
    .boards.filter((r) => r.date === date)
    .toArray();
  return rows.sort((a, b) => b.fetchedAt.localeCompare(a.fetchedAt))[0];
}

/**
 * Boards of past days go after a week (a lead may look back a few days offline). `viewed` is
 * the day the lead is looking at: a week before it, or before today when it lies ahead (a
 * lead planning next week keeps today's board).
 */
export async function pruneBoards(viewed: string, now = new Date()): Promise<void> {
  const today = now.toISOString().slice(0, 10); // a day either way does not matter here
  const cutoff = addDays(viewed < today ? viewed : today, -7);
  await db()
    .boards.filter((r) => r.date < cutoff)
    .delete();
}

const DESK_KINDS = new Set<MutationKind>(LEAD_KINDS);

/** The lead's desk changes the board replays on top of the server's picture. */
export interface DeskChanges {
  /** Desk changes waiting in the outbox, oldest first. */
  pending: PendingRow[];
  /**
   * Outcomes of desk changes: applied ones (replayed until the board shows their version) and
   * the ones that did not take and nobody has dismissed yet (shown on the card).
   */
  outcomes: OutcomeRow[];
}

/**
 * The desk changes as they stand. One the server refused as malformed (blocked) is left out:
 * it will not go out as it is, so the board does not show it as made; the attention list
 * has it, to try again or discard.
 */
export async function readDeskChanges(): Promise<DeskChanges> {
  const d = db();
  const [pending, outcomes] = await Promise.all([
    d.pending.orderBy('seq').toArray(),
    d.outcomes
      .filter((o) => o.kind !== null && DESK_KINDS.has(o.kind) && (o.outcome === 'applied' || !o.dismissed))
      .toArray(),
  ]);
  return { pending: pending.filter((p) => DESK_KINDS.has(p.mutation.kind) && !p.blocked), outcomes };
}

export function watchDeskChanges(): Observable<DeskChanges> {
  return liveQuery(readDeskChanges);
}

/**
 * The departments an admin may open on the board, by name: the server's list, or with no
 * signal the ids the device's catalogue names (the admin API is loaded only for an admin).
 */
export async function boardDepartments(): Promise<{ id: string; name: string }[]> {
  // With no signal the admin code itself may not be on the device: then the catalogue too.
  const res = await import('#lib/api/admin.ts').then((a) => a.fetchRoutingNames()).catch(() => null);
  if (res?.ok) return [...res.data.departments].sort((a, b) => a.name.localeCompare(b.name));
  const types = await db().serviceTypes.toArray();
  return [...new Set(types.map((t) => t.departmentId))].sort().map((id) => ({ id, name: id }));
}
