import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { haversineMetres } from '../domain/geo.ts';
import { DayInput, Plan, type ParsedDay } from './day.ts';
import { generateDay } from './generate.ts';
import { WEIGHTS } from './problem.ts';
import { currentAssignment, evaluateRoutes, orderRoute, solveDay } from './solve.ts';
import { baselinePlan } from './baseline.ts';

/**
 * Recomputes a plan's figures and cost from the day alone, with its own distance (the
 * domain's haversine in metres) and the formula of README.md, not the solver's caches.
 */
function recompute(input: DayInput, plan: Plan) {
  const day: ParsedDay = DayInput.parse(input);
  const byId = new Map(day.cases.map((c) => [c.id, c]));
  const current = new Map<string, string>();
  for (const crew of day.crews) for (const id of crew.currentCaseIds ?? []) current.set(id, crew.id);
  for (const c of day.cases) if (c.crewId) current.set(c.id, c.crewId);
  const km = (a: { lat?: number; long?: number }, b: { lat?: number; long?: number }) =>
    haversineMetres({ lat: a.lat!, long: a.long! }, { lat: b.lat!, long: b.long! }) / 1000;
  let cost = 0;
  const shares: number[] = [];
  const routes = plan.routes.map((r) => {
    const crew = day.crews.find((c) => c.id === r.crewId)!;
    const start = crew.start as { lat: number; long: number };
    let length = 0;
    let at: { lat?: number; long?: number } = start;
    let service = 0;
    let demand = 0;
    let clock = 0;
    let late = 0;
    for (const id of r.caseIds) {
      const c = byId.get(id)!;
      length += km(at, c);
      clock += (km(at, c) * 60) / day.speedKmh;
      if (c.window && clock < c.window.from) clock = c.window.from;
      if (c.window && clock > c.window.to) {
        late += clock - c.window.to;
        clock = c.window.to;
      }
      clock += c.serviceMinutes;
      service += c.serviceMinutes;
      demand += c.demand ?? 0;
      at = c;
      if (current.has(id) && current.get(id) !== crew.id) cost += WEIGHTS.churn;
    }
    if (r.caseIds.length) length += km(at, start);
    const travel = (length * 60) / day.speedKmh;
    const load = service + travel;
    const ref = crew.capacityMinutes || 480;
    shares.push(load / ref);
    if (r.caseIds.length) cost += travel + (WEIGHTS.balance * load * load) / ref + WEIGHTS.lateness * late;
    return { crewId: crew.id, length, service, travel, demand, load, capacity: crew.capacityMinutes ?? Infinity };
  });
  cost +=
    WEIGHTS.spread *
    (Math.max(...shares) - Math.min(...shares)) *
    (day.crews.reduce((a, c) => a + (c.capacityMinutes || 480), 0) / day.crews.length);
  return { routes, cost, shares };
}

const loads = (input: DayInput, plan: Plan) => recompute(input, plan).shares;
const spread = (shares: number[]) => Math.max(...shares) / Math.min(...shares);
const totalLength = (plan: Plan) => plan.routes.reduce((a, r) => a + r.length, 0);

describe('solveDay on generated days', () => {
  it('loses no case, keeps capacity, skills and locks, and prices its plan as recomputed', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 2, max: 6 }),
        fc.integer({ min: 5, max: 25 }),
        fc.integer({ min: 1, max: 1_000_000 }),
        fc.double({ min: 0, max: 0.3, noNaN: true }),
        (crews, perCrew, seed, windowShare) => {
          const day = generateDay({ cases: crews * perCrew, crews, seed, inProgressShare: 0.5, windowShare });
          const plan = Plan.parse(solveDay(day, { iterations: 150, seed }));
          const placed = plan.routes.flatMap((r) => r.caseIds);
          const all = [...placed, ...plan.unplaced.map((u) => u.caseId)].sort();
          expect(all).toEqual(day.cases.map((c) => c.id).sort());

          const again = recompute(day, plan);
          const skillOf = new Map(day.cases.map((c) => [c.id, c.skill]));
          for (const [k, r] of plan.routes.entries()) {
            const crew = day.crews[k]!;
            const mine = again.routes[k]!;
            expect(r.crewId).toBe(crew.id);
            expect(mine.load).toBeLessThanOrEqual(crew.capacityMinutes! + 1e-6);
            for (const id of r.caseIds) expect(crew.skills).toContain(skillOf.get(id));
            expect(r.length).toBeCloseTo(mine.length, 6);
            expect(r.serviceMinutes).toBeCloseTo(mine.service, 6);
            expect(r.travelMinutes).toBeCloseTo(mine.travel, 6);
          }
          for (const c of day.cases.filter((c) => c.locked)) {
            const owner = day.crews.find((k) => k.currentCaseIds!.includes(c.id))!;
            expect(plan.routes.find((r) => r.caseIds.includes(c.id))?.crewId).toBe(owner.id);
          }
          expect(plan.cost).toBeCloseTo(again.cost, 4);
        },
      ),
      { numRuns: 12 },
    );
  });

  it('spreads the load more evenly and drives less than the input assignment and the round-robin baseline', () => {
    for (const seed of [11, 12]) {
      const day = generateDay({ cases: 240, crews: 8, seed, inProgressShare: 0.5, capacityMinutes: 600 });
      const before = evaluateRoutes(day, currentAssignment(day));
      const baseline = baselinePlan(day);
      const plan = solveDay(day, { iterations: 400, seed });
      expect(plan.unplaced).toEqual([]);
      expect(plan.unplaced.length).toBeLessThanOrEqual(baseline.unplaced.length);
      expect(spread(loads(day, plan))).toBeLessThan(spread(loads(day, before)));
      expect(spread(loads(day, plan))).toBeLessThan(spread(loads(day, baseline)));
      expect(totalLength(plan)).toBeLessThan(totalLength(before));
      expect(totalLength(plan)).toBeLessThan(totalLength(baseline));
    }
  });

  it('gives the same plan for the same seed and iterations', () => {
    const day = generateDay({ cases: 120, crews: 5, seed: 3, inProgressShare: 0.5, windowShare: 0.1 });
    const strip = (p: Plan) => ({ ...p, solveMs: 0 });
    expect(strip(solveDay(day, { iterations: 300, seed: 9 }))).toEqual(
      strip(solveDay(day, { iterations: 300, seed: 9 })),
    );
  });

  it('hands a complete first plan to onImprove before searching on', () => {
    const day = generateDay({ cases: 150, crews: 5, seed: 4 });
    const seen: Plan[] = [];
    const plan = solveDay(day, { iterations: 400, onImprove: (p) => seen.push(p), improveEveryMs: 0 });
    expect(seen.length).toBeGreaterThan(0);
    expect(seen[0]!.iterations).toBe(0);
    expect(seen[0]!.routes.flatMap((r) => r.caseIds).length + seen[0]!.unplaced.length).toBe(150);
    expect(plan.cost).toBeLessThanOrEqual(seen[seen.length - 1]!.cost + 1e-9);
  });
});

describe('solveDay rules', () => {
  const at = (lat: number, long: number) => ({ lat, long });

  it('keeps cases with their current crew when moving them gains nothing', () => {
    // Two crews from one yard, two pairs of cases: either crew could take either pair.
    const day: DayInput = {
      crews: [
        { id: 'a', start: at(42.3, -83), capacityMinutes: 480, currentCaseIds: ['n1', 'n2'] },
        { id: 'b', start: at(42.3, -83), capacityMinutes: 480, currentCaseIds: ['s1', 's2'] },
      ],
      cases: [
        { id: 's1', ...at(42.25, -83), serviceMinutes: 20 },
        { id: 's2', ...at(42.25, -83.01), serviceMinutes: 20 },
        { id: 'n1', ...at(42.35, -83), serviceMinutes: 20 },
        { id: 'n2', ...at(42.35, -83.01), serviceMinutes: 20 },
      ],
    };
    for (const seed of [1, 2, 3]) {
      const plan = solveDay(day, { iterations: 200, seed });
      expect(plan.routes.map((r) => [...r.caseIds].sort())).toEqual([
        ['n1', 'n2'],
        ['s1', 's2'],
      ]);
    }
  });

  it('answers a day without cases at once, every route empty', () => {
    const plan = solveDay({ crews: [{ id: 'a', start: at(42.3, -83) }], cases: [] }, { timeLimitMs: 5000 });
    expect(plan.routes).toEqual([
      { crewId: 'a', caseIds: [], serviceMinutes: 0, travelMinutes: 0, length: 0, demand: 0 },
    ]);
    expect(plan.solveMs).toBeLessThan(1000);
  });

  it("with overtime, a day over the crews' hours is shared out by capacity instead of leaving cases out", () => {
    // 24 cases of 60 min (1,440 min of work) for a crew of 480 and a crew of 600 (1,080 min):
    // the work does not fit. Today crew a has 18 of them, crew b 6.
    const cases = Array.from({ length: 24 }, (_, i) => ({
      id: `c${i}`,
      ...at(42.3 + (i % 6) * 0.002, -83 + Math.floor(i / 6) * 0.002),
      serviceMinutes: 60,
    }));
    const day = (overtime: boolean): DayInput => ({
      overtime,
      crews: [
        { id: 'a', start: at(42.3, -83), capacityMinutes: 480, currentCaseIds: cases.slice(0, 18).map((c) => c.id) },
        { id: 'b', start: at(42.3, -83), capacityMinutes: 600, currentCaseIds: cases.slice(18).map((c) => c.id) },
      ],
      cases,
    });
    const share = (p: Plan, k: number, cap: number) => (p.routes[k]!.serviceMinutes + p.routes[k]!.travelMinutes) / cap;
    for (const seed of [1, 2]) {
      // Within the limits, cases are left out for want of room.
      const limited = solveDay(day(false), { iterations: 300, seed });
      expect(limited.unplaced.length).toBeGreaterThan(0);
      expect(limited.unplaced.every((u) => u.why === 'no crew that can take it has room left')).toBe(true);
      // With overtime, every case is placed and both crews run over by the same share of their hours.
      const plan = solveDay(day(true), { iterations: 300, seed });
      expect(plan.unplaced).toEqual([]);
      expect(plan.routes.flatMap((r) => r.caseIds).sort()).toEqual(cases.map((c) => c.id).sort());
      const [a, b] = [share(plan, 0, 480), share(plan, 1, 600)];
      expect(Math.min(a, b)).toBeGreaterThan(1);
      expect(Math.abs(a - b)).toBeLessThan(0.15);
      expect(plan.routes[0]!.caseIds.length).toBeLessThan(plan.routes[1]!.caseIds.length);
    }
  });

  it('leaves a case no crew has the skill for unplaced, saying why', () => {
    const plan = solveDay(
      {
        crews: [{ id: 'a', start: at(42.3, -83), skills: ['pothole'] }],
        cases: [
          { id: 'x', ...at(42.31, -83), skill: 'pothole', serviceMinutes: 10 },
          { id: 'y', ...at(42.31, -83), skill: 'tree', serviceMinutes: 10 },
        ],
      },
      { iterations: 50 },
    );
    expect(plan.routes[0]!.caseIds).toEqual(['x']);
    expect(plan.unplaced).toEqual([{ caseId: 'y', why: 'no crew has the skill "tree"' }]);
  });

  it('keeps a locked case with its crew even when another crew is nearer, and over its minutes', () => {
    const plan = solveDay(
      {
        crews: [
          { id: 'far', start: at(42.2, -83), capacityMinutes: 30 },
          { id: 'near', start: at(42.35, -83), capacityMinutes: 480 },
        ],
        cases: [{ id: 'x', ...at(42.351, -83), serviceMinutes: 60, crewId: 'far', locked: true }],
      },
      { iterations: 100 },
    );
    expect(plan.routes[0]!.caseIds).toEqual(['x']);
    expect(plan.unplaced).toEqual([]);
  });

  it('visits a case with an early window first when the day allows it', () => {
    // Three cases in a line north of the yard; the farthest is promised for the first hour.
    const day: DayInput = {
      crews: [{ id: 'a', start: at(42.3, -83), capacityMinutes: 480 }],
      cases: [
        { id: 'near', ...at(42.32, -83), serviceMinutes: 30 },
        { id: 'mid', ...at(42.34, -83), serviceMinutes: 30 },
        { id: 'far', ...at(42.36, -83), serviceMinutes: 30, window: { from: 0, to: 30 } },
      ],
    };
    const plan = solveDay(day, { iterations: 200 });
    expect(plan.routes[0]!.caseIds[0]).toBe('far');
  });

  it('uses at most maxRoutes crews and respects demand capacity', () => {
    const day = DayInput.parse({
      distance: 'euclidean',
      objective: 'distance',
      maxRoutes: 2,
      crews: [0, 1, 2].map((k) => ({ id: `v${k}`, start: { x: 0, y: 0 }, capacity: 10 })),
      cases: Array.from({ length: 8 }, (_, i) => ({
        id: `c${i}`,
        x: 10 * Math.cos(i),
        y: 10 * Math.sin(i),
        demand: 2,
      })),
    });
    const plan = solveDay(day, { iterations: 300 });
    expect(plan.routes.filter((r) => r.caseIds.length > 0).length).toBeLessThanOrEqual(2);
    for (const r of plan.routes) expect(r.demand).toBeLessThanOrEqual(10);
    expect(plan.unplaced).toEqual([]);
  });
});

describe('orderRoute', () => {
  it('reorders one crew route, keeping exactly its cases, no longer than before', () => {
    const day = generateDay({ cases: 120, crews: 4, seed: 7, inProgressShare: 1 });
    const crew = day.crews[1]!;
    const before = evaluateRoutes(day, { [crew.id]: crew.currentCaseIds! });
    const plan = orderRoute(day, crew.id, { iterations: 300 });
    expect(plan.routes).toHaveLength(1);
    expect([...plan.routes[0]!.caseIds].sort()).toEqual([...crew.currentCaseIds!].sort());
    expect(plan.routes[0]!.length).toBeLessThan(before.routes[1]!.length);
  });
});

describe('DayInput validation', () => {
  const problems = (input: unknown) => {
    const r = DayInput.safeParse(input);
    return r.success ? [] : r.error.issues.map((i) => i.message);
  };
  it('names the problem', () => {
    expect(problems({ crews: [], cases: [] })).toContain('a day needs at least one crew');
    const crews = [{ id: 'a', start: { lat: 42, long: -83 } }];
    expect(problems({ crews, cases: [{ id: 'x', lat: 42 }] })).toContain(
      'case "x" needs either lat and long or x and y',
    );
    expect(problems({ crews, cases: [{ id: 'x', lat: 42, long: -83, crewId: 'b' }] })).toContain(
      'case "x" names crew "b", which is not in the day',
    );
    expect(problems({ crews, cases: [{ id: 'x', lat: 42, long: -83, locked: true }] })).toContain(
      'case "x" is locked but has no current crew',
    );
    expect(problems({ crews, cases: [{ id: 'x', x: 1, y: 2 }] })).toContain(
      'mix of lat/long and x/y coordinates: use one kind for every crew and case',
    );
    expect(problems({ crews: [{ ...crews[0], currentCaseIds: ['nope'] }], cases: [] })).toContain(
      'crew "a" lists case "nope", which is not in the day',
    );
    expect(problems({ crews, cases: [{ id: 'x', lat: 42, long: -83, window: { from: 60, to: 30 } }] })).toContain(
      'window.from must not be after window.to',
    );
  });
});
