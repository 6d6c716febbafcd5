import { describe, expect, it } from 'vitest';
import type { Role } from '../domain/people.ts';
import { FIELD_KINDS, LEAD_KINDS, type MutationKind } from '../sync/mutation.ts';
import {
  CREW_KINDS,
  PUBLIC_CALLER,
  RECORD_KINDS,
  canManageApiKeys,
  canManagePeople,
  canManageResidentNoticeDelivery,
  canManageRouting,
  canManageSessions,
  canReadResidentNotifications,
  canReopenByResidentLink,
  canSeeCrew,
  canUploadPhoto,
  caseReadLevel,
  caseScope,
  inScope,
  canOpenDispatch,
  inboxScope,
  mayOffer,
  residentReopenRefusal,
  staffCaller,
  writeDenial,
  type Caller,
  type CaseAccessFacts,
  type StaffCaller,
  type WriteCheck,
} from './access.ts';

// The access model (SPEC.md R8), function by function, for every kind of caller.

const staff = (role: Role, crewId: string | null, departmentId: string | null): StaffCaller =>
  staffCaller({ id: `u-${role}`, role, crewId, departmentId });

const worker = staff('worker', 'streets-a', 'streets');
const crewless = staff('worker', null, 'streets');
const lead = staff('lead', null, 'streets');
const deskless = staff('lead', null, null);
const admin = staff('admin', null, null);
const open311: Caller = { kind: 'open311', keyId: 'key-1' };

const ours: CaseAccessFacts = { crewId: 'streets-a', departmentId: 'streets' };
const otherCrew: CaseAccessFacts = { crewId: 'streets-b', departmentId: 'streets' };
const unassigned: CaseAccessFacts = { crewId: null, departmentId: 'streets' };
const otherDepartment: CaseAccessFacts = { crewId: 'forestry', departmentId: 'forestry' };

const ALL_KINDS: MutationKind[] = [...FIELD_KINDS, ...LEAD_KINDS];
const DESK_KINDS: MutationKind[] = [...LEAD_KINDS];

describe('the staff caller', () => {
  it('is a signed-in person as access sees them', () => {
    expect(staffCaller({ id: 'u-7', role: 'lead', crewId: 'c', departmentId: 'd' })).toEqual({
      kind: 'staff',
      userId: 'u-7',
      role: 'lead',
      crewId: 'c',
      departmentId: 'd',
    });
  });
});

describe('the cases a caller reads in full', () => {
  it('admins the city, leads their department, workers their crew, everyone else none', () => {
    expect(caseScope(admin)).toEqual({ kind: 'city' });
    expect(caseScope(lead)).toEqual({ kind: 'department', departmentId: 'streets' });
    expect(caseScope(worker)).toEqual({ kind: 'crew', crewId: 'streets-a' });
    expect(caseScope(PUBLIC_CALLER)).toEqual({ kind: 'none' });
    expect(caseScope(open311)).toEqual({ kind: 'none' });
  });

  it('a lead with no department and a worker with no crew read no case in full', () => {
    expect(caseScope(deskless)).toEqual({ kind: 'none' });
    expect(caseScope(crewless)).toEqual({ kind: 'none' });
    // Not even the unassigned cases of their department: "no crew" is not a crew.
    expect(inScope(caseScope(crewless), unassigned)).toBe(false);
  });

  it('each scope holds exactly its cases', () => {
    const cases = [ours, otherCrew, unassigned, otherDepartment];
    const holds = (scope: Parameters<typeof inScope>[0]) => cases.map((c) => inScope(scope, c));
    expect(holds({ kind: 'city' })).toEqual([true, true, true, true]);
    expect(holds({ kind: 'department', departmentId: 'streets' })).toEqual([true, true, true, false]);
    expect(holds({ kind: 'crew', crewId: 'streets-a' })).toEqual([true, false, false, false]);
    expect(holds({ kind: 'none' })).toEqual([false, false, false, false]);
  });

  it('read level: staff in scope everything, staff out of scope nothing, the public its public part', () => {
    expect(caseReadLevel(worker, ours)).toBe('full');
    expect(caseReadLevel(worker, otherCrew)).toBe('none');
    expect(caseReadLevel(lead, otherCrew)).toBe('full');
    expect(caseReadLevel(lead, otherDepartment)).toBe('none');
    expect(caseReadLevel(admin, otherDepartment)).toBe('full');
    expect(caseReadLevel(deskless, ours)).toBe('none');
    expect(caseReadLevel(PUBLIC_CALLER, ours)).toBe('public');
    expect(caseReadLevel(open311, otherDepartment)).toBe('public');
  });
});

describe("who sees a crew's day", () => {
  const crewA = { id: 'streets-a', departmentId: 'streets' };
  const crewB = { id: 'streets-b', departmentId: 'streets' };
  const forestry = { id: 'forestry', departmentId: 'forestry' };

  it("its workers, its department's leads and admins; nobody else", () => {
    expect([crewA, crewB, forestry].map((c) => canSeeCrew(worker, c))).toEqual([true, false, false]);
    expect([crewA, crewB, forestry].map((c) => canSeeCrew(lead, c))).toEqual([true, true, false]);
    expect([crewA, crewB, forestry].map((c) => canSeeCrew(admin, c))).toEqual([true, true, true]);
    for (const caller of [crewless, deskless, PUBLIC_CALLER, open311]) {
      expect([crewA, crewB, forestry].map((c) => canSeeCrew(caller, c))).toEqual([false, false, false]);
    }
  });
});

describe('who may open the dispatch board', () => {
  it('a lead with a department and an admin; not a lead without one, a worker or the public', () => {
    expect(canOpenDispatch(lead)).toBe(true);
    expect(canOpenDispatch(admin)).toBe(true);
    for (const caller of [deskless, worker, crewless, PUBLIC_CALLER, open311])
      expect(canOpenDispatch(caller)).toBe(false);
  });
});

describe('the lead inbox and the admin-only reads', () => {
  it("a lead reads their department's inbox, an admin every department's, nobody else any", () => {
    expect(inboxScope(lead)).toEqual({ kind: 'department', departmentId: 'streets' });
    expect(inboxScope(admin)).toEqual({ kind: 'city' });
    expect(inboxScope(deskless)).toBeNull();
    expect(inboxScope(worker)).toBeNull();
    expect(inboxScope(PUBLIC_CALLER)).toBeNull();
    expect(inboxScope(open311)).toBeNull();
  });

  it("narrowed to one department: an admin's board of it; a lead's own, never another's", () => {
    expect(inboxScope(admin, 'sanitation')).toEqual({ kind: 'department', departmentId: 'sanitation' });
    expect(inboxScope(lead, 'streets')).toEqual({ kind: 'department', departmentId: 'streets' });
    expect(inboxScope(lead, 'sanitation')).toBeNull();
    expect(inboxScope(worker, 'streets')).toBeNull();
    expect(inboxScope(PUBLIC_CALLER, 'streets')).toBeNull();
  });

  it('resident notifications and other people’s sessions are for admins only', () => {
    for (const check of [
      canReadResidentNotifications,
      canManageSessions,
      canManageResidentNoticeDelivery,
      canManageRouting,
      canManageApiKeys,
      canManagePeople,
    ]) {
      expect([admin, lead, worker, PUBLIC_CALLER, open311].map(check)).toEqual([true, false, false, false, false]);
    }
  });

  it("a photo's bytes come from the person whose change recorded it", () => {
    expect(canUploadPhoto(worker, { uploadedBy: 'u-worker' })).toBe(true);
    expect(canUploadPhoto(admin, { uploadedBy: 'u-worker' })).toBe(false);
    expect(canUploadPhoto(worker, { uploadedBy: null })).toBe(false);
    expect(canUploadPhoto(PUBLIC_CALLER, { uploadedBy: 'u-worker' })).toBe(false);
  });
});

describe("a resident's “still a problem?” link", () => {
  const DAY = 86_400_000;
  const fixedAt = new Date('2026-06-10T12:00:00Z');
  const link = { caseId: '42', expiresAt: new Date(fixedAt.getTime() + 14 * DAY) };
  const fixed = { id: '42', state: 'fixed' as const, closedAt: fixedAt };
  const at = (days: number) => new Date(fixedAt.getTime() + days * DAY);
  const ZONE = 'America/Detroit';

  it('reopens the fixed case it was sent for while the link and the window last', () => {
    expect(residentReopenRefusal(link, fixed, at(1), 14, ZONE)).toBeNull();
    expect(residentReopenRefusal(link, fixed, at(14), 14, ZONE)).toBeNull(); // the last moment of the link
    expect(canReopenByResidentLink(link, fixed, at(1), 14, ZONE)).toBe(true);
  });

  it('says why it may not: another case, an expired link or window, a case not fixed', () => {
    expect(residentReopenRefusal(link, { ...fixed, id: '43' }, at(1), 14, ZONE)).toBe('wrong-case');
    expect(residentReopenRefusal(link, fixed, new Date(link.expiresAt.getTime() + 1), 30, ZONE)).toBe('expired');
    // The window lasts to the end of the city's day it ends on: fixed at 08:00 there on 10 June,
    // three days is all of 13 June (to 04:00 UTC on the 14th).
    expect(residentReopenRefusal(link, fixed, new Date('2026-06-14T03:59:59Z'), 3, ZONE)).toBeNull();
    expect(residentReopenRefusal(link, fixed, new Date('2026-06-14T04:00:00Z'), 3, ZONE)).toBe('expired');
    expect(residentReopenRefusal(link, fixed, new Date('2026-06-14T04:00:00Z'), 3, 'Pacific/Pago_Pago')).toBeNull();
    expect(residentReopenRefusal(link, { ...fixed, closedAt: null }, at(1), 14, ZONE)).toBe('expired');
    expect(residentReopenRefusal(link, { ...fixed, state: 'closed_not_fixed' }, at(1), 14, ZONE)).toBe(
      'closed-not-fixed',
    );
    for (const state of ['new', 'assigned', 'in_progress', 'on_hold'] as const) {
      expect(residentReopenRefusal(link, { ...fixed, state }, at(1), 14, ZONE), state).toBe('open');
    }
    expect(canReopenByResidentLink(link, { ...fixed, id: '43' }, at(1), 14, ZONE)).toBe(false);
  });
});

describe('the kinds of change', () => {
  it('field changes are a crew’s status changes and record changes anyone may add, nothing else', () => {
    expect([...CREW_KINDS, ...RECORD_KINDS].sort()).toEqual([...FIELD_KINDS].sort());
    expect(CREW_KINDS.filter((k) => (RECORD_KINDS as readonly string[]).includes(k))).toEqual([]);
    expect([...RECORD_KINDS].sort()).toEqual(['add_note', 'attach_photo']);
  });
});

describe('who may make which change (R8)', () => {
  const check = (caller: Caller, kind: MutationKind, target: CaseAccessFacts, more: Partial<WriteCheck> = {}) =>
    writeDenial({ caller, kind, target, crewAtBaseVersion: null, ...more });

  it('the public and Open311 clients change nothing', () => {
    for (const kind of ALL_KINDS) {
      expect(check(PUBLIC_CALLER, kind, ours)).toBe('role-not-allowed');
      expect(check(open311, kind, ours)).toBe('role-not-allowed');
    }
  });

  it("a worker makes every field change on their crew's cases, and no desk change", () => {
    for (const kind of FIELD_KINDS) {
      expect(check(worker, kind, ours), kind).toBeNull();
      expect(check(worker, kind, otherCrew), kind).toBe('not-your-crew');
      expect(check(worker, kind, unassigned), kind).toBe('not-your-crew');
      expect(check(worker, kind, otherDepartment), kind).toBe('not-your-crew');
    }
    for (const kind of DESK_KINDS) expect(check(worker, kind, ours), kind).toBe('role-not-allowed');
  });

  it('a worker still works a case that was their crew’s when the device last saw it', () => {
    expect(check(worker, 'fix', otherCrew, { crewAtBaseVersion: 'streets-a' })).toBeNull();
    expect(check(worker, 'fix', unassigned, { crewAtBaseVersion: 'streets-a' })).toBeNull();
    expect(check(worker, 'fix', otherCrew, { crewAtBaseVersion: 'streets-b' })).toBe('not-your-crew');
    expect(check(worker, 'assign', ours, { crewAtBaseVersion: 'streets-a' })).toBe('role-not-allowed');
  });

  it('a worker with no crew works no case, not even an unassigned one', () => {
    for (const kind of FIELD_KINDS) {
      expect(check(crewless, kind, unassigned), kind).toBe('not-your-crew');
      expect(check(crewless, kind, unassigned, { crewAtBaseVersion: null }), kind).toBe('not-your-crew');
    }
    expect(check(crewless, 'assign', unassigned)).toBe('role-not-allowed');
  });

  it("a lead makes desk changes, notes and photos on their department's cases; status changes are a crew's", () => {
    for (const target of [ours, otherCrew, unassigned]) {
      for (const kind of [...DESK_KINDS, ...RECORD_KINDS]) expect(check(lead, kind, target), kind).toBeNull();
      for (const kind of CREW_KINDS) expect(check(lead, kind, target), kind).toBe('role-not-allowed');
    }
    for (const kind of [...DESK_KINDS, ...RECORD_KINDS]) {
      expect(check(lead, kind, otherDepartment), kind).toBe('not-your-department');
      expect(check(deskless, kind, ours), kind).toBe('not-your-department');
    }
  });

  it('an admin makes desk changes, notes and photos anywhere; status changes are a crew’s', () => {
    for (const target of [ours, unassigned, otherDepartment]) {
      for (const kind of [...DESK_KINDS, ...RECORD_KINDS]) expect(check(admin, kind, target), kind).toBeNull();
      for (const kind of CREW_KINDS) expect(check(admin, kind, target), kind).toBe('role-not-allowed');
    }
  });

  describe('work redirected from a merged case (R6)', () => {
    it('is judged on the case the device worked on', () => {
      // The surviving case is another crew's: the worker worked on their own, merged, case.
      expect(check(worker, 'fix', otherCrew, { redirectedFrom: ours })).toBeNull();
      // …and the other way round: landing on their crew's case does not make foreign work theirs.
      expect(check(worker, 'fix', ours, { redirectedFrom: otherCrew })).toBe('not-your-crew');
      expect(check(lead, 'add_note', unassigned, { redirectedFrom: otherCrew })).toBeNull();
    });

    it('never lands on a case of another department, whoever sends it', () => {
      const crossing = { redirectedFrom: ours };
      expect(check(worker, 'fix', otherDepartment, crossing)).toBe('not-your-department');
      expect(check(lead, 'add_note', otherDepartment, crossing)).toBe('not-your-department');
      expect(check(admin, 'add_note', otherDepartment, crossing)).toBe('not-your-department');
      // The public is refused for its role first.
      expect(check(PUBLIC_CALLER, 'add_note', otherDepartment, crossing)).toBe('role-not-allowed');
    });
  });

  it('the app offers exactly the changes the rules would take, as of now', () => {
    expect(mayOffer(worker, 'fix', ours)).toBe(true);
    expect(mayOffer(worker, 'fix', otherCrew)).toBe(false);
    expect(mayOffer(worker, 'assign', ours)).toBe(false);
    expect(mayOffer(lead, 'assign', otherCrew)).toBe(true);
    expect(mayOffer(lead, 'fix', ours)).toBe(false);
    expect(mayOffer(lead, 'add_note', otherDepartment)).toBe(false);
    expect(mayOffer(admin, 'cancel', otherDepartment)).toBe(true);
    expect(mayOffer(PUBLIC_CALLER, 'add_note', ours)).toBe(false);
  });
});
