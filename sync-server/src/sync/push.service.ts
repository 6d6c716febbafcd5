/**
 * Applies a device's batch of mutations in one transaction (SPEC.md R1–R10):
 * look up replays, lock the cases, decide each mutation with the shared rules in order,
 * then, under the change-log lock, write cases, history, outcomes, notices and photos in a
 * few set-based statements.
 * Nothing is written unless everything is: a failed push changes nothing and is retried.
 */
import {
  applyPatch,
  dateIn,
  decide,
  describeOutcome,
  type Actor,
  type Decision,
  type Mutation,
  type Outcome,
  type TypeRules,
} from '@fieldfix/shared';
import type { Sql } from '../db/database.ts';
import type { Staff } from '../http/deps.ts';
import {
  crewsAtVersions,
  findOutcomes,
  insertLeadNotices,
  insertOutcomesAndEvents,
  insertPhotos,
  loadCasesForUpdate,
  loadCrewDepartments,
  loadTypeRules,
  lockChangeLog,
  placeOnRoute,
  queueNotices,
  updateCases,
  type EventInsert,
  type MutationInsert,
  type WorkingCase,
} from './sync.repo.ts';

/** How many merges deep work may be redirected (a merged into b merged into c …). */
const MAX_REDIRECTS = 5;

/** How often a push is tried again after losing a race with another push (see below). */
const ATTEMPTS = 3;

export async function pushMutations(
  sql: Sql,
  staff: Staff,
  mutations: Mutation[],
  timeZone: string,
): Promise<Outcome[]> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await applyBatch(sql, staff, mutations, timeZone);
    } catch (err) {
      if (attempt < ATTEMPTS && lostARace(err)) continue;
      throw err;
    }
  }
}

/**
 * Races a retried transaction resolves: a deadlock with another push (a lead's route change
 * touching a case this push holds), or the same mutation id pushed twice at once (a device
 * retrying while its first request is still running): tried again, it is a replay (R1).
 */
function lostARace(err: unknown): boolean {
  const e = err as { code?: string; constraint_name?: string };
  return e.code === '40P01' || e.code === '40001' || (e.code === '23505' && e.constraint_name === 'mutations_pkey');
}

async function applyBatch(sql: Sql, staff: Staff, mutations: Mutation[], timeZone: string): Promise<Outcome[]> {
  const actor: Actor = { userId: staff.id, role: staff.role, crewId: staff.crewId, departmentId: staff.departmentId };
  return sql.begin(async (tx) => {
    // Cases are locked row by row as they are read; the change-log lock is taken only for
    // the writes, so other pushes read and decide meanwhile. One round trip: postgres.js pipelines these on the transaction's connection.
    const [known, types, crews, cases] = await Promise.all([
      findOutcomes(tx, [...new Set(mutations.map((m) => m.id))]),
      loadTypeRules(tx),
      loadCrewDepartments(tx),
      loadCasesForUpdate(tx, [...new Set(mutations.map((m) => m.caseId))]),
    ]);
    const fresh = mutations.filter((m) => !known.has(m.id));
    if (fresh.length === 0) return mutations.map((m) => known.get(m.id)!);

    const instant = new Date();
    const now = instant.toISOString();
    const today = dateIn(instant, timeZone);
    // R6: surviving cases of merged ones, however deep.
    for (let depth = 0; depth < MAX_REDIRECTS; depth++) {
      const missing = [...cases.values()]
        .map((c) => c.mergedIntoId)
        .filter((id): id is string => !!id && !cases.has(id));
      if (missing.length === 0) break;
      for (const [id, c] of await loadCasesForUpdate(tx, missing)) cases.set(id, c);
    }
    // R8: which crew had each case when the device last saw it, where that matters.
    const history = await crewsAtVersions(
      tx,
      fresh
        .filter((m) => actor.role === 'worker' && cases.get(m.caseId) && cases.get(m.caseId)!.crewId !== actor.crewId)
        .map((m) => ({ caseId: m.caseId, version: m.baseVersion })),
    );

    const changed = new Map<string, WorkingCase>();
    const events: EventInsert[] = [];
    const outcomes = new Map<string, Outcome>();
    const mutationRows: MutationInsert[] = [];
    const notices: { case_id: string; template: string; mutation_id: string }[] = [];
    const leadNotices: { department_id: string; case_id: string; mutation_id: string; message: string }[] = [];
    const photos: Parameters<typeof insertPhotos>[1] = [];
    const routeOps: { caseId: string; crewId: string; day: string; position: number | null }[] = [];

    for (const m of fresh) {
      if (outcomes.has(m.id)) continue; // the same id twice in one batch: decided once (R1)
      let target = cases.get(m.caseId);
      let d: Decision | null = null;
      let redirectedFrom: string | undefined;
      for (let hop = 0; target && hop <= MAX_REDIRECTS; hop++) {
        const rules = types.get(target.serviceCode)!;
        const ctx = {
          actor,
          crewAtBaseVersion: history.get(`${m.caseId}@${m.baseVersion}`) ?? null,
          crewDepartment: (id: string) => crews.get(id),
          now,
          today,
          ...(redirectedFrom ? { redirectedFrom } : {}),
        };
        if (m.kind === 'merge_duplicate' && !cases.has(m.payload.intoCaseId)) {
          // The surviving case must exist; load it on demand (rare).
          for (const [id, c] of await loadCasesForUpdate(tx, [m.payload.intoCaseId])) cases.set(id, c);
          if (!cases.has(m.payload.intoCaseId)) {
            d = rejectedPayload(m);
            break;
          }
        }
        // Leave the redirect note on the merged case's history, then decide on the survivor.
        const step = decide(target, m, rules, ctx);
        if (step.redirectTo && cases.has(step.redirectTo)) {
          record(target, m, step, rules, true);
          redirectedFrom = target.id;
          target = cases.get(step.redirectTo);
          continue;
        }
        d = step;
        break;
      }

      if (!target || !d) {
        const outcome: Outcome = {
          mutationId: m.id,
          caseId: m.caseId,
          landedOnCaseId: null,
          outcome: 'rejected',
          reason: 'case-not-found',
          message: describeOutcome(m.kind, m.caseId, 'rejected', 'case-not-found'),
          caseVersion: null,
        };
        outcomes.set(m.id, outcome);
        mutationRows.push(mutationRow(m, outcome));
        continue;
      }
      const landed = record(target, m, d, types.get(target.serviceCode)!, false);
      const outcome: Outcome = {
        mutationId: m.id,
        caseId: m.caseId,
        landedOnCaseId: landed.id,
        outcome: d.outcome,
        reason: d.reason,
        message: describeOutcome(m.kind, m.caseId, d.outcome, d.reason),
        caseVersion: landed.version,
      };
      outcomes.set(m.id, outcome);
      mutationRows.push(mutationRow(m, outcome));
    }

    /** Applies one decision to the working copy and collects what it writes. */
    function record(c: WorkingCase, m: Mutation, d: Decision, rules: TypeRules, redirectNote: boolean): WorkingCase {
      let next = c;
      if (!redirectNote && (d.outcome === 'applied' || d.outcome === 'merged')) {
        next = { ...applyPatch(c, d), serviceCode: c.serviceCode };
        if (next.version !== c.version) {
          cases.set(c.id, next);
          changed.set(c.id, next);
        }
        for (const template of d.notices) notices.push({ case_id: c.id, template, mutation_id: m.id });
        if (d.route) {
          routeOps.push({ caseId: c.id, crewId: d.route.crewId, day: d.route.day, position: d.route.position });
        }
        if (m.kind === 'attach_photo') {
          const p = m.payload;
          photos.push({
            id: p.photoId,
            case_id: c.id,
            uploaded_by: actor.userId,
            kind: p.tag,
            content_type: p.contentType,
            byte_size: p.byteSize,
            width: p.width,
            height: p.height,
            taken_at: p.takenAt,
            lat: p.lat,
            long: p.long,
          });
        }
      }
      // The lead hears of every crossed path, and of every change that did not take (R9).
      const notice =
        d.leadNotice ??
        (d.outcome === 'superseded' || d.outcome === 'rejected'
          ? `${staff.name}: ${describeOutcome(m.kind, m.caseId, d.outcome, d.reason)}`
          : null);
      if (notice)
        leadNotices.push({ department_id: rules.departmentId, case_id: c.id, mutation_id: m.id, message: notice });
      events.push({
        case_id: c.id,
        kind: d.event.kind,
        actor_user_id: actor.userId,
        mutation_id: m.id,
        data: d.event.data,
        version: next.version,
        crew_id: next.crewId,
        outcome: d.outcome,
      });
      return next;
    }

    function mutationRow(m: Mutation, o: Outcome): MutationInsert {
      return {
        id: m.id,
        client_id: m.clientId,
        seq: m.seq,
        user_id: actor.userId,
        case_id: m.caseId,
        landed_on_case_id: o.landedOnCaseId,
        kind: m.kind,
        payload: m.payload,
        base_version: m.baseVersion,
        device_time: m.deviceTime,
        outcome: o.outcome,
        reason: o.reason,
        message: o.message,
        case_version: o.caseVersion,
      };
    }

    // From here to commit, cursors are taken in commit order (SPEC.md, "Versions and cursors").
    await lockChangeLog(tx);
    await updateCases(tx, [...changed.values()]);
    for (const op of routeOps) await placeOnRoute(tx, op.caseId, op.crewId, op.day, op.position);
    await Promise.all([
      insertOutcomesAndEvents(tx, mutationRows, events),
      queueNotices(tx, notices),
      insertLeadNotices(tx, leadNotices),
      insertPhotos(tx, photos),
    ]);
    return mutations.map((m) => known.get(m.id) ?? outcomes.get(m.id)!);
  });
}

function rejectedPayload(m: Mutation): Decision {
  return {
    outcome: 'rejected',
    reason: 'invalid-payload',
    patch: {},
    event: { kind: m.kind, data: { ...m.payload, outcome: 'rejected', reason: 'invalid-payload' } },
    notices: [],
    leadNotice: null,
    redirectTo: null,
    route: null,
  };
}
