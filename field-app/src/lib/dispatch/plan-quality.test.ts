import { describe, expect, it } from 'vitest';
import type { BalanceResponse } from '@fieldfix/shared';
import { isBetterPlan, planFigures } from './plan-quality.ts';

const plan = (after: [service: number, travel: number][], unplaced = 0): BalanceResponse => ({
  changes: [],
  before: [],
  after: after.map(([serviceMinutes, travelMinutes], i) => ({
    crewId: `c${i}`,
    serviceMinutes,
    travelMinutes,
    routeKm: travelMinutes / 2,
    cases: 3,
  })),
  unplaced: Array.from({ length: unplaced }, (_, i) => ({ caseId: String(i), why: 'no room' })),
  overtime: false,
  solveMs: 1000,
});

describe('a longer search replaces the preview only when clearly better', () => {
  const shown = plan([
    [300, 100],
    [200, 80],
  ]);

  it('sums driving and measures the gap between the busiest and the idlest day', () => {
    expect(planFigures(shown)).toEqual({ travelMinutes: 180, loadGap: 120, unplaced: 0 });
  });

  it('less driving with the same spread: better', () => {
    expect(
      isBetterPlan(
        plan([
          [300, 90],
          [200, 70],
        ]),
        shown,
      ),
    ).toBe(true);
  });

  it('a narrower gap between crews with the same driving: better', () => {
    expect(
      isBetterPlan(
        plan([
          [260, 100],
          [240, 80],
        ]),
        shown,
      ),
    ).toBe(true);
  });

  it('the same plan, or a hair better: not worth churning the list', () => {
    expect(isBetterPlan(shown, shown)).toBe(false);
    expect(
      isBetterPlan(
        plan([
          [300, 99.9],
          [200, 80],
        ]),
        shown,
      ),
    ).toBe(false);
  });

  it('less driving bought with a wider gap between crews: not better', () => {
    expect(
      isBetterPlan(
        plan([
          [330, 60],
          [170, 60],
        ]),
        shown,
      ),
    ).toBe(false);
  });

  it('fewer cases left out wins; more left out loses, whatever the driving', () => {
    expect(isBetterPlan(plan([[500, 400]], 0), plan([[100, 10]], 1))).toBe(true);
    expect(isBetterPlan(plan([[100, 10]], 2), plan([[500, 400]], 1))).toBe(false);
  });
});
