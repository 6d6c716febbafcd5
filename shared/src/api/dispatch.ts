import { z } from 'zod';
import { CaseRecord, IsoDate, IsoDateTime } from '../domain/case.ts';
import { ServiceType } from '../domain/service-type.ts';
import { SaneDate, SaneDateTime, storableString } from '../domain/limits.ts';
import { Priority } from '../domain/lifecycle.ts';

/** A department named by a lead or admin: looked up in the database, so no NUL. */
const DepartmentId = storableString(64).min(1);

/**
 * Which unassigned cases the board's queue holds: the oldest `UNASSIGNED_LIMIT` that match the
 * lead's filters, so a big city's backlog past the first few thousand can be reached. The
 * crews' routes are always whole (the board filters those as it draws them).
 */
export const QueueFilter = z.object({
  district: storableString(64).min(1).optional(),
  type: storableString(64).min(1).optional(),
  priority: Priority.optional(),
  /** Only cases reported at least this many days ago. */
  minAgeDays: z.coerce.number().int().min(1).max(3650).optional(),
  /** Only cases past their service level. */
  overdue: z.stringbool({ truthy: ['true'], falsy: ['false'] }).optional(),
});
export type QueueFilter = z.infer<typeof QueueFilter>;

/**
 * The lead's dispatch board (`GET /api/dispatch/board?date=&department=`, and the queue's
 * filters): one department's
 * day, crew by crew, with the unassigned queue and what each crew's device has received.
 * Moves are not made here: they are ordinary sync mutations (assign, unassign, reorder,
 * set_priority, set_due, merge_duplicate, cancel) pushed through the outbox.
 */
export const BoardQuery = z.object({
  date: SaneDate,
  /** Leads see their own department only; an admin names one. */
  department: DepartmentId.optional(),
  ...QueueFilter.shape,
});
export type BoardQuery = z.infer<typeof BoardQuery>;

/**
 * Whether the crew's device holds a case as the board shows it (a delivery receipt), read
 * from the pull cursors the crew's devices reported:
 * - `on-device`: a device of the crew pulled past the case's last change, at `since`;
 * - `waiting`: no device of the crew has pulled it yet; `crewLastSyncedAt` is the crew's
 *   newest pull (null: never synced).
 */
export const Delivery = z.discriminatedUnion('state', [
  z.object({ state: z.literal('on-device'), since: IsoDateTime }),
  z.object({ state: z.literal('waiting'), crewLastSyncedAt: IsoDateTime.nullable() }),
]);
export type Delivery = z.infer<typeof Delivery>;

export const BoardCase = z.object({
  case: CaseRecord,
  /** The service type's estimated minutes on site. */
  serviceMinutes: z.number().int().nonnegative(),
  /**
   * When the case is due (its due date; with none, requested + the type's SLA days), and
   * whether it is open past it.
   */
  slaDueAt: IsoDateTime,
  overdue: z.boolean(),
  /** Null for unassigned cases. */
  delivery: Delivery.nullable(),
});
export type BoardCase = z.infer<typeof BoardCase>;

/** The last position a crew's device reported, only if the crew shares it. */
export const CrewPosition = z.object({
  lat: z.number().min(-90).max(90),
  long: z.number().min(-180).max(180),
  at: SaneDateTime,
});
export type CrewPosition = z.infer<typeof CrewPosition>;

export const BoardCrew = z.object({
  id: z.string(),
  name: z.string(),
  /** Minutes of work the crew can take in a day. */
  capacityMinutes: z.number().int().positive(),
  /** Service codes the crew can work (its skills). */
  skills: z.array(z.string()),
  /** Where the crew's day starts and ends (its yard). */
  start: z.object({ lat: z.number(), long: z.number() }),
  /** Service minutes plus travel minutes along the route, from the start and back. */
  load: z.object({
    serviceMinutes: z.number().nonnegative(),
    travelMinutes: z.number().nonnegative(),
    routeKm: z.number().nonnegative(),
  }),
  position: CrewPosition.nullable(),
  lastSyncedAt: IsoDateTime.nullable(),
  /** The crew's open cases for the day (and carried over), in route order. */
  cases: z.array(BoardCase),
});
export type BoardCrew = z.infer<typeof BoardCrew>;

export const BoardResponse = z.object({
  date: IsoDate,
  departmentId: z.string(),
  /** The department's name, for the board's heading. */
  departmentName: z.string(),
  serverTime: IsoDateTime,
  /**
   * The city's day when the board was read: a later day's board carries no work from it or
   * before (the crews' day now). Absent in a board kept by an older app.
   */
  today: IsoDate.optional(),
  /** The change cursor the board reflects: live events after it change the picture. */
  cursor: z.string(),
  crews: z.array(BoardCrew),
  /** Open cases of the department with no crew, oldest first (at most 5,000). */
  unassigned: z.array(BoardCase),
  /** How many open cases of the department have no crew: more than `unassigned` holds past 5,000. */
  unassignedTotal: z.number().int().nonnegative(),
  serviceTypes: z.array(ServiceType),
  districts: z.array(z.object({ id: z.string(), name: z.string() })),
});
export type BoardResponse = z.infer<typeof BoardResponse>;

/**
 * `GET /api/dispatch/live?department=` (server-sent events). Each event is one of these,
 * JSON in `data:`; the board refetches or patches itself. A comment line every 15 s keeps
 * proxies from closing the stream.
 */
export const LiveEvent = z.discriminatedUnion('type', [
  /** Cases of the department changed (by any writer): refetch them. */
  z.object({ type: z.literal('cases'), caseIds: z.array(z.string()), cursor: z.string() }),
  /** A crew's device pulled or pushed: its delivery receipts and position moved. */
  z.object({
    type: z.literal('crew-synced'),
    crewId: z.string(),
    at: IsoDateTime,
    position: CrewPosition.nullable(),
  }),
]);
export type LiveEvent = z.infer<typeof LiveEvent>;

/** `POST /api/dispatch/balance`: the server runs the solver on the board's day. */
export const BalanceRequest = z.object({
  date: SaneDate,
  department: DepartmentId.optional(),
  /** Only these crews (default: every crew of the department); only reorder one crew's route. */
  crewIds: z.array(z.string().min(1).max(64)).min(1).max(200).optional(),
  mode: z.enum(['balance', 'order-route']).default('balance'),
  /** Give the solver this long at most (it returns its best so far). */
  timeLimitMs: z.number().int().min(50).max(10_000).default(1000),
});
export type BalanceRequest = z.infer<typeof BalanceRequest>;

/** One change a plan proposes: accepted changes become ordinary sync mutations. */
export const PlanChange = z.object({
  caseId: z.string(),
  fromCrewId: z.string().nullable(),
  toCrewId: z.string().nullable(),
  fromPosition: z.number().int().nullable(),
  toPosition: z.number().int().nullable(),
  /** The case's version the plan was made against (the mutation's baseVersion). */
  baseVersion: z.number().int().positive(),
});
export type PlanChange = z.infer<typeof PlanChange>;

export const PlanCrewFigures = z.object({
  crewId: z.string(),
  serviceMinutes: z.number(),
  travelMinutes: z.number(),
  routeKm: z.number(),
  cases: z.number().int(),
});

export const BalanceResponse = z.object({
  changes: z.array(PlanChange),
  before: z.array(PlanCrewFigures),
  after: z.array(PlanCrewFigures),
  /** Cases the plan could not place (no crew with the skill or the room). */
  unplaced: z.array(z.object({ caseId: z.string(), why: z.string() })),
  /**
   * The day's work does not fit the crews' hours: the plan lets routes run over them, the
   * overrun shared by each crew's capacity, rather than leave cases out.
   */
  overtime: z.boolean(),
  solveMs: z.number(),
});
export type BalanceResponse = z.infer<typeof BalanceResponse>;
