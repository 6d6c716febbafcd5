/**
 * The reconciliation rules (SPEC.md beside this file, R1–R10 of PRODUCT.md) as one pure
 * function. The server applies it to decide every mutation; the field app applies the same
 * function to show its optimistic view before the server has answered.
 *
 * R1 (idempotency) and R10 (notices sent once, after commit) are the caller's: it looks a
 * mutation id up before deciding, and writes the notices this returns to an outbox in the
 * same transaction as the change.
 */
import type { CaseRecord } from '../domain/case.ts';
import { isOpen, type CaseState } from '../domain/lifecycle.ts';
import type { Role } from '../domain/people.ts';
import type { ServiceType } from '../domain/service-type.ts';
import { staffCaller, writeDenial, type CaseAccessFacts } from '../access/access.ts';
import { isFieldKind, type Mutation } from '../sync/mutation.ts';
import type { OutcomeKind, Reason } from '../sync/outcome.ts';

/** The facts about a case the rules read; a `CaseRecord` has them all. */
export type CaseFacts = Pick<
  CaseRecord,
  | 'id'
  | 'state'
  | 'crewId'
  | 'assignedDay'
  | 'routePosition'
  | 'priority'
  | 'expectedAt'
  | 'holdReason'
  | 'resolutionCode'
  | 'closeReason'
  | 'statusNotes'
  | 'mergedIntoId'
  | 'cancelled'
  | 'closedAt'
  | 'version'
>;

/** The service type's configuration the rules check payloads against. */
export type TypeRules = Pick<
  ServiceType,
  'departmentId' | 'photoRequiredOnFix' | 'resolutionCodes' | 'holdReasons' | 'closeReasons'
>;

export type Actor = { userId: string; role: Role; crewId: string | null; departmentId: string | null };

export type DecideContext = {
  actor: Actor;
  /** The crew the case was assigned to at the version the device last saw (R8). */
  crewAtBaseVersion: string | null;
  /**
   * A desk move (`assign`, `unassign`): its crew started or held the case after the version
   * the lead's device showed (the lead moved a job they did not know was under way).
   */
  fieldWorkSinceBase?: boolean;
  /**
   * When the case was last reopened (ISO), for a fix or close of a case changed since its
   * device saw it: work done before it does not close the case the reopening opened.
   */
  reopenedAt?: string | null;
  /** Department of each crew the mutation may name. */
  crewDepartment: (crewId: string) => string | undefined;
  /**
   * When the change happened (ISO): on the device, corrected for its clock, for field work
   * done offline; closing times and notices use it.
   */
  now: string;
  /** The city's calendar day at `now` (`YYYY-MM-DD`). */
  today: string;
  /** Set when this decision is for work redirected from a merged case (R6): that case. */
  redirectedFrom?: CaseAccessFacts & { id: string };
  /**
   * Another case (a merge's surviving case): its department, and the case it was itself
   * merged into; undefined when there is no such case. Without it (the device's prediction)
   * the checks are left to the server.
   */
  otherCase?: (caseId: string) => OtherCase | undefined;
  /**
   * A photo already known by its id: the case it is attached to and its kind. Undefined
   * when no photo has that id. Without it (the device's prediction) photo checks are left to
   * the server.
   */
  photo?: (photoId: string) => { caseId: string; kind: PhotoKind } | undefined;
};

/**
 * How many merges deep work is followed to the case that survives (a merged into b merged
 * into c …); the server reads the cases of a batch that deep.
 */
export const MAX_REDIRECTS = 5;

/** What a decision may ask of a case other than its own. */
export type OtherCase = { departmentId: string; mergedIntoId: string | null };

/** Who took a photo: the resident with the report, or a crew (before, after, other). */
export type PhotoKind = 'report' | 'before' | 'after' | 'other';

export type Patch = Partial<Omit<CaseFacts, 'id' | 'version'>>;

export type NoticeTemplate = 'scheduled' | 'fixed' | 'closed' | 'reopened';

export type Decision = {
  outcome: OutcomeKind;
  reason: Reason | null;
  /** Changes to the case row; empty unless the case itself changes. */
  patch: Patch;
  /** The case history entry this mutation leaves (R9: always one). */
  event: { kind: string; data: Record<string, unknown> };
  /** Resident notices to queue (R10). */
  notices: NoticeTemplate[];
  /** Something the case's lead must hear about (R2, R6, "crossed paths"). */
  leadNotice: string | null;
  /** R6: the case was merged; decide again on this case and report `merged`. */
  redirectTo: string | null;
  /** Route bookkeeping the caller does with other cases: append or move within a crew's day. */
  route: { op: 'append' | 'move'; crewId: string; day: string; position: number | null } | null;
};

const CLOSED: readonly CaseState[] = ['fixed', 'closed_not_fixed'];

function decision(
  outcome: OutcomeKind,
  reason: Reason | null,
  event: Decision['event'],
  more: Partial<Decision> = {},
): Decision {
  return { outcome, reason, patch: {}, event, notices: [], leadNotice: null, redirectTo: null, route: null, ...more };
}

/** A mutation that could not take effect: kept in the history with its payload (R4, R9). */
function notApplied(
  outcome: 'superseded' | 'rejected',
  reason: Reason,
  m: Mutation,
  leadNotice: string | null = null,
): Decision {
  return decision(outcome, reason, { kind: m.kind, data: { ...m.payload, outcome, reason } }, { leadNotice });
}

/** A fix or close done (on its device) before the case was last reopened. */
const doneBeforeReopening = (ctx: DecideContext) => !!ctx.reopenedAt && ctx.now < ctx.reopenedAt;

function reopenedSince(c: CaseFacts, what: 'fix' | 'close'): string {
  return `A ${what} of case #${c.id} recorded in the field before the case was reopened arrived after it: it is kept in the history, and the case stays open.`;
}

/** The lead's notice for a desk move that crossed a crew's start (or hold) in the field. */
function startedMeanwhile(c: CaseFacts, what: 'move' | 'unassignment'): string {
  const doing = c.state === 'on_hold' ? 'started it and put it on hold' : 'started it';
  return `Your ${what} of case #${c.id} was made before you could see that its crew ${doing}: it stays with them. Make it again if you still mean to.`;
}

function has(list: { code: string }[], code: string): boolean {
  return list.some((c) => c.code === code);
}

/**
 * R8: who may send this mutation for this case, by the one access model (`access.ts`):
 * workers field work on their crew's cases (now, or when the device last saw the case);
 * leads desk changes, notes and photos on their department's cases; admins desk changes,
 * notes and photos anywhere. Field status changes belong to a crew. Work redirected from a
 * merged case (R6) is judged on the case the device worked on.
 */
function authorize(c: CaseFacts, m: Mutation, t: TypeRules, ctx: DecideContext): Reason | null {
  return writeDenial({
    caller: staffCaller({ ...ctx.actor, id: ctx.actor.userId }),
    kind: m.kind,
    target: { crewId: c.crewId, departmentId: t.departmentId },
    crewAtBaseVersion: ctx.crewAtBaseVersion,
    ...(ctx.redirectedFrom ? { redirectedFrom: ctx.redirectedFrom } : {}),
  });
}

/**
 * Why a fix's photos cannot stand: each must be a crew's photo attached to this case, and
 * where the service type asks for proof (`needsAfter`) one of them an after-photo: a
 * before-photo is no proof of the finished work, and the resident's "fixed" page shows only
 * after-photos.
 */
function fixPhotoProblem(c: CaseFacts, photoIds: string[], needsAfter: boolean, ctx: DecideContext): Reason | null {
  if (needsAfter && photoIds.length === 0) return 'photo-required';
  if (!ctx.photo) return null;
  let after = false;
  for (const id of photoIds) {
    const p = ctx.photo(id);
    const ownCase = p && (p.caseId === c.id || p.caseId === ctx.redirectedFrom?.id);
    if (!p || !ownCase || p.kind === 'report') return 'photo-not-on-case';
    if (p.kind === 'after') after = true;
  }
  return needsAfter && !after ? 'photo-required' : null;
}

/** Decides one mutation against the current state of its case. Pure. */
export function decide(c: CaseFacts, m: Mutation, t: TypeRules, ctx: DecideContext): Decision {
  const denied = authorize(c, m, t, ctx);
  if (denied) return notApplied('rejected', denied, m);

  // R6: work on a merged case lands on the surviving case; lead changes to it are moot.
  if (c.mergedIntoId && m.kind !== 'reopen') {
    if (isFieldKind(m.kind)) {
      // Never across departments (R8): refused here, on the case the device worked on, so
      // nothing of it reaches the other department's case or its lead.
      const survivor = ctx.otherCase?.(c.mergedIntoId);
      if (survivor !== undefined && survivor.departmentId !== t.departmentId)
        return notApplied('rejected', 'not-your-department', m);
      return decision(
        'merged',
        'landed-on-surviving-case',
        { kind: m.kind, data: { ...m.payload, redirectedTo: c.mergedIntoId } },
        { redirectTo: c.mergedIntoId },
      );
    }
    return notApplied('superseded', 'case-closed', m);
  }

  // R8: field work on a case moved away from the crew while it was offline (still accepted).
  const movedAway =
    isFieldKind(m.kind) && !ctx.redirectedFrom && ctx.actor.crewId !== null && c.crewId !== ctx.actor.crewId;
  const statusChange = m.kind !== 'add_note' && m.kind !== 'attach_photo';
  const crossedPaths =
    movedAway && statusChange
      ? `${describeKind(m.kind)} on case #${c.id} by a crew it had been moved away from while they worked offline.`
      : null;
  const applied = (event: Decision['event'], more: Partial<Decision> = {}): Decision =>
    decision(ctx.redirectedFrom ? 'merged' : 'applied', ctx.redirectedFrom ? 'landed-on-surviving-case' : null, event, {
      leadNotice: crossedPaths,
      ...more,
    });
  const closed = CLOSED.includes(c.state);
  // R8: work that puts a case in progress or on hold, on a case the lead unassigned while the
  // crew worked offline, takes it back to that crew on the day of the work (as a fix does, R2):
  // no case is worked with no crew.
  const backToCrew = (patch: Patch): Partial<Decision> =>
    movedAway && c.crewId === null
      ? {
          patch: { ...patch, crewId: ctx.actor.crewId, assignedDay: ctx.today },
          leadNotice: `${describeKind(m.kind)} on case #${c.id} by a crew it had been unassigned from while they worked offline: the case is back on their day.`,
        }
      : { patch };

  switch (m.kind) {
    // ---- field work ------------------------------------------------------------------
    case 'start':
      if (closed) return notApplied('superseded', 'case-closed', m); // R5
      if (c.state === 'in_progress') return notApplied('superseded', 'already-in-state', m);
      return applied({ kind: 'started', data: {} }, backToCrew({ state: 'in_progress', holdReason: null }));

    case 'hold':
      if (!has(t.holdReasons, m.payload.reason)) return notApplied('rejected', 'invalid-payload', m);
      if (closed) return notApplied('superseded', 'case-closed', m);
      if (c.state === 'on_hold') return notApplied('superseded', 'already-in-state', m);
      return applied(
        { kind: 'held', data: { ...m.payload } },
        backToCrew({ state: 'on_hold', holdReason: m.payload.reason }),
      );

    case 'resume':
      if (closed) return notApplied('superseded', 'case-closed', m);
      if (c.state === 'in_progress') return notApplied('superseded', 'already-in-state', m);
      if (c.state !== 'on_hold') return notApplied('superseded', 'invalid-transition', m);
      return applied({ kind: 'resumed', data: {} }, { patch: { state: 'in_progress', holdReason: null } });

    case 'add_note': // R4: always kept
      return applied({ kind: 'note', data: { text: m.payload.text } });

    case 'attach_photo': // R4: always kept; a photo id names one photo, once
      if (ctx.photo?.(m.payload.photoId)) return notApplied('rejected', 'photo-id-taken', m);
      return applied({ kind: 'photo', data: { ...m.payload } });

    case 'fix': {
      if (!has(t.resolutionCodes, m.payload.resolutionCode)) return notApplied('rejected', 'invalid-payload', m);
      const photoProblem = fixPhotoProblem(c, m.payload.photoIds, t.photoRequiredOnFix, ctx);
      if (photoProblem) return notApplied('rejected', photoProblem, m);
      const event = { kind: 'fixed', data: { ...m.payload, crewId: ctx.actor.crewId } };
      // R3: a second fix is kept as duplicate work; the resident heard once already. So is a
      // fix done before the case was reopened (a second tablet's record of the fix the
      // reopening undid, synced after it): the reopened case stays open, the lead is told.
      if (c.state === 'fixed')
        return decision('merged', 'duplicate-work', { kind: 'fixed', data: { ...event.data, duplicate: true } });
      if (doneBeforeReopening(ctx))
        return decision(
          'merged',
          'duplicate-work',
          { kind: 'fixed', data: { ...event.data, duplicate: true } },
          { leadNotice: reopenedSince(c, 'fix') },
        );
      // R6: a cancelled case: the work is recorded and the lead told, the cancellation stands.
      if (c.cancelled) {
        return notApplied(
          'superseded',
          'case-cancelled',
          m,
          `Case #${c.id} was cancelled, but a crew fixed it in the field. Their work is recorded.`,
        );
      }
      // R2: the fix stands whatever moved meanwhile; the case follows the crew that did it.
      const patch: Patch = {
        state: 'fixed',
        resolutionCode: m.payload.resolutionCode,
        statusNotes: m.payload.note || null,
        holdReason: null,
        closeReason: null,
        closedAt: ctx.now,
      };
      if (movedAway) {
        // The case follows the crew that did the work, on the day it did it (a case the lead
        // unassigned meanwhile has no day).
        patch.crewId = ctx.actor.crewId;
        patch.assignedDay = c.assignedDay ?? ctx.today;
      }
      return applied(event, {
        patch,
        notices: ['fixed'],
        leadNotice: movedAway
          ? `Case #${c.id} was fixed in the field by a crew it had been moved away from; the move is superseded.`
          : null,
      });
    }

    case 'close_not_fixed':
      if (!has(t.closeReasons, m.payload.reason)) return notApplied('rejected', 'invalid-payload', m);
      if (closed) return notApplied('superseded', c.cancelled ? 'case-cancelled' : 'case-closed', m);
      if (doneBeforeReopening(ctx)) return notApplied('superseded', 'invalid-transition', m, reopenedSince(c, 'close'));
      return applied(
        { kind: 'closed_not_fixed', data: { ...m.payload } },
        {
          patch: {
            state: 'closed_not_fixed',
            closeReason: m.payload.reason,
            statusNotes: m.payload.note || null,
            holdReason: null,
            closedAt: ctx.now,
          },
          notices: ['closed'],
        },
      );

    case 'transfer_request':
      if (closed) return notApplied('superseded', 'case-closed', m);
      return applied(
        { kind: 'transfer_requested', data: { ...m.payload } },
        {
          leadNotice: `The crew asks to transfer case #${c.id}${m.payload.departmentId ? ` to ${m.payload.departmentId}` : ''}: ${m.payload.reason}`,
        },
      );

    // ---- the lead's desk ---------------------------------------------------------------
    case 'assign': {
      const dept = ctx.crewDepartment(m.payload.crewId);
      if (!dept) return notApplied('rejected', 'invalid-payload', m);
      // A case goes to a crew of its own department (an admin's move too).
      if (dept !== t.departmentId) return notApplied('rejected', 'not-your-department', m);
      // R2: field work is the truth; a move that comes after a close is superseded.
      if (closed)
        return notApplied(
          'superseded',
          'case-closed',
          m,
          `Your move of case #${c.id} came after the crew closed it in the field; the close stands.`,
        );
      const sameCrew = c.crewId === m.payload.crewId;
      // A job under way is moved only by a lead who saw it under way: one moved from a picture
      // older than the crew's start would leave them mid-job and send another crew to it.
      if (!sameCrew && ctx.fieldWorkSinceBase)
        return notApplied('superseded', 'invalid-transition', m, startedMeanwhile(c, 'move'));
      const state: CaseState = sameCrew && c.state !== 'new' ? c.state : 'assigned';
      return applied(
        { kind: 'assigned', data: { crewId: m.payload.crewId, day: m.payload.day, fromCrewId: c.crewId } },
        {
          patch: {
            state,
            crewId: m.payload.crewId,
            assignedDay: m.payload.day,
            holdReason: state === 'on_hold' ? c.holdReason : null,
          },
          notices: c.state === 'new' ? ['scheduled'] : [],
          route: { op: 'append', crewId: m.payload.crewId, day: m.payload.day, position: m.payload.position },
          leadNotice: null,
        },
      );
    }

    case 'unassign':
      if (closed)
        return notApplied(
          'superseded',
          'case-closed',
          m,
          `Your unassignment of case #${c.id} came after the crew closed it; the close stands.`,
        );
      if (c.crewId === null) return notApplied('superseded', 'already-in-state', m);
      if (ctx.fieldWorkSinceBase)
        return notApplied('superseded', 'invalid-transition', m, startedMeanwhile(c, 'unassignment'));
      return applied(
        { kind: 'unassigned', data: { crewId: null, fromCrewId: c.crewId } },
        {
          patch: { state: 'new', crewId: null, assignedDay: null, routePosition: null, holdReason: null },
          leadNotice: null,
        },
      );

    case 'reorder':
      if (closed)
        return notApplied(
          'superseded',
          'case-closed',
          m,
          `Your reordering of case #${c.id} came after the crew closed it; the close stands.`,
        );
      if (!c.crewId || !c.assignedDay) return notApplied('superseded', 'invalid-transition', m);
      // R5: made for a route the case has left since (another move came first); a stop number
      // on the route it is on now would put it somewhere nobody chose.
      if (
        (m.payload.crewId !== undefined && m.payload.crewId !== c.crewId) ||
        (m.payload.day !== undefined && m.payload.day !== c.assignedDay)
      )
        return notApplied('superseded', 'invalid-transition', m);
      return applied(
        { kind: 'reordered', data: { from: c.routePosition, to: m.payload.position } },
        { route: { op: 'move', crewId: c.crewId, day: c.assignedDay, position: m.payload.position }, leadNotice: null },
      );

    case 'set_priority': // R7: server order wins; the overwritten value stays in the history
      return applied(
        { kind: 'priority_changed', data: { from: c.priority, to: m.payload.priority } },
        { patch: { priority: m.payload.priority }, leadNotice: null },
      );

    case 'set_due': // R7
      return applied(
        { kind: 'due_changed', data: { from: c.expectedAt, to: m.payload.expectedAt } },
        { patch: { expectedAt: m.payload.expectedAt }, leadNotice: null },
      );

    case 'merge_duplicate': {
      if (m.payload.intoCaseId === c.id) return notApplied('rejected', 'invalid-payload', m);
      let intoCaseId = m.payload.intoCaseId;
      if (ctx.otherCase) {
        // The surviving case must exist and be of the same department: a merge must not
        // become a way to make changes land on another department's case (R6, R8).
        let into = ctx.otherCase(intoCaseId);
        if (into === undefined) return notApplied('rejected', 'case-not-found', m);
        if (into.departmentId !== t.departmentId) return notApplied('rejected', 'not-your-department', m);
        // A case merged meanwhile (a board that had not caught up) is followed to its own
        // surviving case, as field work is. Followed back to this case, the two are already
        // one: merging again would close both, each a duplicate of the other. A chain deeper
        // than work is followed (or a loop made by hand) has no case to merge into.
        for (let hop = 0; into.mergedIntoId; hop++) {
          if (into.mergedIntoId === c.id) return notApplied('superseded', 'already-in-state', m);
          const next: OtherCase | undefined = hop < MAX_REDIRECTS ? ctx.otherCase(into.mergedIntoId) : undefined;
          if (next === undefined) return notApplied('rejected', 'case-not-found', m);
          intoCaseId = into.mergedIntoId;
          into = next;
        }
      }
      if (closed) return notApplied('superseded', 'case-closed', m);
      return applied(
        { kind: 'merged', data: { intoCaseId } },
        {
          patch: {
            state: 'closed_not_fixed',
            closeReason: 'duplicate',
            mergedIntoId: intoCaseId,
            holdReason: null,
            closedAt: ctx.now,
          },
          notices: ['closed'],
          leadNotice: null,
        },
      );
    }

    case 'cancel':
      // A cancellation closes the case as not fixed: with one of the type's close reasons.
      if (!has(t.closeReasons, m.payload.reason)) return notApplied('rejected', 'invalid-payload', m);
      if (closed) return notApplied('superseded', 'case-closed', m);
      return applied(
        { kind: 'cancelled', data: { ...m.payload } },
        {
          patch: {
            state: 'closed_not_fixed',
            closeReason: m.payload.reason,
            statusNotes: m.payload.note || null,
            cancelled: true,
            holdReason: null,
            closedAt: ctx.now,
          },
          notices: ['closed'],
          leadNotice: null,
        },
      );

    case 'reopen':
      if (!closed) return notApplied('superseded', 'already-in-state', m);
      return applied(
        { kind: 'reopened', data: { ...m.payload, previousState: c.state } },
        {
          patch: reopenPatch(),
          notices: ['reopened'],
          leadNotice: null,
        },
      );
  }
}

/**
 * What reopening a closed case changes: back to `new`, off any crew's day, its resolution
 * and close reason cleared, for the desk to schedule again. The one definition, used by the
 * `reopen` change and by a resident's "still a problem?" link (sync-server).
 */
export function reopenPatch(): Patch {
  return {
    state: 'new',
    crewId: null,
    assignedDay: null,
    routePosition: null,
    resolutionCode: null,
    closeReason: null,
    mergedIntoId: null,
    cancelled: false,
    closedAt: null,
    // Open311's `status_notes` say why the status is what it is: not the old close's words.
    statusNotes: null,
  };
}

const KIND_WORDS: Record<Mutation['kind'], string> = {
  start: 'Start',
  hold: 'Hold',
  resume: 'Resume',
  add_note: 'Note',
  attach_photo: 'Photo',
  fix: 'Fix',
  close_not_fixed: 'Close (not fixed)',
  transfer_request: 'Transfer request',
  assign: 'Assignment',
  unassign: 'Unassignment',
  reorder: 'Reordering',
  set_priority: 'Priority change',
  set_due: 'Due date change',
  merge_duplicate: 'Merge',
  cancel: 'Cancellation',
  reopen: 'Reopening',
};

export function describeKind(kind: Mutation['kind']): string {
  return KIND_WORDS[kind];
}

const REASON_WORDS: Record<Reason, string> = {
  'landed-on-surviving-case': 'the case was merged into another; your work was added there',
  'duplicate-work': 'another crew had already fixed it; your work is kept as duplicate work',
  'case-closed': 'the case was already closed',
  'case-cancelled': 'the case was cancelled by a lead; your work is recorded and the lead was told',
  'invalid-transition': 'that step does not fit the case any more',
  'already-in-state': 'the case was already in that state',
  'not-your-crew': 'the case is not assigned to your crew',
  'not-your-department': 'the case belongs to another department',
  'role-not-allowed': 'your role cannot make that change',
  'case-not-found': 'there is no such case',
  'invalid-payload': 'a value in it is not one the case type accepts',
  'photo-required': 'this kind of case needs an after-photo to be fixed',
  'photo-not-on-case': 'a photo it names was not taken by a crew for this case',
  'photo-id-taken': 'a photo with that id is already recorded',
};

/** What a person reads about an outcome: "Fix of case #12 not applied: the case was already closed." */
export function describeOutcome(
  kind: Mutation['kind'],
  caseId: string,
  outcome: OutcomeKind,
  reason: Reason | null,
): string {
  const what = `${KIND_WORDS[kind]} on case #${caseId}`;
  switch (outcome) {
    case 'applied':
      return `${what} saved.`;
    case 'merged':
      return `${what} saved: ${reason ? REASON_WORDS[reason] : 'merged'}.`;
    case 'superseded':
      return `${what} not applied: ${reason ? REASON_WORDS[reason] : 'overtaken by a later change'}.`;
    case 'rejected':
      // A merge's one payload the rules refuse is a case merged into itself: said as such.
      if (kind === 'merge_duplicate' && reason === 'invalid-payload')
        return `${what} refused: a case cannot be merged into itself.`;
      return `${what} refused: ${reason ? REASON_WORDS[reason] : 'not allowed'}.`;
  }
}

/** Applies a decision's patch to a case (the client's optimistic view; the server does it in SQL). */
export function applyPatch<C extends CaseFacts>(c: C, d: Decision): C {
  const changed = Object.keys(d.patch).length > 0 || d.route !== null;
  return {
    ...c,
    ...d.patch,
    ...(d.route?.op === 'move' ? { routePosition: d.route.position } : {}),
    version: changed ? c.version + 1 : c.version,
  };
}

export { isOpen };
