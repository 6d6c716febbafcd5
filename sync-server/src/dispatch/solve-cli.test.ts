import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

// `pnpm dispatch:solve` as a city or a researcher runs it: a day on stdin, a plan on stdout,
// a clear message and exit code 2 for bad input. A real child process.
const root = join(import.meta.dirname, '..', '..', '..');
const solve = (input: string, ...args: string[]) =>
  spawnSync(process.execPath, [join(root, 'scripts', 'dispatch-solve.ts'), ...args], {
    input,
    encoding: 'utf8',
    timeout: 60_000,
  });

type Plan = {
  routes: { crewId: string; caseIds: string[]; length: number; demand: number }[];
  unplaced: { caseId: string; why: string }[];
  cost: number;
};

describe('pnpm dispatch:solve', () => {
  it('reads a day on stdin and writes each crew’s ordered route with its load and length', () => {
    const day = {
      crews: [
        { id: 'north', start: { lat: 42.36, long: -86.97 }, capacityMinutes: 480, skills: ['POTHOLE'] },
        { id: 'south', start: { lat: 42.32, long: -86.97 }, capacityMinutes: 480 },
      ],
      cases: [
        { id: 'n1', lat: 42.365, long: -86.97, serviceMinutes: 30, skill: 'POTHOLE' },
        { id: 'n2', lat: 42.362, long: -86.975, serviceMinutes: 30, skill: 'POTHOLE' },
        { id: 's1', lat: 42.318, long: -86.968, serviceMinutes: 30, skill: 'TREE' },
        { id: 's2', lat: 42.321, long: -86.972, serviceMinutes: 30, skill: 'TREE' },
      ],
    };
    const r = solve(JSON.stringify(day), '--iterations', '200');
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const plan = JSON.parse(r.stdout) as Plan;
    const of = (crew: string) => plan.routes.find((x) => x.crewId === crew)!.caseIds.toSorted();
    // Only south can do the tree work; north is nearest to the potholes.
    expect(of('south')).toEqual(['s1', 's2']);
    expect(of('north')).toEqual(['n1', 'n2']);
    expect(plan.unplaced).toEqual([]);
    for (const route of plan.routes) expect(route.length).toBeGreaterThan(0);
  });

  it('solves a CVRPLIB instance as plain capacitated routing, within 2 % of its proven optimum', () => {
    const instance = readFileSync(join(root, 'shared', 'src', 'dispatch', 'fixtures', 'E-n22-k4.json'), 'utf8');
    const r = solve(instance, '--cvrplib', '--time-limit-ms', '3000');
    expect(r.status).toBe(0);
    const plan = JSON.parse(r.stdout) as Plan;
    const { best_known, capacity, customers } = JSON.parse(instance) as {
      best_known: number;
      capacity: number;
      customers: unknown[];
    };
    expect(plan.routes.flatMap((x) => x.caseIds)).toHaveLength(customers.length);
    for (const route of plan.routes) expect(route.demand).toBeLessThanOrEqual(capacity);
    const cost = plan.routes.reduce((sum, x) => sum + x.length, 0);
    expect(cost / best_known - 1).toBeLessThanOrEqual(0.02);
  });

  it('bad input: exit code 2 and a message naming the problem, nothing on stdout', () => {
    const r = solve(JSON.stringify({ crews: [{ id: 'a', start: { lat: 1, long: 1 } }], cases: [{ id: 'c', lat: 1 }] }));
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^dispatch:solve: the day is not valid/);
    expect(r.stderr).toMatch(/^cases\.0: case "c" needs either lat and long or x and y$/m);
    const notJson = solve('{ nope');
    expect(notJson.status).toBe(2);
    expect(notJson.stderr).toMatch(/JSON/);
  });
});
