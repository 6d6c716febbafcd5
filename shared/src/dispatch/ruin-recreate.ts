import { WEIGHTS } from './problem.ts';
import type { Solution } from './solution.ts';
import { shuffle } from './random.ts';

/**
 * Ruin and recreate after SISR (Christiaens & Vanden Berghe, "Slack Induction by String
 * Removals for Vehicle Routing Problems", Transportation Science 2020): remove a few strings
 * of consecutive cases from routes near a random case, then put every removed case back at
 * its cheapest position, skipping each position with a small probability ("blinks").
 */

/** Average number of cases a ruin removes, and the longest string. */
const AVG_REMOVED = 10;
const MAX_STRING = 10;
const BLINK = 0.01;
/** Above this many cases, a case is only tried next to its nearest cases and at the ends of routes. */
const FULL_SCAN_MAX = 250;

export interface Insertion {
  route: number;
  pos: number;
  delta: number;
}

/**
 * The cheapest feasible place for case node u (cost change, −1 route when none): every
 * position of every route it may join when the day is small, else the positions beside its
 * nearest placed cases and the two ends of every route.
 */
export function cheapestInsertion(s: Solution, u: number, rand: () => number, blink = 0): Insertion {
  const P = s.P;
  const best: Insertion = { route: -1, pos: -1, delta: Infinity };
  const canOpen = s.nonEmpty < P.maxRoutes;
  const full = P.n <= FULL_SCAN_MAX;
  for (let k = 0; k < P.K; k++) {
    if (!s.may(k, u) || !roomFor(s, k, u)) continue;
    const size = s.routes[k]!.length;
    if (size === 0 && !canOpen) continue;
    if (full) scanPositions(s, u, k, 0, size, best, rand, blink);
    else {
      scanPositions(s, u, k, 0, 0, best, rand, blink);
      if (size > 0) scanPositions(s, u, k, size, size, best, rand, blink);
    }
  }
  if (full) return best;
  for (const v of P.neighbours[u - P.K]!) {
    const k = s.routeOf[v]!;
    if (k < 0 || !s.may(k, u) || !roomFor(s, k, u)) continue;
    const pos = s.posOf[v]!;
    scanPositions(s, u, k, pos, pos + 1, best, rand, blink);
  }
  return best;
}

/** Whether route k could take u at all (demand, and service minutes with no extra travel). */
function roomFor(s: Solution, k: number, u: number): boolean {
  const P = s.P;
  const i = u - P.K;
  if (s.dem[k]! + P.demand[i]! > P.capDemand[k]! + 1e-9) return false;
  return s.svc[k]! + P.service[i]! + s.len[k]! * P.minutesPerUnit <= P.capMinutes[k]! + 1e-9;
}

/** Prices u at positions from..to of route k; keeps the cheapest feasible in `best`. The hot loop of the search. */
function scanPositions(
  s: Solution,
  u: number,
  k: number,
  from: number,
  to: number,
  best: Insertion,
  rand: () => number,
  blink: number,
): void {
  const P = s.P;
  const dist = P.dist;
  const N = P.N;
  const r = s.routes[k]!;
  const i = u - P.K;
  const len0 = s.len[k]!;
  const svc = s.svc[k]! + P.service[i]!;
  const dem = s.dem[k]! + P.demand[i]!;
  const distanceOnly = P.objective === 'distance';
  // Without windows, the distance objective's change is the added length: no call per position.
  const fixed = distanceOnly ? -WEIGHTS.lateness * s.warp[k]! : s.churn(u, k) - s.rc[k]!;
  const uRow = u * N;
  for (let pos = from; pos <= to; pos++) {
    if (blink > 0 && rand() < blink) continue;
    const x = pos === 0 ? k : r[pos - 1]!;
    const y = pos === r.length ? k : r[pos]!;
    const added = dist[uRow + x]! + dist[uRow + y]! - dist[x * N + y]!;
    let delta = distanceOnly
      ? added + fixed
      : s.routeCost(k, len0 + added, svc, 0) + fixed + s.spreadDelta(k, len0 + added, svc, -1, 0, 0);
    if (delta >= best.delta) continue;
    if (!s.fits(k, len0 + added, svc, dem)) continue;
    if (P.hasWindows) {
      delta += WEIGHTS.lateness * warpWithInsert(s, k, pos, u);
      if (delta >= best.delta) continue;
    }
    best.route = k;
    best.pos = pos;
    best.delta = delta;
  }
}

/** Time warp of route k with u put at pos, without building the sequence. */
function warpWithInsert(s: Solution, k: number, pos: number, u: number): number {
  const P = s.P;
  const r = s.routes[k]!;
  let t = 0;
  let prev = k;
  let warp = 0;
  for (let j = 0; j <= r.length; j++) {
    const here = j === pos ? u : r[j < pos ? j : j - 1]!;
    t += s.d(prev, here) * P.minutesPerUnit;
    const i = here - P.K;
    if (t < P.winFrom[i]!) t = P.winFrom[i]!;
    if (t > P.winTo[i]!) {
      warp += t - P.winTo[i]!;
      t = P.winTo[i]!;
    }
    t += P.service[i]!;
    prev = here;
  }
  return warp;
}

export function insertAt(s: Solution, u: number, ins: Insertion): void {
  const r = s.routes[ins.route]!;
  r.splice(ins.pos, 0, u);
  s.setRoute(ins.route, r);
}

/** Puts back the given case nodes one by one, each at its cheapest place; returns those left out. */
export function recreate(s: Solution, nodes: number[], rand: () => number, blink = BLINK): number[] {
  const left: number[] = [];
  for (const u of nodes) {
    const ins = cheapestInsertion(s, u, rand, blink);
    if (ins.route < 0) left.push(u);
    else insertAt(s, u, ins);
  }
  return left;
}

/**
 * SISR's ruin: strings (or strings with a kept middle, "split strings") around a random
 * case and its neighbours, from at most a few routes. Returns the removed case nodes.
 */
export function ruin(s: Solution, rand: () => number): number[] {
  const P = s.P;
  let placed = 0;
  for (let u = P.K; u < P.N; u++) if (s.routeOf[u]! >= 0) placed++;
  if (placed === 0 || s.nonEmpty === 0) return [];
  const avgRoute = placed / s.nonEmpty;
  const maxLen = Math.min(MAX_STRING, avgRoute);
  const maxStrings = (4 * AVG_REMOVED) / (1 + maxLen) - 1;
  const strings = Math.floor(rand() * maxStrings) + 1;
  let seed = P.K + Math.floor(rand() * P.n);
  for (let tries = 0; s.routeOf[seed]! < 0 && tries < 50; tries++) seed = P.K + Math.floor(rand() * P.n);
  if (s.routeOf[seed]! < 0) return [];

  const removed: number[] = [];
  const ruined = new Set<number>();
  const visit = (c: number) => {
    const k = s.routeOf[c]!;
    if (k < 0 || ruined.has(k)) return;
    ruined.add(k);
    const r = s.routes[k]!;
    const l = Math.floor(rand() * Math.min(r.length, maxLen)) + 1;
    const pos = s.posOf[c]!;
    let from: number;
    let keepFrom = -1;
    let keep = 0;
    if (rand() < 0.5 || l >= r.length) {
      from = pickStart(pos, l, r.length, rand);
    } else {
      // Split string: a string of l + m around c of which m in the middle stay.
      let m = 1;
      while (m < r.length - l && rand() < 0.5) m++;
      from = pickStart(pos, l + m, r.length, rand);
      keepFrom = from + Math.floor(rand() * (l + 1));
      keep = m;
    }
    const total = keep > 0 ? l + keep : l;
    const kept: number[] = [];
    for (let j = from; j < from + total; j++) {
      if (j >= keepFrom && j < keepFrom + keep) continue;
      kept.push(r[j]!);
    }
    const out = new Set(kept);
    removed.push(...kept);
    s.setRoute(
      k,
      r.filter((v) => !out.has(v)),
    );
    for (const v of kept) s.routeOf[v] = -1;
  };
  visit(seed);
  for (const v of P.neighbours[seed - P.K]!) {
    if (ruined.size >= strings) break;
    visit(v);
  }
  return removed;
}

function pickStart(pos: number, l: number, size: number, rand: () => number): number {
  const lo = Math.max(0, pos - l + 1);
  const hi = Math.min(pos, size - l);
  return lo + Math.floor(rand() * (hi - lo + 1));
}

/** SISR's orders for putting cases back: random, by demand, far first, near first (weights 4:4:2:1). */
export function recreateOrder(s: Solution, nodes: number[], rand: () => number, far: Float64Array): number[] {
  const P = s.P;
  const r = rand() * 11;
  if (r < 4) return shuffle(nodes, rand);
  if (r < 8)
    return nodes.sort((a, b) => P.demand[b - P.K]! - P.demand[a - P.K]! || P.service[b - P.K]! - P.service[a - P.K]!);
  if (r < 10) return nodes.sort((a, b) => far[b - P.K]! - far[a - P.K]!);
  return nodes.sort((a, b) => far[a - P.K]! - far[b - P.K]!);
}
