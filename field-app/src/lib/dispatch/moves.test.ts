import { describe, expect, it } from 'vitest';
import { QUEUE, cloneLists, locate, place, type Lists } from './board-model.ts';
import { converge, listsAccepting, planAccept, planMove, planUndo, snapshot, type DeskMove } from './moves.ts';

const DATE = '2026-12-01';
const today = () => DATE;

/** What the server does with each mutation (sync.repo.ts `placeOnRoute`, rules.ts). */
function serve(start: Lists, moves: readonly DeskMove[]): Lists {
  const lists = cloneLists(start);
  for (const m of moves) {
    const at = locate(lists, m.caseId);
    if (m.kind === 'unassign') place(lists, m.caseId, QUEUE, 0);
    else if (m.kind === 'reorder') place(lists, m.caseId, at!.column, m.payload.position - 1);
    else place(lists, m.caseId, m.payload.crewId, (m.payload.position ?? Infinity) - 1);
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
