/**
 * Applies a device's batch of mutations in one transaction (SPEC.md R1–R10):
 * look up replays, lock every case the batch may write (in one ordered statement; shared when
 * the batch holds notes only), decide
 * each mutation with the shared rules in order, then, under the change-log lock, write cases,
 * history, outcomes, notices and photos in a few set-based statements.
 * Nothing is written unless everything is: a failed push changes nothing and is retried.
 */
import {
  applyPatch,
  dateIn,
  decide,
  describeOutcome,
  fixPhotoConcern,
  type Actor,
  type Decision,
  type DecideContext,
  type Mutation,
  type Outcome,
  type PhotoKind,
  type PushEntry,
  type RefusedMutation,
  type TypeRules,
  MAX_REDIRECTS,
} from '@fieldfix/shared';
import type { Staff } from '../access/caller.ts';
import type { Sql, Queryable } from '../db/database.ts';
import { recordLeadInboxEntries, type LeadInboxEntry } from '../lead-inbox/lead-inbox.repo.ts';
import {
  queueResidentNotifications,
  type ResidentNotificationInsert,
} from '../resident-notifications/resident-notification.repo.ts';
import {
  crewsAtVersions,
  fieldWorkSince,
  reopenings,
  findOutcomes,
  findPhotoOwners,
  insertOutcomesAndEvents,
  insertPhotos,
  loadCrewDepartments,
  loadTypeRules,
  lockCases,
  holdChangeCursor,
  numberRoutes,
  readCases,
  routesAsTheyStand,
  updateCases,
  type CrewDay,
  type EventInsert,
  type LockMode,
  type MutationInsert,
  type WorkingCase,
} from './sync.repo.ts';
import { replayRoutes, routeOf, type RouteChange } from './route-order.ts';

export { MAX_REDIRECTS };

/** How often a push is tried again after losing a race with another push (see below). */
const ATTEMPTS = 3;

/**
 * How far back a change may be placed in time. A device clock can be wrong by more than its
 * measured offset says (it was changed while offline); work is never placed in the future,
 * nor longer ago than this.
 */
const MAX_BACKDATE_MS = 14 * 24 * 60 * 60 * 1000;

export type PushOptions = {
  /** The city's time zone: "today" for a fix that moves a case back to its crew (R2). */
  timeZone: string;
  /** The device's clock when it sent the batch (protocol 4); absent from older devices. */
  sentAt?: string;
  /** The server's clock (tests pin it). */
  now?: () => Date;
};

/** Pushes `entries` (parsed mutations, and refused ones that still say who they are) for `staff`. */
export async function pushMutations(
  sql: Sql,
  staff: Staff,
  entries: PushEntry[],
  opts: PushOptions,
): Promise<Outcome[]> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await applyBatch(sql, staff, entries, opts);
    } catch (err) {
      if (attempt < ATTEMPTS && lostARace(err)) continue;
      throw err;
    }
  }
}

/**
 * Races a retried transaction resolves: a deadlock or serialization failure (should not
 * happen: every push locks its rows in one ordered statement, but a client of the database
 * outside the push may still take locks in another order), or the same mutation id pushed
 * twice at once (a device retrying while its first request is still running): tried again,
 * it is a replay (R1).
 */
export function lostARace(err: unknown): boolean {
  const e = err as { code?: string; constraint_name?: string };
  return e.code === '40P01' || e.code === '40001' || (e.code === '23505' && e.constraint_name === 'mutations_pkey');
}

/**
 * When a change happened: its device time moved by the device's clock offset (the server's
 * clock minus the device's when it sent the batch), never in the future, never more than
 * MAX_BACKDATE_MS ago.
 */
export function happenedAt(deviceTime: string, sentAt: string | undefined, now: Date): Date {
  const offset = sentAt ? now.getTime() - Date.parse(sentAt) : 0;
  const at = Date.parse(deviceTime) + offset;
  return new Date(Math.min(now.getTime(), Math.max(now.getTime() - MAX_BACKDATE_MS, at)));
}

function mutationOf(e: PushEntry): Mutation | RefusedMutation {
  return e.ok ? e.mutation : e.refused;
}

async function applyBatch(sql: Sql, staff: Staff, entries: PushEntry[], opts: PushOptions): Promise<Outcome[]> {
  const actor: Actor = { userId: staff.id, role: staff.role, crewId: staff.crewId, departmentId: staff.departmentId };
  const ids = entries.map((e) => mutationOf(e).id);
  return sql.begin(async (tx) => {
    const valid = entries.flatMap((e) => (e.ok ? [e.mutation] : []));
    // One round trip: postgres.js pipelines these on the transaction's connection.
    const [known, types, crews, seen] = await Promise.all([
      findOutcomes(tx, [...new Set(ids)]),
      loadTypeRules(tx),
      loadCrewDepartments(tx),
      readCases(tx, [...new Set([...entries.map((e) => mutationOf(e).caseId), ...mergeTargets(valid)])]),
    ]);
    const fresh = entries.filter((e) => !known.has(mutationOf(e).id));
    if (fresh.length === 0) return ids.map((id) => known.get(id)!);

    // Notes only (the busiest push of all): nothing in the batch can change a case row (R4).
    const mode: LockMode = valid.every((m) => m.kind === 'add_note') ? 'share' : 'update';
    const cases = await lockEverything(tx, valid, seen, mode);
    const now = opts.now?.() ?? new Date();
    return decideAndWrite(tx, { staff, actor, fresh, known, types, crews, cases, now, opts, ids });
  });
}

/** The surviving cases merges in the batch name. */
function mergeTargets(mutations: Mutation[]): string[] {
  return mutations.flatMap((m) => (m.kind === 'merge_duplicate' ? [m.payload.intoCaseId] : []));
}

/**
 * Finds every case row the batch may write (its cases, the surviving cases of merges however
 * deep, the routes it places or moves cases on), then locks them all in one ordered
 * statement and returns them as they are under the lock. Rows are never locked one by one in
 * whatever order the batch names them: two pushes that did so could each hold a row the
 * other waits for (a lead reordering a crew's day while its workers push).
 */
async function lockEverything(
  tx: Queryable,
  mutations: Mutation[],
  seen: Map<string, WorkingCase>,
  mode: LockMode,
): Promise<Map<string, WorkingCase>> {
  const wanted = new Map(seen);
  for (let depth = 0; depth < MAX_REDIRECTS; depth++) {
    const missing = [...wanted.values()]
      .map((c) => c.mergedIntoId)
      .filter((id): id is string => !!id && !wanted.has(id));
    if (missing.length === 0) break;
    for (const [id, c] of await readCases(tx, missing)) wanted.set(id, c);
  }
  const crewDays = new Map<string, CrewDay>();
  const addDay = (crewId: string | null, day: string | null) => {
    if (crewId && day) crewDays.set(`${crewId}@${day}`, { crewId, day });
  };
  for (const m of mutations) {
    if (m.kind === 'assign') addDay(m.payload.crewId, m.payload.day);
    if (m.kind === 'reorder') {
      // A reorder moves its own case's route only: on a merged case it is moot (R6), never
      // redirected to the survivor's route.
      const c = wanted.get(m.caseId);
      addDay(c?.crewId ?? null, c?.assignedDay ?? null);
    }
  }
  const locked = await lockCases(tx, [...wanted.keys()], [...crewDays.values()], mode);
  // A merge committed between the read and the lock may point somewhere new: lock that too
  // (rare, and the only row taken out of order; a deadlock there is retried).
  for (let depth = 0; depth < MAX_REDIRECTS; depth++) {
    const missing = [...locked.values()]
      .map((c) => c.mergedIntoId)
      .filter((id): id is string => !!id && !locked.has(id));
    if (missing.length === 0) break;
    for (const [id, c] of await lockCases(tx, missing, [], mode)) locked.set(id, c);
  }
  return locked;
}

type BatchState = {
  staff: Staff;
  actor: Actor;
  ids: string[];
  fresh: PushEntry[];
  known: Map<string, Outcome>;
  types: Map<string, TypeRules>;
  crews: Map<string, string>;
  cases: Map<string, WorkingCase>;
  now: Date;
  opts: PushOptions;
};

async function decideAndWrite(tx: Queryable, s: BatchState): Promise<Outcome[]> {
  const { actor, staff, cases, types } = s;
  const valid = s.fresh.flatMap((e) => (e.ok ? [e.mutation] : []));
  // R8: which crew had each case when the device last saw it, where that matters.
  const [history, startedSince, reopened, photos] = await Promise.all([
    crewsAtVersions(
      tx,
      valid
        .filter((m) => actor.role === 'worker' && cases.get(m.caseId) && cases.get(m.caseId)!.crewId !== actor.crewId)
        .map((m) => ({ caseId: m.caseId, version: m.baseVersion })),
    ),
    // A desk move of a job under way: did the lead's device show it under way?
    fieldWorkSince(
      tx,
      valid
        .filter((m) => {
          const c = cases.get(m.caseId);
          return (
            (m.kind === 'assign' || m.kind === 'unassign') &&
            actor.role !== 'worker' &&
            (c?.state === 'in_progress' || c?.state === 'on_hold') &&
            m.baseVersion > 0 &&
            m.baseVersion < c.version
          );
        })
        .map((m) => ({ caseId: m.caseId, version: m.baseVersion })),
    ),
    // A fix or close of a case changed since its device saw it: reopened meanwhile?
    reopenings(tx, [
      ...new Set(
        valid
          .filter((m) => {
            const c = cases.get(m.caseId);
            return (m.kind === 'fix' || m.kind === 'close_not_fixed') && !!c && c.version > m.baseVersion;
          })
          .map((m) => m.caseId),
      ),
    ]),
    findPhotoOwners(tx, [
      ...new Set(
        valid.flatMap((m) =>
          m.kind === 'attach_photo' ? [m.payload.photoId] : m.kind === 'fix' ? m.payload.photoIds : [],
        ),
      ),
    ]),
  ]);

  const changed = new Map<string, WorkingCase>();
  const events: EventInsert[] = [];
  const outcomes = new Map<string, Outcome>();
  const mutationRows: MutationInsert[] = [];
  const notices: ResidentNotificationInsert[] = [];
  const inbox: LeadInboxEntry[] = [];
  const newPhotos: Parameters<typeof insertPhotos>[1] = [];
  /** The batch's changes of route, in its order (placed, or joining or leaving a route). */
  const routeChanges: RouteChange[] = [];
  const departmentOf = (c: WorkingCase) => types.get(c.serviceCode)!.departmentId;
  // The same for every decision of the batch: made once, not once per mutation.
  const crewDepartment = (id: string) => s.crews.get(id);
  const otherCase = (id: string) => {
    const c = cases.get(id);
    return c && { departmentId: departmentOf(c), mergedIntoId: c.mergedIntoId };
  };
  const photo = (id: string) => photos.get(id);
  // When a photo was taken, by the device's clock (its camera's, or the file's): corrected by
  // the same offset as the device's changes, never later than now. Not clamped to the two
  // weeks a change may lie back: a photo from the gallery can be older, and that is told.
  const offset = s.opts.sentAt ? s.now.getTime() - Date.parse(s.opts.sentAt) : 0;
  const takenAt = (t: string | null) =>
    t === null ? null : new Date(Math.min(s.now.getTime(), Date.parse(t) + offset)).toISOString();

  for (const entry of s.fresh) {
    const m = mutationOf(entry);
    if (outcomes.has(m.id)) continue; // the same id twice in one batch: decided once (R1)
    const when = entry.ok ? happenedAt(entry.mutation.deviceTime, s.opts.sentAt, s.now) : s.now;
    // Written into every row the mutation makes: formatted once.
    const at = when.toISOString();
    if (!entry.ok) {
      refuse(entry.refused, at);
      continue;
    }
    const mutation = entry.mutation;
    let target = cases.get(mutation.caseId);
    let d: Decision | null = null;
    let redirectedFrom: WorkingCase | undefined;
    for (let hop = 0; target && hop <= MAX_REDIRECTS; hop++) {
      const ctx: DecideContext = {
        actor,
        crewAtBaseVersion: history.get(`${mutation.caseId}@${mutation.baseVersion}`) ?? null,
        fieldWorkSinceBase: startedSince.has(`${mutation.caseId}@${mutation.baseVersion}`),
        reopenedAt: target.id === mutation.caseId ? (reopened.get(target.id) ?? null) : null,
        crewDepartment,
        now: at,
        // The city's day is asked by a few rules only (R2): worked out when one does.
        get today() {
          return dateIn(when, s.opts.timeZone);
        },
        otherCase,
        photo,
        ...(redirectedFrom
          ? {
              redirectedFrom: {
                id: redirectedFrom.id,
                crewId: redirectedFrom.crewId,
                departmentId: departmentOf(redirectedFrom),
              },
            }
          : {}),
      };
      const step = decide(target, mutation, types.get(target.serviceCode)!, ctx);
      // R6: leave the redirect note on the merged case's history, then decide on the survivor.
      if (step.redirectTo && cases.has(step.redirectTo) && hop < MAX_REDIRECTS) {
        record(target, mutation, step, at, true);
        redirectedFrom ??= target;
        target = cases.get(step.redirectTo);
        continue;
      }
      d = step.redirectTo ? { ...step, outcome: 'rejected', reason: 'case-not-found', redirectTo: null } : step;
      break;
    }

    if (!target || !d) {
      answer(mutation, at, { landedOn: null, outcome: 'rejected', reason: 'case-not-found', version: null });
      continue;
    }
    const landed = record(target, mutation, d, at, false);
    if (mutation.kind === 'attach_photo' && (d.outcome === 'applied' || d.outcome === 'merged')) {
      const p = mutation.payload;
      photos.set(p.photoId, {
        caseId: landed.id,
        kind: p.tag as PhotoKind,
        takenAt: takenAt(p.takenAt),
        lat: p.lat,
        long: p.long,
      });
    }
    answer(mutation, at, { landedOn: landed.id, outcome: d.outcome, reason: d.reason, version: landed.version });
  }

  /** The outcome of one mutation, recorded once (R1, R9). */
  function answer(
    m: Mutation | RefusedMutation,
    at: string,
    o: { landedOn: string | null; outcome: Outcome['outcome']; reason: Outcome['reason']; version: number | null },
    message = describeOutcome(m.kind, m.caseId, o.outcome, o.reason),
  ): void {
    const outcome: Outcome = {
      mutationId: m.id,
      caseId: m.caseId,
      landedOnCaseId: o.landedOn,
      outcome: o.outcome,
      reason: o.reason,
      message,
      caseVersion: o.version,
    };
    outcomes.set(m.id, outcome);
    const full = 'payload' in m ? m : null;
    mutationRows.push({
      id: m.id,
      client_id: m.clientId,
      seq: m.seq,
      user_id: actor.userId,
      case_id: m.caseId,
      landed_on_case_id: outcome.landedOnCaseId,
      kind: m.kind,
      // A refused payload may hold what the database cannot store: its problem is kept instead.
      payload: full ? full.payload : { refused: (m as RefusedMutation).problem },
      base_version: full ? full.baseVersion : 0,
      device_time: full ? full.deviceTime : at,
      happened_at: at,
      outcome: outcome.outcome,
      reason: outcome.reason,
      message: outcome.message,
      case_version: outcome.caseVersion,
    });
  }

  /** A mutation that says who it is but fails the schema: rejected by its own outcome (R9). */
  function refuse(m: RefusedMutation, at: string): void {
    const c = cases.get(m.caseId);
    const base = describeOutcome(m.kind, m.caseId, 'rejected', 'invalid-payload');
    const message = `${base.slice(0, -1)} (${m.problem}).`;
    if (c) {
      events.push({
        case_id: c.id,
        kind: m.kind,
        mutation_id: m.id,
        data: { outcome: 'rejected', reason: 'invalid-payload', problem: m.problem },
        version: c.version,
        crew_id: c.crewId,
        outcome: 'rejected',
      });
      inbox.push(inboxEntry(c, m.id, message, 'not-applied'));
    }
    answer(
      m,
      at,
      { landedOn: c?.id ?? null, outcome: 'rejected', reason: 'invalid-payload', version: c?.version ?? null },
      message,
    );
  }

  function inboxEntry(
    c: WorkingCase,
    mutationId: string,
    message: string,
    kind: LeadInboxEntry['kind'],
  ): LeadInboxEntry {
    return {
      departmentId: departmentOf(c),
      caseId: c.id,
      mutationId,
      message: kind === 'not-applied' ? `${staff.name}: ${message}` : message,
      kind,
      actorName: staff.name,
      actorUserId: staff.id,
    };
  }

  /** Applies one decision to the working copy and collects what it writes. */
  function record(c: WorkingCase, m: Mutation, d: Decision, at: string, redirectNote: boolean): WorkingCase {
    let next = c;
    if (!redirectNote && (d.outcome === 'applied' || d.outcome === 'merged')) {
      next = { ...applyPatch(c, d), serviceCode: c.serviceCode };
      if (next.version !== c.version) {
        cases.set(c.id, next);
        changed.set(c.id, next);
      }
      for (const template of d.notices) {
        notices.push({ caseId: c.id, template, mutationId: m.id, happenedAt: at });
      }
      const from = routeOf(c);
      const to = d.route ? `${d.route.crewId}|${d.route.day}` : routeOf(next);
      if (d.route || from !== to)
        routeChanges.push({ caseId: c.id, from, to, placed: d.route ? { position: d.route.position } : null });
      if (m.kind === 'attach_photo') {
        const p = m.payload;
        newPhotos.push({
          id: p.photoId,
          case_id: c.id,
          uploaded_by: actor.userId,
          kind: p.tag,
          content_type: p.contentType,
          byte_size: p.byteSize,
          width: p.width,
          height: p.height,
          taken_at: takenAt(p.takenAt),
          lat: p.lat,
          long: p.long,
        });
      }
    }
    // The lead hears of every crossed path, and of every change that did not take (R9);
    // the inbox groups a batch's refusals into one notice.
    if (d.leadNotice) inbox.push(inboxEntry(c, m.id, d.leadNotice, 'crossed-path'));
    else if (d.outcome === 'superseded' || d.outcome === 'rejected') {
      inbox.push(inboxEntry(c, m.id, describeOutcome(m.kind, m.caseId, d.outcome, d.reason), 'not-applied'));
    }
    // A fix whose photos were taken far from the report or long before: checked, not hidden.
    if (m.kind === 'fix' && !redirectNote && d.outcome === 'applied' && m.payload.photoIds.length > 0) {
      const shown = m.payload.photoIds.flatMap((id) => photos.get(id) ?? []);
      const concern = fixPhotoConcern(shown, { lat: c.lat, long: c.long }, at);
      if (concern) {
        const message = `Case #${c.id} was fixed, but ${concern}. Check the fix before the resident relies on it.`;
        inbox.push(inboxEntry(c, m.id, message, 'crossed-path'));
      }
    }
    events.push({
      case_id: c.id,
      kind: d.event.kind,
      mutation_id: m.id,
      data: d.event.data,
      version: next.version,
      crew_id: next.crewId,
      outcome: d.outcome,
    });
    return next;
  }

  // From here to commit this transaction writes the change log: registered first, so readers'
  // heads stay below its cursors until it commits (SPEC.md, "Versions and cursors").
  // Every row written below is already locked by this transaction (lockEverything).
  // The statements are sent together and run in the order given (postgres.js pipelines a
  // transaction's queries on its connection).
  const register = holdChangeCursor(tx);
  // The routes the batch places cases on, read as they stood before it writes a case (the
  // statements run in the order given); its changes are then replayed on them in its order,
  // and each route numbered 1…n in one statement.
  const placedOn = [...new Set(routeChanges.flatMap((r) => (r.placed && r.to ? [r.to] : [])))];
  const routesBefore = placedOn.length > 0 ? routesAsTheyStand(tx, placedOn) : null;
  const updated = updateCases(tx, [...changed.values()]);
  if (routesBefore) {
    const routes = replayRoutes(await routesBefore, routeChanges);
    await Promise.all([register, updated]);
    await numberRoutes(tx, routes);
  }
  await Promise.all([
    register,
    updated,
    insertOutcomesAndEvents(tx, mutationRows, events),
    queueResidentNotifications(tx, notices),
    recordLeadInboxEntries(tx, inbox),
    insertPhotos(tx, newPhotos),
  ]);
  return s.ids.map((id) => s.known.get(id) ?? outcomes.get(id)!);
}
