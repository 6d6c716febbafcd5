/**
 * Moves on the board as sync mutations (pure). Every move, undo and accepted plan is said the
 * same way: the lists the lead wants (`desired`), from which `converge` derives the fewest
 * `assign` / `unassign` / `reorder` mutations that take the current lists there, each with
 * the position the server will place the case at (it renumbers each day's route 1…n on every
 * move and inserts a case at its position among the cases of its day: `routeIndex`).
 */
import type { BalanceResponse, CaseState, PlanChange } from '@fieldfix/shared';
import { QUEUE, cloneLists, locate, place, type DayOf, type Lists } from './board-model.ts';

export type DeskMove =
  | { kind: 'assign'; caseId: string; payload: { crewId: string; day: string; position: number | null } }
  | { kind: 'unassign'; caseId: string; payload: Record<string, never> }
  | { kind: 'reorder'; caseId: string; payload: { position: number; crewId: string; day: string } };

/** Indexes (into `seq`) of a longest strictly increasing subsequence. */
function longestIncreasing(seq: readonly number[]): Set<number> {
  const tails: number[] = [];
  const prev = new Array<number>(seq.length).fill(-1);
  for (let i = 0; i < seq.length; i++) {
    let lo = 0;
    let hi = tails.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (seq[tails[mid]!]! < seq[i]!) lo = mid + 1;
      else hi = mid;
    }
    if (lo > 0) prev[i] = tails[lo - 1]!;
    tails[lo] = i;
  }
  const keep = new Set<number>();
  for (let i = tails.length ? tails[tails.length - 1]! : -1; i >= 0; i = prev[i]!) keep.add(i);
  return keep;
}

/**
 * The mutations that turn `current` into `desired` for the columns `desired` names, on the
 * board's day `date`. Cases that already sit in the right order stay put (a longest run in
 * order is kept); the others are placed one by one, each right after its predecessor, on the
 * board's day, or on the earlier day `back` names for it (an undo putting work carried over
 * back where it was), or, moved within its crew's column, on its own day when the cases above
 * it allow (the lead reordering yesterday's among themselves). A crew's route runs day by day
 * on the server (and on the crew's tablet), earlier days first, so a case the lead wants below
 * one of a later day is placed too, on that later day: work carried over that the lead puts
 * below the day's joins the day.
 */
export function converge(
  current: Lists,
  desired: Lists,
  date: string,
  dayOf: DayOf,
  back: ReadonlyMap<string, string> = new Map(),
): DeskMove[] {
  const lists = cloneLists(current);
  const moves: DeskMove[] = [];
  const days = new Map<string, string | null>();
  const dayNow = (id: string) => (days.has(id) ? days.get(id)! : dayOf(id));
  // Into the queue first: its order is the server's (oldest first), not the lead's.
  for (const id of desired.get(QUEUE) ?? []) {
    const at = locate(lists, id);
    if (at && at.column !== QUEUE) {
      moves.push({ kind: 'unassign', caseId: id, payload: {} });
      place(lists, id, QUEUE, 0);
      days.set(id, null);
    }
  }
  for (const [column, want] of desired) {
    const here = lists.get(column);
    if (column === QUEUE || !here) continue; // a crew not on the board: nothing to place there
    const wantIndex = new Map(want.map((id, i) => [id, i]));
    const inOrder = here.filter((id) => wantIndex.has(id));
    const keepIdx = longestIncreasing(inOrder.map((id) => wantIndex.get(id)!));
    const keep = new Set(inOrder.filter((_, i) => keepIdx.has(i)));
    // The day each placed case ends on; a kept case stays on its own, which must not come
    // before a day above it.
    const dayFor = new Map<string, string>();
    let latest = '';
    for (const id of want) {
      const own = dayNow(id);
      const asked = back.get(id);
      if (keep.has(id) && own !== null && own >= latest && (asked === undefined || asked === own)) {
        latest = own;
        continue;
      }
      keep.delete(id);
      // A case moved within its crew's column keeps its day where the cases above it allow:
      // work carried over that the lead reorders among its own day's stays on that day (a
      // reorder, its badge kept); dropped below a later day's case, it joins that day.
      const wanted = asked ?? (own !== null && locate(lists, id)?.column === column ? own : date);
      const day = wanted > latest ? wanted : latest;
      dayFor.set(id, day);
      latest = day;
    }
    want.forEach((id, i) => {
      if (keep.has(id)) return;
      const day = dayFor.get(id)!;
      const from = locate(lists, id);
      const sameRoute = from?.column === column && dayNow(id) === day;
      // Right after its predecessor (already in place), or first.
      const target = lists.get(column)!;
      const predecessor = i > 0 ? want[i - 1]! : null;
      const without = target.filter((x) => x !== id);
      const index = predecessor === null ? 0 : without.indexOf(predecessor) + 1;
      // Its stop among its day's cases: those of other days before it do not count.
      const position = without.slice(0, index).filter((x) => dayNow(x) === day).length + 1;
      moves.push(
        sameRoute
          ? { kind: 'reorder', caseId: id, payload: { position, crewId: column, day } }
          : { kind: 'assign', caseId: id, payload: { crewId: column, day, position } },
      );
      place(lists, id, column, index);
      days.set(id, day);
    });
  }
  return moves;
}

/** The lists after moving `caseIds` (in this order) into `column` before index `index`. */
export function listsAfterMove(current: Lists, caseIds: readonly string[], column: string, index: number): Lists {
  const lists = cloneLists(current);
  const target = lists.get(column);
  if (!target) return lists;
  // The index counts the cases being moved; without them it shifts by those that were before it.
  const before = target.slice(0, index).filter((id) => caseIds.includes(id)).length;
  let at = index - before;
  for (const id of caseIds) {
    place(lists, id, column, at);
    at++;
  }
  return lists;
}

/** Where each case was before a move: what its undo puts back. */
export interface Snapshot {
  caseId: string;
  column: string;
  index: number;
  /** The case before it in its column then (null: it was first). */
  after: string | null;
}

export function snapshot(lists: Lists, caseIds: readonly string[]): Snapshot[] {
  const out: Snapshot[] = [];
  for (const id of caseIds) {
    const at = locate(lists, id);
    if (!at) continue;
    const ids = lists.get(at.column)!;
    out.push({ caseId: id, column: at.column, index: at.index, after: at.index > 0 ? ids[at.index - 1]! : null });
  }
  return out;
}

/**
 * The crews' work carried over from earlier days than `date`, by case, with its day: what an
 * undo puts back on its own day when the move put it on the board's.
 */
export function leftoversOf(lists: Lists, date: string, dayOf: DayOf): Map<string, string> {
  const out = new Map<string, string>();
  for (const [column, ids] of lists) {
    if (column === QUEUE) continue;
    for (const id of ids) {
      const day = dayOf(id);
      if (day !== null && day < date) out.set(id, day);
    }
  }
  return out;
}

/**
 * The lists with the snapshot's cases back where they were: after the case that was before
 * them when it is still in that column, else at their old index. Cases that left the board
 * meanwhile stay gone.
 */
export function listsRestoring(current: Lists, snap: readonly Snapshot[]): Lists {
  const lists = cloneLists(current);
  const ordered = [...snap].sort((a, b) => a.index - b.index);
  for (const s of ordered) {
    if (!locate(lists, s.caseId) || !lists.has(s.column)) continue;
    const ids = lists.get(s.column)!.filter((id) => id !== s.caseId);
    const prev = s.after === null ? -1 : ids.indexOf(s.after);
    place(lists, s.caseId, s.column, prev >= 0 ? prev + 1 : s.index);
  }
  return lists;
}

/**
 * Where each of the moved cases went, by case: the column the last of its moves put it in
 * (the queue for an unassign). What an undo checks the cases are still in.
 */
export function placedBy(moves: readonly DeskMove[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const m of moves) out.set(m.caseId, m.kind === 'unassign' ? QUEUE : m.payload.crewId);
  return out;
}

/**
 * The cases that left the column a move put them in since (another lead's move, a crew's
 * transfer): undoing the move would overwrite that change, so it is not undone. Cases gone
 * from the board (closed, merged) are not counted: an undo leaves them where they are.
 */
export function strayedSince(current: Lists, placed: ReadonlyMap<string, string>): string[] {
  const out: string[] = [];
  for (const [id, column] of placed) {
    const at = locate(current, id);
    if (at && at.column !== column) out.push(id);
  }
  return out;
}

const isUnderWay = (state: CaseState | null) => state === 'in_progress' || state === 'on_hold';

/**
 * The cases an undo would take from the crew at work on them: the move gave them to another
 * crew (or the queue), and they are under way now. A move to another crew makes a case
 * "assigned" again, so one under way in its new place was started there since. Made anyway,
 * the case would go back as if never started, as a plan's change would (`stillAsPlanned`).
 */
export function startedSince(
  snap: readonly Snapshot[],
  placed: ReadonlyMap<string, string>,
  stateOf: (caseId: string) => CaseState | null,
): string[] {
  return snap
    .filter((s) => {
      const to = placed.get(s.caseId);
      return to !== undefined && to !== s.column && isUnderWay(stateOf(s.caseId));
    })
    .map((s) => s.caseId);
}

/** Only the columns whose order differs between two list sets (what `converge` needs). */
export function changedColumns(current: Lists, desired: Lists): Lists {
  const out: Lists = new Map();
  for (const [column, want] of desired) {
    const here = current.get(column) ?? [];
    if (here.length !== want.length || here.some((id, i) => want[i] !== id)) out.set(column, want);
  }
  return out;
}

/** The mutations that move `caseIds` into `column` before `index`. */
export function planMove(
  current: Lists,
  caseIds: readonly string[],
  column: string,
  index: number,
  date: string,
  dayOf: DayOf,
): DeskMove[] {
  const desired = listsAfterMove(current, caseIds, column, index);
  return converge(current, changedColumns(current, desired), date, dayOf);
}

/**
 * The mutations that undo a move whose snapshot was taken before it: each case back after
 * its old neighbour, and the work carried over then (`carried`, from `leftoversOf`) back on
 * its own day where the move put it on the board's.
 */
export function planUndo(
  current: Lists,
  snap: readonly Snapshot[],
  date: string,
  dayOf: DayOf,
  carried: ReadonlyMap<string, string> = new Map(),
): DeskMove[] {
  const desired = listsRestoring(current, snap);
  const columns = changedColumns(current, desired);
  // A column whose order is back but whose leftovers are still on the board's day.
  for (const [id, day] of carried) {
    const at = locate(desired, id);
    if (at && at.column !== QUEUE && dayOf(id) !== day) columns.set(at.column, desired.get(at.column)!);
  }
  return converge(current, columns, date, dayOf, carried);
}

/**
 * The changes of a plan that may still be made as planned: the case is in the column the
 * plan found it in, and a change of crew is not for a case its crew has started or put on
 * hold since (the plan keeps those with their crew; made anyway, the case would go to another
 * crew as if never started).
 */
export function stillAsPlanned(
  changes: readonly PlanChange[],
  lists: Lists,
  stateOf: (caseId: string) => CaseState | null,
): PlanChange[] {
  return changes.filter((c) => {
    if (!lists.get(c.fromCrewId ?? QUEUE)?.includes(c.caseId)) return false;
    if (c.toCrewId === c.fromCrewId) return true;
    return !isUnderWay(stateOf(c.caseId));
  });
}

/**
 * The lists once the accepted changes of a plan are made: each case taken out and put at its
 * planned position, in the order of the positions, so an accepted whole plan gives exactly
 * the plan's routes.
 */
export function listsAccepting(current: Lists, changes: BalanceResponse['changes']): Lists {
  const lists = cloneLists(current);
  // Only what the board can follow: a case still on it (not cancelled since the plan was made),
  // to a crew on it or the queue. The others stay where they are.
  const known = changes.filter((c) => locate(lists, c.caseId) && lists.has(c.toCrewId ?? QUEUE));
  for (const c of known) {
    const at = locate(lists, c.caseId)!;
    lists.get(at.column)!.splice(at.index, 1);
  }
  const ordered = [...known].sort((a, b) => (a.toPosition ?? 0) - (b.toPosition ?? 0));
  for (const c of ordered) {
    const column = c.toCrewId ?? QUEUE;
    const ids = lists.get(column)!;
    const index = c.toPosition === null || column === QUEUE ? ids.length : c.toPosition - 1;
    ids.splice(Math.max(0, Math.min(index, ids.length)), 0, c.caseId);
  }
  return lists;
}

export function planAccept(
  current: Lists,
  changes: BalanceResponse['changes'],
  date: string,
  dayOf: DayOf,
): DeskMove[] {
  const desired = listsAccepting(current, changes);
  return converge(current, changedColumns(current, desired), date, dayOf);
}
