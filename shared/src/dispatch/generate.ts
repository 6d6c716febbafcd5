import type { DayCase, DayCrew, DayInput } from './day.ts';
import { seededRandom, shuffle } from './random.ts';

/**
 * A made-up but plausible city day for tests and the benchmark: crews leaving a few yards,
 * cases in hot spots and scattered between, service codes the crews are trained for, and an
 * input assignment as a busy dispatcher makes it (each case to some able crew of a yard near
 * it, in the order cases came in), which is neither balanced nor short.
 */
export interface GenerateOptions {
  cases: number;
  crews: number;
  seed?: number;
  /** Share of crews with a case in progress (the first of their route, locked to them). */
  inProgressShare?: number;
  /** Share of cases with a promised window. */
  windowShare?: number;
  /** Minutes of a full crew day (some crews get less). */
  capacityMinutes?: number;
}

export const SERVICE_CODES = ['pothole', 'streetlight', 'graffiti', 'tree', 'sign', 'water'] as const;
const CENTER = { lat: 42.3314, long: -83.0458 };
const KM_PER_DEG_LAT = 111.2;
const KM_PER_DEG_LONG = 111.2 * Math.cos((CENTER.lat * Math.PI) / 180);

export function generateDay(options: GenerateOptions): DayInput {
  const rand = seededRandom(options.seed ?? 1);
  const at = (kmNorth: number, kmEast: number) => ({
    lat: CENTER.lat + kmNorth / KM_PER_DEG_LAT,
    long: CENTER.long + kmEast / KM_PER_DEG_LONG,
  });
  const gauss = () => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());

  const yards = Array.from({ length: 5 }, (_, y) => {
    const angle = (2 * Math.PI * y) / 5 + 0.3;
    return { north: 6 * Math.sin(angle), east: 6 * Math.cos(angle) };
  });
  const full = options.capacityMinutes ?? 540;
  const crews: DayCrew[] = Array.from({ length: options.crews }, (_, k) => {
    const yard = yards[k % yards.length]!;
    // Three codes each, overlapping (k, k+1, k+3): every code is covered by half the crews,
    // and any two crews share a code or are linked through a third.
    const skills = [0, 1, 3].map((j) => SERVICE_CODES[(k + j) % SERVICE_CODES.length]!);
    return {
      id: `crew-${String(k + 1).padStart(2, '0')}`,
      start: at(yard.north, yard.east),
      capacityMinutes: k % 4 === 3 ? Math.round(full * 0.75) : full,
      skills,
      currentCaseIds: [],
    };
  });

  const spots = Array.from({ length: 30 }, () => ({ north: 9 * gauss(), east: 9 * gauss() }));
  const cases: DayCase[] = [];
  for (let i = 0; i < options.cases; i++) {
    const spot = rand() < 0.7 ? spots[Math.floor(rand() * spots.length)]! : { north: 0, east: 0 };
    const spread = spot.north === 0 && spot.east === 0 ? 8 : 1.2;
    const north = spot.north + spread * gauss();
    const east = spot.east + spread * gauss();
    const c: DayCase = {
      id: `case-${String(i + 1).padStart(5, '0')}`,
      ...at(north, east),
      serviceMinutes: 3 + Math.floor(rand() * 6),
      skill: SERVICE_CODES[Math.floor(rand() * SERVICE_CODES.length)]!,
    };
    if (rand() < (options.windowShare ?? 0)) {
      const from = 60 * Math.floor(rand() * 6);
      c.window = { from, to: from + 120 };
    }
    // The dispatcher's pick: an able crew from one of the two yards nearest the case.
    const near = yards
      .map((y, index) => ({ index, d: Math.hypot(y.north - north, y.east - east) }))
      .sort((a, b) => a.d - b.d)
      .slice(0, 2)
      .map((y) => y.index);
    const able = crews.filter((k, index) => k.skills!.includes(c.skill!) && near.includes(index % yards.length));
    const pool = able.length ? able : crews.filter((k) => k.skills!.includes(c.skill!));
    // With few crews a code may have nobody: the case waits unassigned.
    const crew = pool[Math.floor(rand() * pool.length)];
    crew?.currentCaseIds!.push(c.id);
    cases.push(c);
  }
  // Cases came in over days: today's order is the order they were assigned, mixed up a little.
  const byId = new Map(cases.map((c) => [c.id, c]));
  for (const crew of crews) {
    shuffle(crew.currentCaseIds!, rand);
    const first = crew.currentCaseIds![0];
    if (first !== undefined && rand() < (options.inProgressShare ?? 0)) byId.get(first)!.locked = true;
  }
  return { distance: 'haversine', objective: 'balanced', speedKmh: 25, crews, cases };
}
