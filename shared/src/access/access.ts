/**
 * Who may read and change what: the one access model of Fieldfix (SPEC.md R8).
 *
 * Every decision starts from the caller's scope, a small piece of data: the server turns the
 * same scope into its SQL predicate (`sync-server/src/access/`), and the reconciliation rules,
 * the field app and every route ask the pure predicates below. Nothing else decides access.
 *
 * | caller              | reads in full                         | may change                                    |
 * | ------------------- | ------------------------------------- | --------------------------------------------- |
 * | worker              | cases assigned to their crew          | field work on those (and on cases that were    |
 * |                     |                                       | theirs when the device last saw them, R8)      |
 * | lead                | every case of their department,       | desk changes and notes/photos on those; field  |
 * |                     | assigned or not                       | status changes belong to a crew                |
 * | admin               | every case                            | desk changes and notes/photos anywhere         |
 * | public, Open311 key | public fields of every case           | nothing through sync                           |
 */
import { windowEndsAt } from '../domain/calendar.ts';
import type { CaseState } from '../domain/lifecycle.ts';
import type { Role } from '../domain/people.ts';
import { FIELD_KINDS, type MutationKind } from '../sync/mutation.ts';
import type { Reason } from '../sync/outcome.ts';

/** A signed-in member of staff, as access sees them. */
export type StaffCaller = {
  kind: 'staff';
  userId: string;
  role: Role;
  crewId: string | null;
  departmentId: string | null;
};

/** Who is asking: staff, the anonymous public, or an Open311 client with an API key. */
export type Caller = StaffCaller | { kind: 'public' } | { kind: 'open311'; keyId: string };

export const PUBLIC_CALLER: Caller = { kind: 'public' };

/** The facts about a case that access reads. The department is the service type's. */
export type CaseAccessFacts = { crewId: string | null; departmentId: string };

/**
 * The cases a caller reads in full, as data: `inScope` evaluates it on a case, and the
 * server builds its SQL predicate from it, so the two cannot disagree.
 */
export type CaseScope =
  { kind: 'city' } | { kind: 'department'; departmentId: string } | { kind: 'crew'; crewId: string } | { kind: 'none' };

/** The cases `caller` may read in full. The public and Open311 clients read public fields only. */
export function caseScope(caller: Caller): CaseScope {
  if (caller.kind !== 'staff') return { kind: 'none' };
  switch (caller.role) {
    case 'admin':
      return { kind: 'city' };
    case 'lead':
      return caller.departmentId ? { kind: 'department', departmentId: caller.departmentId } : { kind: 'none' };
    case 'worker':
      return caller.crewId ? { kind: 'crew', crewId: caller.crewId } : { kind: 'none' };
  }
}

/** True when `c` lies in `scope`. */
export function inScope(scope: CaseScope, c: CaseAccessFacts): boolean {
  switch (scope.kind) {
    case 'city':
      return true;
    case 'department':
      return c.departmentId === scope.departmentId;
    case 'crew':
      return c.crewId === scope.crewId;
    case 'none':
      return false;
  }
}

export type ReadLevel = 'full' | 'public' | 'none';

/**
 * How much of a case `caller` may read: staff in scope everything staff see (never the
 * reporter's contact details, which no staff view carries), everyone else its public fields.
 */
export function caseReadLevel(caller: Caller, c: CaseAccessFacts): ReadLevel {
  if (inScope(caseScope(caller), c)) return 'full';
  return caller.kind === 'staff' ? 'none' : 'public';
}

/** Who may see a crew's day (its cases, route and load): its workers, its department's leads, admins. */
export function canSeeCrew(caller: Caller, crew: { id: string; departmentId: string }): boolean {
  const scope = caseScope(caller);
  switch (scope.kind) {
    case 'city':
      return true;
    case 'department':
      return scope.departmentId === crew.departmentId;
    case 'crew':
      return scope.crewId === crew.id;
    case 'none':
      return false;
  }
}

/**
 * The lead inbox a caller reads: a lead their department's, an admin every department's, or
 * the one department asked for (an admin's board of it). Workers and the public have none,
 * nor has a lead another department's.
 */
export function inboxScope(
  caller: Caller,
  departmentId?: string,
): { kind: 'city' } | { kind: 'department'; departmentId: string } | null {
  if (caller.kind !== 'staff') return null;
  if (caller.role === 'admin') return departmentId ? { kind: 'department', departmentId } : { kind: 'city' };
  if (caller.role === 'lead' && caller.departmentId && (departmentId ?? caller.departmentId) === caller.departmentId)
    return { kind: 'department', departmentId: caller.departmentId };
  return null;
}

/** Resident notifications (the outbox: templates, delivery state) are for admins only. */
export function canReadResidentNotifications(caller: Caller): boolean {
  return caller.kind === 'staff' && caller.role === 'admin';
}

/**
 * Delivering resident notices (the mailbox of the embedded default, each notice's delivery
 * state with the mail server's errors, retrying one) is for admins only.
 */
export function canManageResidentNoticeDelivery(caller: Caller): boolean {
  return caller.kind === 'staff' && caller.role === 'admin';
}

/**
 * A photo's bytes are sent by the device that took it: only the person whose `attach_photo`
 * recorded it may upload them (anyone who may read the case may ask how far it got).
 */
export function canUploadPhoto(caller: Caller, photo: { uploadedBy: string | null }): boolean {
  return caller.kind === 'staff' && photo.uploadedBy !== null && photo.uploadedBy === caller.userId;
}

/** Why a photo may not be added to a resident's report, or null when it may. */
export type ReportPhotoRefusal = 'not-your-report' | 'too-late' | 'too-many';

/**
 * A resident's report has no account behind it: its photos are added by whoever holds the
 * report's token (the phone that made it), within `windowDays` of the report, up to `max`
 * photos. Staff add photos through their own app (`attach_photo`), not through this.
 */
export function reportPhotoRefusal(
  caller: Caller,
  report: { holdsToken: boolean; reportedAt: Date; photos: number; alreadyThisPhoto: boolean },
  limits: { now: Date; windowDays: number; max: number },
): ReportPhotoRefusal | null {
  if (caller.kind !== 'public' || !report.holdsToken) return 'not-your-report';
  if (report.alreadyThisPhoto) return null;
  if (limits.now.getTime() - report.reportedAt.getTime() > limits.windowDays * 86_400_000) return 'too-late';
  if (report.photos >= limits.max) return 'too-many';
  return null;
}

/**
 * Who may send a report through the residents' form: the public (no account). Staff
 * sessions are not needed and not used: the form sends no cookie, and a report never says
 * who sent it beyond the contact the resident typed.
 */
export function canSendPublicReport(caller: Caller): boolean {
  return caller.kind === 'public';
}

/** Ending another person's sessions (a lost tablet, someone who left) is for admins only. */
export function canManageSessions(caller: Caller): boolean {
  return caller.kind === 'staff' && caller.role === 'admin';
}

/** Changes that move a case through its field lifecycle: a crew's alone (PRODUCT.md). */
export const CREW_KINDS = [
  'start',
  'hold',
  'resume',
  'fix',
  'close_not_fixed',
  'transfer_request',
] as const satisfies readonly MutationKind[];
/** Appended to a case's record by anyone who may work on it (R4). */
export const RECORD_KINDS = ['add_note', 'attach_photo'] as const satisfies readonly MutationKind[];

function isCrewKind(kind: MutationKind): boolean {
  return (CREW_KINDS as readonly string[]).includes(kind);
}

export type WriteCheck = {
  caller: Caller;
  kind: MutationKind;
  /** The case the change lands on. */
  target: CaseAccessFacts;
  /** The crew the case had at the version the device last saw (R8). */
  crewAtBaseVersion: string | null;
  /**
   * R6: the change was sent for this case, which was merged into `target`. The caller is
   * judged on the case they worked on; the surviving case must be of the same department.
   */
  redirectedFrom?: CaseAccessFacts;
};

/** Why `check.caller` may not make this change, or null when they may (R8). */
export function writeDenial(check: WriteCheck): Reason | null {
  const { caller, kind, target } = check;
  if (caller.kind !== 'staff') return 'role-not-allowed';
  const worked = check.redirectedFrom ?? target;
  if (check.redirectedFrom && check.redirectedFrom.departmentId !== target.departmentId) return 'not-your-department';
  const field = (FIELD_KINDS as readonly string[]).includes(kind);
  switch (caller.role) {
    case 'worker': {
      if (!field) return 'role-not-allowed';
      // A worker with no crew has no cases: an unassigned case is nobody's crew's.
      if (caller.crewId === null) return 'not-your-crew';
      const ours = worked.crewId === caller.crewId || check.crewAtBaseVersion === caller.crewId;
      return ours ? null : 'not-your-crew';
    }
    case 'lead':
      if (field && isCrewKind(kind)) return 'role-not-allowed';
      return caller.departmentId !== null && worked.departmentId === caller.departmentId ? null : 'not-your-department';
    case 'admin':
      return field && isCrewKind(kind) ? 'role-not-allowed' : null;
  }
}

/** True when `caller` may make some change to `c` of kind `kind` (what the app offers). */
export function mayOffer(caller: Caller, kind: MutationKind, c: CaseAccessFacts): boolean {
  return writeDenial({ caller, kind, target: c, crewAtBaseVersion: null }) === null;
}

/** The staff caller for a signed-in person. */
export function staffCaller(p: {
  id: string;
  role: Role;
  crewId: string | null;
  departmentId: string | null;
}): StaffCaller {
  return { kind: 'staff', userId: p.id, role: p.role, crewId: p.crewId, departmentId: p.departmentId };
}

/** The routing table (which crew gets a new request, by district and type) is for admins only. */
export function canManageRouting(caller: Caller): boolean {
  return caller.kind === 'staff' && caller.role === 'admin';
}

/** Staff accounts (who signs in, in which role, on which crew) are managed by admins only. */
export function canManagePeople(caller: Caller): boolean {
  return caller.kind === 'staff' && caller.role === 'admin';
}

/** Open311 API keys are created, listed and revoked by admins only. */
export function canManageApiKeys(caller: Caller): boolean {
  return caller.kind === 'staff' && caller.role === 'admin';
}

/** Why a resident's "still a problem?" link may not reopen a case (`residentReopenRefusal`). */
export type ResidentReopenRefusal = 'wrong-case' | 'expired' | 'closed-not-fixed' | 'open';

/**
 * A resident's "still a problem?" link (in the "fixed" notice) reopens the case it was sent
 * for. The signed link is the authority, not a session: whoever holds it may use it (a
 * member of staff who opens it is a resident like any other), for that case only. Only a
 * `fixed` case, and only while the link lasts and until the end of the city's day (in
 * `timeZone`) `windowDays` after the fix, the day the notice names: a case
 * closed without a fix (a duplicate, not the city's, not found) was closed for a reason
 * the resident was told, and the "closed" notice carries no such link; reopening it is for
 * the desk. Null when the link may reopen the case.
 */
export function residentReopenRefusal(
  link: { caseId: string; expiresAt: Date },
  c: { id: string; state: CaseState; closedAt: Date | null },
  now: Date,
  windowDays: number,
  timeZone: string,
): ResidentReopenRefusal | null {
  if (link.caseId !== c.id) return 'wrong-case';
  if (link.expiresAt.getTime() < now.getTime()) return 'expired';
  if (c.state === 'closed_not_fixed') return 'closed-not-fixed';
  if (c.state !== 'fixed') return 'open';
  if (!c.closedAt || windowEndsAt(c.closedAt, windowDays, timeZone).getTime() <= now.getTime()) return 'expired';
  return null;
}

/** True when a resident's "still a problem?" link may reopen the case (`residentReopenRefusal`). */
export function canReopenByResidentLink(
  link: { caseId: string; expiresAt: Date },
  c: { id: string; state: CaseState; closedAt: Date | null },
  now: Date,
  windowDays: number,
  timeZone: string,
): boolean {
  return residentReopenRefusal(link, c, now, windowDays, timeZone) === null;
}

/** Why a caller may not open a department's dispatch board (`dispatchDenial`). */
export type DispatchDenial = 'role-not-allowed' | 'not-your-department' | 'department-required';

/**
 * The dispatch board of a department (its crews' days, the unassigned queue, delivery
 * receipts, where the crews are, the live feed and balancing): a lead of that department,
 * or an admin who names it. Workers see their own crew's day, not the board. A lead who
 * names no department gets their own. Answers the department, or why not.
 */
export function dispatchDepartment(
  caller: Caller,
  asked: string | undefined,
): { departmentId: string } | { denial: DispatchDenial } {
  if (caller.kind !== 'staff') return { denial: 'role-not-allowed' };
  switch (caller.role) {
    case 'admin':
      return asked ? { departmentId: asked } : { denial: 'department-required' };
    case 'lead':
      if (!caller.departmentId) return { denial: 'not-your-department' };
      if (asked !== undefined && asked !== caller.departmentId) return { denial: 'not-your-department' };
      return { departmentId: caller.departmentId };
    case 'worker':
      return { denial: 'role-not-allowed' };
  }
}

/**
 * Whether the caller may open the dispatch board at all: a lead of a department, or an admin
 * (who names the department on the board). The pages' guard and menu ask this; the server asks
 * `dispatchDepartment` of every request.
 */
export function canOpenDispatch(caller: Caller): boolean {
  const d = dispatchDepartment(caller, undefined);
  return 'departmentId' in d || d.denial === 'department-required';
}

/** True when `caller` may dispatch `departmentId`'s crews (`dispatchDepartment`). */
export function canDispatch(caller: Caller, departmentId: string): boolean {
  const d = dispatchDepartment(caller, departmentId);
  return 'departmentId' in d && d.departmentId === departmentId;
}

/**
 * Where a crew is: only a worker's own device reports it, for their own crew. Whether it is
 * kept is the crew's setting (`shares_position`), not access: a crew that does not share is
 * simply not recorded.
 */
export function canReportCrewPosition(caller: Caller, crew: { id: string }): boolean {
  return caller.kind === 'staff' && caller.role === 'worker' && caller.crewId === crew.id;
}

/**
 * Whose changes a device hears of as they happen (`GET /api/sync/live`, "pull now" hints): a
 * worker's device, for the department of the worker's own crew. A hint names no case, only
 * that something changed and its cursor; what the device then pulls is its own scope. Leads
 * and admins have the dispatch board's feed; the public, nothing. Null: refused.
 */
export function pullHintDepartment(caller: Caller, crew: { id: string; departmentId: string } | null): string | null {
  if (caller.kind !== 'staff' || caller.role !== 'worker' || crew === null || caller.crewId !== crew.id) return null;
  return crew.departmentId;
}

/**
 * Who asks for the server's metrics (`/metrics`): no person but a monitoring system, known by
 * where it asks from and the metrics token it sends (`METRICS_TOKEN`).
 */
export type MetricsScraper = {
  /** The request came from this machine (a loopback address, after any trusted proxies). */
  fromLoopback: boolean;
  /** A metrics token is configured: then it is required, from anywhere. */
  tokenConfigured: boolean;
  /** The request carried the configured token. */
  tokenMatches: boolean;
};

/** Why a scraper may not read the metrics (`metricsDenial`). */
export type MetricsDenial = 'token-required' | 'loopback-only';

/**
 * The metrics (request rates, push outcomes, queue depths; never a person's data) are for
 * operations. With a token configured, only a request that carries it reads them, wherever it
 * comes from (a proxy on the same machine would otherwise make everyone local); without one,
 * only this machine does. Null when the scraper may read them.
 */
export function metricsDenial(s: MetricsScraper): MetricsDenial | null {
  if (s.tokenConfigured) return s.tokenMatches ? null : 'token-required';
  return s.fromLoopback ? null : 'loopback-only';
}
