import { describe, expect, it } from 'vitest';
import { QUEUE, cloneLists, locate, type DayOf, type Lists } from './board-model.ts';
import { converge, listsAccepting, planAccept, planMove, planUndo, snapshot, type DeskMove } from './moves.ts';

const DATE = '2026-12-01';
const today = () => DATE;

/**
 * What the server does with each mutation (sync.repo.ts `placeOnRoute`, rules.ts): a case is
 * put at its position among its crew's cases of the same day, and a crew's column holds the
 * earlier days first.
 */
function serve(start: Lists, moves: readonly DeskMove[], dayOf: DayOf = today): Lists {
  const lists = cloneLists(start);
  const days = new Map<string, string | null>();
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
    expect(moves).toEqual([{ kind: 'reorder', caseId: 'a1', payload: { position: 6 } }]);
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
    let seed = 7;
    const rnd = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
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

describe('moves on a crew’s column that starts with work carried over', () => {
  const YESTERDAY = '2026-11-30';
  // Crew A has two cases left from yesterday before today's route (the demo's crews do too).
  const carried = (id: string) => (id === 'a1' || id === 'a2' ? YESTERDAY : DATE);

  it('a stop counts only the day’s cases: a case dropped after a3 is stop 2 of today', () => {
    const moves = planMove(board(), ['a6'], 'A', 3, DATE, carried);
    expect(moves).toEqual([{ kind: 'reorder', caseId: 'a6', payload: { position: 2 } }]);
    expect(serve(board(), moves, carried).get('A')).toEqual(['a1', 'a2', 'a3', 'a6', 'a4', 'a5']);
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
      { kind: 'reorder', caseId: 'a4', payload: { position: 1 } },
      { kind: 'assign', caseId: 'a1', payload: { crewId: 'A', day: DATE, position: 2 } },
      { kind: 'assign', caseId: 'a2', payload: { crewId: 'A', day: DATE, position: 3 } },
    ]);
    expect(serve(board(), moves, carried).get('A')).toEqual(['a4', 'a1', 'a2', 'a3', 'a5', 'a6']);
  });

  it('any wanted routes are reached, whatever days the cases are on (seeded shuffles)', () => {
    let seed = 11;
    const rnd = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
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
