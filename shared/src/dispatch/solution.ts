import { WEIGHTS, type Problem } from './problem.ts';

/**
 * A plan under search: one route per crew (node numbers of cases, the crew's start implied at
 * both ends), with per-route sums and per-node prefix sums kept current so that a move is
 * priced in O(1) (O(route) only when time windows are involved).
 */
export class Solution {
  readonly P: Problem;
  routes: number[][];
  /** Route (crew) of each node, −1 when unplaced; crew starts map to themselves. */
  routeOf: Int32Array;
  posOf: Int32Array;
  /** Distance from the route's start to the node, along the route. */
  cumLen: Float64Array;
  cumDem: Float64Array;
  cumSvc: Float64Array;
  len: Float64Array;
  svc: Float64Array;
  dem: Float64Array;
  /** Minutes of lateness past windows (time warp) per route. */
  warp: Float64Array;
  /** Route cost (see routeCost), cached. */
  rc: Float64Array;
  nonEmpty = 0;
  /** 1 where the route has cases (what nonEmpty counts). */
  wasUsed: Uint8Array;
  /** Balanced days: each route's load over its reference minutes, and the three highest and lowest. */
  util: Float64Array;
  top: Int32Array;
  bottom: Int32Array;

  constructor(P: Problem) {
    this.P = P;
    this.routes = Array.from({ length: P.K }, () => []);
    this.routeOf = new Int32Array(P.N).fill(-1);
    for (let k = 0; k < P.K; k++) this.routeOf[k] = k;
    this.posOf = new Int32Array(P.N).fill(-1);
    this.cumLen = new Float64Array(P.N);
    this.cumDem = new Float64Array(P.N);
    this.cumSvc = new Float64Array(P.N);
    this.len = new Float64Array(P.K);
    this.svc = new Float64Array(P.K);
    this.dem = new Float64Array(P.K);
    this.warp = new Float64Array(P.K);
    this.rc = new Float64Array(P.K);
    this.wasUsed = new Uint8Array(P.K);
    this.util = new Float64Array(P.K);
    this.top = new Int32Array(Math.min(3, P.K));
    this.bottom = new Int32Array(Math.min(3, P.K));
  }

  copyFrom(o: Solution): void {
    this.routes = o.routes.map((r) => r.slice());
    this.routeOf.set(o.routeOf);
    this.posOf.set(o.posOf);
    this.cumLen.set(o.cumLen);
    this.cumDem.set(o.cumDem);
    this.cumSvc.set(o.cumSvc);
    this.len.set(o.len);
    this.svc.set(o.svc);
    this.dem.set(o.dem);
    this.warp.set(o.warp);
    this.rc.set(o.rc);
    this.nonEmpty = o.nonEmpty;
    this.wasUsed.set(o.wasUsed);
    this.util.set(o.util);
    this.top.set(o.top);
    this.bottom.set(o.bottom);
  }

  clone(): Solution {
    const s = new Solution(this.P);
    s.copyFrom(this);
    return s;
  }

  d(a: number, b: number): number {
    return this.P.dist[a * this.P.N + b]!;
  }

  /**
   * The cost of one route. Distance objective: its length. Balanced: travel minutes plus
   * WEIGHTS.balance × load² / reference minutes (load = service + travel), which for a fixed
   * total is least when every crew's load is the same share of its capacity.
   */
  routeCost(k: number, len: number, svc: number, warp: number): number {
    const P = this.P;
    const late = warp * WEIGHTS.lateness;
    if (len === 0 && svc === 0) return late;
    if (P.objective === 'distance') return len + late;
    const travel = len * P.minutesPerUnit;
    const load = svc + travel;
    return travel + (WEIGHTS.balance * load * load) / P.refMinutes[k]! + late;
  }

  /** The cost of case node u sitting on crew k's route rather than its current one. */
  churn(u: number, k: number): number {
    const P = this.P;
    if (P.objective !== 'balanced') return 0;
    const cur = P.current[u - P.K]!;
    return cur >= 0 && cur !== k ? WEIGHTS.churn : 0;
  }

  /** Whether route k may become (len, svc, dem): within its limits, or no worse than it already was. */
  fits(k: number, len: number, svc: number, dem: number): boolean {
    const P = this.P;
    if (dem > P.capDemand[k]! + 1e-9 && dem > this.dem[k]! + 1e-9) return false;
    const cap = P.capMinutes[k]!;
    if (cap === Infinity) return true;
    const load = svc + len * P.minutesPerUnit;
    return load <= cap + 1e-9 || load <= this.svc[k]! + this.len[k]! * P.minutesPerUnit + 1e-9;
  }

  may(k: number, u: number): boolean {
    return this.P.allowed[k * this.P.n + u - this.P.K] === 1;
  }

  /** Time warp of crew k driving `nodes` (leaving its start at minute 0; waits for a window to open). */
  warpOf(k: number, nodes: ArrayLike<number>, count = nodes.length): number {
    const P = this.P;
    let t = 0;
    let prev = k;
    let warp = 0;
    for (let j = 0; j < count; j++) {
      const u = nodes[j]!;
      t += this.d(prev, u) * P.minutesPerUnit;
      const i = u - P.K;
      if (t < P.winFrom[i]!) t = P.winFrom[i]!;
      if (t > P.winTo[i]!) {
        warp += t - P.winTo[i]!;
        t = P.winTo[i]!;
      }
      t += P.service[i]!;
      prev = u;
    }
    return warp;
  }

  /**
   * Replaces route k's nodes and brings every cached sum up to date. Nodes that leave the
   * route are marked unplaced only if `nodes` is a new array (or the caller marks them).
   */
  setRoute(k: number, nodes: number[]): void {
    const P = this.P;
    const old = this.routes[k]!;
    // `nodes` may be `old` changed in place: whether it had cases is remembered apart.
    if (this.wasUsed[k]) this.nonEmpty--;
    for (const u of old) if (this.routeOf[u] === k) this.routeOf[u] = -1;
    this.routes[k] = nodes;
    this.wasUsed[k] = nodes.length > 0 ? 1 : 0;
    if (nodes.length > 0) this.nonEmpty++;
    let prev = k;
    let len = 0;
    let dem = 0;
    let svc = 0;
    for (let j = 0; j < nodes.length; j++) {
      const u = nodes[j]!;
      len += this.d(prev, u);
      dem += P.demand[u - P.K]!;
      svc += P.service[u - P.K]!;
      this.routeOf[u] = k;
      this.posOf[u] = j;
      this.cumLen[u] = len;
      this.cumDem[u] = dem;
      this.cumSvc[u] = svc;
      prev = u;
    }
    if (nodes.length > 0) len += this.d(prev, k);
    this.len[k] = len;
    this.dem[k] = dem;
    this.svc[k] = svc;
    this.warp[k] = P.hasWindows ? this.warpOf(k, nodes) : 0;
    this.rc[k] = this.routeCost(k, len, svc, this.warp[k]!);
    if (P.objective === 'balanced') {
      this.util[k] = (svc + len * P.minutesPerUnit) / P.refMinutes[k]!;
      this.refreshExtremes();
    }
  }

  private refreshExtremes(): void {
    const u = this.util;
    const t = this.top;
    const b = this.bottom;
    t.fill(-1);
    b.fill(-1);
    for (let k = 0; k < u.length; k++) {
      for (let j = 0; j < t.length; j++) {
        if (t[j] === -1 || u[k]! > u[t[j]!]!) {
          t.copyWithin(j + 1, j, t.length - 1);
          t[j] = k;
          break;
        }
      }
      for (let j = 0; j < b.length; j++) {
        if (b[j] === -1 || u[k]! < u[b[j]!]!) {
          b.copyWithin(j + 1, j, b.length - 1);
          b[j] = k;
          break;
        }
      }
    }
  }

  /** The spread term: WEIGHTS.spread × (highest − lowest load share) × the mean reference minutes. */
  spreadCost(max: number, min: number): number {
    return WEIGHTS.spread * (max - min) * this.P.meanRefMinutes;
  }

  /**
   * How the spread term changes when route a gets (lenA, svcA) and route b (lenB, svcB)
   * (b = −1: only a changes). O(1) from the three highest and lowest routes.
   */
  spreadDelta(a: number, lenA: number, svcA: number, b: number, lenB: number, svcB: number): number {
    const P = this.P;
    if (P.objective !== 'balanced' || P.K < 2) return 0;
    const ua = (svcA + lenA * P.minutesPerUnit) / P.refMinutes[a]!;
    const ub = b >= 0 ? (svcB + lenB * P.minutesPerUnit) / P.refMinutes[b]! : ua;
    let max = Math.max(ua, ub);
    let min = Math.min(ua, ub);
    for (const k of this.top)
      if (k !== a && k !== b) {
        max = Math.max(max, this.util[k]!);
        break;
      }
    for (const k of this.bottom)
      if (k !== a && k !== b) {
        min = Math.min(min, this.util[k]!);
        break;
      }
    const now = this.util[this.top[0]!]! - this.util[this.bottom[0]!]!;
    return this.spreadCost(max, min) - this.spreadCost(now, 0);
  }

  /** Takes node u out of the plan (its route rebuilt). */
  remove(u: number): void {
    const k = this.routeOf[u]!;
    if (k < 0) return;
    const r = this.routes[k]!;
    r.splice(this.posOf[u]!, 1);
    this.setRoute(k, r);
    this.routeOf[u] = -1;
  }

  /** Total cost: routes, churn, and the unplaced penalty. */
  cost(): number {
    const P = this.P;
    let c = this.spreadTerm();
    for (let k = 0; k < P.K; k++) c += this.rc[k]!;
    for (let u = P.K; u < P.N; u++) {
      const k = this.routeOf[u]!;
      c += k < 0 ? WEIGHTS.unplaced * (P.locked[u - P.K] ? 100 : 1) : this.churn(u, k);
    }
    return c;
  }

  /** The spread term of the whole plan (0 for the distance objective). */
  spreadTerm(): number {
    if (this.P.objective !== 'balanced' || this.P.K < 2) return 0;
    return this.spreadCost(this.util[this.top[0]!]!, this.util[this.bottom[0]!]!);
  }

  unplacedCount(): number {
    let c = 0;
    for (let u = this.P.K; u < this.P.N; u++) if (this.routeOf[u]! < 0) c++;
    return c;
  }

  /** Every invariant the cached sums promise, recomputed: for tests and debugging. */
  check(): void {
    const P = this.P;
    const seen = new Uint8Array(P.N);
    this.routes.forEach((r, k) => {
      r.forEach((u, j) => {
        if (u < P.K || u >= P.N || seen[u]) throw new Error(`node ${u} bad or twice`);
        seen[u] = 1;
        if (this.routeOf[u] !== k || this.posOf[u] !== j) throw new Error(`node ${u} position cache`);
      });
      const copy = new Solution(P);
      copy.setRoute(k, r.slice());
      if (Math.abs(copy.len[k]! - this.len[k]!) > 1e-6) throw new Error(`route ${k} length cache`);
      if (Math.abs(copy.rc[k]! - this.rc[k]!) > 1e-6) throw new Error(`route ${k} cost cache`);
    });
    for (let u = P.K; u < P.N; u++) if (!seen[u] && this.routeOf[u] !== -1) throw new Error(`node ${u} lost`);
  }
}
