import { DayInput, type ParsedDay, type Plan } from './day.ts';
import { compileProblem, type Problem } from './problem.ts';
import { Solution } from './solution.ts';
import { localSearch, nearestStarts } from './local-search.ts';
import { cheapestInsertion, recreate, recreateOrder, ruin } from './ruin-recreate.ts';
import { seededRandom } from './random.ts';

export interface SolveOptions {
  /** Wall-clock budget (default 1000 ms); the best plan so far is returned when it runs out. */
  timeLimitMs?: number;
  /** Stop after this many ruin-and-recreate iterations: with it (and no time limit hit), the plan depends only on the day and the seed. */
  iterations?: number;
  seed?: number;
  /** Called with each better plan (at most every `improveEveryMs`), the first one right after construction and local search. */
  onImprove?: (plan: Plan) => void;
  improveEveryMs?: number;
}

const now = () => globalThis.performance.now();
const EPS = 1e-7;
/** The first plan is handed to `onImprove` by then, finished or not. */
const FIRST_MS = 600;

/**
 * Balances (or, for objective `distance`, shortens) a day's routes: a construction (cheapest
 * insertion, far cases first, or the current routes repaired, whichever costs less), granular
 * local search, then SISR ruin-and-recreate under simulated annealing until the time or
 * iteration budget is spent, with local search on each new best when it is cheap enough.
 * Pure and synchronous: run it in a worker to keep a page responsive.
 */
export function solveDay(input: DayInput | ParsedDay, options: SolveOptions = {}): Plan {
  const t0 = now();
  const day = DayInput.parse(input);
  const P = compileProblem(day);
  if (P.n === 0) return toPlan(new Solution(P), t0, 0);
  const rand = seededRandom(options.seed ?? 1);
  const maxIt = options.iterations ?? Infinity;
  // Only an iteration budget: nothing may depend on the clock (no cuts, no time-based choices).
  const clockFree = options.iterations !== undefined && options.timeLimitMs === undefined;
  const limit = options.timeLimitMs ?? (clockFree ? Infinity : 1000);
  const deadline = t0 + limit;
  const outOfTime = () => now() > deadline;
  const far = Float64Array.from({ length: P.n }, (_, i) => {
    let m = Infinity;
    for (let k = 0; k < P.K; k++) m = Math.min(m, P.dist[k * P.N + P.K + i]!);
    return m;
  });
  const starts = nearestStarts(new Solution(P));

  const built = construct(P, rand, far);
  const repaired = fromCurrent(P, rand, far);
  let cur = repaired.cost() < built.cost() ? repaired : built;
  // The first suggestion comes within FIRST_MS even when local search would take longer.
  const firstBy = clockFree ? Infinity : t0 + Math.min(limit, FIRST_MS);
  localSearch(cur, rand, () => now() > firstBy, starts);
  const lsDone = now() <= firstBy;
  let curCost = cur.cost();
  const best = cur.clone();
  let bestCost = curCost;
  let iterations = 0;
  const improveEvery = options.improveEveryMs ?? 100;
  let lastEmit = now();
  options.onImprove?.(toPlan(best, t0, iterations));
  if (!lsDone) {
    localSearch(cur, rand, outOfTime, starts);
    curCost = cur.cost();
    best.copyFrom(cur);
    bestCost = curCost;
  }

  // Temperatures relative to the plan's average cost per edge (SISR's 100 → 1 are absolute for its instances).
  const placed = P.n - cur.unplacedCount();
  const perEdge = Math.max(EPS, routeCosts(cur) / Math.max(1, placed + cur.nonEmpty));
  const T0 = 0.25 * perEdge;
  const Tf = 0.002 * perEdge;
  let cand = new Solution(P);
  let lsSpent = 0;
  let lastLs = now();
  const tStart = now();
  for (; iterations < maxIt; iterations++) {
    const t = now();
    if (t > deadline) break;
    const progress =
      maxIt !== Infinity
        ? iterations / maxIt
        : limit === Infinity
          ? 0
          : Math.min(1, (t - tStart) / (deadline - tStart));
    const T = T0 * (Tf / T0) ** progress;
    cand.copyFrom(cur);
    const removed = ruin(cand, rand);
    // Cases left out earlier get another chance with every recreate.
    for (let u = P.K; u < P.N; u++) if (cand.routeOf[u]! < 0 && !removed.includes(u)) removed.push(u);
    recreate(cand, recreateOrder(cand, removed, rand, far), rand);
    const c = cand.cost();
    if (c < curCost - T * Math.log(rand())) {
      [cur, cand] = [cand, cur];
      curCost = c;
    }
    if (curCost < bestCost - EPS) {
      // Local search on a new best, while it costs under a tenth of the time.
      if (clockFree || lsSpent < 0.1 * (now() - tStart) || now() - lastLs > 10 * lsSpent) {
        const ls0 = now();
        if (localSearch(cur, rand, outOfTime, starts)) curCost = cur.cost();
        lsSpent += now() - ls0;
        lastLs = now();
      }
      best.copyFrom(cur);
      bestCost = curCost;
      if (options.onImprove && now() - lastEmit >= improveEvery) {
        lastEmit = now();
        options.onImprove(toPlan(best, t0, iterations));
      }
    }
  }
  return toPlan(best, t0, iterations);
}

/**
 * Reorders one crew's route: the same cases (every one stays, whatever the limits), the
 * order that costs least. The crew's cases are its `currentCaseIds` and any case naming it.
 */
export function orderRoute(input: DayInput | ParsedDay, crewId: string, options: SolveOptions = {}): Plan {
  const day = DayInput.parse(input);
  const crew = day.crews.find((c) => c.id === crewId);
  if (!crew) throw new Error(`crew "${crewId}" is not in the day`);
  const ids = [...(crew.currentCaseIds ?? [])];
  for (const c of day.cases) if (c.crewId === crewId && !ids.includes(c.id)) ids.push(c.id);
  const byId = new Map(day.cases.map((c) => [c.id, c]));
  const sub: ParsedDay = {
    ...day,
    maxRoutes: undefined,
    crews: [{ ...crew, currentCaseIds: ids }],
    cases: ids.map((id) => ({ ...byId.get(id)!, crewId, locked: true })),
  };
  return solveDay(sub, {
    ...options,
    timeLimitMs: options.timeLimitMs ?? (options.iterations === undefined ? 100 : undefined),
  });
}

/** The crews' current routes as node lists (currentCaseIds order, then cases naming the crew). */
export function currentRoutes(P: Problem): number[][] {
  const index = new Map(P.cases.map((c, i) => [c.id, P.K + i]));
  const routes = P.day.crews.map((c) => (c.currentCaseIds ?? []).map((id) => index.get(id)!));
  const listed = new Set(routes.flat());
  P.cases.forEach((c, i) => {
    if (P.current[i]! >= 0 && !listed.has(P.K + i)) routes[P.current[i]!]!.push(P.K + i);
  });
  return routes;
}

/** Cheapest insertion from empty routes: locked cases first (kept whatever the limits), then the farthest first. */
function construct(P: Problem, rand: () => number, far: Float64Array): Solution {
  const s = new Solution(P);
  currentRoutes(P).forEach((r, k) =>
    s.setRoute(
      k,
      r.filter((u) => P.locked[u - P.K]),
    ),
  );
  const rest: number[] = [];
  for (let u = P.K; u < P.N; u++) if (!P.locked[u - P.K]) rest.push(u);
  rest.sort((a, b) => far[b - P.K]! - far[a - P.K]! || a - b);
  recreate(s, rest, rand, 0);
  return s;
}

/** The current routes, trimmed from the end until they keep their limits and skills; the rest inserted. */
function fromCurrent(P: Problem, rand: () => number, far: Float64Array): Solution {
  const s = new Solution(P);
  const left: number[] = [];
  currentRoutes(P).forEach((r, k) => {
    const keep = r.filter((u) => s.may(k, u) || (left.push(u), false));
    s.setRoute(k, keep);
    while (overLimits(s, k)) {
      const at = keep.findLastIndex((u) => !P.locked[u - P.K]);
      if (at < 0) break;
      const [out] = keep.splice(at, 1);
      left.push(out!);
      s.setRoute(k, keep.slice());
      s.routeOf[out!] = -1;
    }
  });
  for (let u = P.K; u < P.N; u++) if (s.routeOf[u]! < 0 && !left.includes(u)) left.push(u);
  left.sort((a, b) => far[b - P.K]! - far[a - P.K]! || a - b);
  recreate(s, left, rand, 0);
  return s;
}

function overLimits(s: Solution, k: number): boolean {
  const P = s.P;
  return s.dem[k]! > P.capDemand[k]! + EPS || s.svc[k]! + s.len[k]! * P.minutesPerUnit > P.capMinutes[k]! + EPS;
}

function routeCosts(s: Solution): number {
  let c = 0;
  for (let k = 0; k < s.P.K; k++) c += s.rc[k]!;
  return c;
}

/** The plan a solution stands for: figures per crew, and why each unplaced case is left out. */
export function toPlan(s: Solution, t0: number, iterations: number): Plan {
  const P = s.P;
  const unplaced = [];
  for (let u = P.K; u < P.N; u++)
    if (s.routeOf[u]! < 0) unplaced.push({ caseId: P.cases[u - P.K]!.id, why: whyUnplaced(s, u) });
  return {
    routes: s.routes.map((r, k) => ({
      crewId: P.day.crews[k]!.id,
      caseIds: r.map((u) => P.cases[u - P.K]!.id),
      serviceMinutes: s.svc[k]!,
      travelMinutes: s.len[k]! * P.minutesPerUnit,
      length: s.len[k]!,
      demand: s.dem[k]!,
    })),
    unplaced,
    cost: costWithoutUnplaced(s),
    objective: P.objective,
    solveMs: Math.round((now() - t0) * 10) / 10,
    iterations,
  };
}

function costWithoutUnplaced(s: Solution): number {
  const P = s.P;
  let c = routeCosts(s) + s.spreadTerm();
  for (let u = P.K; u < P.N; u++) if (s.routeOf[u]! >= 0) c += s.churn(u, s.routeOf[u]!);
  return c;
}

function whyUnplaced(s: Solution, u: number): string {
  const P = s.P;
  const c = P.cases[u - P.K]!;
  const able: number[] = [];
  for (let k = 0; k < P.K; k++) if (s.may(k, u)) able.push(k);
  if (able.length === 0)
    return c.locked ? `locked to a crew that cannot take it` : `no crew has the skill "${c.skill ?? ''}"`;
  if (able.every((k) => P.demand[u - P.K]! > P.capDemand[k]!))
    return `its demand exceeds the capacity of every crew that can take it`;
  if (able.every((k) => P.service[u - P.K]! + 2 * s.d(k, u) * P.minutesPerUnit > P.capMinutes[k]!))
    return `its minutes (service and the trip there and back) exceed every able crew's day`;
  const ins = cheapestInsertion(s, u, () => 1);
  return ins.route < 0 ? 'no crew that can take it has room left' : 'left out by the search (it fits now)';
}

/**
 * The plan of given routes (crew id → case ids in order), priced like the solver's: to
 * compare the current assignment or a baseline with a solved plan. Limits are not enforced.
 */
export function evaluateRoutes(input: DayInput | ParsedDay, routes: Record<string, string[]>): Plan {
  const t0 = now();
  const P = compileProblem(DayInput.parse(input));
  const s = new Solution(P);
  const index = new Map(P.cases.map((c, i) => [c.id, P.K + i]));
  P.day.crews.forEach((c, k) =>
    s.setRoute(
      k,
      (routes[c.id] ?? []).map((id) => index.get(id)!),
    ),
  );
  return toPlan(s, t0, 0);
}

/** The current assignment (currentCaseIds, then cases naming their crew) as routes for `evaluateRoutes`. */
export function currentAssignment(input: DayInput | ParsedDay): Record<string, string[]> {
  const day = DayInput.parse(input);
  const out: Record<string, string[]> = {};
  for (const c of day.crews) out[c.id] = [...(c.currentCaseIds ?? [])];
  const listed = new Set(Object.values(out).flat());
  for (const c of day.cases) if (c.crewId !== undefined && !listed.has(c.id)) out[c.crewId]!.push(c.id);
  return out;
}

/** Figures to compare plans by: total length, and the spread of crew loads (service + travel minutes). */
export function planFigures(plan: Plan) {
  const loads = plan.routes.map((r) => r.serviceMinutes + r.travelMinutes);
  const maxLoad = Math.max(...loads);
  const minLoad = Math.min(...loads);
  return {
    length: plan.routes.reduce((a, r) => a + r.length, 0),
    travelMinutes: plan.routes.reduce((a, r) => a + r.travelMinutes, 0),
    maxLoad,
    minLoad,
    /** max/min crew load (Infinity when a crew has nothing). */
    spread: minLoad > 0 ? maxLoad / minLoad : Infinity,
    unplaced: plan.unplaced.length,
  };
}
