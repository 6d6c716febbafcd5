/**
 * The optimistic view (pure): server cases with the device's unacknowledged changes replayed
 * on top, decided by the same rules the server uses (`decide` + `applyPatch` from
 * @fieldfix/shared). Only applied or merged decisions change what is shown; a change the
 * rules predict will not apply is shown as waiting, with that prediction.
 */
import {
  applyPatch,
  decide,
  type Actor,
  type CaseRecord,
  type DecideContext,
  type Mutation,
  type OutcomeKind,
  type Reason,
  type ServiceType,
  type SessionResponse,
  dateIn,
} from '@fieldfix/shared';

/** A change to replay: waiting in the outbox, or applied on the server but not yet pulled. */
export interface QueuedChange {
  seq: number;
  mutation: Mutation;
  /** Already applied by the server (its outcome is recorded); kept until the pull catches up. */
  acknowledged: boolean;
}

export interface ReplayedChange extends QueuedChange {
  /** What the rules expect the server to decide (null when the device cannot tell). */
  predicted: OutcomeKind | null;
  reason: Reason | null;
}

export interface Projection {
  record: CaseRecord;
  changes: ReplayedChange[];
}

/** The person, as the rules see them. */
export function actorOf(session: SessionResponse): Actor {
  const { id, role, crewId, departmentId } = session.user;
  return { userId: id, role, crewId, departmentId };
}

/** The acknowledged outcome rows that still need replaying for `server` (version not pulled yet). */
export function bridging(
  server: CaseRecord,
  outcomes: readonly {
    caseId: string;
    landedOnCaseId: string | null;
    outcome: OutcomeKind;
    caseVersion: number | null;
    mutation: Mutation | null;
    seq: number | null;
  }[],
): QueuedChange[] {
  const out: QueuedChange[] = [];
  for (const o of outcomes) {
    if (o.caseId !== server.id || o.landedOnCaseId !== server.id || !o.mutation || o.seq === null) continue;
    if (o.outcome !== 'applied' && o.outcome !== 'merged') continue;
    if (o.caseVersion === null || o.caseVersion <= server.version) continue;
    out.push({ seq: o.seq, mutation: o.mutation, acknowledged: true });
  }
  return out;
}

/**
 * Replays `changes` (any order; sorted by `seq` here) on `server`. Without the case's
 * service type or a signed-in person the device cannot decide: it shows server truth.
 */
export function project(
  server: CaseRecord,
  changes: QueuedChange[],
  type: ServiceType | null | undefined,
  actor: Actor | null,
  timeZone: string,
): Projection {
  const ordered = [...changes].sort((a, b) => a.seq - b.seq);
  if (!type || !actor)
    return { record: server, changes: ordered.map((c) => ({ ...c, predicted: null, reason: null })) };
  // What the device cannot know it leaves to the server: the crews of other departments
  // (a crew the app offers is taken to be the case's department's), other cases' departments
  // and photos taken on other devices (no `otherCase`, no `photo`).
  const ctx: Omit<DecideContext, 'now' | 'today'> = {
    actor,
    crewAtBaseVersion: actor.crewId,
    crewDepartment: () => type.departmentId,
  };
  let record = server;
  const replayed: ReplayedChange[] = [];
  for (const change of ordered) {
    // Decided at the time it was done, as the server does: a fix waiting since yesterday was
    // closed yesterday (and is not "done today" on the day list).
    const at = change.mutation.deviceTime;
    const d = decide(record, change.mutation, type, { ...ctx, now: at, today: dateIn(new Date(at), timeZone) });
    if (d.outcome === 'applied' || d.outcome === 'merged') {
      const next = applyPatch(record, d);
      // A change made on the device counts as the case's latest update (the day list shows
      // cases closed today by when they were closed).
      record = next.version !== record.version ? { ...next, updatedAt: change.mutation.deviceTime } : next;
    }
    replayed.push({ ...change, predicted: d.outcome, reason: d.reason });
  }
  return { record, changes: replayed };
}
