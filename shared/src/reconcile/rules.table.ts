/**
 * The reconciliation rules as a table: for every mutation kind and every rule that applies to
 * it, the starting case, the change as a device sends it, who sends it, and what must come
 * of it — the outcome and its reason, the case afterwards (and whether its version moved),
 * the resident notices queued (R10) and whether the lead is told. Data only, and pure.
 *
 * The expected columns are written from PRODUCT.md (R1–R10) and SPEC.md beside this file,
 * not from what `decide` returns. Two runners read the same rows: `rules.table.test.ts` runs
 * each through `decide` and `applyPatch`, `sync-server/src/sync/rules-table.pg.test.ts`
 * pushes each over HTTP to the server on PostgreSQL. R1 (a replay gets the original outcome
 * and writes nothing) and R9 (one outcome, one history entry per case the change touched,
 * refused changes with their payload) are checked by the runners on every row; the rows
 * that cite them are the ones where the rule is the point.
 *
 * DISAGREEMENTS between the code and the docs, found while writing the expected column:
 *
 * 1. `cancel` took any reason. PRODUCT.md: a case closed as not fixed always has a reason,
 *    one of the service type's close reasons (duplicate, not the city's, cannot locate, no
 *    action needed); `close_not_fixed` checked it, `cancel` (which closes the case as not
 *    fixed and shows the reason to the resident) did not. The docs are right: `decide` now
 *    rejects a cancellation whose reason the type does not have (`invalid-payload`), as it
 *    does a close-not-fixed. Row: "[R9] cancelling with a reason the service type does not
 *    have is rejected: invalid-payload".
 * 2. `start` or `hold` by a crew on a case the lead unassigned while the crew worked offline
 *    was applied (R8: work done while the case was theirs is accepted) and left the case in
 *    progress or on hold with no crew — the state SPEC.md's R8 rules out ("a lead starting an
 *    unassigned case would leave it in progress with no crew"); no crew's device would hold
 *    it. The docs are right: such work now takes the case back to the crew that did it, on
 *    the day it was done, as a fix already did (R2), and the lead is told. SPEC.md's R8 says
 *    so. Rows: "[R8] start on a case the lead unassigned …", "[R8] hold on a case the lead
 *    unassigned …".
 * 3. Work redirected from a merged case to a surviving case of another department was refused
 *    (`not-your-department`, as SPEC.md's R8 says), but the refusal — with the payload, a
 *    note's text — was recorded in the history of the other department's case, and that
 *    department's lead was told. The docs are right that it must not cross: `decide` now
 *    refuses it on the merged case itself, before redirecting, so it is recorded on the case
 *    the device worked on and only its own department's lead hears of it. Row: "[R6] a note on
 *    a merged case whose surviving case is of another department …".
 */
import type { MutationKind, PayloadOf } from '../sync/mutation.ts';
import type { OutcomeKind, Reason } from '../sync/outcome.ts';
import type { Actor, CaseFacts, NoticeTemplate, PhotoKind, TypeRules } from './rules.ts';

export type Rule = 'R1' | 'R2' | 'R3' | 'R4' | 'R5' | 'R6' | 'R7' | 'R8' | 'R9' | 'R10';

// ---- the demo city the rows live in (sync-server/src/demo/) -------------------------------

/** Who sends a change. */
export type CallerName =
  | 'worker' // Streets Crew A
  | 'worker-other-crew' // Streets Crew B
  | 'worker-no-crew' // a worker between crews (the schema forbids it today; the access model must not rely on that)
  | 'lead' // Streets
  | 'lead-other-department' // Sanitation
  | 'admin';

export const CALLERS: Record<CallerName, { email: string; actor: Actor }> = {
  worker: {
    email: 'worker@riverton.example',
    actor: { userId: 'u-w01', role: 'worker', crewId: 'streets-a', departmentId: 'streets' },
  },
  'worker-other-crew': {
    email: 'worker.b@riverton.example',
    actor: { userId: 'u-w02', role: 'worker', crewId: 'streets-b', departmentId: 'streets' },
  },
  'worker-no-crew': {
    email: 'worker.nocrew@riverton.example',
    actor: { userId: 'u-nocrew', role: 'worker', crewId: null, departmentId: 'streets' },
  },
  lead: {
    email: 'lead@riverton.example',
    actor: { userId: 'u-lead-streets', role: 'lead', crewId: null, departmentId: 'streets' },
  },
  'lead-other-department': {
    email: 'lead.sanitation@riverton.example',
    actor: { userId: 'u-lead-sanitation', role: 'lead', crewId: null, departmentId: 'sanitation' },
  },
  admin: {
    email: 'admin@riverton.example',
    actor: { userId: 'u-admin', role: 'admin', crewId: null, departmentId: null },
  },
};

/** The demo city's crews and their departments. */
export const CREW_DEPARTMENTS: Record<string, string> = {
  'streets-a': 'streets',
  'streets-b': 'streets',
  'sanitation-n': 'sanitation',
  'sanitation-s': 'sanitation',
  forestry: 'forestry',
  signals: 'traffic',
};
export type CrewId = 'streets-a' | 'streets-b' | 'sanitation-n';

const choices = (...codes: string[]) => codes.map((code) => ({ code, label: code }));
const HOLD_REASONS = choices(
  'needs_material',
  'needs_equipment',
  'blocked_access',
  'weather',
  'waiting_utility',
  'unsafe',
);
const CLOSE_REASONS = choices('duplicate', 'not_city_responsibility', 'cannot_locate', 'no_action_needed');

/** The demo catalogue's rules for the service types the rows use (`sync-server/src/demo/catalog.ts`). */
export const TYPES = {
  /** Streets, no photo needed to fix. */
  SIDEWALK: {
    departmentId: 'streets',
    photoRequiredOnFix: false,
    resolutionCodes: choices('ground_down', 'slab_replaced', 'temporary_ramp'),
    holdReasons: HOLD_REASONS,
    closeReasons: CLOSE_REASONS,
  },
  /** Streets, an after-photo needed to fix. */
  POTHOLE: {
    departmentId: 'streets',
    photoRequiredOnFix: true,
    resolutionCodes: choices('patched_cold', 'patched_hot', 'referred_resurfacing'),
    holdReasons: HOLD_REASONS,
    closeReasons: CLOSE_REASONS,
  },
  /** Sanitation: another department. */
  MISSED_PICKUP: {
    departmentId: 'sanitation',
    photoRequiredOnFix: false,
    resolutionCodes: choices('collected', 'not_out'),
    holdReasons: HOLD_REASONS,
    closeReasons: CLOSE_REASONS,
  },
} satisfies Record<string, TypeRules>;
export type TypeCode = keyof typeof TYPES;

// ---- cases, photos and the tokens rows use for what a runner knows only when it runs -------

/** The row's case is `self`; some rows need other cases (merges). */
export type CaseName = 'self' | 'b' | 'c' | 'd' | 'e' | 'f' | 'g' | 'h';
/** A case named in a payload or a case field: one of the row's, or one that does not exist. */
export type CaseRef = `@${CaseName}` | '@missing';
/** When the change happened (a close's `closedAt`): the runner's clock. */
export const AT = '<when the change happened>';
/** The city's calendar day when the change happened. */
export const TODAY = '<the city day of the change>';
/** A photo id in a payload: `#name`, one of the row's `photos` or one never recorded. */
export type PhotoRef = `#${string}`;

type Fields = Omit<CaseFacts, 'id' | 'version'>;

/** A case as it is before the change. `mergedIntoId` is a `CaseRef`. */
export type CaseStart = Fields & { type: TypeCode; version: number };

/** A photo already recorded before the change. */
export type PhotoStart = { name: PhotoRef; on: CaseName; kind: PhotoKind };

/** Whether the lead is told: a lead inbox entry of this kind, or none. */
export type LeadTold = 'crossed-path' | 'not-applied' | 'none';

export type Expected = {
  outcome: OutcomeKind;
  reason: Reason | null;
  /** The case the change took effect on, or was refused on: `self` unless R6 redirected it. */
  landsOn?: CaseName;
  /** Whether the version of that case moved. */
  version: 'moved' | 'same';
  /** Fields of that case that are different afterwards; every other field is as it was. */
  changes?: Partial<Fields>;
  /** A place in a crew's day: appended (at `position`, or last) or moved to `position`. */
  route?: { op: 'append' | 'move'; crewId: string; day: string; position: number | null };
  /** The history entry it leaves on that case (refused changes: their kind and payload). */
  event?: { kind: string; data?: Record<string, unknown> };
  /** Resident notices queued (R10). */
  notices: NoticeTemplate[];
  lead: LeadTold;
};

type RowOf<K extends MutationKind> = {
  /** The test name: cites the rule first, `[R5] …`. */
  name: string;
  /** Every rule the row checks (the one in the name first). */
  rules: Rule[];
  kind: K;
  caller: CallerName;
  start: CaseStart;
  /**
   * The version the device last saw, and the case's crew then (R8), when the case changed
   * since. Without it the device saw the case as it is.
   */
  seen?: { version: number; crewId: CrewId | null };
  /** Other cases the row needs (the surviving case of a merge, another case's photo). */
  others?: Partial<Record<Exclude<CaseName, 'self'>, CaseStart>>;
  photos?: PhotoStart[];
  /** The payload as the device sends it; case and photo ids as `CaseRef` and `PhotoRef`. */
  payload: PayloadOf<K>;
  expect: Expected;
};
export type TableRow = { [K in MutationKind]: RowOf<K> }[MutationKind];

function row<K extends MutationKind>(r: RowOf<K>): TableRow {
  return r as unknown as TableRow;
}

// ---- starting states ---------------------------------------------------------------------

/** A day no seeded demo case is on, and the next one. */
export const DAY = '2031-03-04';
export const DAY2 = '2031-03-05';
const DUE = '2031-03-11T17:00:00.000Z';
const CLOSED_AT = '2031-03-04T15:30:00.000Z';

type Over = Partial<CaseStart>;
const assigned = (over: Over = {}): CaseStart => ({
  type: 'SIDEWALK',
  state: 'assigned',
  crewId: 'streets-a',
  assignedDay: DAY,
  routePosition: 3,
  priority: 'normal',
  expectedAt: DUE,
  holdReason: null,
  resolutionCode: null,
  closeReason: null,
  statusNotes: null,
  mergedIntoId: null,
  cancelled: false,
  closedAt: null,
  version: 4,
  ...over,
});
const inProgress = (over: Over = {}) => assigned({ state: 'in_progress', ...over });
const onHold = (over: Over = {}) => assigned({ state: 'on_hold', holdReason: 'needs_material', ...over });
const unassigned = (over: Over = {}) =>
  assigned({ state: 'new', crewId: null, assignedDay: null, routePosition: null, ...over });
const fixed = (over: Over = {}) =>
  assigned({
    state: 'fixed',
    resolutionCode: 'ground_down',
    statusNotes: 'Lip ground down.',
    closedAt: CLOSED_AT,
    ...over,
  });
const closedNotFixed = (over: Over = {}) =>
  assigned({ state: 'closed_not_fixed', closeReason: 'cannot_locate', closedAt: CLOSED_AT, ...over });
const cancelled = (over: Over = {}) =>
  closedNotFixed({ closeReason: 'no_action_needed', statusNotes: 'Withdrawn.', cancelled: true, ...over });
const merged = (into: CaseRef = '@b', over: Over = {}) =>
  closedNotFixed({ closeReason: 'duplicate', mergedIntoId: into, ...over });
/** A surviving case: Crew B's, so that nothing about it is the worker's own. */
const survivor = (over: Over = {}) => assigned({ crewId: 'streets-b', routePosition: 5, version: 6, ...over });
/** A case of another department. */
const sanitationCase = (over: Over = {}) =>
  assigned({ type: 'MISSED_PICKUP', crewId: 'sanitation-n', routePosition: 2, ...over });

/** The case was Crew A's at version 4 (when the device last saw it) and moved since. */
const SEEN_AS_OURS = { version: 4, crewId: 'streets-a' } as const;

// ---- payloads ----------------------------------------------------------------------------

const FIX = { resolutionCode: 'ground_down', note: 'Lip ground down flush.', photoIds: [] as string[] };
const FIXED = {
  state: 'fixed',
  resolutionCode: 'ground_down',
  statusNotes: 'Lip ground down flush.',
  holdReason: null,
  closeReason: null,
  closedAt: AT,
} satisfies Partial<Fields>;
const POTHOLE_FIX = (photoIds: string[]) => ({ resolutionCode: 'patched_cold', note: 'Cold patch.', photoIds });
const POTHOLE_FIXED = {
  ...FIXED,
  resolutionCode: 'patched_cold',
  statusNotes: 'Cold patch.',
} satisfies Partial<Fields>;
const CLOSE = { reason: 'cannot_locate', note: 'Nothing at that address.' };
const CLOSED = {
  state: 'closed_not_fixed',
  closeReason: 'cannot_locate',
  statusNotes: 'Nothing at that address.',
  holdReason: null,
  closedAt: AT,
} satisfies Partial<Fields>;
const HOLD = { reason: 'needs_material', note: 'Waiting for a slab.' };
const NOTE = { text: 'Cones placed around the slab.' };
const PHOTO = (photoId: PhotoRef) => ({
  photoId,
  tag: 'after' as const,
  contentType: 'image/jpeg' as const,
  byteSize: 120_000,
  width: 1200,
  height: 900,
  takenAt: null,
  lat: null,
  long: null,
});
const TRANSFER = { departmentId: 'forestry', reason: 'Tree roots lifted the slab: forestry should grind the stump.' };
const TO_CREW_B = { crewId: 'streets-b', day: DAY2, position: null };
const CANCEL = { reason: 'no_action_needed', note: 'The resident withdrew the report.' };
const CANCELLED = {
  state: 'closed_not_fixed',
  closeReason: 'no_action_needed',
  statusNotes: 'The resident withdrew the report.',
  cancelled: true,
  holdReason: null,
  closedAt: AT,
} satisfies Partial<Fields>;
const REOPEN = { reason: 'The resident says it is still broken.' };
const REOPENED = {
  state: 'new',
  crewId: null,
  assignedDay: null,
  routePosition: null,
  resolutionCode: null,
  closeReason: null,
  mergedIntoId: null,
  cancelled: false,
  closedAt: null,
  statusNotes: null,
} satisfies Partial<Fields>;
const UNASSIGNED = {
  state: 'new',
  crewId: null,
  assignedDay: null,
  routePosition: null,
  holdReason: null,
} satisfies Partial<Fields>;
const MERGED_INTO_B = {
  state: 'closed_not_fixed',
  closeReason: 'duplicate',
  mergedIntoId: '@b',
  holdReason: null,
  closedAt: AT,
} satisfies Partial<Fields>;

// ---- expected outcomes -------------------------------------------------------------------

const applied = (more: Partial<Expected> = {}): Expected => ({
  outcome: 'applied',
  reason: null,
  version: 'moved',
  notices: [],
  lead: 'none',
  ...more,
});
/** Recorded, adds history, not a version (notes, photos, transfer requests). */
const kept = (more: Partial<Expected> = {}): Expected => applied({ version: 'same', ...more });
/** Not applied: nothing about the case changes; the device is told; so is the lead (the inbox). */
const superseded = (reason: Reason, more: Partial<Expected> = {}): Expected => ({
  outcome: 'superseded',
  reason,
  version: 'same',
  notices: [],
  lead: 'not-applied',
  ...more,
});
const rejected = (reason: Reason, more: Partial<Expected> = {}): Expected => ({
  ...superseded(reason),
  outcome: 'rejected',
  ...more,
});
/** R6: the work landed on the surviving case. */
const landed = (more: Partial<Expected> = {}): Expected => ({
  outcome: 'merged',
  reason: 'landed-on-surviving-case',
  landsOn: 'b',
  version: 'moved',
  notices: [],
  lead: 'none',
  ...more,
});

// ---- the rows ----------------------------------------------------------------------------

const START: TableRow[] = [
  row({
    name: "[R8] start by a worker of the case's crew is applied: in progress",
    rules: ['R8'],
    kind: 'start',
    caller: 'worker',
    start: assigned(),
    payload: {},
    expect: applied({ changes: { state: 'in_progress' }, event: { kind: 'started' } }),
  }),
  row({
    name: '[R5] start of a case already in progress is superseded: already-in-state',
    rules: ['R5'],
    kind: 'start',
    caller: 'worker',
    start: inProgress(),
    payload: {},
    expect: superseded('already-in-state'),
  }),
  row({
    name: '[R5] start after a fix is superseded: case-closed',
    rules: ['R5'],
    kind: 'start',
    caller: 'worker',
    start: fixed(),
    payload: {},
    expect: superseded('case-closed'),
  }),
  row({
    name: '[R5] start of a case closed as not fixed is superseded: case-closed',
    rules: ['R5'],
    kind: 'start',
    caller: 'worker',
    start: closedNotFixed(),
    payload: {},
    expect: superseded('case-closed'),
  }),
  row({
    name: '[R5] start of a cancelled case is superseded: case-closed',
    rules: ['R5', 'R6'],
    kind: 'start',
    caller: 'worker',
    start: cancelled(),
    payload: {},
    expect: superseded('case-closed'),
  }),
  row({
    name: '[R5] start of a case on hold puts it back in progress and clears the hold reason',
    rules: ['R5'],
    kind: 'start',
    caller: 'worker',
    start: onHold(),
    payload: {},
    expect: applied({ changes: { state: 'in_progress', holdReason: null } }),
  }),
  row({
    name: '[R8] start by a worker of another crew is rejected: not-your-crew',
    rules: ['R8'],
    kind: 'start',
    caller: 'worker-other-crew',
    start: assigned(),
    payload: {},
    expect: rejected('not-your-crew'),
  }),
  row({
    name: '[R8] start by a worker with no crew on an unassigned case is rejected: not-your-crew',
    rules: ['R8'],
    kind: 'start',
    caller: 'worker-no-crew',
    start: unassigned(),
    payload: {},
    expect: rejected('not-your-crew'),
  }),
  row({
    name: '[R8] start by a lead is rejected: role-not-allowed (field status changes belong to a crew)',
    rules: ['R8'],
    kind: 'start',
    caller: 'lead',
    start: assigned(),
    payload: {},
    expect: rejected('role-not-allowed'),
  }),
  row({
    name: '[R8] start of an unassigned case by a lead is rejected: role-not-allowed (no case in progress with no crew)',
    rules: ['R8'],
    kind: 'start',
    caller: 'lead',
    start: unassigned(),
    payload: {},
    expect: rejected('role-not-allowed'),
  }),
  row({
    name: '[R8] start by a lead of another department is rejected: role-not-allowed',
    rules: ['R8'],
    kind: 'start',
    caller: 'lead-other-department',
    start: assigned(),
    payload: {},
    expect: rejected('role-not-allowed'),
  }),
  row({
    name: '[R8] start by an admin is rejected: role-not-allowed',
    rules: ['R8'],
    kind: 'start',
    caller: 'admin',
    start: assigned(),
    payload: {},
    expect: rejected('role-not-allowed'),
  }),
  row({
    name: '[R8] start on a case moved to another crew while the device was offline is accepted, and the lead told',
    rules: ['R8', 'R2'],
    kind: 'start',
    caller: 'worker',
    start: assigned({ crewId: 'streets-b', version: 5 }),
    seen: SEEN_AS_OURS,
    payload: {},
    expect: applied({ changes: { state: 'in_progress' }, lead: 'crossed-path' }),
  }),
  row({
    name: "[R8] start on a case the lead unassigned while the device was offline puts it back on the crew's day, and the lead told",
    rules: ['R8', 'R2'],
    kind: 'start',
    caller: 'worker',
    start: unassigned({ version: 5 }),
    seen: SEEN_AS_OURS,
    payload: {},
    expect: applied({
      changes: { state: 'in_progress', crewId: 'streets-a', assignedDay: TODAY },
      lead: 'crossed-path',
    }),
  }),
  row({
    name: '[R6] start on a merged case lands on the surviving case: in progress there',
    rules: ['R6'],
    kind: 'start',
    caller: 'worker',
    start: merged(),
    others: { b: survivor() },
    payload: {},
    expect: landed({ changes: { state: 'in_progress' } }),
  }),
  row({
    name: '[R1] a refused start pushed twice is answered the same and recorded once',
    rules: ['R1', 'R8'],
    kind: 'start',
    caller: 'admin',
    start: unassigned(),
    payload: {},
    expect: rejected('role-not-allowed'),
  }),
];

const HOLD_ROWS: TableRow[] = [
  row({
    name: '[R5] hold of a case in progress is applied: on hold with its reason',
    rules: ['R5'],
    kind: 'hold',
    caller: 'worker',
    start: inProgress(),
    payload: HOLD,
    expect: applied({
      changes: { state: 'on_hold', holdReason: 'needs_material' },
      event: { kind: 'held', data: { reason: 'needs_material', note: 'Waiting for a slab.' } },
    }),
  }),
  row({
    name: '[R5] hold of a case already on hold changes nothing: superseded, already-in-state, its reason kept',
    rules: ['R5'],
    kind: 'hold',
    caller: 'worker',
    start: onHold({ holdReason: 'weather' }),
    payload: HOLD,
    expect: superseded('already-in-state'),
  }),
  row({
    name: '[R5] hold after a fix is superseded: case-closed',
    rules: ['R5'],
    kind: 'hold',
    caller: 'worker',
    start: fixed(),
    payload: HOLD,
    expect: superseded('case-closed'),
  }),
  row({
    name: '[R5] hold of a case closed as not fixed is superseded: case-closed',
    rules: ['R5'],
    kind: 'hold',
    caller: 'worker',
    start: closedNotFixed(),
    payload: HOLD,
    expect: superseded('case-closed'),
  }),
  row({
    name: '[R9] hold with a reason the service type does not have is rejected: invalid-payload',
    rules: ['R9'],
    kind: 'hold',
    caller: 'worker',
    start: inProgress(),
    payload: { reason: 'lunch_break' },
    expect: rejected('invalid-payload'),
  }),
  row({
    name: '[R8] hold by a worker of another crew is rejected: not-your-crew',
    rules: ['R8'],
    kind: 'hold',
    caller: 'worker-other-crew',
    start: inProgress(),
    payload: HOLD,
    expect: rejected('not-your-crew'),
  }),
  row({
    name: '[R8] hold by a lead is rejected: role-not-allowed',
    rules: ['R8'],
    kind: 'hold',
    caller: 'lead',
    start: inProgress(),
    payload: HOLD,
    expect: rejected('role-not-allowed'),
  }),
  row({
    name: '[R8] hold on a case moved to another crew while the device was offline is accepted, and the lead told',
    rules: ['R8', 'R2'],
    kind: 'hold',
    caller: 'worker',
    start: inProgress({ crewId: 'streets-b', version: 5 }),
    seen: SEEN_AS_OURS,
    payload: HOLD,
    expect: applied({ changes: { state: 'on_hold', holdReason: 'needs_material' }, lead: 'crossed-path' }),
  }),
  row({
    name: "[R8] hold on a case the lead unassigned while the device was offline puts it back on the crew's day, and the lead told",
    rules: ['R8', 'R2'],
    kind: 'hold',
    caller: 'worker',
    start: unassigned({ version: 5 }),
    seen: SEEN_AS_OURS,
    payload: HOLD,
    expect: applied({
      changes: { state: 'on_hold', holdReason: 'needs_material', crewId: 'streets-a', assignedDay: TODAY },
      lead: 'crossed-path',
    }),
  }),
  row({
    name: '[R6] hold on a merged case lands on the surviving case: on hold there',
    rules: ['R6'],
    kind: 'hold',
    caller: 'worker',
    start: merged(),
    others: { b: survivor({ state: 'in_progress' }) },
    payload: HOLD,
    expect: landed({ changes: { state: 'on_hold', holdReason: 'needs_material' } }),
  }),
];

const RESUME: TableRow[] = [
  row({
    name: '[R5] resume of a case on hold is applied: in progress, hold reason cleared',
    rules: ['R5'],
    kind: 'resume',
    caller: 'worker',
    start: onHold(),
    payload: {},
    expect: applied({ changes: { state: 'in_progress', holdReason: null }, event: { kind: 'resumed' } }),
  }),
  row({
    name: '[R5] resume of a case already in progress is superseded: already-in-state',
    rules: ['R5'],
    kind: 'resume',
    caller: 'worker',
    start: inProgress(),
    payload: {},
    expect: superseded('already-in-state'),
  }),
  row({
    name: '[R5] resume of an assigned case never started is superseded: invalid-transition',
    rules: ['R5'],
    kind: 'resume',
    caller: 'worker',
    start: assigned(),
    payload: {},
    expect: superseded('invalid-transition'),
  }),
  row({
    name: '[R5] resume after a fix is superseded: case-closed',
    rules: ['R5'],
    kind: 'resume',
    caller: 'worker',
    start: fixed(),
    payload: {},
    expect: superseded('case-closed'),
  }),
  row({
    name: '[R5] resume of a case closed as not fixed is superseded: case-closed',
    rules: ['R5'],
    kind: 'resume',
    caller: 'worker',
    start: closedNotFixed(),
    payload: {},
    expect: superseded('case-closed'),
  }),
  row({
    name: '[R5] resume of a case the lead unassigned while the device was offline is superseded: invalid-transition',
    rules: ['R5', 'R8'],
    kind: 'resume',
    caller: 'worker',
    start: unassigned({ version: 5 }),
    seen: SEEN_AS_OURS,
    payload: {},
    expect: superseded('invalid-transition'),
  }),
  row({
    name: '[R8] resume by a worker of another crew is rejected: not-your-crew',
    rules: ['R8'],
    kind: 'resume',
    caller: 'worker-other-crew',
    start: onHold(),
    payload: {},
    expect: rejected('not-your-crew'),
  }),
  row({
    name: '[R8] resume by an admin is rejected: role-not-allowed',
    rules: ['R8'],
    kind: 'resume',
    caller: 'admin',
    start: onHold(),
    payload: {},
    expect: rejected('role-not-allowed'),
  }),
  row({
    name: '[R6] resume on a merged case lands on the surviving case on hold: in progress there',
    rules: ['R6'],
    kind: 'resume',
    caller: 'worker',
    start: merged(),
    others: { b: survivor({ state: 'on_hold', holdReason: 'weather' }) },
    payload: {},
    expect: landed({ changes: { state: 'in_progress', holdReason: null } }),
  }),
  row({
    name: '[R6] resume on a merged case whose surviving case is not on hold is superseded there: invalid-transition',
    rules: ['R6', 'R5'],
    kind: 'resume',
    caller: 'worker',
    start: merged(),
    others: { b: survivor() },
    payload: {},
    expect: superseded('invalid-transition', { landsOn: 'b' }),
  }),
];

const ADD_NOTE: TableRow[] = [
  row({
    name: "[R4] a note by the case's crew is kept: history, not a version",
    rules: ['R4', 'R8'],
    kind: 'add_note',
    caller: 'worker',
    start: inProgress(),
    payload: NOTE,
    expect: kept({ event: { kind: 'note', data: NOTE } }),
  }),
  row({
    name: '[R4] a note on a fixed case is kept',
    rules: ['R4'],
    kind: 'add_note',
    caller: 'worker',
    start: fixed(),
    payload: NOTE,
    expect: kept({ event: { kind: 'note', data: NOTE } }),
  }),
  row({
    name: '[R4] a note on a case closed as not fixed is kept',
    rules: ['R4'],
    kind: 'add_note',
    caller: 'worker',
    start: closedNotFixed(),
    payload: NOTE,
    expect: kept(),
  }),
  row({
    name: '[R4] a note on a cancelled case is kept',
    rules: ['R4', 'R6'],
    kind: 'add_note',
    caller: 'worker',
    start: cancelled(),
    payload: NOTE,
    expect: kept(),
  }),
  row({
    name: '[R8] a note by a lead on a case of the department is kept',
    rules: ['R8', 'R4'],
    kind: 'add_note',
    caller: 'lead',
    start: assigned(),
    payload: NOTE,
    expect: kept(),
  }),
  row({
    name: '[R8] a note by a lead on an unassigned case of the department is kept',
    rules: ['R8', 'R4'],
    kind: 'add_note',
    caller: 'lead',
    start: unassigned(),
    payload: NOTE,
    expect: kept(),
  }),
  row({
    name: '[R8] a note by an admin is kept',
    rules: ['R8', 'R4'],
    kind: 'add_note',
    caller: 'admin',
    start: assigned(),
    payload: NOTE,
    expect: kept(),
  }),
  row({
    name: '[R8] a note by a lead of another department is rejected: not-your-department',
    rules: ['R8'],
    kind: 'add_note',
    caller: 'lead-other-department',
    start: assigned(),
    payload: NOTE,
    expect: rejected('not-your-department'),
  }),
  row({
    name: '[R8] a note by a worker of another crew is rejected: not-your-crew',
    rules: ['R8'],
    kind: 'add_note',
    caller: 'worker-other-crew',
    start: assigned(),
    payload: NOTE,
    expect: rejected('not-your-crew'),
  }),
  row({
    name: '[R8] a note by a worker with no crew on an unassigned case is rejected: not-your-crew',
    rules: ['R8'],
    kind: 'add_note',
    caller: 'worker-no-crew',
    start: unassigned(),
    payload: NOTE,
    expect: rejected('not-your-crew'),
  }),
  row({
    name: "[R8] a note written while the case was the crew's is kept after a move, without troubling the lead",
    rules: ['R8', 'R4'],
    kind: 'add_note',
    caller: 'worker',
    start: assigned({ crewId: 'streets-b', version: 5 }),
    seen: SEEN_AS_OURS,
    payload: NOTE,
    expect: kept(),
  }),
  row({
    name: "[R8] a note on a case that was another crew's when the device last saw it is rejected: not-your-crew",
    rules: ['R8'],
    kind: 'add_note',
    caller: 'worker',
    start: assigned({ crewId: 'streets-b', version: 5 }),
    seen: { version: 4, crewId: 'streets-b' },
    payload: NOTE,
    expect: rejected('not-your-crew'),
  }),
  row({
    name: '[R6] a note on a merged case lands on the surviving case',
    rules: ['R6', 'R4'],
    kind: 'add_note',
    caller: 'worker',
    start: merged(),
    others: { b: survivor() },
    payload: NOTE,
    expect: landed({ version: 'same', event: { kind: 'note', data: NOTE } }),
  }),
  row({
    name: '[R6] a note on a case merged twice (a into b into c) lands on the last surviving case',
    rules: ['R6', 'R4'],
    kind: 'add_note',
    caller: 'worker',
    start: merged('@b'),
    others: { b: merged('@c', { crewId: 'streets-b', version: 7 }), c: survivor() },
    payload: NOTE,
    expect: landed({ landsOn: 'c', version: 'same', event: { kind: 'note', data: NOTE } }),
  }),
  row({
    name: '[R6] a note on a merged case whose surviving case is of another department is rejected: not-your-department',
    rules: ['R6', 'R8'],
    kind: 'add_note',
    caller: 'worker',
    start: merged(),
    others: { b: sanitationCase() },
    payload: NOTE,
    // Refused on the case the device worked on, nothing on the other department's: DISAGREEMENTS, 3.
    expect: rejected('not-your-department'),
  }),
];

const ATTACH_PHOTO: TableRow[] = [
  row({
    name: "[R4] a photo by the case's crew is recorded on the case: history, not a version",
    rules: ['R4', 'R8'],
    kind: 'attach_photo',
    caller: 'worker',
    start: inProgress(),
    payload: PHOTO('#new'),
    expect: kept({ event: { kind: 'photo', data: { photoId: '#new', tag: 'after' } } }),
  }),
  row({
    name: '[R4] a photo on a fixed case is recorded',
    rules: ['R4'],
    kind: 'attach_photo',
    caller: 'worker',
    start: fixed(),
    payload: PHOTO('#new'),
    expect: kept(),
  }),
  row({
    name: "[R4] a photo whose id another case's photo has is rejected: photo-id-taken",
    rules: ['R4'],
    kind: 'attach_photo',
    caller: 'worker',
    start: inProgress(),
    others: { b: survivor() },
    photos: [{ name: '#taken', on: 'b', kind: 'after' }],
    payload: PHOTO('#taken'),
    expect: rejected('photo-id-taken'),
  }),
  row({
    name: "[R4] a photo reusing the id of the resident's report photo is rejected: photo-id-taken",
    rules: ['R4'],
    kind: 'attach_photo',
    caller: 'worker',
    start: inProgress(),
    photos: [{ name: '#report', on: 'self', kind: 'report' }],
    payload: PHOTO('#report'),
    expect: rejected('photo-id-taken'),
  }),
  row({
    name: '[R8] a photo by a lead of the department is recorded',
    rules: ['R8', 'R4'],
    kind: 'attach_photo',
    caller: 'lead',
    start: assigned(),
    payload: PHOTO('#new'),
    expect: kept(),
  }),
  row({
    name: '[R8] a photo by an admin is recorded',
    rules: ['R8', 'R4'],
    kind: 'attach_photo',
    caller: 'admin',
    start: assigned(),
    payload: PHOTO('#new'),
    expect: kept(),
  }),
  row({
    name: '[R8] a photo by a lead of another department is rejected: not-your-department',
    rules: ['R8'],
    kind: 'attach_photo',
    caller: 'lead-other-department',
    start: assigned(),
    payload: PHOTO('#new'),
    expect: rejected('not-your-department'),
  }),
  row({
    name: '[R8] a photo by a worker of another crew is rejected: not-your-crew',
    rules: ['R8'],
    kind: 'attach_photo',
    caller: 'worker-other-crew',
    start: assigned(),
    payload: PHOTO('#new'),
    expect: rejected('not-your-crew'),
  }),
  row({
    name: '[R6] a photo on a merged case is recorded on the surviving case',
    rules: ['R6', 'R4'],
    kind: 'attach_photo',
    caller: 'worker',
    start: merged(),
    others: { b: survivor() },
    payload: PHOTO('#new'),
    expect: landed({ version: 'same', event: { kind: 'photo', data: { photoId: '#new' } } }),
  }),
];

const FIX_ROWS: TableRow[] = [
  row({
    name: "[R2] a fix by the case's crew closes it: fixed, with its resolution, note and time; the resident is told once",
    rules: ['R2', 'R10'],
    kind: 'fix',
    caller: 'worker',
    start: inProgress(),
    payload: FIX,
    expect: applied({
      changes: FIXED,
      notices: ['fixed'],
      event: { kind: 'fixed', data: { resolutionCode: 'ground_down', crewId: 'streets-a' } },
    }),
  }),
  row({
    name: '[R1] a fix pushed twice takes effect once: one "fixed" notice',
    rules: ['R1', 'R10'],
    kind: 'fix',
    caller: 'worker',
    start: assigned(),
    payload: FIX,
    expect: applied({ changes: FIXED, notices: ['fixed'] }),
  }),
  row({
    name: '[R2] a fix of a case on hold closes it and clears the hold reason',
    rules: ['R2', 'R10'],
    kind: 'fix',
    caller: 'worker',
    start: onHold(),
    payload: FIX,
    expect: applied({ changes: FIXED, notices: ['fixed'] }),
  }),
  row({
    name: '[R9] a fix with a resolution code the service type does not have is rejected: invalid-payload',
    rules: ['R9'],
    kind: 'fix',
    caller: 'worker',
    start: inProgress(),
    payload: { ...FIX, resolutionCode: 'patched_cold' },
    expect: rejected('invalid-payload'),
  }),
  row({
    name: '[R4] a fix without a photo where the service type needs one is rejected: photo-required',
    rules: ['R4'],
    kind: 'fix',
    caller: 'worker',
    start: inProgress({ type: 'POTHOLE' }),
    payload: POTHOLE_FIX([]),
    expect: rejected('photo-required'),
  }),
  row({
    name: "[R4] a fix naming the crew's own after-photo of the case is applied",
    rules: ['R4', 'R10'],
    kind: 'fix',
    caller: 'worker',
    start: inProgress({ type: 'POTHOLE' }),
    photos: [{ name: '#after', on: 'self', kind: 'after' }],
    payload: POTHOLE_FIX(['#after']),
    expect: applied({
      changes: POTHOLE_FIXED,
      notices: ['fixed'],
      event: { kind: 'fixed', data: { photoIds: ['#after'] } },
    }),
  }),
  row({
    name: '[R4] a fix naming only a before-photo where the service type needs an after-photo is rejected: photo-required',
    rules: ['R4'],
    kind: 'fix',
    caller: 'worker',
    start: inProgress({ type: 'POTHOLE' }),
    photos: [{ name: '#before', on: 'self', kind: 'before' }],
    payload: POTHOLE_FIX(['#before']),
    expect: rejected('photo-required'),
  }),
  row({
    name: '[R4] a fix naming a before-photo and an after-photo where the type needs one is applied',
    rules: ['R4', 'R10'],
    kind: 'fix',
    caller: 'worker',
    start: inProgress({ type: 'POTHOLE' }),
    photos: [
      { name: '#before', on: 'self', kind: 'before' },
      { name: '#after', on: 'self', kind: 'after' },
    ],
    payload: POTHOLE_FIX(['#before', '#after']),
    expect: applied({
      changes: POTHOLE_FIXED,
      notices: ['fixed'],
      event: { kind: 'fixed', data: { photoIds: ['#before', '#after'] } },
    }),
  }),
  row({
    name: "[R4] a fix naming another case's photo is rejected: photo-not-on-case",
    rules: ['R4'],
    kind: 'fix',
    caller: 'worker',
    start: inProgress({ type: 'POTHOLE' }),
    others: { b: survivor({ type: 'POTHOLE' }) },
    photos: [{ name: '#elsewhere', on: 'b', kind: 'after' }],
    payload: POTHOLE_FIX(['#elsewhere']),
    expect: rejected('photo-not-on-case'),
  }),
  row({
    name: "[R4] a fix naming the resident's report photo is rejected: photo-not-on-case",
    rules: ['R4'],
    kind: 'fix',
    caller: 'worker',
    start: inProgress({ type: 'POTHOLE' }),
    photos: [{ name: '#report', on: 'self', kind: 'report' }],
    payload: POTHOLE_FIX(['#report']),
    expect: rejected('photo-not-on-case'),
  }),
  row({
    name: '[R4] a fix naming a photo id never attached is rejected: photo-not-on-case',
    rules: ['R4'],
    kind: 'fix',
    caller: 'worker',
    start: inProgress({ type: 'POTHOLE' }),
    payload: POTHOLE_FIX(['#never']),
    expect: rejected('photo-not-on-case'),
  }),
  row({
    name: '[R3] a second fix of a fixed case is merged as duplicate work: kept, no second notice',
    rules: ['R3', 'R10'],
    kind: 'fix',
    caller: 'worker',
    start: fixed(),
    payload: FIX,
    expect: {
      outcome: 'merged',
      reason: 'duplicate-work',
      version: 'same',
      event: { kind: 'fixed', data: { duplicate: true, resolutionCode: 'ground_down' } },
      notices: [],
      lead: 'none',
    },
  }),
  row({
    name: '[R3] two crews fix the same case: the fix of the crew it was moved away from is duplicate work, no second notice',
    rules: ['R3', 'R2', 'R10'],
    kind: 'fix',
    caller: 'worker',
    start: fixed({ crewId: 'streets-b', version: 6 }),
    seen: SEEN_AS_OURS,
    payload: FIX,
    expect: {
      outcome: 'merged',
      reason: 'duplicate-work',
      version: 'same',
      event: { kind: 'fixed', data: { duplicate: true, crewId: 'streets-a' } },
      notices: [],
      lead: 'none',
    },
  }),
  row({
    name: '[R2] a fix on a case moved to another crew while offline stands: the case follows the crew, and the lead told',
    rules: ['R2', 'R8', 'R10'],
    kind: 'fix',
    caller: 'worker',
    start: assigned({ crewId: 'streets-b', assignedDay: DAY2, version: 5 }),
    seen: SEEN_AS_OURS,
    payload: FIX,
    expect: applied({
      changes: { ...FIXED, crewId: 'streets-a' },
      notices: ['fixed'],
      lead: 'crossed-path',
    }),
  }),
  row({
    name: "[R2] a fix on a case the lead unassigned while offline stands: back on the crew's day, and the lead told",
    rules: ['R2', 'R8', 'R10'],
    kind: 'fix',
    caller: 'worker',
    start: unassigned({ version: 5 }),
    seen: SEEN_AS_OURS,
    payload: FIX,
    expect: applied({
      changes: { ...FIXED, crewId: 'streets-a', assignedDay: TODAY },
      notices: ['fixed'],
      lead: 'crossed-path',
    }),
  }),
  row({
    name: "[R2] a fix on a case reprioritised and reordered while offline stands; the desk's values are kept",
    rules: ['R2', 'R10'],
    kind: 'fix',
    caller: 'worker',
    start: inProgress({ priority: 'urgent', routePosition: 1, version: 6 }),
    seen: SEEN_AS_OURS,
    payload: FIX,
    expect: applied({ changes: FIXED, notices: ['fixed'] }),
  }),
  row({
    name: '[R2] a fix of a case closed as not fixed stands: field work is the truth',
    rules: ['R2', 'R10'],
    kind: 'fix',
    caller: 'worker',
    start: closedNotFixed(),
    payload: FIX,
    expect: applied({ changes: FIXED, notices: ['fixed'] }),
  }),
  row({
    name: '[R6] a fix on a case cancelled while offline is recorded, superseded: case-cancelled, and the lead told',
    rules: ['R6', 'R10'],
    kind: 'fix',
    caller: 'worker',
    start: cancelled(),
    payload: FIX,
    expect: superseded('case-cancelled', { lead: 'crossed-path' }),
  }),
  row({
    name: "[R6] a fix on a merged case lands on the surviving case and fixes it; that case's resident is told",
    rules: ['R6', 'R10'],
    kind: 'fix',
    caller: 'worker',
    start: merged(),
    others: { b: survivor({ state: 'in_progress' }) },
    payload: FIX,
    expect: landed({ changes: FIXED, notices: ['fixed'], event: { kind: 'fixed', data: { crewId: 'streets-a' } } }),
  }),
  row({
    name: "[R6] a fix on a merged case may name the crew's photo of the case they worked on",
    rules: ['R6', 'R4', 'R10'],
    kind: 'fix',
    caller: 'worker',
    start: merged('@b', { type: 'POTHOLE' }),
    others: { b: survivor({ type: 'POTHOLE' }) },
    photos: [{ name: '#mine', on: 'self', kind: 'after' }],
    payload: POTHOLE_FIX(['#mine']),
    expect: landed({ changes: POTHOLE_FIXED, notices: ['fixed'] }),
  }),
  row({
    name: '[R8] a fix by a lead is rejected: role-not-allowed',
    rules: ['R8'],
    kind: 'fix',
    caller: 'lead',
    start: inProgress(),
    payload: FIX,
    expect: rejected('role-not-allowed'),
  }),
  row({
    name: '[R8] a fix by an admin is rejected: role-not-allowed',
    rules: ['R8'],
    kind: 'fix',
    caller: 'admin',
    start: inProgress(),
    payload: FIX,
    expect: rejected('role-not-allowed'),
  }),
  row({
    name: '[R8] a fix by a worker of another crew is rejected: not-your-crew',
    rules: ['R8'],
    kind: 'fix',
    caller: 'worker-other-crew',
    start: inProgress(),
    payload: FIX,
    expect: rejected('not-your-crew'),
  }),
  row({
    name: '[R8] a fix by a worker with no crew is rejected: not-your-crew',
    rules: ['R8'],
    kind: 'fix',
    caller: 'worker-no-crew',
    start: unassigned(),
    payload: FIX,
    expect: rejected('not-your-crew'),
  }),
];

const CLOSE_NOT_FIXED: TableRow[] = [
  row({
    name: '[R2] close-not-fixed by the case\'s crew closes it with its reason and note; the resident is told "closed"',
    rules: ['R2', 'R10'],
    kind: 'close_not_fixed',
    caller: 'worker',
    start: inProgress(),
    payload: CLOSE,
    expect: applied({
      changes: CLOSED,
      notices: ['closed'],
      event: { kind: 'closed_not_fixed', data: CLOSE },
    }),
  }),
  row({
    name: '[R2] close-not-fixed of a case on hold clears the hold reason',
    rules: ['R2', 'R10'],
    kind: 'close_not_fixed',
    caller: 'worker',
    start: onHold(),
    payload: CLOSE,
    expect: applied({ changes: CLOSED, notices: ['closed'] }),
  }),
  row({
    name: '[R9] close-not-fixed with a reason the service type does not have is rejected: invalid-payload',
    rules: ['R9'],
    kind: 'close_not_fixed',
    caller: 'worker',
    start: inProgress(),
    payload: { reason: 'fixed_itself', note: '' },
    expect: rejected('invalid-payload'),
  }),
  row({
    name: '[R5] close-not-fixed after a fix is superseded: case-closed',
    rules: ['R5'],
    kind: 'close_not_fixed',
    caller: 'worker',
    start: fixed(),
    payload: CLOSE,
    expect: superseded('case-closed'),
  }),
  row({
    name: '[R5] close-not-fixed of a case already closed as not fixed is superseded: case-closed',
    rules: ['R5'],
    kind: 'close_not_fixed',
    caller: 'worker',
    start: closedNotFixed({ closeReason: 'duplicate' }),
    payload: CLOSE,
    expect: superseded('case-closed'),
  }),
  row({
    name: '[R6] close-not-fixed of a cancelled case is superseded: case-cancelled',
    rules: ['R6'],
    kind: 'close_not_fixed',
    caller: 'worker',
    start: cancelled(),
    payload: CLOSE,
    expect: superseded('case-cancelled'),
  }),
  row({
    name: '[R2] close-not-fixed on a case moved to another crew while offline stands, and the lead told',
    rules: ['R2', 'R8', 'R10'],
    kind: 'close_not_fixed',
    caller: 'worker',
    start: assigned({ crewId: 'streets-b', version: 5 }),
    seen: SEEN_AS_OURS,
    payload: CLOSE,
    expect: applied({ changes: CLOSED, notices: ['closed'], lead: 'crossed-path' }),
  }),
  row({
    name: '[R8] close-not-fixed by a lead is rejected: role-not-allowed',
    rules: ['R8'],
    kind: 'close_not_fixed',
    caller: 'lead',
    start: inProgress(),
    payload: CLOSE,
    expect: rejected('role-not-allowed'),
  }),
  row({
    name: '[R8] close-not-fixed by a worker of another crew is rejected: not-your-crew',
    rules: ['R8'],
    kind: 'close_not_fixed',
    caller: 'worker-other-crew',
    start: inProgress(),
    payload: CLOSE,
    expect: rejected('not-your-crew'),
  }),
  row({
    name: '[R6] close-not-fixed on a merged case lands on the surviving case and closes it',
    rules: ['R6', 'R10'],
    kind: 'close_not_fixed',
    caller: 'worker',
    start: merged(),
    others: { b: survivor() },
    payload: CLOSE,
    expect: landed({ changes: CLOSED, notices: ['closed'] }),
  }),
];

const TRANSFER_REQUEST: TableRow[] = [
  row({
    name: "[R8] a transfer request by the case's crew is recorded and the lead told; the case does not change",
    rules: ['R8'],
    kind: 'transfer_request',
    caller: 'worker',
    start: inProgress(),
    payload: TRANSFER,
    expect: kept({ lead: 'crossed-path', event: { kind: 'transfer_requested', data: TRANSFER } }),
  }),
  row({
    name: '[R5] a transfer request for a fixed case is superseded: case-closed',
    rules: ['R5'],
    kind: 'transfer_request',
    caller: 'worker',
    start: fixed(),
    payload: TRANSFER,
    expect: superseded('case-closed'),
  }),
  row({
    name: '[R8] a transfer request by a lead is rejected: role-not-allowed',
    rules: ['R8'],
    kind: 'transfer_request',
    caller: 'lead',
    start: inProgress(),
    payload: TRANSFER,
    expect: rejected('role-not-allowed'),
  }),
  row({
    name: '[R8] a transfer request by a worker of another crew is rejected: not-your-crew',
    rules: ['R8'],
    kind: 'transfer_request',
    caller: 'worker-other-crew',
    start: inProgress(),
    payload: TRANSFER,
    expect: rejected('not-your-crew'),
  }),
  row({
    name: "[R6] a transfer request on a merged case lands on the surviving case, and that case's lead is told",
    rules: ['R6'],
    kind: 'transfer_request',
    caller: 'worker',
    start: merged(),
    others: { b: survivor() },
    payload: TRANSFER,
    expect: landed({ version: 'same', lead: 'crossed-path' }),
  }),
];

const ASSIGN: TableRow[] = [
  row({
    name: '[R10] the first assignment of a new case schedules it and tells the resident "scheduled"',
    rules: ['R10', 'R8'],
    kind: 'assign',
    caller: 'lead',
    start: unassigned(),
    payload: TO_CREW_B,
    expect: applied({
      changes: { state: 'assigned', crewId: 'streets-b', assignedDay: DAY2 },
      route: { op: 'append', crewId: 'streets-b', day: DAY2, position: null },
      notices: ['scheduled'],
      event: { kind: 'assigned', data: { crewId: 'streets-b', day: DAY2, fromCrewId: null } },
    }),
  }),
  row({
    name: '[R1] an assignment pushed twice is made once: one "scheduled" notice',
    rules: ['R1', 'R10'],
    kind: 'assign',
    caller: 'lead',
    start: unassigned(),
    payload: { crewId: 'streets-a', day: DAY, position: 1 },
    expect: applied({
      changes: { state: 'assigned', crewId: 'streets-a', assignedDay: DAY },
      route: { op: 'append', crewId: 'streets-a', day: DAY, position: 1 },
      notices: ['scheduled'],
    }),
  }),
  row({
    name: '[R10] moving an assigned case to another crew tells the resident nothing new',
    rules: ['R10', 'R8'],
    kind: 'assign',
    caller: 'lead',
    start: assigned(),
    payload: TO_CREW_B,
    expect: applied({
      changes: { crewId: 'streets-b', assignedDay: DAY2 },
      route: { op: 'append', crewId: 'streets-b', day: DAY2, position: null },
      event: { kind: 'assigned', data: { crewId: 'streets-b', fromCrewId: 'streets-a' } },
    }),
  }),
  row({
    name: '[R10] moving a case in progress to another crew puts it back to assigned, with no notice',
    rules: ['R10', 'R8'],
    kind: 'assign',
    caller: 'lead',
    start: inProgress(),
    payload: TO_CREW_B,
    expect: applied({
      changes: { state: 'assigned', crewId: 'streets-b', assignedDay: DAY2 },
      route: { op: 'append', crewId: 'streets-b', day: DAY2, position: null },
    }),
  }),
  row({
    name: '[R8] moving a case in progress to another day of its crew keeps it in progress',
    rules: ['R8', 'R10'],
    kind: 'assign',
    caller: 'lead',
    start: inProgress(),
    payload: { crewId: 'streets-a', day: DAY2, position: 1 },
    expect: applied({
      changes: { assignedDay: DAY2 },
      route: { op: 'append', crewId: 'streets-a', day: DAY2, position: 1 },
    }),
  }),
  row({
    name: '[R8] moving a case on hold within its crew keeps the hold and its reason',
    rules: ['R8'],
    kind: 'assign',
    caller: 'lead',
    start: onHold(),
    payload: { crewId: 'streets-a', day: DAY2, position: null },
    expect: applied({
      changes: { assignedDay: DAY2 },
      route: { op: 'append', crewId: 'streets-a', day: DAY2, position: null },
    }),
  }),
  row({
    name: '[R8] an assignment to a crew of another department is rejected: not-your-department',
    rules: ['R8'],
    kind: 'assign',
    caller: 'lead',
    start: unassigned(),
    payload: { crewId: 'sanitation-n', day: DAY2, position: null },
    expect: rejected('not-your-department'),
  }),
  row({
    name: "[R8] an admin's assignment to a crew of another department is rejected too: not-your-department",
    rules: ['R8'],
    kind: 'assign',
    caller: 'admin',
    start: unassigned(),
    payload: { crewId: 'sanitation-n', day: DAY2, position: null },
    expect: rejected('not-your-department'),
  }),
  row({
    name: '[R9] an assignment to a crew that does not exist is rejected: invalid-payload',
    rules: ['R9'],
    kind: 'assign',
    caller: 'lead',
    start: unassigned(),
    payload: { crewId: 'streets-z', day: DAY2, position: null },
    expect: rejected('invalid-payload'),
  }),
  row({
    name: '[R2] a move that arrives after the crew fixed the case is superseded: case-closed, and the lead told',
    rules: ['R2'],
    kind: 'assign',
    caller: 'lead',
    start: fixed(),
    payload: TO_CREW_B,
    expect: superseded('case-closed', { lead: 'crossed-path' }),
  }),
  row({
    name: '[R2] a move that arrives after the crew closed the case as not fixed is superseded: case-closed, and the lead told',
    rules: ['R2'],
    kind: 'assign',
    caller: 'lead',
    start: closedNotFixed(),
    payload: TO_CREW_B,
    expect: superseded('case-closed', { lead: 'crossed-path' }),
  }),
  row({
    name: '[R6] a move of a merged case is superseded: case-closed',
    rules: ['R6'],
    kind: 'assign',
    caller: 'lead',
    start: merged(),
    others: { b: survivor() },
    payload: TO_CREW_B,
    expect: superseded('case-closed'),
  }),
  row({
    name: '[R8] an assignment by a worker is rejected: role-not-allowed',
    rules: ['R8'],
    kind: 'assign',
    caller: 'worker',
    start: assigned(),
    payload: TO_CREW_B,
    expect: rejected('role-not-allowed'),
  }),
  row({
    name: '[R8] an assignment by a lead of another department is rejected: not-your-department',
    rules: ['R8'],
    kind: 'assign',
    caller: 'lead-other-department',
    start: unassigned(),
    payload: TO_CREW_B,
    expect: rejected('not-your-department'),
  }),
  row({
    name: '[R8] an assignment by an admin is applied, and the resident told "scheduled"',
    rules: ['R8', 'R10'],
    kind: 'assign',
    caller: 'admin',
    start: unassigned(),
    payload: TO_CREW_B,
    expect: applied({
      changes: { state: 'assigned', crewId: 'streets-b', assignedDay: DAY2 },
      route: { op: 'append', crewId: 'streets-b', day: DAY2, position: null },
      notices: ['scheduled'],
    }),
  }),
];

const UNASSIGN: TableRow[] = [
  row({
    name: "[R8] unassigning an assigned case takes it off the crew's day: new, no crew",
    rules: ['R8', 'R10'],
    kind: 'unassign',
    caller: 'lead',
    start: assigned(),
    payload: {},
    expect: applied({
      changes: UNASSIGNED,
      event: { kind: 'unassigned', data: { crewId: null, fromCrewId: 'streets-a' } },
    }),
  }),
  row({
    name: '[R8] unassigning a case on hold clears the hold reason',
    rules: ['R8'],
    kind: 'unassign',
    caller: 'lead',
    start: onHold(),
    payload: {},
    expect: applied({ changes: UNASSIGNED }),
  }),
  row({
    name: '[R5] unassigning a case with no crew is superseded: already-in-state',
    rules: ['R5'],
    kind: 'unassign',
    caller: 'lead',
    start: unassigned(),
    payload: {},
    expect: superseded('already-in-state'),
  }),
  row({
    name: '[R2] an unassignment that arrives after the crew fixed the case is superseded: case-closed, and the lead told',
    rules: ['R2'],
    kind: 'unassign',
    caller: 'lead',
    start: fixed(),
    payload: {},
    expect: superseded('case-closed', { lead: 'crossed-path' }),
  }),
  row({
    name: '[R2] an unassignment that arrives after a close-not-fixed is superseded: case-closed, and the lead told',
    rules: ['R2'],
    kind: 'unassign',
    caller: 'lead',
    start: closedNotFixed(),
    payload: {},
    expect: superseded('case-closed', { lead: 'crossed-path' }),
  }),
  row({
    name: '[R6] unassigning a merged case is superseded: case-closed',
    rules: ['R6'],
    kind: 'unassign',
    caller: 'lead',
    start: merged(),
    others: { b: survivor() },
    payload: {},
    expect: superseded('case-closed'),
  }),
  row({
    name: '[R8] an unassignment by a worker is rejected: role-not-allowed',
    rules: ['R8'],
    kind: 'unassign',
    caller: 'worker',
    start: assigned(),
    payload: {},
    expect: rejected('role-not-allowed'),
  }),
  row({
    name: '[R8] an unassignment by a lead of another department is rejected: not-your-department',
    rules: ['R8'],
    kind: 'unassign',
    caller: 'lead-other-department',
    start: assigned(),
    payload: {},
    expect: rejected('not-your-department'),
  }),
  row({
    name: '[R8] an unassignment by an admin is applied',
    rules: ['R8'],
    kind: 'unassign',
    caller: 'admin',
    start: assigned(),
    payload: {},
    expect: applied({ changes: UNASSIGNED }),
  }),
];

const REORDER: TableRow[] = [
  row({
    name: "[R8] reordering a case moves it within its crew's day",
    rules: ['R8'],
    kind: 'reorder',
    caller: 'lead',
    start: assigned({ routePosition: 3 }),
    payload: { position: 1 },
    expect: applied({
      route: { op: 'move', crewId: 'streets-a', day: DAY, position: 1 },
      event: { kind: 'reordered', data: { from: 3, to: 1 } },
    }),
  }),
  row({
    name: "[R8] reordering a case on the route the lead's board showed moves it",
    rules: ['R8'],
    kind: 'reorder',
    caller: 'lead',
    start: assigned({ routePosition: 2 }),
    payload: { position: 1, crewId: 'streets-a', day: DAY },
    expect: applied({
      route: { op: 'move', crewId: 'streets-a', day: DAY, position: 1 },
      event: { kind: 'reordered', data: { from: 2, to: 1 } },
    }),
  }),
  row({
    name: "[R5] a reordering made for a crew's route the case has left since is superseded: invalid-transition",
    rules: ['R5'],
    kind: 'reorder',
    caller: 'lead',
    start: assigned({ routePosition: 2 }),
    payload: { position: 1, crewId: 'streets-b', day: DAY },
    expect: superseded('invalid-transition'),
  }),
  row({
    name: '[R5] a reordering made for a day the case has left since is superseded: invalid-transition',
    rules: ['R5'],
    kind: 'reorder',
    caller: 'lead',
    start: assigned({ routePosition: 2 }),
    payload: { position: 1, crewId: 'streets-a', day: '2031-03-05' },
    expect: superseded('invalid-transition'),
  }),
  row({
    name: '[R5] reordering a case with no crew or day is superseded: invalid-transition',
    rules: ['R5'],
    kind: 'reorder',
    caller: 'lead',
    start: unassigned(),
    payload: { position: 1 },
    expect: superseded('invalid-transition'),
  }),
  row({
    name: '[R2] a reordering that arrives after the crew fixed the case is superseded: case-closed, and the lead told',
    rules: ['R2'],
    kind: 'reorder',
    caller: 'lead',
    start: fixed(),
    payload: { position: 1 },
    expect: superseded('case-closed', { lead: 'crossed-path' }),
  }),
  row({
    name: '[R2] a reordering that arrives after a close-not-fixed is superseded: case-closed, and the lead told',
    rules: ['R2'],
    kind: 'reorder',
    caller: 'lead',
    start: closedNotFixed(),
    payload: { position: 1 },
    expect: superseded('case-closed', { lead: 'crossed-path' }),
  }),
  row({
    name: '[R6] reordering a merged case is superseded: case-closed',
    rules: ['R6'],
    kind: 'reorder',
    caller: 'lead',
    start: merged(),
    others: { b: survivor() },
    payload: { position: 1 },
    expect: superseded('case-closed'),
  }),
  row({
    name: '[R8] a reordering by a worker is rejected: role-not-allowed',
    rules: ['R8'],
    kind: 'reorder',
    caller: 'worker',
    start: assigned(),
    payload: { position: 1 },
    expect: rejected('role-not-allowed'),
  }),
  row({
    name: '[R8] a reordering by a lead of another department is rejected: not-your-department',
    rules: ['R8'],
    kind: 'reorder',
    caller: 'lead-other-department',
    start: assigned(),
    payload: { position: 1 },
    expect: rejected('not-your-department'),
  }),
  row({
    name: '[R8] a reordering by an admin is applied',
    rules: ['R8'],
    kind: 'reorder',
    caller: 'admin',
    start: assigned({ routePosition: 2 }),
    payload: { position: 1 },
    expect: applied({ route: { op: 'move', crewId: 'streets-a', day: DAY, position: 1 } }),
  }),
];

const SET_PRIORITY: TableRow[] = [
  row({
    name: '[R7] a priority change is applied; the overwritten value stays in the history',
    rules: ['R7', 'R8'],
    kind: 'set_priority',
    caller: 'lead',
    start: assigned(),
    payload: { priority: 'urgent' },
    expect: applied({
      changes: { priority: 'urgent' },
      event: { kind: 'priority_changed', data: { from: 'normal', to: 'urgent' } },
    }),
  }),
  row({
    name: "[R7] concurrent priority edits: the later one wins over another lead's, whose value stays in the history",
    rules: ['R7'],
    kind: 'set_priority',
    caller: 'lead',
    start: assigned({ priority: 'high', version: 5 }),
    seen: SEEN_AS_OURS,
    payload: { priority: 'low' },
    expect: applied({
      changes: { priority: 'low' },
      event: { kind: 'priority_changed', data: { from: 'high', to: 'low' } },
    }),
  }),
  row({
    name: '[R7] a priority change on a fixed case is applied; the close stands',
    rules: ['R7', 'R2'],
    kind: 'set_priority',
    caller: 'lead',
    start: fixed(),
    payload: { priority: 'low' },
    expect: applied({ changes: { priority: 'low' } }),
  }),
  row({
    name: '[R6] a priority change on a merged case is superseded: case-closed',
    rules: ['R6'],
    kind: 'set_priority',
    caller: 'lead',
    start: merged(),
    others: { b: survivor() },
    payload: { priority: 'urgent' },
    expect: superseded('case-closed'),
  }),
  row({
    name: '[R8] a priority change by a worker is rejected: role-not-allowed',
    rules: ['R8'],
    kind: 'set_priority',
    caller: 'worker',
    start: assigned(),
    payload: { priority: 'urgent' },
    expect: rejected('role-not-allowed'),
  }),
  row({
    name: '[R8] a priority change by a lead of another department is rejected: not-your-department',
    rules: ['R8'],
    kind: 'set_priority',
    caller: 'lead-other-department',
    start: assigned(),
    payload: { priority: 'urgent' },
    expect: rejected('not-your-department'),
  }),
  row({
    name: '[R8] a priority change by an admin is applied',
    rules: ['R8', 'R7'],
    kind: 'set_priority',
    caller: 'admin',
    start: assigned(),
    payload: { priority: 'high' },
    expect: applied({ changes: { priority: 'high' } }),
  }),
];

const NEW_DUE = '2031-03-20T17:00:00.000Z';
const SET_DUE: TableRow[] = [
  row({
    name: '[R7] a due-date change is applied; the overwritten date stays in the history',
    rules: ['R7', 'R8'],
    kind: 'set_due',
    caller: 'lead',
    start: assigned(),
    payload: { expectedAt: NEW_DUE },
    expect: applied({
      changes: { expectedAt: NEW_DUE },
      event: { kind: 'due_changed', data: { from: DUE, to: NEW_DUE } },
    }),
  }),
  row({
    name: '[R7] clearing the due date is applied; the old date stays in the history',
    rules: ['R7'],
    kind: 'set_due',
    caller: 'lead',
    start: assigned(),
    payload: { expectedAt: null },
    expect: applied({ changes: { expectedAt: null }, event: { kind: 'due_changed', data: { from: DUE, to: null } } }),
  }),
  row({
    name: "[R7] concurrent due-date edits: the later one wins over another lead's, whose date stays in the history",
    rules: ['R7'],
    kind: 'set_due',
    caller: 'lead',
    start: assigned({ expectedAt: '2031-03-06T17:00:00.000Z', version: 5 }),
    seen: SEEN_AS_OURS,
    payload: { expectedAt: NEW_DUE },
    expect: applied({
      changes: { expectedAt: NEW_DUE },
      event: { kind: 'due_changed', data: { from: '2031-03-06T17:00:00.000Z', to: NEW_DUE } },
    }),
  }),
  row({
    name: '[R6] a due-date change on a merged case is superseded: case-closed',
    rules: ['R6'],
    kind: 'set_due',
    caller: 'lead',
    start: merged(),
    others: { b: survivor() },
    payload: { expectedAt: NEW_DUE },
    expect: superseded('case-closed'),
  }),
  row({
    name: '[R8] a due-date change by a worker is rejected: role-not-allowed',
    rules: ['R8'],
    kind: 'set_due',
    caller: 'worker',
    start: assigned(),
    payload: { expectedAt: NEW_DUE },
    expect: rejected('role-not-allowed'),
  }),
  row({
    name: '[R8] a due-date change by a lead of another department is rejected: not-your-department',
    rules: ['R8'],
    kind: 'set_due',
    caller: 'lead-other-department',
    start: assigned(),
    payload: { expectedAt: NEW_DUE },
    expect: rejected('not-your-department'),
  }),
  row({
    name: '[R8] a due-date change by an admin is applied',
    rules: ['R8', 'R7'],
    kind: 'set_due',
    caller: 'admin',
    start: assigned(),
    payload: { expectedAt: NEW_DUE },
    expect: applied({ changes: { expectedAt: NEW_DUE } }),
  }),
];

/** b merged into c, c into d … f into g: a chain of five merges, as deep as work is followed. */
const FIVE_MERGES = {
  b: merged('@c'),
  c: merged('@d'),
  d: merged('@e'),
  e: merged('@f'),
  f: merged('@g'),
};

const MERGE: TableRow[] = [
  row({
    name: '[R6] merging a case into another of its department closes it as a duplicate of that case; the resident is told "closed"',
    rules: ['R6', 'R10', 'R8'],
    kind: 'merge_duplicate',
    caller: 'lead',
    start: assigned(),
    others: { b: survivor() },
    payload: { intoCaseId: '@b' },
    expect: applied({
      changes: MERGED_INTO_B,
      notices: ['closed'],
      event: { kind: 'merged', data: { intoCaseId: '@b' } },
    }),
  }),
  row({
    name: '[R6] merging a case on hold clears the hold reason',
    rules: ['R6', 'R10'],
    kind: 'merge_duplicate',
    caller: 'lead',
    start: onHold(),
    others: { b: survivor() },
    payload: { intoCaseId: '@b' },
    expect: applied({ changes: MERGED_INTO_B, notices: ['closed'] }),
  }),
  row({
    name: '[R6] merging a case into itself is rejected: invalid-payload',
    rules: ['R6'],
    kind: 'merge_duplicate',
    caller: 'lead',
    start: assigned(),
    payload: { intoCaseId: '@self' },
    expect: rejected('invalid-payload'),
  }),
  row({
    name: "[R8] merging a case into another department's case is rejected: not-your-department",
    rules: ['R8', 'R6'],
    kind: 'merge_duplicate',
    caller: 'lead',
    start: assigned(),
    others: { b: sanitationCase() },
    payload: { intoCaseId: '@b' },
    expect: rejected('not-your-department'),
  }),
  row({
    name: "[R8] an admin's merge into another department's case is rejected too: not-your-department",
    rules: ['R8', 'R6'],
    kind: 'merge_duplicate',
    caller: 'admin',
    start: assigned(),
    others: { b: sanitationCase() },
    payload: { intoCaseId: '@b' },
    expect: rejected('not-your-department'),
  }),
  row({
    name: '[R6] merging a case into a case that does not exist is rejected: case-not-found',
    rules: ['R6'],
    kind: 'merge_duplicate',
    caller: 'lead',
    start: assigned(),
    payload: { intoCaseId: '@missing' },
    expect: rejected('case-not-found'),
  }),
  row({
    name: '[R5] merging a fixed case is superseded: case-closed',
    rules: ['R5', 'R6'],
    kind: 'merge_duplicate',
    caller: 'lead',
    start: fixed(),
    others: { b: survivor() },
    payload: { intoCaseId: '@b' },
    expect: superseded('case-closed'),
  }),
  row({
    name: '[R6] merging a case already merged is superseded: case-closed',
    rules: ['R6'],
    kind: 'merge_duplicate',
    caller: 'lead',
    start: merged('@b'),
    others: { b: survivor(), c: survivor({ routePosition: 6 }) },
    payload: { intoCaseId: '@c' },
    expect: superseded('case-closed'),
  }),
  row({
    name: '[R6] merging into a case merged meanwhile lands on the case that survives it',
    rules: ['R6', 'R10'],
    kind: 'merge_duplicate',
    caller: 'lead',
    start: assigned(),
    others: { b: merged('@c'), c: survivor({ routePosition: 6 }) },
    payload: { intoCaseId: '@b' },
    expect: applied({
      changes: { ...MERGED_INTO_B, mergedIntoId: '@c' },
      notices: ['closed'],
      event: { kind: 'merged', data: { intoCaseId: '@c' } },
    }),
  }),
  row({
    name: '[R6] merging into a case that was merged into this one is superseded (they are one already): already-in-state',
    rules: ['R6'],
    kind: 'merge_duplicate',
    caller: 'lead',
    start: assigned(),
    others: { b: merged('@self') },
    payload: { intoCaseId: '@b' },
    expect: superseded('already-in-state'),
  }),
  row({
    name: '[R6] merging into a case that was merged, through another, into this one is superseded: already-in-state',
    rules: ['R6'],
    kind: 'merge_duplicate',
    caller: 'lead',
    start: assigned(),
    others: { b: merged('@c'), c: merged('@self') },
    payload: { intoCaseId: '@b' },
    expect: superseded('already-in-state'),
  }),
  row({
    name: '[R6] merging into the first of five merges (b into c … into g) lands on the case that survives them all',
    rules: ['R6', 'R10'],
    kind: 'merge_duplicate',
    caller: 'lead',
    start: assigned(),
    others: { ...FIVE_MERGES, g: survivor({ routePosition: 6 }) },
    payload: { intoCaseId: '@b' },
    expect: applied({
      changes: { ...MERGED_INTO_B, mergedIntoId: '@g' },
      notices: ['closed'],
      event: { kind: 'merged', data: { intoCaseId: '@g' } },
    }),
  }),
  row({
    name: '[R6] merging into the first of six merges, deeper than work is followed, is rejected: case-not-found',
    rules: ['R6'],
    kind: 'merge_duplicate',
    caller: 'lead',
    start: assigned(),
    others: { ...FIVE_MERGES, g: merged('@h'), h: survivor({ routePosition: 6 }) },
    payload: { intoCaseId: '@b' },
    expect: rejected('case-not-found'),
  }),
  row({
    name: '[R6] merging into one of two cases merged into each other (made by hand) is rejected: case-not-found',
    rules: ['R6'],
    kind: 'merge_duplicate',
    caller: 'lead',
    start: assigned(),
    others: { b: merged('@c'), c: merged('@b') },
    payload: { intoCaseId: '@b' },
    expect: rejected('case-not-found'),
  }),
  row({
    name: '[R8] a merge by a worker is rejected: role-not-allowed',
    rules: ['R8'],
    kind: 'merge_duplicate',
    caller: 'worker',
    start: assigned(),
    others: { b: survivor() },
    payload: { intoCaseId: '@b' },
    expect: rejected('role-not-allowed'),
  }),
  row({
    name: '[R8] a merge by a lead of another department is rejected: not-your-department',
    rules: ['R8'],
    kind: 'merge_duplicate',
    caller: 'lead-other-department',
    start: assigned(),
    others: { b: survivor() },
    payload: { intoCaseId: '@b' },
    expect: rejected('not-your-department'),
  }),
  row({
    name: '[R8] a merge by an admin is applied',
    rules: ['R8', 'R6', 'R10'],
    kind: 'merge_duplicate',
    caller: 'admin',
    start: assigned(),
    others: { b: survivor() },
    payload: { intoCaseId: '@b' },
    expect: applied({ changes: MERGED_INTO_B, notices: ['closed'] }),
  }),
];

const CANCEL_ROWS: TableRow[] = [
  row({
    name: '[R10] cancelling an open case closes it, marked cancelled, and tells the resident "closed"',
    rules: ['R10', 'R6', 'R8'],
    kind: 'cancel',
    caller: 'lead',
    start: assigned(),
    payload: CANCEL,
    expect: applied({ changes: CANCELLED, notices: ['closed'], event: { kind: 'cancelled', data: CANCEL } }),
  }),
  row({
    name: '[R10] cancelling a case on hold clears the hold reason and tells the resident "closed"',
    rules: ['R10', 'R6'],
    kind: 'cancel',
    caller: 'lead',
    start: onHold(),
    payload: CANCEL,
    expect: applied({ changes: CANCELLED, notices: ['closed'] }),
  }),
  row({
    name: '[R5] cancelling a case the crew fixed is superseded: case-closed, and the resident hears nothing',
    rules: ['R5', 'R2', 'R10'],
    kind: 'cancel',
    caller: 'lead',
    start: fixed(),
    payload: CANCEL,
    expect: superseded('case-closed'),
  }),
  row({
    name: '[R5] cancelling a case already closed as not fixed is superseded: case-closed',
    rules: ['R5', 'R10'],
    kind: 'cancel',
    caller: 'lead',
    start: closedNotFixed(),
    payload: CANCEL,
    expect: superseded('case-closed'),
  }),
  row({
    name: '[R9] cancelling with a reason the service type does not have is rejected: invalid-payload',
    rules: ['R9'],
    kind: 'cancel',
    caller: 'lead',
    start: assigned(),
    payload: { reason: 'changed_my_mind', note: '' },
    expect: rejected('invalid-payload'),
  }),
  row({
    name: '[R6] cancelling a merged case is superseded: case-closed',
    rules: ['R6'],
    kind: 'cancel',
    caller: 'lead',
    start: merged(),
    others: { b: survivor() },
    payload: CANCEL,
    expect: superseded('case-closed'),
  }),
  row({
    name: '[R8] a cancellation by a worker is rejected: role-not-allowed',
    rules: ['R8'],
    kind: 'cancel',
    caller: 'worker',
    start: assigned(),
    payload: CANCEL,
    expect: rejected('role-not-allowed'),
  }),
  row({
    name: '[R8] a cancellation by a lead of another department is rejected: not-your-department',
    rules: ['R8'],
    kind: 'cancel',
    caller: 'lead-other-department',
    start: assigned(),
    payload: CANCEL,
    expect: rejected('not-your-department'),
  }),
  row({
    name: '[R8] a cancellation by an admin is applied',
    rules: ['R8', 'R10'],
    kind: 'cancel',
    caller: 'admin',
    start: unassigned(),
    payload: CANCEL,
    expect: applied({ changes: CANCELLED, notices: ['closed'] }),
  }),
];

const REOPEN_ROWS: TableRow[] = [
  row({
    name: '[R10] reopening a fixed case puts it back to new, unassigned, and tells the resident "reopened"',
    rules: ['R10', 'R8'],
    kind: 'reopen',
    caller: 'lead',
    start: fixed(),
    payload: REOPEN,
    expect: applied({
      changes: REOPENED,
      notices: ['reopened'],
      event: { kind: 'reopened', data: { ...REOPEN, previousState: 'fixed' } },
    }),
  }),
  row({
    name: '[R10] reopening a case closed as not fixed puts it back to new, and tells the resident "reopened"',
    rules: ['R10'],
    kind: 'reopen',
    caller: 'lead',
    start: closedNotFixed(),
    payload: REOPEN,
    expect: applied({
      changes: REOPENED,
      notices: ['reopened'],
      event: { kind: 'reopened', data: { previousState: 'closed_not_fixed' } },
    }),
  }),
  row({
    name: '[R6] reopening a cancelled case lifts the cancellation',
    rules: ['R6', 'R10'],
    kind: 'reopen',
    caller: 'lead',
    start: cancelled(),
    payload: REOPEN,
    expect: applied({ changes: REOPENED, notices: ['reopened'] }),
  }),
  row({
    name: '[R6] reopening a merged case detaches it from the surviving case',
    rules: ['R6', 'R10'],
    kind: 'reopen',
    caller: 'lead',
    start: merged(),
    others: { b: survivor() },
    payload: REOPEN,
    expect: applied({ changes: REOPENED, notices: ['reopened'] }),
  }),
  row({
    name: '[R5] reopening an open case is superseded: already-in-state, and the resident hears nothing',
    rules: ['R5', 'R10'],
    kind: 'reopen',
    caller: 'lead',
    start: inProgress(),
    payload: REOPEN,
    expect: superseded('already-in-state'),
  }),
  row({
    name: '[R8] a reopen by a worker is rejected: role-not-allowed',
    rules: ['R8'],
    kind: 'reopen',
    caller: 'worker',
    start: fixed(),
    payload: REOPEN,
    expect: rejected('role-not-allowed'),
  }),
  row({
    name: '[R8] a reopen by a lead of another department is rejected: not-your-department',
    rules: ['R8'],
    kind: 'reopen',
    caller: 'lead-other-department',
    start: fixed(),
    payload: REOPEN,
    expect: rejected('not-your-department'),
  }),
  row({
    name: '[R8] a reopen by an admin is applied',
    rules: ['R8', 'R10'],
    kind: 'reopen',
    caller: 'admin',
    start: fixed(),
    payload: REOPEN,
    expect: applied({ changes: REOPENED, notices: ['reopened'] }),
  }),
];

/** Every row, by kind in the order of `MUTATION_KINDS`. */
export const RULES_TABLE: readonly TableRow[] = [
  ...START,
  ...HOLD_ROWS,
  ...RESUME,
  ...ADD_NOTE,
  ...ATTACH_PHOTO,
  ...FIX_ROWS,
  ...CLOSE_NOT_FIXED,
  ...TRANSFER_REQUEST,
  ...ASSIGN,
  ...UNASSIGN,
  ...REORDER,
  ...SET_PRIORITY,
  ...SET_DUE,
  ...MERGE,
  ...CANCEL_ROWS,
  ...REOPEN_ROWS,
];

/**
 * The rules that apply to each kind, besides R1 and R9 (every row is checked for those). The
 * table has at least one row citing each pair.
 */
export const APPLIES: Record<MutationKind, Rule[]> = {
  start: ['R5', 'R6', 'R8'],
  hold: ['R5', 'R6', 'R8'],
  resume: ['R5', 'R6', 'R8'],
  add_note: ['R4', 'R6', 'R8'],
  attach_photo: ['R4', 'R6', 'R8'],
  fix: ['R2', 'R3', 'R4', 'R6', 'R8', 'R10'],
  close_not_fixed: ['R2', 'R5', 'R6', 'R8', 'R10'],
  transfer_request: ['R5', 'R6', 'R8'],
  assign: ['R2', 'R6', 'R8', 'R10'],
  unassign: ['R2', 'R5', 'R6', 'R8'],
  reorder: ['R2', 'R5', 'R6', 'R8'],
  set_priority: ['R6', 'R7', 'R8'],
  set_due: ['R6', 'R7', 'R8'],
  merge_duplicate: ['R5', 'R6', 'R8', 'R10'],
  cancel: ['R5', 'R6', 'R8', 'R10'],
  reopen: ['R5', 'R6', 'R8', 'R10'],
};

// ---- what the runners share: tokens to values, and the expected case afterwards -----------

/** What a runner knows when it runs a row: the cases' ids, photo ids, the change's time. */
export type RowEnv = {
  caseIds: Record<CaseName, string> & { missing: string };
  photoId: (name: string) => string;
  /** When the change happened (ISO). */
  at: string;
  /** The city's day then. */
  today: string;
};

/** Replaces the tokens (`AT`, `TODAY`, `@b`, `#photo`) in a value, however deep. */
export function resolve<T>(value: T, env: RowEnv): T {
  if (typeof value === 'string') {
    if (value === AT) return env.at as T;
    if (value === TODAY) return env.today as T;
    const ref = /^@(self|[b-h]|missing)$/.exec(value);
    if (ref) return env.caseIds[ref[1] as CaseName | 'missing'] as T;
    const photo = /^#([\w-]+)$/.exec(value);
    if (photo) return env.photoId(photo[1]!) as T;
    return value;
  }
  if (Array.isArray(value)) return value.map((v: unknown) => resolve(v, env)) as T;
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolve(v, env)])) as T;
  }
  return value;
}

/** A case of the row as it is before the change. */
export function caseStart(r: TableRow, name: CaseName): CaseStart {
  const c = name === 'self' ? r.start : r.others?.[name];
  if (!c) throw new Error(`${r.name}: no case "${name}"`);
  return c;
}

/** The cases the change leaves a history entry on: its own, then each case it was redirected to (R6). */
export function historyChain(r: TableRow): CaseName[] {
  const to = r.expect.landsOn ?? 'self';
  const chain: CaseName[] = ['self'];
  while (chain.at(-1) !== to) {
    const into = caseStart(r, chain.at(-1)!).mergedIntoId;
    if (!into || into === '@missing' || chain.length > 3) throw new Error(`${r.name}: no merge chain to ${to}`);
    chain.push(into.slice(1) as CaseName);
  }
  return chain;
}

/**
 * The case the change lands on, afterwards: as it was, with the row's changes, tokens
 * resolved; its route position as it was unless the row places it on a route.
 */
export function expectedCase(r: TableRow, env: RowEnv): Fields & { version: number } {
  const name = r.expect.landsOn ?? 'self';
  const { type: _type, ...before } = resolve(caseStart(r, name), env);
  return {
    ...before,
    ...resolve(r.expect.changes ?? {}, env),
    version: before.version + (r.expect.version === 'moved' ? 1 : 0),
  };
}
