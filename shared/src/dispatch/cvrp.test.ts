import { describe, expect, it } from 'vitest';
import { CvrplibInstance, cvrplibToDay } from './cvrplib.ts';
import { solveDay } from './solve.ts';
import raw from './fixtures/E-n22-k4.json' with { type: 'json' };

// E-n22-k4 from CVRPLIB (a copy of ../shared/cvrp/E-n22-k4.json): 21 customers, 4 × 6000, optimum 375.
const instance = CvrplibInstance.parse(raw);

describe('CVRP (CVRPLIB E-n22-k4)', () => {
  it('finds a feasible plan within 2 % of the proven optimum in a second', () => {
    const plan = solveDay(cvrplibToDay(instance), { timeLimitMs: 1000, seed: 1 });
    expect(plan.unplaced).toEqual([]);
    const used = plan.routes.filter((r) => r.caseIds.length > 0);
    expect(used.length).toBeLessThanOrEqual(instance.vehicles);

    // The CVRPLIB cost, recomputed from the instance: rounded EUC_2D per edge, depot to depot.
    const byId = new Map(instance.customers.map((c) => [String(c.id), c]));
    const edge = (a: { x: number; y: number }, b: { x: number; y: number }) =>
      Math.round(Math.hypot(a.x - b.x, a.y - b.y));
    let cost = 0;
    const visited: string[] = [];
    for (const r of used) {
      let at: { x: number; y: number } = instance.depot;
      let load = 0;
      for (const id of r.caseIds) {
        const c = byId.get(id)!;
        cost += edge(at, c);
        load += c.demand;
        at = c;
        visited.push(id);
      }
      cost += edge(at, instance.depot);
      expect(load).toBeLessThanOrEqual(instance.capacity);
    }
    expect(visited.sort()).toEqual([...byId.keys()].sort());
    expect(plan.cost).toBe(cost);
    expect(cost / instance.best_known! - 1).toBeLessThanOrEqual(0.02);
  });
});
