/**
 * SQL of the sync engine. A push is a handful of set-based statements however many
 * mutations it carries (jsonb_to_recordset), not a round trip per row.
 */
import {
  ROUTE_STATES,
  type CaseFacts,
  type Mutation,
  type Outcome,
  type OutcomeKind,
  type PhotoKind,
  type PhotoWhereWhen,
  type Reason,
  type TypeRules,
} from '@fieldfix/shared';
import type { Queryable } from '../db/database.ts';
import type { RouteKey } from './route-order.ts';

/** A JSON parameter (postgres.js types it; passing JSON text would encode it twice). */
function json(tx: Queryable, value: unknown) {
  return tx.json(value as Parameters<Queryable['json']>[0]);
}

/**
 * Registers this transaction as a writer of the change log (migration 0018): its first cursor,
 * taken here, holds back every reader's head until it commits, so the cursors it then takes
 * straight from the sequence are covered too. Writers do not wait on each other.
 */
export async function holdChangeCursor(tx: Queryable): Promise<void> {
  await tx`select take_change_cursor()`;
}

export type OutcomeRow = {
  id: string;
  case_id: string;
  landed_on_case_id: string | null;
  outcome: OutcomeKind;
  reason: Reason | null;
  message: string;
  case_version: number | null;
  kind: Mutation['kind'];
};

export function toOutcome(r: Omit<OutcomeRow, 'kind'>): Outcome {
  return {
    mutationId: r.id,
    caseId: r.case_id,
    landedOnCaseId: r.landed_on_case_id,
    outcome: r.outcome,
    reason: r.reason,
    message: r.message,
    caseVersion: r.case_version,
  };
}

/** R1: outcomes already recorded for these mutation ids. */
export async function findOutcomes(tx: Queryable, ids: string[]): Promise<Map<string, Outcome>> {
  const rows = await tx<OutcomeRow[]>`
    select id::text, case_id::text, landed_on_case_id::text, outcome, reason, message, case_version, kind
    from mutations where id = any(${ids}::uuid[])`;
  return new Map(rows.map((r) => [r.id, toOutcome(r)]));
}

/** A case as the rules see it, plus what the engine needs to write it back. */
export type WorkingCase = CaseFacts & { serviceCode: string; lat: number; long: number };

type WorkingRow = {
  id: string;
  state: CaseFacts['state'];
  assigned_crew_id: string | null;
  assigned_day: string | null;
  route_position: number | null;
  priority: CaseFacts['priority'];
  expected_at: Date | null;
  hold_reason: string | null;
  resolution_code: string | null;
  close_reason: string | null;
  status_notes: string | null;
  merged_into_id: string | null;
  cancelled: boolean;
  version: number;
  service_code: string;
  lat: number;
  long: number;
  closed_at: Date | null;
};

const workingColumns = (tx: Queryable) => tx`
  id::text, state, assigned_crew_id, assigned_day::text, route_position, priority, expected_at,
  hold_reason, resolution_code, close_reason, status_notes, merged_into_id::text, cancelled, version,
  service_code, closed_at, lat, long`;

/** Reads cases without locking them (to find out which rows a push must lock). */
export async function readCases(tx: Queryable, ids: string[]): Promise<Map<string, WorkingCase>> {
  if (ids.length === 0) return new Map();
  return toWorking(await tx<WorkingRow[]>`select ${workingColumns(tx)} from cases where id = any(${ids}::bigint[])`);
}

/** A crew's day whose route a push may rewrite. */
export type CrewDay = { crewId: string; day: string };

/**
 * Locks, in one statement and in id order, the cases `ids` and every open case on the routes
 * `crewDays` (a push that places or moves a case rewrites its neighbours' positions), and
 * returns them as they are now. Every push locks all the rows it will write this way before
 * it takes the change-log lock, so two pushes never wait on each other in a circle.
 */
/**
 * How a push holds the case rows it decides on: `update` when it may write them; `share` when
 * nothing it sends can change a case row (notes only: R4). Shared holders do not wait for one
 * another, so crew-mates' notes on the same case land side by side, while a change to the case
 * (a start, a merge) still waits for them and they for it: a note is never decided on a row
 * another transaction is changing.
 */
export type LockMode = 'update' | 'share';

export async function lockCases(
  tx: Queryable,
  ids: string[],
  crewDays: CrewDay[],
  mode: LockMode = 'update',
): Promise<Map<string, WorkingCase>> {
  let all = ids;
  if (crewDays.length > 0) {
    // The routes' open cases first, unlocked (an indexed lookup per crew and day); then all
    // rows in one ordered lock. A case moved onto one of these routes in between was placed
    // by a push that has committed, so its row is free to take later.
    const days = crewDays.map((d) => ({ crew_id: d.crewId, day: d.day }));
    const neighbours = await tx<{ id: string }[]>`
      select c.id::text from jsonb_to_recordset(${json(tx, days)}) as x(crew_id text, day date)
      join cases c on c.assigned_crew_id = x.crew_id and c.assigned_day = x.day
      where c.state = any(${[...ROUTE_STATES]}::text[])`;
    all = [...new Set([...ids, ...neighbours.map((n) => n.id)])];
  }
  if (all.length === 0) return new Map();
  // One statement: the rows are locked in id order (the lock is taken above the sort).
  return toWorking(
    await tx<WorkingRow[]>`
      select ${workingColumns(tx)} from cases where id = any(${all}::bigint[]) order by id
      ${mode === 'share' ? tx`for share` : tx`for update`}`,
  );
}

/** Loads cases and locks their rows for the rest of the transaction. */
export async function loadCasesForUpdate(tx: Queryable, ids: string[]): Promise<Map<string, WorkingCase>> {
  return lockCases(tx, ids, []);
}

/** Photos already recorded, by id: the case each belongs to and its kind. */
export async function findPhotoOwners(tx: Queryable, ids: string[]): Promise<Map<string, KnownPhoto>> {
  if (ids.length === 0) return new Map();
  const rows = await tx<
    { id: string; case_id: string; kind: PhotoKind; taken_at: Date | null; lat: number | null; long: number | null }[]
  >`select id::text, case_id::text, kind, taken_at, lat, long from photos where id = any(${ids}::uuid[])`;
  return new Map(
    rows.map((r) => [
      r.id,
      { caseId: r.case_id, kind: r.kind, takenAt: r.taken_at?.toISOString() ?? null, lat: r.lat, long: r.long },
    ]),
  );
}

/** A photo as the push knows it: whose it is, and where and when it was taken. */
export type KnownPhoto = { caseId: string; kind: PhotoKind } & PhotoWhereWhen;

function toWorking(rows: WorkingRow[]): Map<string, WorkingCase> {
  return new Map(
    rows.map((r) => [
      r.id,
      {
        id: r.id,
        state: r.state,
        crewId: r.assigned_crew_id,
        assignedDay: r.assigned_day,
        routePosition: r.route_position,
        priority: r.priority,
        expectedAt: r.expected_at?.toISOString() ?? null,
        holdReason: r.hold_reason,
        resolutionCode: r.resolution_code,
        closeReason: r.close_reason,
        statusNotes: r.status_notes,
        mergedIntoId: r.merged_into_id,
        cancelled: r.cancelled,
        version: r.version,
        serviceCode: r.service_code,
        lat: r.lat,
        long: r.long,
        closedAt: r.closed_at?.toISOString() ?? null,
      },
    ]),
  );
}

export async function loadTypeRules(tx: Queryable): Promise<Map<string, TypeRules>> {
  const rows = await tx<
    {
      code: string;
      department_id: string;
      photo_required_on_fix: boolean;
      resolution_codes: TypeRules['resolutionCodes'];
      hold_reasons: TypeRules['holdReasons'];
      close_reasons: TypeRules['closeReasons'];
    }[]
  >`select code, department_id, photo_required_on_fix, resolution_codes, hold_reasons, close_reasons from service_types`;
  return new Map(
    rows.map((r) => [
      r.code,
      {
        departmentId: r.department_id,
        photoRequiredOnFix: r.photo_required_on_fix,
        resolutionCodes: r.resolution_codes,
        holdReasons: r.hold_reasons,
        closeReasons: r.close_reasons,
      },
    ]),
  );
}

export async function loadCrewDepartments(tx: Queryable): Promise<Map<string, string>> {
  const rows = await tx<{ id: string; department_id: string }[]>`select id, department_id from crews`;
  return new Map(rows.map((r) => [r.id, r.department_id]));
}

/** R8: the crew each case had at the version its device last saw. Key: `${caseId}@${version}`. */
export async function crewsAtVersions(
  tx: Queryable,
  pairs: { caseId: string; version: number }[],
): Promise<Map<string, string | null>> {
  if (pairs.length === 0) return new Map();
  const rows = await tx<{ case_id: string; base_version: number; crew_id: string | null }[]>`
    select x.case_id::text, x.base_version,
      (select e.crew_id from case_events e
        where e.case_id = x.case_id and e.version <= x.base_version
        order by e.version desc, e.id desc limit 1) as crew_id
    from jsonb_to_recordset(${json(
      tx,
      pairs.map((p) => ({ case_id: p.caseId, base_version: p.version })),
    )})
      as x(case_id bigint, base_version integer)`;
  return new Map(rows.map((r) => [`${r.case_id}@${r.base_version}`, r.crew_id]));
}

/**
 * The desk moves made on a picture older than their crew's start: the cases (of `pairs`) their
 * crew started after the version the lead's device showed. (A hold or a resume after it is not:
 * the lead saw the job under way.) Key: `${caseId}@${version}`.
 */
export async function fieldWorkSince(
  tx: Queryable,
  pairs: { caseId: string; version: number }[],
): Promise<Set<string>> {
  if (pairs.length === 0) return new Set();
  const rows = await tx<{ case_id: string; base_version: number }[]>`
    select x.case_id::text, x.base_version
    from jsonb_to_recordset(${json(
      tx,
      pairs.map((p) => ({ case_id: p.caseId, base_version: p.version })),
    )}) as x(case_id bigint, base_version integer)
    where exists (
      select 1 from case_events e
      where e.case_id = x.case_id and e.version > x.base_version
        and e.kind = 'started' and e.outcome = 'applied')`;
  return new Set(rows.map((r) => `${r.case_id}@${r.base_version}`));
}

/** When each of these cases was last reopened (a lead's reopen, a resident's "still a problem"). */
export async function reopenings(tx: Queryable, caseIds: string[]): Promise<Map<string, string>> {
  if (caseIds.length === 0) return new Map();
  const rows = await tx<{ case_id: string; at: Date }[]>`
    select case_id::text, max(at) as at from case_events
    where case_id = any(${caseIds}::bigint[]) and kind = 'reopened' and (outcome is null or outcome = 'applied')
    group by case_id`;
  return new Map(rows.map((r) => [r.case_id, r.at.toISOString()]));
}

/** Writes the changed cases back in one statement; the trigger moves their cursors. */
export async function updateCases(tx: Queryable, cases: WorkingCase[]): Promise<void> {
  if (cases.length === 0) return;
  const rows = cases.map((c) => ({
    id: c.id,
    state: c.state,
    crew_id: c.crewId,
    assigned_day: c.assignedDay,
    route_position: c.routePosition,
    priority: c.priority,
    expected_at: c.expectedAt,
    hold_reason: c.holdReason,
    resolution_code: c.resolutionCode,
    close_reason: c.closeReason,
    status_notes: c.statusNotes,
    merged_into_id: c.mergedIntoId,
    cancelled: c.cancelled,
    version: c.version,
    closed_at: c.closedAt,
  }));
  await tx`
    update cases c set
      state = x.state, assigned_crew_id = x.crew_id, assigned_day = x.assigned_day, route_position = x.route_position,
      priority = x.priority, expected_at = x.expected_at, hold_reason = x.hold_reason,
      resolution_code = x.resolution_code, close_reason = x.close_reason, status_notes = x.status_notes,
      merged_into_id = x.merged_into_id, cancelled = x.cancelled, version = x.version, closed_at = x.closed_at,
      updated_at = now()
    from jsonb_to_recordset(${json(tx, rows)}) as x(
      id bigint, state text, crew_id text, assigned_day date, route_position integer, priority text,
      expected_at timestamptz, hold_reason text, resolution_code text, close_reason text, status_notes text,
      merged_into_id bigint, cancelled boolean, version integer, closed_at timestamptz)
    where c.id = x.id`;
}

/**
 * A history entry a push writes. Who made it and when it happened are its mutation's (the
 * person pushing, and the mutation's `happened_at`; the server's receipt time is the row's
 * `received_at`): taken from the mutation's row as both are written.
 */
export type EventInsert = {
  case_id: string;
  kind: string;
  mutation_id: string;
  data: Record<string, unknown>;
  version: number;
  crew_id: string | null;
  outcome: OutcomeKind;
};

export type MutationInsert = {
  id: string;
  client_id: string;
  seq: number;
  user_id: string;
  case_id: string;
  landed_on_case_id: string | null;
  kind: string;
  payload: unknown;
  base_version: number;
  device_time: string;
  /** `device_time` corrected for the device's clock offset, within bounds (push.service.ts). */
  happened_at: string;
  outcome: OutcomeKind;
  reason: Reason | null;
  message: string;
  case_version: number | null;
};

/**
 * Records outcomes (R1, R9) and history entries in one statement. Cursors come straight from
 * the sequence: the caller's transaction is registered (holdChangeCursor).
 *
 * What a history entry shares with its mutation (who, when, and for most kinds the data, which
 * is the payload itself) is not sent twice: the entry names its mutation and the statement
 * takes the rest from the mutation's row. The bytes a push sends cost it CPU on both sides.
 * Every entry's mutation is among `outcomes`.
 */
export async function insertOutcomesAndEvents(
  tx: Queryable,
  outcomes: MutationInsert[],
  events: EventInsert[],
): Promise<void> {
  if (outcomes.length === 0 && events.length === 0) return;
  const byId = new Map(outcomes.map((o) => [o.id, o]));
  const wireOutcomes = outcomes.map((o) => ({
    ...o,
    // The same as the device's time when its clock was right: sent once.
    happened_at: o.happened_at === o.device_time ? undefined : o.happened_at,
    landed_on_case_id: o.landed_on_case_id ?? undefined,
    reason: o.reason ?? undefined,
    case_version: o.case_version ?? undefined,
  }));
  const wireEvents = events.map((e) => ({
    ...e,
    data: sameShallow(e.data, byId.get(e.mutation_id)?.payload) ? undefined : e.data,
    crew_id: e.crew_id ?? undefined,
  }));
  await tx`
    with recorded as (
      insert into mutations (id, client_id, seq, user_id, case_id, landed_on_case_id, kind, payload, base_version,
                             device_time, happened_at, outcome, reason, message, case_version, cursor)
      select x.id, x.client_id, x.seq, x.user_id, x.case_id, x.landed_on_case_id, x.kind, x.payload, x.base_version,
             x.device_time, coalesce(x.happened_at, x.device_time), x.outcome, x.reason, x.message, x.case_version,
             nextval('case_change_cursor')
      from jsonb_to_recordset(${json(tx, wireOutcomes)}) as x(
        id uuid, client_id text, seq integer, user_id text, case_id bigint, landed_on_case_id bigint, kind text,
        payload jsonb, base_version integer, device_time timestamptz, happened_at timestamptz, outcome text,
        reason text, message text, case_version integer)
      returning id, user_id, happened_at, payload
    )
    insert into case_events (case_id, at, kind, actor_user_id, mutation_id, data, version, crew_id, outcome)
    select x.case_id, r.happened_at, x.kind, r.user_id, x.mutation_id, coalesce(x.data, r.payload), x.version,
      x.crew_id, x.outcome
    from rows from (jsonb_to_recordset(${json(tx, wireEvents)}) as (
      case_id bigint, kind text, mutation_id uuid, data jsonb, version integer, crew_id text, outcome text))
      with ordinality as x(case_id, kind, mutation_id, data, version, crew_id, outcome, n)
    -- Every entry's mutation is in this batch; one that was not would have no time and fail the
    -- statement and the whole push (nothing half-written), never be dropped.
    left join recorded r on r.id = x.mutation_id
    -- In the order given: a history entry's id tells what happened first (a redirect note, then the work).
    order by x.n`;
}

/**
 * Whether `a` has exactly `b`'s keys, each with the same value or the same object (a note's
 * data and its payload; a hold's data is a copy of its payload, which shares nested objects).
 */
function sameShallow(a: Record<string, unknown>, b: unknown): boolean {
  if (typeof b !== 'object' || b === null || Array.isArray(b)) return false;
  const keys = Object.keys(a);
  if (keys.length !== Object.keys(b).length) return false;
  return keys.every((k) => a[k] === (b as Record<string, unknown>)[k]);
}

/** Photo metadata from `attach_photo`; the bytes arrive separately. */
export async function insertPhotos(
  tx: Queryable,
  rows: {
    id: string;
    case_id: string;
    uploaded_by: string;
    kind: string;
    content_type: string;
    byte_size: number;
    width: number;
    height: number;
    taken_at: string | null;
    lat: number | null;
    long: number | null;
  }[],
): Promise<void> {
  if (rows.length === 0) return;
  await tx`
    insert into photos (id, case_id, uploaded_by, kind, content_type, byte_size, width, height, storage_key, taken_at, lat, long)
    select x.id, x.case_id, x.uploaded_by, x.kind, x.content_type, x.byte_size, x.width, x.height, 'pending/' || x.id, x.taken_at, x.lat, x.long
    from jsonb_to_recordset(${json(tx, rows)}) as x(
      id uuid, case_id bigint, uploaded_by text, kind text, content_type text, byte_size integer, width integer,
      height integer, taken_at timestamptz, lat double precision, long double precision)
    on conflict (id) do nothing`;
}

/**
 * The open cases of each route (`crewId|day`) in `routes`, in route order, as this
 * transaction sees them: read before a batch writes its cases, it is where the batch began.
 */
export async function routesAsTheyStand(tx: Queryable, routes: readonly RouteKey[]): Promise<Map<RouteKey, string[]>> {
  const out = new Map<RouteKey, string[]>(routes.map((r) => [r, []]));
  if (routes.length === 0) return out;
  const pairs = routes.map((r) => r.split('|') as [string, string]);
  const rows = await tx<{ id: string; crew_id: string; day: string }[]>`
    select c.id::text, c.assigned_crew_id as crew_id, c.assigned_day::text as day
    from cases c
    join unnest(${pairs.map((p) => p[0])}::text[], ${pairs.map((p) => p[1])}::date[]) as r(crew_id, day)
      on c.assigned_crew_id = r.crew_id and c.assigned_day = r.day
    where c.state = any(${[...ROUTE_STATES]}::text[])
    order by c.route_position nulls last, c.id`;
  for (const r of rows) out.get(`${r.crew_id}|${r.day}`)?.push(r.id);
  return out;
}

/** Numbers each route's cases 1…n in the order given (only the rows whose position changes are written). */
export async function numberRoutes(tx: Queryable, routes: ReadonlyMap<RouteKey, readonly string[]>): Promise<void> {
  const rows = [...routes.values()].flatMap((ids) => ids.map((id, i) => ({ id, pos: i + 1 })));
  if (rows.length === 0) return;
  await tx`
    update cases c set route_position = x.pos
    from jsonb_to_recordset(${json(tx, rows)}) as x(id bigint, pos integer)
    where c.id = x.id and c.route_position is distinct from x.pos`;
}
