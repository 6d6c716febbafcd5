import { WEIGHTS } from './problem.ts';
import type { Solution } from './solution.ts';

/**
 * Granular local search (Toth & Vigo's idea: only moves that create an edge between a case
 * and one of its nearest cases): relocate, swap, 2-opt, 2-opt* and or-opt (strings of 2–3,
 * either way round), first improvement, until no move improves or time runs out. Each move
 * is priced in O(1) from the route sums and prefix sums; only time windows (when the day
 * has any) and the moved tail of a 2-opt* are priced by a scan, and only when the cheap
 * bound says the move could pay.
 */

/** Smaller gains are not worth a move (minutes, or distance units): the search ends sooner. */
const EPS = 1e-2;
/** How many nearby crew starts a case also tries to join (the front or end of that route). */
const NEAR_STARTS = 4;

export function nearestStarts(s: Solution): Int32Array[] {
  const P = s.P;
  const out: Int32Array[] = [];
  const ks = Array.from({ length: P.K }, (_, k) => k);
  for (let u = P.K; u < P.N; u++) {
    const sorted = ks.slice().sort((a, b) => s.d(a, u) - s.d(b, u) || a - b);
    out.push(Int32Array.from(sorted.slice(0, NEAR_STARTS)));
  }
  return out;
}

export function localSearch(s: Solution, rand: () => number, outOfTime: () => boolean, starts: Int32Array[]): boolean {
  const P = s.P;
  // A case is tried again only when a route it could move to (its own, its neighbours', the
  // nearby starts') changed since it was last tried without success (PyVRP does the same).
  const routeStamp = new Float64Array(P.K).fill(1);
  const tested = new Float64Array(P.N);
  let clock = 1;
  // Node numbers follow space (see problem.ts): visiting them in order reuses cached rows of
  // the matrix; the starting point varies.
  const offset = Math.floor(rand() * P.n);
  let any = false;
  const nearPos = new Int32Array(P.K);
  const nearD = new Float64Array(P.K);
  for (let pass = 0; pass < 1000; pass++) {
    let improved = false;
    for (let t = 0; t < P.n; t++) {
      const u = P.K + ((t + offset) % P.n);
      const ku = s.routeOf[u]!;
      if (ku < 0) continue;
      if (tested[u]! >= routeStamp[ku]!) {
        let changed = false;
        for (const v of P.neighbours[u - P.K]!) {
          const kv = s.routeOf[v]!;
          if (kv >= 0 && routeStamp[kv]! > tested[u]!) {
            changed = true;
            break;
          }
        }
        if (!changed) for (const k of starts[u - P.K]!) if (routeStamp[k]! > tested[u]!) changed = true;
        if (!changed) continue;
      }
      tested[u] = clock;
      const from = s.routeOf[u]!;
      let to = improveCase(s, u, starts[u - P.K]!);
      if (to < 0 && P.objective === 'balanced') to = moveToAnyRoute(s, u, nearPos, nearD);
      if (to >= 0) {
        improved = any = true;
        clock++;
        routeStamp[from] = clock;
        routeStamp[to] = clock;
      }
      if (outOfTime()) return any;
    }
    if (!improved) break;
  }
  return any;
}

/**
 * Balance moves the granular neighbourhood cannot see: u to any other route that may take it,
 * beside that route's case nearest to u (one scan of u's row of the matrix). Without it a
 * light crew whose cases are nobody's nearest never takes work from a heavy one across town.
 */
function moveToAnyRoute(s: Solution, u: number, nearPos: Int32Array, nearD: Float64Array): number {
  const P = s.P;
  const ku = s.routeOf[u]!;
  nearPos.fill(-1);
  nearD.fill(Infinity);
  const row = u * P.N;
  for (let w = P.K; w < P.N; w++) {
    const k = s.routeOf[w]!;
    if (k < 0) continue;
    const d = P.dist[row + w]!;
    if (d < nearD[k]!) {
      nearD[k] = d;
      nearPos[k] = s.posOf[w]!;
    }
  }
  for (let k = 0; k < P.K; k++) {
    if (k === ku || !s.may(k, u)) continue;
    const near = nearPos[k]!;
    if (relocate(s, u, 1, k, near + 1, false)) return k;
    if (near >= 0 && relocate(s, u, 1, k, near, false)) return k;
  }
  return -1;
}

function pred(s: Solution, u: number): number {
  const k = s.routeOf[u]!;
  const p = s.posOf[u]!;
  return p === 0 ? k : s.routes[k]![p - 1]!;
}
function succ(s: Solution, u: number): number {
  const k = s.routeOf[u]!;
  const r = s.routes[k]!;
  const p = s.posOf[u]!;
  return p === r.length - 1 ? k : r[p + 1]!;
}

/** Tries the moves around case node u; applies the first that lowers the cost and returns the other route it changed (−1: none). */
function improveCase(s: Solution, u: number, starts: Int32Array): number {
  const P = s.P;
  for (const v of P.neighbours[u - P.K]!) {
    const kv = s.routeOf[v]!;
    if (kv < 0) continue;
    // u after v, u before v.
    if (relocate(s, u, 1, kv, s.posOf[v]! + 1, false)) return kv;
    if (relocate(s, u, 1, kv, s.posOf[v]!, false)) return kv;
    if (s.routeOf[u] !== kv) {
      if (swap(s, u, v)) return kv;
      if (twoOptStar(s, u, v)) return kv;
    } else if (twoOpt(s, u, v)) return kv;
    for (let L = 2; L <= 3; L++) {
      if (relocate(s, u, L, kv, s.posOf[v]! + 1, false)) return kv;
      if (relocate(s, u, L, kv, s.posOf[v]! + 1, true)) return kv;
      // On big days the strings go after v only (before v is "after v's predecessor", often also a neighbour).
      if (P.n > 500) continue;
      if (relocate(s, u, L, kv, s.posOf[v]!, false)) return kv;
      if (relocate(s, u, L, kv, s.posOf[v]!, true)) return kv;
    }
  }
  for (const k of starts) {
    if (relocate(s, u, 1, k, 0, false)) return k;
    if (relocate(s, u, 1, k, s.routes[k]!.length, false)) return k;
  }
  return -1;
}

/**
 * Moves the string of L cases starting at u (reversed if `rev`) to position `pos` of route
 * kb (positions of the route as it is now).
 */
function relocate(s: Solution, u: number, L: number, kb: number, pos: number, rev: boolean): boolean {
  const P = s.P;
  const ka = s.routeOf[u]!;
  const ra = s.routes[ka]!;
  const rb = s.routes[kb]!;
  const i = s.posOf[u]!;
  if (i + L > ra.length) return false;
  if (ka === kb && pos >= i && pos <= i + L) return false;
  if (rb.length === 0 && ka !== kb && s.nonEmpty >= P.maxRoutes && ra.length !== L) return false;
  const first = u;
  const last = ra[i + L - 1]!;
  const p = i === 0 ? ka : ra[i - 1]!;
  const q = i + L === ra.length ? ka : ra[i + L]!;
  const x = pos === 0 ? kb : rb[pos - 1]!;
  const y = pos === rb.length ? kb : rb[pos]!;
  const segLen = s.cumLen[last]! - s.cumLen[first]!;
  const segSvc = s.cumSvc[last]! - s.cumSvc[first]! + P.service[first - P.K]!;
  const segDem = s.cumDem[last]! - s.cumDem[first]! + P.demand[first - P.K]!;
  const a = rev ? last : first;
  const b = rev ? first : last;
  const removeGain = s.d(p, q) - s.d(p, first) - s.d(last, q);
  const insertCost = s.d(x, a) + s.d(b, y) - s.d(x, y);
  let delta: number;
  if (ka === kb) {
    const lenA = s.len[ka]! + removeGain + insertCost;
    if (!s.fits(ka, lenA, s.svc[ka]!, s.dem[ka]!)) return false;
    delta = s.routeCost(ka, lenA, s.svc[ka]!, 0) - s.rc[ka]! + s.spreadDelta(ka, lenA, s.svc[ka]!, -1, 0, 0);
  } else {
    for (let j = i; j < i + L; j++) if (!s.may(kb, ra[j]!)) return false;
    const lenA = ra.length === L ? 0 : s.len[ka]! + removeGain;
    const svcA = s.svc[ka]! - segSvc;
    const demA = s.dem[ka]! - segDem;
    const lenB = rb.length === 0 ? s.d(kb, a) + segLen + s.d(b, kb) : s.len[kb]! + insertCost + segLen;
    const svcB = s.svc[kb]! + segSvc;
    const demB = s.dem[kb]! + segDem;
    delta =
      s.routeCost(ka, lenA, svcA, 0) -
      s.rc[ka]! +
      s.routeCost(kb, lenB, svcB, 0) -
      s.rc[kb]! +
      s.spreadDelta(ka, lenA, svcA, kb, lenB, svcB);
    const churnBound = P.objective === 'balanced' ? WEIGHTS.churn * L : 0;
    if (delta - churnBound > -EPS) return false;
    if (!s.fits(kb, lenB, svcB, demB) || !s.fits(ka, lenA, svcA, demA)) return false;
    for (let j = i; j < i + L; j++) delta += s.churn(ra[j]!, kb) - s.churn(ra[j]!, ka);
  }
  if (delta > -EPS) return false;
  // Build the new routes (needed to price windows, and to apply).
  const seg = ra.slice(i, i + L);
  if (rev) seg.reverse();
  let na: number[];
  let nb: number[];
  if (ka === kb) {
    const rest = ra.slice(0, i).concat(ra.slice(i + L));
    const at = pos > i ? pos - L : pos;
    na = rest.slice(0, at).concat(seg, rest.slice(at));
    nb = na;
  } else {
    na = ra.slice(0, i).concat(ra.slice(i + L));
    nb = rb.slice(0, pos).concat(seg, rb.slice(pos));
  }
  if (P.hasWindows) {
    delta += WEIGHTS.lateness * (s.warpOf(ka, na) + (ka === kb ? 0 : s.warpOf(kb, nb)));
    if (delta > -EPS) return false;
  }
  s.setRoute(ka, na);
  if (ka !== kb) s.setRoute(kb, nb);
  return true;
}

/** Exchanges u and v (different routes). */
function swap(s: Solution, u: number, v: number): boolean {
  const P = s.P;
  const ka = s.routeOf[u]!;
  const kb = s.routeOf[v]!;
  if (!s.may(kb, u) || !s.may(ka, v)) return false;
  const p = pred(s, u);
  const q = succ(s, u);
  const x = pred(s, v);
  const y = succ(s, v);
  const iu = u - P.K;
  const iv = v - P.K;
  const lenA = s.len[ka]! + s.d(p, v) + s.d(v, q) - s.d(p, u) - s.d(u, q);
  const lenB = s.len[kb]! + s.d(x, u) + s.d(u, y) - s.d(x, v) - s.d(v, y);
  const dSvc = P.service[iv]! - P.service[iu]!;
  const dDem = P.demand[iv]! - P.demand[iu]!;
  let delta =
    s.routeCost(ka, lenA, s.svc[ka]! + dSvc, 0) -
    s.rc[ka]! +
    s.routeCost(kb, lenB, s.svc[kb]! - dSvc, 0) -
    s.rc[kb]! +
    s.churn(u, kb) +
    s.churn(v, ka) -
    s.churn(u, ka) -
    s.churn(v, kb) +
    s.spreadDelta(ka, lenA, s.svc[ka]! + dSvc, kb, lenB, s.svc[kb]! - dSvc);
  if (delta > -EPS) return false;
  if (!s.fits(ka, lenA, s.svc[ka]! + dSvc, s.dem[ka]! + dDem)) return false;
  if (!s.fits(kb, lenB, s.svc[kb]! - dSvc, s.dem[kb]! - dDem)) return false;
  const na = s.routes[ka]!.slice();
  const nb = s.routes[kb]!.slice();
  na[s.posOf[u]!] = v;
  nb[s.posOf[v]!] = u;
  if (P.hasWindows) {
    delta += WEIGHTS.lateness * (s.warpOf(ka, na) + s.warpOf(kb, nb));
    if (delta > -EPS) return false;
  }
  s.setRoute(ka, na);
  s.setRoute(kb, nb);
  return true;
}

/** Reverses the stretch between u and v (same route): edges (u, v) and (succ u, succ v) replace (u, succ u), (v, succ v). */
function twoOpt(s: Solution, u0: number, v0: number): boolean {
  const P = s.P;
  const k = s.routeOf[u0]!;
  const [u, v] = s.posOf[u0]! < s.posOf[v0]! ? [u0, v0] : [v0, u0];
  const i = s.posOf[u]!;
  const j = s.posOf[v]!;
  if (j - i < 2) return false;
  const q = succ(s, u);
  const w = succ(s, v);
  const len = s.len[k]! + s.d(u, v) + s.d(q, w) - s.d(u, q) - s.d(v, w);
  let delta = s.routeCost(k, len, s.svc[k]!, 0) - s.rc[k]! + s.spreadDelta(k, len, s.svc[k]!, -1, 0, 0);
  if (delta > -EPS) return false;
  if (!s.fits(k, len, s.svc[k]!, s.dem[k]!)) return false;
  const r = s.routes[k]!;
  const nr = r.slice(0, i + 1).concat(r.slice(i + 1, j + 1).reverse(), r.slice(j + 1));
  if (P.hasWindows) {
    delta += WEIGHTS.lateness * s.warpOf(k, nr);
    if (delta > -EPS) return false;
  }
  s.setRoute(k, nr);
  return true;
}

/** Swaps the tails after u and after v (different routes): A = A[..u] + B[v+1..], B = B[..v] + A[u+1..]. */
function twoOptStar(s: Solution, u: number, v: number): boolean {
  const P = s.P;
  const ka = s.routeOf[u]!;
  const kb = s.routeOf[v]!;
  const ra = s.routes[ka]!;
  const rb = s.routes[kb]!;
  const i = s.posOf[u]!;
  const j = s.posOf[v]!;
  const tailA = ra.length - 1 - i;
  const tailB = rb.length - 1 - j;
  if (tailA === 0 && tailB === 0) return false;
  const lastA = ra[ra.length - 1]!;
  const lastB = rb[rb.length - 1]!;
  // Length of a tail from its first case to its last (no return leg).
  const innerA = tailA ? s.cumLen[lastA]! - s.cumLen[ra[i + 1]!]! : 0;
  const innerB = tailB ? s.cumLen[lastB]! - s.cumLen[rb[j + 1]!]! : 0;
  const lenA = s.cumLen[u]! + (tailB ? s.d(u, rb[j + 1]!) + innerB + s.d(lastB, ka) : s.d(u, ka));
  const lenB = s.cumLen[v]! + (tailA ? s.d(v, ra[i + 1]!) + innerA + s.d(lastA, kb) : s.d(v, kb));
  const svcA = s.cumSvc[u]! + s.svc[kb]! - s.cumSvc[v]!;
  const svcB = s.cumSvc[v]! + s.svc[ka]! - s.cumSvc[u]!;
  const demA = s.cumDem[u]! + s.dem[kb]! - s.cumDem[v]!;
  const demB = s.cumDem[v]! + s.dem[ka]! - s.cumDem[u]!;
  let delta =
    s.routeCost(ka, lenA, svcA, 0) -
    s.rc[ka]! +
    s.routeCost(kb, lenB, svcB, 0) -
    s.rc[kb]! +
    s.spreadDelta(ka, lenA, svcA, kb, lenB, svcB);
  const churnBound = P.objective === 'balanced' ? WEIGHTS.churn * (tailA + tailB) : 0;
  if (delta - churnBound > -EPS) return false;
  if (!s.fits(ka, lenA, svcA, demA) || !s.fits(kb, lenB, svcB, demB)) return false;
  for (let t = i + 1; t < ra.length; t++) {
    const c = ra[t]!;
    if (P.restricted && !s.may(kb, c)) return false;
    delta += s.churn(c, kb) - s.churn(c, ka);
  }
  for (let t = j + 1; t < rb.length; t++) {
    const c = rb[t]!;
    if (P.restricted && !s.may(ka, c)) return false;
    delta += s.churn(c, ka) - s.churn(c, kb);
  }
  if (delta > -EPS) return false;
  const na = ra.slice(0, i + 1).concat(rb.slice(j + 1));
  const nb = rb.slice(0, j + 1).concat(ra.slice(i + 1));
  if (P.hasWindows) {
    delta += WEIGHTS.lateness * (s.warpOf(ka, na) + s.warpOf(kb, nb));
    if (delta > -EPS) return false;
  }
  s.setRoute(ka, na);
  s.setRoute(kb, nb);
  return true;
}
