import { crewMayTake, type DistanceKind, type ParsedDay } from './day.ts';

/**
 * A day compiled for the search: every place is a node (crew starts first, then cases),
 * distances in one flat Float64Array, constraints as typed arrays. Built once per solve;
 * the search only reads it.
 */
export interface Problem {
  day: ParsedDay;
  /** The day's cases in node order (node K + i is cases[i]): sorted along a space-filling curve. */
  cases: ParsedDay['cases'];
  objective: 'balanced' | 'distance';
  distance: DistanceKind;
  /** K crews: node k (0 ≤ k < K) is crew k's start. */
  K: number;
  /** n cases: node K + i is case i. */
  n: number;
  N: number;
  /** N × N, row-major, in the distance unit (km for haversine). */
  dist: Float64Array;
  /** Travel minutes per distance unit. */
  minutesPerUnit: number;
  service: Float64Array;
  demand: Float64Array;
  /** Per crew; Infinity when the day sets no limit. */
  capDemand: Float64Array;
  capMinutes: Float64Array;
  /** The minutes a crew's load is measured against for balance (its capacity, else 480). */
  refMinutes: Float64Array;
  meanRefMinutes: number;
  /** allowed[k * n + i]: crew k may take case i (skill and lock). */
  allowed: Uint8Array;
  /** Whether any case is restricted to some crews (skills or locks): enables checks that cost a scan. */
  restricted: boolean;
  /** The case's current crew, or -1. */
  current: Int32Array;
  locked: Uint8Array;
  /** Window per case (−Infinity/Infinity when none); `hasWindows` when any case has one. */
  winFrom: Float64Array;
  winTo: Float64Array;
  hasWindows: boolean;
  maxRoutes: number;
  /** Each case's nearest cases (node numbers), nearest first: the granular search's candidates. */
  neighbours: Int32Array[];
}

/** Weights of the balanced objective (README.md explains the choice). */
export const WEIGHTS = {
  /** Multiplies Σ load² / reference minutes: evens out the crews' loads relative to their capacity. */
  balance: 3,
  /** Multiplies (highest − lowest load share) × mean reference minutes: the spread itself. */
  spread: 10,
  /** Minutes of cost for a case leaving its current crew: fewer moves when otherwise equal. */
  churn: 0.1,
  /** Cost per minute of lateness (time warp) past a window's end. */
  lateness: 10,
  /** A case not placed costs more than any placed plan: plans are compared by unplaced cases first. */
  unplaced: 1e7,
} as const;

const EARTH_RADIUS_KM = 6371.0088;
const RAD = Math.PI / 180;

/** The number of nearest cases each case looks at in the granular search (fewer on big days, where time matters more). */
const neighbourCount = (n: number) => (n <= 250 ? 40 : 20);

export function compileProblem(day: ParsedDay): Problem {
  const K = day.crews.length;
  const n = day.cases.length;
  const N = K + n;
  const distance: DistanceKind = day.distance ?? ('lat' in day.crews[0]!.start ? 'haversine' : 'euclidean');
  // Cases near each other get nearby node numbers, so the rows and columns of the distance
  // matrix a move reads sit close in memory: on a day of thousands of cases the matrix is far
  // larger than the CPU caches, and this makes the local search several times faster.
  const cases = spatialOrder(day.cases, distance);
  const xs = new Float64Array(N);
  const ys = new Float64Array(N);
  day.crews.forEach((c, k) => {
    if ('lat' in c.start) [xs[k], ys[k]] = [c.start.lat, c.start.long];
    else [xs[k], ys[k]] = [c.start.x, c.start.y];
  });
  cases.forEach((c, i) => {
    xs[K + i] = (distance === 'haversine' ? c.lat : c.x) ?? 0;
    ys[K + i] = (distance === 'haversine' ? c.long : c.y) ?? 0;
  });
  const dist = distanceMatrix(distance, xs, ys);

  const crewIndex = new Map(day.crews.map((c, k) => [c.id, k]));
  const caseIndex = new Map(cases.map((c, i) => [c.id, i]));
  const current = new Int32Array(n).fill(-1);
  day.crews.forEach((c, k) => c.currentCaseIds?.forEach((id) => (current[caseIndex.get(id)!] = k)));
  cases.forEach((c, i) => {
    if (c.crewId !== undefined) current[i] = crewIndex.get(c.crewId)!;
  });

  const locked = new Uint8Array(n);
  const allowed = new Uint8Array(K * n);
  let restricted = false;
  const skillSets = day.crews.map((c) => (c.skills ? new Set(c.skills) : null));
  cases.forEach((c, i) => {
    locked[i] = c.locked ? 1 : 0;
    for (let k = 0; k < K; k++) {
      const ok = crewMayTake(skillSets[k]!, current[i] === k, c);
      allowed[k * n + i] = ok ? 1 : 0;
      if (!ok) restricted = true;
    }
  });

  const winFrom = new Float64Array(n).fill(-Infinity);
  const winTo = new Float64Array(n).fill(Infinity);
  let hasWindows = false;
  cases.forEach((c, i) => {
    if (!c.window) return;
    hasWindows = true;
    winFrom[i] = c.window.from;
    winTo[i] = c.window.to;
  });

  const refMinutes = Float64Array.from(day.crews, (c) =>
    c.capacityMinutes && c.capacityMinutes > 0 ? c.capacityMinutes : 480,
  );
  return {
    day,
    cases,
    refMinutes,
    meanRefMinutes: refMinutes.reduce((a, b) => a + b, 0) / K,
    objective: day.objective,
    distance,
    K,
    n,
    N,
    dist,
    minutesPerUnit: 60 / day.speedKmh,
    service: Float64Array.from(cases, (c) => c.serviceMinutes),
    demand: Float64Array.from(cases, (c) => c.demand ?? 0),
    capDemand: Float64Array.from(day.crews, (c) => c.capacity ?? Infinity),
    capMinutes: Float64Array.from(day.crews, (c) => (day.overtime ? Infinity : (c.capacityMinutes ?? Infinity))),
    allowed,
    restricted,
    current,
    locked,
    winFrom,
    winTo,
    hasWindows,
    maxRoutes: Math.min(K, day.maxRoutes ?? K),
    neighbours: nearestCases(dist, K, n, Math.max(0, Math.min(neighbourCount(n), n - 1))),
  };
}

/** Cases sorted by their Morton (Z-order) key on a 2¹⁶ grid over their bounding box; ties by input order. */
function spatialOrder(cases: ParsedDay['cases'], kind: DistanceKind): ParsedDay['cases'] {
  const xs = cases.map((c) => (kind === 'haversine' ? c.lat : c.x) ?? 0);
  const ys = cases.map((c) => (kind === 'haversine' ? c.long : c.y) ?? 0);
  const [x0, x1, y0, y1] = [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)];
  const cell = (v: number, lo: number, hi: number) =>
    hi > lo ? Math.min(65535, Math.floor(((v - lo) / (hi - lo)) * 65536)) : 0;
  const spread = (v: number) => {
    let x = v & 0xffff;
    x = (x | (x << 8)) & 0x00ff00ff;
    x = (x | (x << 4)) & 0x0f0f0f0f;
    x = (x | (x << 2)) & 0x33333333;
    x = (x | (x << 1)) & 0x55555555;
    return x >>> 0;
  };
  const keys = cases.map((_, i) => spread(cell(xs[i]!, x0, x1)) * 2 + spread(cell(ys[i]!, y0, y1)));
  const order = cases.map((_, i) => i).sort((a, b) => keys[a]! - keys[b]! || a - b);
  return order.map((i) => cases[i]!);
}

/** Length of one edge, exactly as the plan reports it (the test recomputes with this). */
export function edgeLength(kind: DistanceKind, x1: number, y1: number, x2: number, y2: number): number {
  if (kind === 'haversine') {
    const dLat = (x2 - x1) * RAD;
    const dLong = (y2 - y1) * RAD;
    const h = Math.sin(dLat / 2) ** 2 + Math.cos(x1 * RAD) * Math.cos(x2 * RAD) * Math.sin(dLong / 2) ** 2;
    return 2 * EARTH_RADIUS_KM * Math.asin(Math.min(1, Math.sqrt(h)));
  }
  const d = Math.hypot(x1 - x2, y1 - y2);
  return kind === 'euc2d-rounded' ? Math.round(d) : d;
}

function distanceMatrix(kind: DistanceKind, xs: Float64Array, ys: Float64Array): Float64Array {
  const N = xs.length;
  const dist = new Float64Array(N * N);
  // Symmetric: half the work. Haversine as the chord between unit vectors, which is the same
  // great-circle distance (2R·asin(chord/2)) with one asin and one sqrt per pair, no sines.
  let vx: Float64Array | null = null;
  let vy: Float64Array | null = null;
  let vz: Float64Array | null = null;
  if (kind === 'haversine') {
    vx = xs.map((lat, i) => Math.cos(lat * RAD) * Math.cos(ys[i]! * RAD));
    vy = xs.map((lat, i) => Math.cos(lat * RAD) * Math.sin(ys[i]! * RAD));
    vz = xs.map((lat) => Math.sin(lat * RAD));
  }
  for (let a = 0; a < N; a++) {
    const xa = xs[a]!;
    const ya = ys[a]!;
    for (let b = a + 1; b < N; b++) {
      let d: number;
      if (vx && vy && vz) {
        const dx = vx[a]! - vx[b]!;
        const dy = vy[a]! - vy[b]!;
        const dz = vz[a]! - vz[b]!;
        d = 2 * EARTH_RADIUS_KM * Math.asin(Math.min(1, Math.sqrt(dx * dx + dy * dy + dz * dz) / 2));
      } else {
        d = Math.hypot(xa - xs[b]!, ya - ys[b]!);
        if (kind === 'euc2d-rounded') d = Math.round(d);
      }
      dist[a * N + b] = d;
      dist[b * N + a] = d;
    }
  }
  return dist;
}

function nearestCases(dist: Float64Array, K: number, n: number, count: number): Int32Array[] {
  const N = K + n;
  const out: Int32Array[] = [];
  // A bounded insertion list per case. Nodes follow space, so the list is first filled from
  // the nodes numbered around the case: the bar is then low and the full scan rarely inserts.
  const best = new Int32Array(count);
  const bestD = new Float64Array(count);
  for (let i = 0; i < n; i++) {
    const row = (K + i) * N;
    let size = 0;
    const lo = Math.max(0, i - count);
    const hi = Math.min(n, i + count + 1);
    const consider = (j: number) => {
      const d = dist[row + K + j]!;
      if (size === count && d >= bestD[size - 1]!) return;
      let p = size < count ? size++ : size - 1;
      while (p > 0 && (bestD[p - 1]! > d || (bestD[p - 1] === d && best[p - 1]! > K + j))) {
        best[p] = best[p - 1]!;
        bestD[p] = bestD[p - 1]!;
        p--;
      }
      best[p] = K + j;
      bestD[p] = d;
    };
    for (let j = lo; j < hi; j++) if (j !== i) consider(j);
    for (let j = 0; j < n; j++) if ((j < lo || j >= hi) && j !== i) consider(j);
    out.push(best.slice(0, size));
  }
  return out;
}
