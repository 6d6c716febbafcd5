/**
 * Whether a later suggestion is worth showing instead of the one the lead is looking at: the
 * solver keeps searching after its first answer, and a second, longer search replaces the
 * preview only when it is clearly better for the crews, never to churn the list.
 */
import type { BalanceResponse } from '@fieldfix/shared';

/** Driving minutes of the whole day and the gap between the busiest and the idlest crew's day. */
export function planFigures(plan: BalanceResponse): { travelMinutes: number; loadGap: number; unplaced: number } {
  const loads = plan.after.map((c) => c.serviceMinutes + c.travelMinutes);
  return {
    travelMinutes: plan.after.reduce((sum, c) => sum + c.travelMinutes, 0),
    loadGap: loads.length > 0 ? Math.max(...loads) - Math.min(...loads) : 0,
    unplaced: plan.unplaced.length,
  };
}

/**
 * `next` is better than `shown`: no more cases left out, no wider gap between crews' days
 * (beyond a minute), and at least 1 % less driving or 5 % narrower gap.
 */
export function isBetterPlan(next: BalanceResponse, shown: BalanceResponse): boolean {
  const a = planFigures(next);
  const b = planFigures(shown);
  if (a.unplaced !== b.unplaced) return a.unplaced < b.unplaced;
  if (a.loadGap > b.loadGap + 1) return false;
  if (a.travelMinutes > b.travelMinutes * 1.0001 && a.loadGap > b.loadGap * 0.95) return false;
  return a.travelMinutes <= b.travelMinutes * 0.99 || a.loadGap <= b.loadGap * 0.95;
}
