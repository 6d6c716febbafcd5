import { describe, expect, it } from 'vitest';
import { solveBalance } from './balance.service.ts';
import type { DayInputLike, PlanLike } from './solver.ts';

// When "balance the day" solves again with overtime: the decision alone, with a stand-in for
// the solver that records what it is asked and answers a plan leaving out the cases named.

const at = { lat: 42.3, long: -83 };
const day = (over: Partial<DayInputLike> = {}): DayInputLike => ({
  crews: [
    { id: 'a', start: at, capacityMinutes: 480, skills: ['POTHOLE'] },
    { id: 'b', start: at, capacityMinutes: 480, skills: ['POTHOLE', 'TREE'] },
  ],
  cases: [
    { id: 'p1', ...at, serviceMinutes: 200, skill: 'POTHOLE', crewId: 'a' },
    { id: 'p2', ...at, serviceMinutes: 200, skill: 'POTHOLE', crewId: 'b' },
    { id: 't1', ...at, serviceMinutes: 60, skill: 'TREE', crewId: 'b' },
  ],
  ...over,
});

/** A solver that leaves out `leftOut` when solving within the hours, nothing with overtime. */
function solver(leftOut: string[]) {
  const asked: DayInputLike[] = [];
  const solve = async (input: DayInputLike): Promise<PlanLike> => {
    asked.push(input);
    const out = input.overtime ? [] : leftOut;
    return {
      routes: [],
      unplaced: out.map((caseId) => ({ caseId, why: 'stand-in' })),
      cost: 0,
      objective: 'balanced',
      solveMs: 1,
      iterations: 0,
    };
  };
  return { asked, solve };
}

describe('solveBalance', () => {
  it('solves once, within the hours, when every case is placed', async () => {
    const { asked, solve } = solver([]);
    const { plan, overtime } = await solveBalance(day(), 'balance', solve);
    expect(overtime).toBe(false);
    expect(plan.unplaced).toEqual([]);
    expect(asked.map((i) => i.overtime)).toEqual([undefined]);
  });

  it('solves again with overtime when a case some crew could take was left out (no room)', async () => {
    const { asked, solve } = solver(['p1']);
    const { plan, overtime } = await solveBalance(day(), 'balance', solve);
    expect(overtime).toBe(true);
    expect(plan.unplaced).toEqual([]);
    expect(asked.map((i) => i.overtime)).toEqual([undefined, true]);
  });

  it('keeps the first plan when the only case left out is one no crew may take (skill, or locked to a crew without it)', async () => {
    const noSkill = day({
      cases: [...day().cases, { id: 'g1', ...at, serviceMinutes: 30, skill: 'GRAFFITI', crewId: 'a' }],
    });
    const first = solver(['g1']);
    expect((await solveBalance(noSkill, 'balance', first.solve)).overtime).toBe(false);
    expect(first.asked).toHaveLength(1);
    // A tree locked to crew a, which has no tree skill (crew b has): no crew may take it.
    const locked = day({
      cases: [...day().cases, { id: 't2', ...at, serviceMinutes: 30, skill: 'TREE', crewId: 'a', locked: true }],
    });
    const second = solver(['t2']);
    expect((await solveBalance(locked, 'balance', second.solve)).overtime).toBe(false);
    // The same tree, not locked, could go to crew b: left out for room.
    const loose = day({ cases: [...day().cases, { id: 't2', ...at, serviceMinutes: 30, skill: 'TREE', crewId: 'a' }] });
    const third = solver(['t2']);
    expect((await solveBalance(loose, 'balance', third.solve)).overtime).toBe(true);
  });

  it('counts a case with no skill, a crew listing no skills, and a locked case its own crew can take as left for room', async () => {
    const noSkill = day({ cases: [...day().cases, { id: 'x', ...at, serviceMinutes: 30, crewId: 'a' }] });
    expect((await solveBalance(noSkill, 'balance', solver(['x']).solve)).overtime).toBe(true);
    // A graffiti case no crew lists, but crew c lists no skills: it can take it.
    const anyCrew = day({
      crews: [...day().crews, { id: 'c', start: at, capacityMinutes: 480 }],
      cases: [...day().cases, { id: 'g1', ...at, serviceMinutes: 30, skill: 'GRAFFITI', crewId: 'a' }],
    });
    expect((await solveBalance(anyCrew, 'balance', solver(['g1']).solve)).overtime).toBe(true);
    // A pothole locked to crew a, which works potholes.
    const lockedOk = day({
      cases: [...day().cases, { id: 'p3', ...at, serviceMinutes: 30, skill: 'POTHOLE', crewId: 'a', locked: true }],
    });
    expect((await solveBalance(lockedOk, 'balance', solver(['p3']).solve)).overtime).toBe(true);
    // The same pothole listed in crew a's route rather than naming its crew (crew b lists none).
    const listed = day({
      crews: [{ ...day().crews[0]!, currentCaseIds: ['p4'] }, day().crews[1]!],
      cases: [...day().cases, { id: 'p4', ...at, serviceMinutes: 30, skill: 'POTHOLE', locked: true }],
    });
    expect((await solveBalance(listed, 'balance', solver(['p4']).solve)).overtime).toBe(true);
    // Locked, and no crew has it now: none may take it.
    const orphan = day({ cases: [...day().cases, { id: 'p5', ...at, serviceMinutes: 30, locked: true }] });
    expect((await solveBalance(orphan, 'balance', solver(['p5']).solve)).overtime).toBe(false);
    // A plan naming a case the day does not have (never expected): not a reason to solve again.
    expect((await solveBalance(day(), 'balance', solver(['nope']).solve)).overtime).toBe(false);
  });

  it('goes straight to overtime when the service minutes alone exceed the crews’ hours', async () => {
    const full = day({
      cases: Array.from({ length: 10 }, (_, i) => ({ id: `p${i}`, ...at, serviceMinutes: 100, skill: 'POTHOLE' })),
    });
    const { asked, solve } = solver([]);
    const { overtime } = await solveBalance(full, 'balance', solve);
    expect(overtime).toBe(true);
    expect(asked.map((i) => i.overtime)).toEqual([true]);
    // Exactly the crews' hours still fits: solved within them first.
    const exact = day({
      cases: Array.from({ length: 8 }, (_, i) => ({ id: `p${i}`, ...at, serviceMinutes: 120, skill: 'POTHOLE' })),
    });
    const again = solver([]);
    expect((await solveBalance(exact, 'balance', again.solve)).overtime).toBe(false);
    // A crew with no limit: the day always fits.
    const unlimited = day({ crews: [{ id: 'a', start: at }], cases: full.cases });
    expect((await solveBalance(unlimited, 'balance', solver([]).solve)).overtime).toBe(false);
  });

  it('never uses overtime to order one crew’s route (it keeps every case of the route already)', async () => {
    const { asked, solve } = solver(['p1']);
    const full = day({
      cases: Array.from({ length: 10 }, (_, i) => ({ id: `p${i}`, ...at, serviceMinutes: 100, skill: 'POTHOLE' })),
    });
    expect((await solveBalance(full, 'order-route', solve)).overtime).toBe(false);
    expect(asked.map((i) => i.overtime)).toEqual([undefined]);
  });
});
