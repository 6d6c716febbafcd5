import { ROUTE_STATES, type CaseState } from '@fieldfix/shared';

/** A crew's day, as `crewId|day`: the route a case is on. */
export type RouteKey = string;

/** The route an open case is on; null off any route (no crew, or not in a route state). */
export function routeOf(c: { crewId: string | null; assignedDay: string | null; state: CaseState }): RouteKey | null {
  return c.crewId && c.assignedDay && (ROUTE_STATES as readonly CaseState[]).includes(c.state)
    ? `${c.crewId}|${c.assignedDay}`
    : null;
}

/**
 * One change of a batch that moved a case between routes or within one: from the route it
 * was on to the one it is on after, and where it was placed there when the change placed it
 * (an `assign` or a `reorder`: `position` counts the route's cases 1…n, null for its end).
 */
export type RouteChange = {
  caseId: string;
  from: RouteKey | null;
  to: RouteKey | null;
  placed: { position: number | null } | null;
};

/**
 * The routes a batch's changes leave, worked out in the batch's order: each change takes its
 * case out of the route it was on and puts it in the one it goes to, at the position it asks
 * for among the cases there at that moment (at most one past the last), or at the end when it
 * joins a route without asking for a place (work that takes a case back to its crew). `before`
 * holds each route the batch places a case on, its open cases in order as the batch began;
 * the result holds the same routes in their final order. A case that leaves a route for none
 * simply goes from it. The devices and the board count positions the same way, change by
 * change (field-app `converge`), so a batch of moves lands where the lead dropped them.
 */
export function replayRoutes(
  before: ReadonlyMap<RouteKey, readonly string[]>,
  changes: readonly RouteChange[],
): Map<RouteKey, string[]> {
  // Keyed by null too (no route): a change from or to no route finds no list there.
  const routes = new Map<RouteKey | null, string[]>([...before].map(([key, ids]) => [key, [...ids]]));
  for (const c of changes) {
    // A case is on one route at a time: the one it was on (which is also its destination for a reorder).
    const from = routes.get(c.from);
    const at = from?.indexOf(c.caseId) ?? -1;
    if (at >= 0) from!.splice(at, 1);
    const to = routes.get(c.to);
    if (!to) continue;
    const position = c.placed?.position ?? null;
    to.splice(position === null ? to.length : Math.min(position, to.length + 1) - 1, 0, c.caseId);
  }
  return routes as Map<RouteKey, string[]>;
}
