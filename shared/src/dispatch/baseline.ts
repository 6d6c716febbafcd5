import { DayInput, type ParsedDay, type Plan } from './day.ts';
import { compileProblem } from './problem.ts';
import { Solution } from './solution.ts';
import { currentRoutes, toPlan } from './solve.ts';

/**
 * The baseline a solver has to beat: round robin by nearest crew. Crews take turns; on its
 * turn a crew takes the nearest case (from where it stands) that it may take and that still
 * fits its day with the trip back to its start; locked cases stay with their crews first.
 * What a dispatcher does by hand on a map, and what a greedy script would do.
 */
export function baselinePlan(input: DayInput | ParsedDay): Plan {
  const t0 = globalThis.performance.now();
  const P = compileProblem(DayInput.parse(input));
  const s = new Solution(P);
  currentRoutes(P).forEach((r, k) =>
    s.setRoute(
      k,
      r.filter((u) => P.locked[u - P.K]),
    ),
  );
  const taken = new Uint8Array(P.N);
  for (let u = P.K; u < P.N; u++) if (s.routeOf[u]! >= 0) taken[u] = 1;
  const routes = s.routes.map((r) => r.slice());
  for (let progress = true; progress;) {
    progress = false;
    for (let k = 0; k < P.K; k++) {
      if (routes[k]!.length === 0 && s.nonEmpty >= P.maxRoutes) continue;
      const r = routes[k]!;
      const here = r.length ? r[r.length - 1]! : k;
      let pick = -1;
      let pickD = Infinity;
      for (let u = P.K; u < P.N; u++) {
        if (taken[u] || !s.may(k, u)) continue;
        const d = s.d(here, u);
        if (d >= pickD) continue;
        const len = s.len[k]! - s.d(here, k) + d + s.d(u, k);
        if (!s.fits(k, len, s.svc[k]! + P.service[u - P.K]!, s.dem[k]! + P.demand[u - P.K]!)) continue;
        pick = u;
        pickD = d;
      }
      if (pick < 0) continue;
      taken[pick] = 1;
      r.push(pick);
      s.setRoute(k, r.slice());
      progress = true;
    }
  }
  return toPlan(s, t0, 0);
}
