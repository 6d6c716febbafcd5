import { describe, expect, it } from 'vitest';
import type { CaseState } from '@fieldfix/shared';
import { QUEUE, cloneLists, locate, type DayOf, type Lists } from './board-model.ts';
import {
  leftoversOf,
  converge,
  listsAccepting,
  listsAfterMove,
  planAccept,
  planMove,
  placedBy,
  planUndo,
  snapshot,
  stillAsPlanned,
  startedSince,
  strayedSince,
  type DeskMove,
} from './moves.ts';

const DATE = '2026-12-01';
const today = () => DATE;

/**
 * What the server does with each mutation, in the batch's order (sync-server route-order.ts
 * `replayRoutes`, rules.ts): a case is put at its position among its crew's cases of the same
 * day, and a crew's column holds the earlier days first. `days` gets each case's day after.
 */
function serve(
  start: Lists,
  moves: readonly DeskMove[],
  dayOf: DayOf = today,
  days = new Map<string, string | null>(),
): Lists {
  const lists = cloneLists(start);
  days.clear();
  for (const [column, ids] of lists) for (const id of ids) days.set(id, column === QUEUE ? null : dayOf(id));
  const takeOut = (id: string) => {
    for (const [column, ids] of lists)
      lists.set(
        column,
        ids.filter((x) => x !== id),
      );
  };
  const onRoute = (id: string, crew: string, day: string, position: number | null) => {
    takeOut(id);
    const others = lists.get(crew)!;
    const ofDay = others.filter((x) => days.get(x) === day);
    ofDay.splice(position === null ? ofDay.length : Math.min(position - 1, ofDay.length), 0, id);
    days.set(id, day);
    const column = [...others.filter((x) => days.get(x) !== day), ...ofDay];
    lists.set(
      crew,
      column.sort((a, b) => days.get(a)!.localeCompare(days.get(b)!)),
    );
  };
  for (const m of moves) {
    if (m.kind === 'unassign') {
      takeOut(m.caseId);
      lists.get(QUEUE)!.unshift(m.caseId);
      days.set(m.caseId, null);
    } else if (m.kind === 'reorder') {
      onRoute(m.caseId, locate(lists, m.caseId)!.column, days.get(m.caseId)!, m.payload.position);
    } else onRoute(m.caseId, m.payload.crewId, m.payload.day, m.payload.position);
  }
  return lists;
}

/** A seeded generator of whole numbers below `n` (the same runs every time). */
function seeded(seed: number): (n: number) => number {
  return (n) => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed % n;
  };
}

const board = (): Lists =>
  new Map([
    [QUEUE, ['q1', 'q2']],
    ['A', ['a1', 'a2', 'a3', 'a4', 'a5', 'a6']],
    ['B', ['b1', 'b2']],
  ]);

describe('moves on the board', () => {
  it('moving five cases from crew A to crew B is five assigns, in order, and A keeps its order', () => {
    const moves = planMove(board(), ['a1', 'a2', 'a3', 'a4', 'a5'], 'B', 2, DATE, today);
    expect(moves.map((m) => m.kind)).toEqual(['assign', 'assign', 'assign', 'assign', 'assign']);
    const after = serve(board(), moves);
    expect(after.get('A')).toEqual(['a6']);
    expect(after.get('B')).toEqual(['b1', 'b2', 'a1', 'a2', 'a3', 'a4', 'a5']);
  });

  it('moving one case down its route is a single reorder', () => {
    const moves = planMove(board(), ['a1'], 'A', 6, DATE, today);
    expect(moves).toEqual([{ kind: 'reorder', caseId: 'a1', payload: { position: 6, crewId: 'A', day: DATE } }]);
    expect(serve(board(), moves).get('A')).toEqual(['a2', 'a3', 'a4', 'a5', 'a6', 'a1']);
  });

  it('a case carried over from another day is assigned to the board’s day, not reordered', () => {
    const moves = planMove(board(), ['a1'], 'A', 3, DATE, (id) => (id === 'a1' ? '2026-11-30' : DATE));
    expect(moves[0]).toMatchObject({ kind: 'assign', payload: { crewId: 'A', day: DATE } });
  });

  it('into the queue is an unassign', () => {
    const moves = planMove(board(), ['b2'], QUEUE, 0, DATE, today);
    expect(moves).toEqual([{ kind: 'unassign', caseId: 'b2', payload: {} }]);
  });

  it('undo puts every case back where it was', () => {
    const start = board();
    const ids = ['a2', 'a5', 'b1'];
    const snap = snapshot(start, ids);
    const moved = serve(start, planMove(start, ids, 'B', 1, DATE, today));
    const undone = serve(moved, planUndo(moved, snap, DATE, today));
    expect(undone.get('A')).toEqual(start.get('A'));
    expect(undone.get('B')).toEqual(start.get('B'));
  });

  it('an accepted whole plan gives exactly the planned routes', () => {
    const plan = [
      { caseId: 'a5', fromCrewId: 'A', toCrewId: 'B', fromPosition: 5, toPosition: 1, baseVersion: 1 },
      { caseId: 'q1', fromCrewId: null, toCrewId: 'B', fromPosition: null, toPosition: 3, baseVersion: 1 },
      { caseId: 'a1', fromCrewId: 'A', toCrewId: 'A', fromPosition: 1, toPosition: 5, baseVersion: 1 },
    ];
    const want = listsAccepting(board(), plan);
    expect(want.get('B')).toEqual(['a5', 'b1', 'q1', 'b2']);
    expect(want.get('A')).toEqual(['a2', 'a3', 'a4', 'a6', 'a1']);
    const after = serve(board(), planAccept(board(), plan, DATE, today));
    expect(after.get('A')).toEqual(want.get('A'));
    expect(after.get('B')).toEqual(want.get('B'));
  });

  it('any wanted routes are reached (seeded shuffles)', () => {
    const rnd = seeded(7);
    for (let run = 0; run < 300; run++) {
      const start = board();
      const all = [...start.values()].flat().filter((id) => !id.startsWith('q'));
      const want: Lists = new Map([
        ['A', []],
        ['B', []],
      ]);
      for (const id of all) want.get(rnd(2) ? 'A' : 'B')!.push(id);
      for (const ids of want.values()) ids.sort(() => rnd(3) - 1);
      const moves = converge(start, want, DATE, today);
      const after = serve(start, moves);
      expect(after.get('A')).toEqual(want.get('A'));
      expect(after.get('B')).toEqual(want.get('B'));
      // Never more moves than cases.
      expect(moves.length).toBeLessThanOrEqual(all.length);
    }
  });
});

describe('what an undo checks first: the moved cases are still where the move put them', () => {
  it('a move to another crew, a reorder and one to the queue each name the column they went to', () => {
    const start = board();
    const moves = [
      ...planMove(start, ['a1', 'a2'], 'B', 0, DATE, today),
      ...planMove(start, ['a6'], 'A', 0, DATE, today),
      ...planMove(start, ['b2'], QUEUE, 0, DATE, today),
    ];
    expect(placedBy(moves)).toEqual(
      new Map([
        ['a1', 'B'],
        ['a2', 'B'],
        ['a6', 'A'],
        ['b2', QUEUE],
      ]),
    );
  });

  it('a case moved twice in one go is where its last move put it', () => {
    const moves: DeskMove[] = [
      { kind: 'assign', caseId: 'a1', payload: { crewId: 'B', day: DATE, position: 1 } },
      { kind: 'reorder', caseId: 'a1', payload: { crewId: 'B', day: DATE, position: 2 } },
      { kind: 'unassign', caseId: 'b1', payload: {} },
      { kind: 'assign', caseId: 'b1', payload: { crewId: 'A', day: DATE, position: null } },
    ];
    expect(placedBy(moves)).toEqual(
      new Map([
        ['a1', 'B'],
        ['b1', 'A'],
      ]),
    );
  });

  it('a case another lead has moved since is named; one still there, or gone from the board, is not', () => {
    const start = board();
    const moves = planMove(start, ['a1', 'a2', 'a3'], 'B', 0, DATE, today);
    const placed = placedBy(moves);
    const after = serve(start, moves);
    expect(strayedSince(after, placed)).toEqual([]);
    // Since then: another lead sent a2 back to A, and a3 was closed (gone from the board).
    const later = serve(after, planMove(after, ['a2'], 'A', 0, DATE, today));
    later.set(
      'B',
      later.get('B')!.filter((id) => id !== 'a3'),
    );
    expect(strayedSince(later, placed)).toEqual(['a2']);
  });

  it('a case under way in the place the move gave it is named (its new crew started it); one kept on its crew is not', () => {
    const start = board();
    const snap = snapshot(start, ['a1', 'a2', 'a3', 'b1']);
    // a1 and a2 to crew B; a3 reordered within A; b1 (in the snapshot) not moved at all.
    const placed = new Map([
      ['a1', 'B'],
      ['a2', 'B'],
      ['a3', 'A'],
    ]);
    const now = (id: string) => (id === 'a2' ? 'on_hold' : 'in_progress');
    expect(startedSince(snap, placed, now)).toEqual(['a1', 'a2']);
    expect(startedSince(snap, placed, () => 'assigned')).toEqual([]);
  });
});

describe('accepting a plan made a while ago', () => {
  const change = (caseId: string, fromCrewId: string | null, toCrewId: string | null) => ({
    caseId,
    fromCrewId,
    toCrewId,
    fromPosition: null,
    toPosition: 1,
    baseVersion: 3,
  });

  it('leaves out a case gone from where the plan found it, and a case its crew has started or put on hold since', () => {
    const states: Record<string, CaseState> = { a1: 'assigned', a2: 'in_progress', a3: 'on_hold', a4: 'assigned' };
    const lists = board();
    lists.set('B', ['b1', 'b2', 'a4']); // a4 moved to B since
    lists.set('A', ['a1', 'a2', 'a3', 'a5', 'a6']);
    const kept = stillAsPlanned(
      [
        change('a1', 'A', 'B'),
        change('a2', 'A', 'B'),
        change('a3', 'A', 'B'),
        change('a4', 'A', 'B'),
        change('q1', null, 'A'),
      ],
      lists,
      (id) => states[id] ?? 'new',
    );
    expect(kept.map((c) => c.caseId)).toEqual(['a1', 'q1']);
  });

  it('leaves out a case from a crew no longer on the board', () => {
    expect(stillAsPlanned([change('x1', 'gone-crew', 'A')], board(), () => 'assigned')).toEqual([]);
  });

  it("still reorders a started case on its own crew's route", () => {
    const kept = stillAsPlanned([change('a2', 'A', 'A')], board(), () => 'in_progress');
    expect(kept.map((c) => c.caseId)).toEqual(['a2']);
  });
});

describe('moves on a crew’s column that starts with work carried over', () => {
  const YESTERDAY = '2026-11-30';
  // Crew A has two cases left from yesterday before today's route (the demo's crews do too).
  const carried = (id: string) => (id === 'a1' || id === 'a2' ? YESTERDAY : DATE);

  it('a stop counts only the day’s cases: a case dropped after a3 is stop 2 of today', () => {
    const moves = planMove(board(), ['a6'], 'A', 3, DATE, carried);
    expect(moves).toEqual([{ kind: 'reorder', caseId: 'a6', payload: { position: 2, crewId: 'A', day: DATE } }]);
    expect(serve(board(), moves, carried).get('A')).toEqual(['a1', 'a2', 'a3', 'a6', 'a4', 'a5']);
  });

  it('yesterday’s work reordered among yesterday’s stays on yesterday: one reorder, the day’s route untouched', () => {
    const days = new Map<string, string | null>();
    // a2 above a1, and a1 dropped after a2 (the last of yesterday's, above today's): the same wish.
    for (const moves of [
      planMove(board(), ['a2'], 'A', 0, DATE, carried),
      planMove(board(), ['a1'], 'A', 2, DATE, carried),
    ]) {
      expect(moves).toEqual([
        {
          kind: 'reorder',
          caseId: moves[0]!.caseId,
          payload: { position: moves[0]!.caseId === 'a1' ? 2 : 1, crewId: 'A', day: YESTERDAY },
        },
      ]);
      expect(serve(board(), moves, carried, days).get('A')).toEqual(['a2', 'a1', 'a3', 'a4', 'a5', 'a6']);
      expect([days.get('a1'), days.get('a2'), days.get('a3')]).toEqual([YESTERDAY, YESTERDAY, DATE]);
    }
    // Dropped among today's, it joins today; on another crew's column, it is that crew's today.
    expect(planMove(board(), ['a1'], 'A', 3, DATE, carried)).toEqual([
      { kind: 'assign', caseId: 'a1', payload: { crewId: 'A', day: DATE, position: 2 } },
    ]);
    expect(planMove(board(), ['a1'], 'B', 0, DATE, carried)).toEqual([
      { kind: 'assign', caseId: 'a1', payload: { crewId: 'B', day: DATE, position: 1 } },
    ]);
  });

  it('a case from two days ago dropped among yesterday’s joins yesterday; today’s route is untouched', () => {
    const days = new Map<string, string | null>();
    const older = (id: string) => (id === 'a1' ? '2026-11-28' : carried(id));
    const moves = planMove(board(), ['a1'], 'A', 2, DATE, older);
    expect(moves).toEqual([{ kind: 'assign', caseId: 'a1', payload: { crewId: 'A', day: YESTERDAY, position: 2 } }]);
    expect(serve(board(), moves, older, days).get('A')).toEqual(['a2', 'a1', 'a3', 'a4', 'a5', 'a6']);
    expect(['a1', 'a2', 'a3'].map((id) => days.get(id))).toEqual([YESTERDAY, YESTERDAY, DATE]);
  });

  it('a case from another crew lands where it was dropped', () => {
    const moves = planMove(board(), ['b1'], 'A', 4, DATE, carried);
    expect(moves).toEqual([{ kind: 'assign', caseId: 'b1', payload: { crewId: 'A', day: DATE, position: 3 } }]);
    expect(serve(board(), moves, carried).get('A')).toEqual(['a1', 'a2', 'a3', 'a4', 'b1', 'a5', 'a6']);
  });

  it('undo after a move to the queue puts the case back at its own stop', () => {
    const start = board();
    const snap = snapshot(start, ['a4']);
    const moved = serve(start, planMove(start, ['a4'], QUEUE, 0, DATE, carried), carried);
    expect(moved.get('A')).toEqual(['a1', 'a2', 'a3', 'a5', 'a6']);
    const dayAfterMove = (id: string) => (id === 'a4' ? null : carried(id));
    const undone = serve(moved, planUndo(moved, snap, DATE, dayAfterMove), dayAfterMove);
    expect(undone.get('A')).toEqual(start.get('A'));
  });

  it('a case dropped above yesterday’s work brings that work into the day, in the order wanted', () => {
    const moves = planMove(board(), ['a4'], 'A', 0, DATE, carried);
    expect(moves).toEqual([
      { kind: 'reorder', caseId: 'a4', payload: { position: 1, crewId: 'A', day: DATE } },
      { kind: 'assign', caseId: 'a1', payload: { crewId: 'A', day: DATE, position: 2 } },
      { kind: 'assign', caseId: 'a2', payload: { crewId: 'A', day: DATE, position: 3 } },
    ]);
    expect(serve(board(), moves, carried).get('A')).toEqual(['a4', 'a1', 'a2', 'a3', 'a5', 'a6']);
  });

  it('undo of that drop puts yesterday’s work back on yesterday, first again', () => {
    const start = board();
    const snap = snapshot(start, ['a4']);
    const before = leftoversOf(start, DATE, carried);
    expect(before).toEqual(
      new Map([
        ['a1', YESTERDAY],
        ['a2', YESTERDAY],
      ]),
    );
    const days = new Map<string, string | null>();
    const moved = serve(start, planMove(start, ['a4'], 'A', 0, DATE, carried), carried, days);
    expect(days.get('a1')).toBe(DATE);
    const now: DayOf = (id) => days.get(id) ?? null;
    const undo = planUndo(moved, snap, DATE, now, before);
    const after = new Map<string, string | null>();
    expect(serve(moved, undo, now, after).get('A')).toEqual(start.get('A'));
    expect(['a1', 'a2', 'a3', 'a4'].map((id) => after.get(id))).toEqual([YESTERDAY, YESTERDAY, DATE, DATE]);
    // Without the days before the move, the order comes back and the leftovers stay on the day.
    const plain = new Map<string, string | null>();
    expect(serve(moved, planUndo(moved, snap, DATE, now), now, plain).get('A')).toEqual(start.get('A'));
    expect(plain.get('a1')).toBe(DATE);
  });

  it('undo moves only what the move changed: yesterday’s case above the drop stays as it is', () => {
    const start = board();
    const before = leftoversOf(start, DATE, carried);
    const days = new Map<string, string | null>();
    // Between yesterday's two: a2 comes below a case of the day and joins it; a1 does not.
    const moved = serve(start, planMove(start, ['a5'], 'A', 1, DATE, carried), carried, days);
    expect(moved.get('A')).toEqual(['a1', 'a5', 'a2', 'a3', 'a4', 'a6']);
    expect([days.get('a1'), days.get('a2')]).toEqual([YESTERDAY, DATE]);
    const now: DayOf = (id) => days.get(id) ?? null;
    const undo = planUndo(moved, snapshot(start, ['a5']), DATE, now, before);
    expect(undo.map((m) => m.caseId).sort()).toEqual(['a2', 'a5']);
    const after = new Map<string, string | null>();
    expect(serve(moved, undo, now, after).get('A')).toEqual(start.get('A'));
    expect([after.get('a1'), after.get('a2')]).toEqual([YESTERDAY, YESTERDAY]);
  });

  it('undo puts yesterday’s work back on its day even when the case dropped above it has left the board', () => {
    const start = board();
    const before = leftoversOf(start, DATE, carried);
    const days = new Map<string, string | null>();
    const moved = serve(start, planMove(start, ['b1'], 'A', 0, DATE, carried), carried, days);
    expect([days.get('a1'), days.get('a2')]).toEqual([DATE, DATE]);
    // b1 is cancelled meanwhile: crew A's order is back as it was, its leftovers still on the day.
    moved.set(
      'A',
      moved.get('A')!.filter((id) => id !== 'b1'),
    );
    expect(moved.get('A')).toEqual(start.get('A'));
    const now: DayOf = (id) => days.get(id) ?? null;
    const undo = planUndo(moved, snapshot(start, ['b1']), DATE, now, before);
    expect(undo).toEqual([
      { kind: 'assign', caseId: 'a1', payload: { crewId: 'A', day: YESTERDAY, position: 1 } },
      { kind: 'assign', caseId: 'a2', payload: { crewId: 'A', day: YESTERDAY, position: 2 } },
    ]);
    // …and a leftover that left the board too stays gone.
    moved.set(
      'A',
      moved.get('A')!.filter((id) => id !== 'a2'),
    );
    expect(planUndo(moved, snapshot(start, ['b1']), DATE, now, before)).toEqual([
      { kind: 'assign', caseId: 'a1', payload: { crewId: 'A', day: YESTERDAY, position: 1 } },
    ]);
  });

  it('any wanted routes are reached, whatever days the cases are on (seeded shuffles)', () => {
    const rnd = seeded(11);
    const DAYS = ['2026-11-28', YESTERDAY, DATE];
    for (let run = 0; run < 300; run++) {
      // A start as the server has it: each crew's column in day order.
      const dayOfId = new Map<string, string>();
      const start: Lists = new Map([[QUEUE, ['q1', 'q2']]]);
      for (const [crew, ids] of [
        ['A', ['a1', 'a2', 'a3', 'a4', 'a5', 'a6']],
        ['B', ['b1', 'b2', 'b3']],
      ] as const) {
        for (const id of ids) dayOfId.set(id, DAYS[rnd(3)]!);
        start.set(
          crew,
          [...ids].sort((x, y) => dayOfId.get(x)!.localeCompare(dayOfId.get(y)!)),
        );
      }
      const dayOf = (id: string) => dayOfId.get(id) ?? null;
      const want: Lists = new Map([
        ['A', []],
        ['B', []],
      ]);
      for (const id of [...dayOfId.keys(), 'q1']) if (rnd(5) > 0 || id === 'q1') want.get(rnd(2) ? 'A' : 'B')!.push(id);
      for (const ids of want.values()) ids.sort(() => rnd(3) - 1);
      const left = [...dayOfId.keys()].filter((id) => !want.get('A')!.includes(id) && !want.get('B')!.includes(id));
      want.set(QUEUE, left);
      const after = serve(start, converge(start, want, DATE, dayOf), dayOf);
      expect(after.get('A')).toEqual(want.get('A'));
      expect(after.get('B')).toEqual(want.get('B'));
    }
  });
});

describe('moves, undos and plans against the server’s model (seeded)', () => {
  const rnd = seeded(23);
  const YESTERDAY = '2026-11-30';
  /** A board as the server sends it: each crew's column in day order, a few cases carried over. */
  function randomBoard(): { lists: Lists; dayOf: DayOf } {
    const days = new Map<string, string>();
    const lists: Lists = new Map([[QUEUE, ['q1', 'q2', 'q3']]]);
    for (const [crew, n] of [
      ['A', 2 + rnd(6)],
      ['B', rnd(5)],
      ['C', 1 + rnd(3)],
    ] as const) {
      const ids = Array.from({ length: n }, (_, i) => `${crew.toLowerCase()}${i + 1}`);
      for (const id of ids) days.set(id, rnd(4) === 0 ? YESTERDAY : DATE);
      lists.set(
        crew,
        ids.sort((x, y) => days.get(x)!.localeCompare(days.get(y)!)),
      );
    }
    return { lists, dayOf: (id) => days.get(id) ?? null };
  }
  const allIds = (lists: Lists) => [...lists.values()].flat();
  const pick = <T>(xs: readonly T[]) => xs[rnd(xs.length)]!;

  it('a move lands exactly where the lead dropped it, and its undo puts every case back after its old neighbour', () => {
    for (let run = 0; run < 400; run++) {
      const { lists: start, dayOf } = randomBoard();
      const ids = [...new Set(Array.from({ length: 1 + rnd(3) }, () => pick(allIds(start))))];
      const column = pick([...start.keys()]);
      const index = rnd(start.get(column)!.length + 1);
      // Where the lead dropped them: together, before the case that was at `index` (not moved).
      const stay = start.get(column)!.filter((id) => !ids.includes(id));
      const above = start
        .get(column)!
        .slice(0, index)
        .filter((id) => !ids.includes(id)).length;
      const dropped = [...stay.slice(0, above), ...ids, ...stay.slice(above)];
      expect(listsAfterMove(start, ids, column, index).get(column)).toEqual(dropped);
      const snap = snapshot(start, ids);
      const daysMoved = new Map<string, string | null>();
      const moved = serve(start, planMove(start, ids, column, index, DATE, dayOf), dayOf, daysMoved);
      if (column !== QUEUE) expect(moved.get(column), `run ${run}`).toEqual(dropped);
      else expect(new Set(moved.get(QUEUE))).toEqual(new Set(dropped));
      for (const [col, list] of start)
        if (col !== column) expect(moved.get(col), `run ${run}`).toEqual(list.filter((id) => !ids.includes(id)));
      // Meanwhile another case of an earlier day comes onto a crew's route, at its top: undo
      // puts each case back after the case that was before it, wherever that is now (a case
      // that was first goes first again).
      const crew = pick(['A', 'B', 'C']);
      moved.get(crew)!.unshift('x1');
      // What the board knows after the move: the server's days (x1 is yesterday's).
      const dayAfter: DayOf = (id) => (id === 'x1' ? YESTERDAY : (daysMoved.get(id) ?? null));
      const daysUndone = new Map<string, string | null>();
      const undone = serve(
        moved,
        planUndo(moved, snap, DATE, dayAfter, leftoversOf(start, DATE, dayOf)),
        dayAfter,
        daysUndone,
      );
      const first = (list: string[]) => {
        const k = list.findIndex((id) => !ids.includes(id));
        return k < 0 ? list.length : k;
      };
      for (const [col, list] of start) {
        if (col === QUEUE) continue;
        const k = first(list);
        const want = col === crew ? [...list.slice(0, k), 'x1', ...list.slice(k)] : list;
        expect(undone.get(col), `undo, run ${run}`).toEqual(want);
        // Each case back on the day it was on, leftovers from yesterday too.
        for (const id of list) expect(daysUndone.get(id), `day of ${id}, run ${run}`).toBe(dayOf(id));
      }
    }
  });

  it('undo puts a case back at its old stop when the case before it has left the board', () => {
    const start = board();
    const snap = snapshot(start, ['a3']);
    const moved = serve(start, planMove(start, ['a3'], 'B', 0, DATE, today));
    moved.set(
      'A',
      moved.get('A')!.filter((id) => id !== 'a2'),
    ); // a2 cancelled meanwhile
    const undone = serve(moved, planUndo(moved, snap, DATE, today));
    expect(undone.get('A')).toEqual(['a1', 'a4', 'a3', 'a5', 'a6']);
    expect(undone.get('B')).toEqual(['b1', 'b2']);
  });

  it('undo follows the case before it to the top, and leaves gone a case that left the board', () => {
    const start = board();
    const snap = snapshot(start, ['a3', 'a5']);
    const moved = serve(start, planMove(start, ['a3', 'a5'], 'B', 0, DATE, today));
    // Meanwhile a1 is cancelled (a2 is now first) and a5 is merged away: both leave the board.
    moved.set(
      'A',
      moved.get('A')!.filter((id) => id !== 'a1'),
    );
    moved.set(
      'B',
      moved.get('B')!.filter((id) => id !== 'a5'),
    );
    const undone = serve(moved, planUndo(moved, snap, DATE, today));
    expect(undone.get('A')).toEqual(['a2', 'a3', 'a4', 'a6']);
    expect(undone.get('B')).toEqual(['b1', 'b2']);
    expect(locate(undone, 'a5')).toBeNull();
  });

  it('a plan may send a case to the queue, or to the end of a route', () => {
    const plan = [
      { caseId: 'a2', fromCrewId: 'A', toCrewId: null, fromPosition: 2, toPosition: null, baseVersion: 1 },
      { caseId: 'a1', fromCrewId: 'A', toCrewId: 'B', fromPosition: 1, toPosition: null, baseVersion: 1 },
      { caseId: 'b1', fromCrewId: 'B', toCrewId: 'A', fromPosition: 1, toPosition: 1, baseVersion: 1 },
    ];
    const want = listsAccepting(board(), plan);
    expect(want.get(QUEUE)).toEqual(['q1', 'q2', 'a2']);
    expect(want.get('B')).toEqual(['b2', 'a1']);
    expect(want.get('A')).toEqual(['b1', 'a3', 'a4', 'a5', 'a6']);
    const after = serve(board(), planAccept(board(), plan, DATE, today));
    expect(after.get('A')).toEqual(want.get('A'));
    expect(after.get('B')).toEqual(want.get('B'));
    expect(after.get(QUEUE)).toContain('a2');
  });

  it('moves only the cases out of order: a longest run already in order stays put', () => {
    /** The length of a longest increasing run, by the plain quadratic method. */
    const longestRun = (xs: number[]) => {
      const best = xs.map(() => 1);
      for (let i = 0; i < xs.length; i++)
        for (let j = 0; j < i; j++) if (xs[j]! < xs[i]!) best[i] = Math.max(best[i]!, best[j]! + 1);
      return Math.max(0, ...best);
    };
    for (let run = 0; run < 300; run++) {
      const n = 1 + rnd(9);
      const ids = Array.from({ length: n }, (_, i) => `a${i + 1}`);
      const start: Lists = new Map([
        [QUEUE, []],
        ['A', ids],
      ]);
      const want = [...ids].sort(() => rnd(3) - 1);
      const moves = converge(start, new Map([['A', want]]), DATE, today);
      const kept = longestRun(ids.map((id) => want.indexOf(id)));
      expect(moves.length, `${ids} → ${want}`).toBe(n - kept);
      expect(moves.every((m) => m.kind === 'reorder')).toBe(true);
      expect(serve(start, moves).get('A')).toEqual(want);
    }
  });

  it('an accepted plan gives the routes it planned, stop by stop', () => {
    for (let run = 0; run < 300; run++) {
      const { lists: start, dayOf } = randomBoard();
      // The plan's routes: the crews' cases dealt out again, each route in a new order.
      const crews = [...start.keys()].filter((k) => k !== QUEUE);
      const planned: Lists = new Map(crews.map((c) => [c, [] as string[]]));
      for (const id of crews.flatMap((c) => start.get(c)!)) planned.get(pick(crews))!.push(id);
      for (const ids of planned.values()) ids.sort(() => rnd(3) - 1);
      const changes = crews.flatMap((crew) =>
        planned.get(crew)!.flatMap((id, i) => {
          const from = locate(start, id)!;
          if (from.column === crew && from.index === i) return [];
          return [
            {
              caseId: id,
              fromCrewId: from.column,
              toCrewId: crew,
              fromPosition: from.index + 1,
              toPosition: i + 1,
              baseVersion: 1,
            },
          ];
        }),
      );
      changes.sort(() => rnd(3) - 1); // a plan lists its changes in no particular order
      const accepted = listsAccepting(start, changes);
      for (const crew of crews) expect(accepted.get(crew), `run ${run}`).toEqual(planned.get(crew));
      const after = serve(start, planAccept(start, changes, DATE, dayOf), dayOf);
      for (const crew of crews) expect(after.get(crew), `served, run ${run}`).toEqual(planned.get(crew));
    }
  });

  it('what is not on the board is left out: an unknown crew, a case gone', () => {
    const start = board();
    expect(listsAfterMove(start, ['a1'], 'Z', 0)).toEqual(start);
    expect(snapshot(start, ['gone', 'a2'])).toEqual([{ caseId: 'a2', column: 'A', index: 1, after: 'a1' }]);
    const plan = [
      { caseId: 'gone', fromCrewId: 'A', toCrewId: 'B', fromPosition: 9, toPosition: 1, baseVersion: 1 },
      { caseId: 'a1', fromCrewId: 'A', toCrewId: 'Z', fromPosition: 1, toPosition: 1, baseVersion: 1 },
      { caseId: 'a2', fromCrewId: 'A', toCrewId: 'B', fromPosition: 2, toPosition: 1, baseVersion: 1 },
    ];
    const want = listsAccepting(start, plan);
    // A plan made before a case left the board, or naming a crew the board has not: the rest of
    // it is followed, those cases stay where they are.
    expect(want.get('B')).toEqual(['a2', 'b1', 'b2']);
    expect(want.get('A')).toEqual(['a1', 'a3', 'a4', 'a5', 'a6']);
    expect(planAccept(start, plan, DATE, today)).toEqual([
      { kind: 'assign', caseId: 'a2', payload: { crewId: 'B', day: DATE, position: 1 } },
    ]);
    expect(converge(start, new Map([['Z', ['a1']]]), DATE, today)).toEqual([]);
  });

  it('nothing to do is no move at all', () => {
    const { lists, dayOf } = randomBoard();
    expect(converge(lists, cloneLists(lists), DATE, dayOf)).toEqual([]);
    expect(planMove(lists, [], 'A', 0, DATE, dayOf)).toEqual([]);
  });
});
