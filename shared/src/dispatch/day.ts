import { z } from 'zod';

/**
 * The solver's own day format (what `solveDay` reads and `pnpm dispatch:solve` takes on
 * stdin): crews with a start, cases with a place, and the rules a plan must keep. It knows
 * nothing of the database: the server maps a board onto it and a plan back onto moves.
 */

const Id = z.string().min(1).max(200);
const Finite = z.number().refine(Number.isFinite, 'must be a finite number');
const NonNegative = Finite.refine((n) => n >= 0, 'must not be negative');

export const LatLongPoint = z.object({ lat: Finite.min(-90).max(90), long: Finite.min(-180).max(180) });
export const XyPoint = z.object({ x: Finite, y: Finite });
/** A crew's start (its yard): where its route begins and ends. */
export const Point = z.union([LatLongPoint.strict(), XyPoint.strict()]);
export type Point = z.infer<typeof Point>;

export const DayCrew = z.object({
  id: Id,
  start: Point,
  /** Service plus travel minutes the route may take (from the start and back). Omitted: no limit. */
  capacityMinutes: NonNegative.optional(),
  /** Demand units the route may carry (the CVRP capacity). Omitted: no limit. */
  capacity: NonNegative.optional(),
  /** Service codes the crew can work. Omitted: it can work every case. */
  skills: z.array(z.string().min(1)).optional(),
  /** Its route today, in order: the plan the solver is asked to improve on. */
  currentCaseIds: z.array(Id).optional(),
});
export type DayCrew = z.infer<typeof DayCrew>;

export const DayCase = z.object({
  id: Id,
  lat: Finite.min(-90).max(90).optional(),
  long: Finite.min(-180).max(180).optional(),
  x: Finite.optional(),
  y: Finite.optional(),
  /** Minutes on site. */
  serviceMinutes: NonNegative.default(0),
  /** Demand units it takes from the crew's `capacity`. */
  demand: NonNegative.optional(),
  /** The case's service code: only a crew listing it in `skills` (or a crew without `skills`) may take it. */
  skill: z.string().min(1).optional(),
  /**
   * When the crew should arrive, in minutes since the day starts (the crew leaves its start
   * at minute 0). Soft: arriving before `from` waits; arriving after `to` is penalised.
   */
  window: z
    .object({ from: NonNegative, to: NonNegative })
    .refine((w) => w.from <= w.to, 'window.from must not be after window.to')
    .optional(),
  /** The crew that has it now (the same as listing it in that crew's `currentCaseIds`). */
  crewId: Id.optional(),
  /** It must stay with its current crew (work in progress, a promise to a resident). */
  locked: z.boolean().optional(),
});
export type DayCase = z.infer<typeof DayCase>;

/**
 * Whether a crew may take a case: it works the case's skill (`skills` null: every case), and a
 * locked case stays with its current crew (`isCurrentCrew`). The solver's rule, for anyone who
 * must tell which cases a plan could have placed.
 */
export function crewMayTake(
  skills: ReadonlySet<string> | null,
  isCurrentCrew: boolean,
  c: { skill?: string | undefined; locked?: boolean | undefined },
): boolean {
  return (!c.locked || isCurrentCrew) && (c.skill === undefined || !skills || skills.has(c.skill));
}

export const DistanceKind = z.enum(['haversine', 'euclidean', 'euc2d-rounded']);
export type DistanceKind = z.infer<typeof DistanceKind>;
export const Objective = z.enum(['balanced', 'distance']);
export type Objective = z.infer<typeof Objective>;

const DayInputShape = z.object({
  /** Default: haversine (kilometres) for lat/long, euclidean for x/y. */
  distance: DistanceKind.optional(),
  objective: Objective.default('balanced'),
  /** Converts length into travel minutes (x/y units are read as kilometres). */
  speedKmh: Finite.refine((n) => n > 0, 'must be positive').default(25),
  /** At most this many crews get a non-empty route. */
  maxRoutes: z.number().int().positive().optional(),
  /**
   * Routes may run past their crews' `capacityMinutes`: for a day whose work does not fit the
   * crews' hours. Every case is then placed, and each crew's minutes are only what its load is
   * evened out against (its share), so the overrun is shared by capacity.
   */
  overtime: z.boolean().default(false),
  crews: z.array(DayCrew).min(1, 'a day needs at least one crew'),
  cases: z.array(DayCase),
});

/** A day, checked: unique ids, one kind of coordinates, and current crews that agree. */
export const DayInput = DayInputShape.superRefine((day, ctx) => {
  const issue = (path: (string | number)[], message: string) => ctx.addIssue({ code: 'custom', path, message });
  const crewIds = new Map<string, number>();
  day.crews.forEach((c, i) => {
    if (crewIds.has(c.id)) issue(['crews', i, 'id'], `crew id "${c.id}" appears twice`);
    crewIds.set(c.id, i);
  });
  const caseIds = new Map<string, number>();
  let latLong = 0;
  let xy = 0;
  day.cases.forEach((c, i) => {
    if (caseIds.has(c.id)) issue(['cases', i, 'id'], `case id "${c.id}" appears twice`);
    caseIds.set(c.id, i);
    const hasLatLong = c.lat !== undefined && c.long !== undefined;
    const hasXy = c.x !== undefined && c.y !== undefined;
    if (hasLatLong === hasXy) issue(['cases', i], `case "${c.id}" needs either lat and long or x and y`);
    if (hasLatLong) latLong++;
    if (hasXy) xy++;
    if (c.crewId !== undefined && !crewIds.has(c.crewId))
      issue(['cases', i, 'crewId'], `case "${c.id}" names crew "${c.crewId}", which is not in the day`);
    if (c.locked && c.crewId === undefined && !day.crews.some((k) => k.currentCaseIds?.includes(c.id)))
      issue(['cases', i, 'locked'], `case "${c.id}" is locked but has no current crew`);
  });
  day.crews.forEach((crew, i) => {
    if ('lat' in crew.start) latLong++;
    else xy++;
    const seen = new Set<string>();
    crew.currentCaseIds?.forEach((id, j) => {
      const path = ['crews', i, 'currentCaseIds', j];
      const at = caseIds.get(id);
      if (at === undefined) return issue(path, `crew "${crew.id}" lists case "${id}", which is not in the day`);
      if (seen.has(id)) issue(path, `crew "${crew.id}" lists case "${id}" twice`);
      seen.add(id);
      const named = day.cases[at]?.crewId;
      if (named !== undefined && named !== crew.id)
        issue(path, `case "${id}" is on crew "${crew.id}"'s route but names crew "${named}"`);
      const other = day.crews.find((k, m) => m < i && k.currentCaseIds?.includes(id));
      if (other) issue(path, `case "${id}" is on the routes of both "${other.id}" and "${crew.id}"`);
    });
  });
  if (latLong > 0 && xy > 0) issue([], 'mix of lat/long and x/y coordinates: use one kind for every crew and case');
  if (day.distance === 'haversine' && xy > 0) issue(['distance'], 'haversine distance needs lat/long coordinates');
  if (day.distance !== undefined && day.distance !== 'haversine' && latLong > 0)
    issue(['distance'], `${day.distance} distance needs x/y coordinates`);
});
export type DayInput = z.input<typeof DayInput>;
export type ParsedDay = z.output<typeof DayInput>;

export const PlanRoute = z.object({
  crewId: z.string(),
  /** In visiting order; the route starts and ends at the crew's start. */
  caseIds: z.array(z.string()),
  serviceMinutes: z.number(),
  travelMinutes: z.number(),
  /** Kilometres for haversine, coordinate units otherwise. */
  length: z.number(),
  demand: z.number(),
});
export type PlanRoute = z.infer<typeof PlanRoute>;

export const Plan = z.object({
  /** One per crew, in the day's crew order (empty routes included). */
  routes: z.array(PlanRoute),
  unplaced: z.array(z.object({ caseId: z.string(), why: z.string() })),
  /** The objective's value for the placed cases (see README.md: how cost is counted). */
  cost: z.number(),
  objective: Objective,
  solveMs: z.number(),
  iterations: z.number().int(),
});
export type Plan = z.infer<typeof Plan>;

/** One readable line per problem, naming where it is: what the CLI prints on bad input. */
export function describeDayErrors(error: z.ZodError): string {
  return error.issues
    .map((i) => `${i.path.length ? i.path.join('.') : '(day)'}: ${i.message}`)
    .slice(0, 20)
    .join('\n');
}
