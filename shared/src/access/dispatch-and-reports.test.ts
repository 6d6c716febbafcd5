import { describe, expect, it } from 'vitest';
import type { Role } from '../domain/people.ts';
import {
  PUBLIC_CALLER,
  canDispatch,
  canReportCrewPosition,
  canSendPublicReport,
  dispatchDepartment,
  pullHintDepartment,
  reportPhotoRefusal,
  staffCaller,
  type Caller,
} from './access.ts';

// The access model's newer questions, for every kind of caller: the lead's dispatch board, a
// crew device's position, and a resident's report and its photos.

const staff = (role: Role, crewId: string | null, departmentId: string | null) =>
  staffCaller({ id: `u-${role}`, role, crewId, departmentId });
const worker = staff('worker', 'streets-a', 'streets');
const lead = staff('lead', null, 'streets');
const deskless = staff('lead', null, null);
const admin = staff('admin', null, null);
const open311: Caller = { kind: 'open311', keyId: 'key-1' };

describe('the dispatch board of a department', () => {
  it('a lead gets their own department, named or not', () => {
    expect(dispatchDepartment(lead, undefined)).toEqual({ departmentId: 'streets' });
    expect(dispatchDepartment(lead, 'streets')).toEqual({ departmentId: 'streets' });
  });

  it("a lead may not open another department's board, and a lead with no department none", () => {
    expect(dispatchDepartment(lead, 'sanitation')).toEqual({ denial: 'not-your-department' });
    expect(dispatchDepartment(deskless, undefined)).toEqual({ denial: 'not-your-department' });
    expect(dispatchDepartment(deskless, 'streets')).toEqual({ denial: 'not-your-department' });
  });

  it('an admin opens any department they name, and must name one', () => {
    expect(dispatchDepartment(admin, 'sanitation')).toEqual({ departmentId: 'sanitation' });
    expect(dispatchDepartment(admin, undefined)).toEqual({ denial: 'department-required' });
    expect(dispatchDepartment(admin, '')).toEqual({ denial: 'department-required' });
  });

  it('workers, the public and Open311 clients never do', () => {
    for (const caller of [worker, staff('worker', null, 'streets'), PUBLIC_CALLER, open311]) {
      expect(dispatchDepartment(caller, 'streets')).toEqual({ denial: 'role-not-allowed' });
      expect(canDispatch(caller, 'streets')).toBe(false);
    }
  });

  it('canDispatch is true exactly for the department the caller may open', () => {
    expect(canDispatch(lead, 'streets')).toBe(true);
    expect(canDispatch(lead, 'sanitation')).toBe(false);
    expect(canDispatch(deskless, 'streets')).toBe(false);
    expect(canDispatch(admin, 'sanitation')).toBe(true);
    expect(canDispatch(admin, '')).toBe(false);
  });
});

describe('"pull now" hints to a device', () => {
  const crewA = { id: 'streets-a', departmentId: 'streets' };
  it("a worker hears of their own crew's department", () => {
    expect(pullHintDepartment(worker, crewA)).toBe('streets');
    expect(
      pullHintDepartment(staff('worker', 'sanitation-a', 'sanitation'), {
        id: 'sanitation-a',
        departmentId: 'sanitation',
      }),
    ).toBe('sanitation');
  });
  it("not of another crew's, not without a crew, not leads, admins, the public or Open311 clients", () => {
    expect(pullHintDepartment(worker, { id: 'streets-b', departmentId: 'streets' })).toBeNull();
    expect(pullHintDepartment(worker, null)).toBeNull();
    expect(pullHintDepartment(staff('worker', null, 'streets'), crewA)).toBeNull();
    expect(pullHintDepartment(staff('lead', 'streets-a', 'streets'), crewA)).toBeNull();
    expect(pullHintDepartment(staff('admin', 'streets-a', null), crewA)).toBeNull();
    expect(pullHintDepartment(PUBLIC_CALLER, crewA)).toBeNull();
    expect(pullHintDepartment(open311, crewA)).toBeNull();
  });
});

describe("a crew's position", () => {
  it("only a worker's own device reports it, for their own crew", () => {
    expect(canReportCrewPosition(worker, { id: 'streets-a' })).toBe(true);
    expect(canReportCrewPosition(worker, { id: 'streets-b' })).toBe(false);
    expect(canReportCrewPosition(staff('worker', null, 'streets'), { id: 'streets-a' })).toBe(false);
  });

  it('not a lead or an admin (even with a crew id), not the public', () => {
    expect(canReportCrewPosition(staff('lead', 'streets-a', 'streets'), { id: 'streets-a' })).toBe(false);
    expect(canReportCrewPosition(staff('admin', 'streets-a', null), { id: 'streets-a' })).toBe(false);
    expect(canReportCrewPosition(PUBLIC_CALLER, { id: 'streets-a' })).toBe(false);
    expect(canReportCrewPosition(open311, { id: 'streets-a' })).toBe(false);
  });
});

describe("a resident's report and its photos", () => {
  it('the form is for the public; staff and Open311 clients report otherwise', () => {
    expect(canSendPublicReport(PUBLIC_CALLER)).toBe(true);
    for (const caller of [worker, lead, admin, open311]) expect(canSendPublicReport(caller)).toBe(false);
  });

  const reportedAt = new Date('2026-06-01T12:00:00Z');
  const limits = { now: new Date('2026-06-03T12:00:00Z'), windowDays: 7, max: 3 };
  const report = { holdsToken: true, reportedAt, photos: 1, alreadyThisPhoto: false };

  it('whoever holds the report’s token adds photos, within the window and up to the limit', () => {
    expect(reportPhotoRefusal(PUBLIC_CALLER, report, limits)).toBeNull();
    expect(reportPhotoRefusal(PUBLIC_CALLER, { ...report, photos: 2 }, limits)).toBeNull();
  });

  it('without the token, or as staff: not your report', () => {
    expect(reportPhotoRefusal(PUBLIC_CALLER, { ...report, holdsToken: false }, limits)).toBe('not-your-report');
    expect(reportPhotoRefusal(worker, report, limits)).toBe('not-your-report');
    expect(reportPhotoRefusal(open311, report, limits)).toBe('not-your-report');
  });

  it('too late after the window (to the millisecond), too many at the limit', () => {
    const edge = new Date(reportedAt.getTime() + 7 * 86_400_000);
    expect(reportPhotoRefusal(PUBLIC_CALLER, report, { ...limits, now: edge })).toBeNull();
    expect(reportPhotoRefusal(PUBLIC_CALLER, report, { ...limits, now: new Date(edge.getTime() + 1) })).toBe(
      'too-late',
    );
    expect(reportPhotoRefusal(PUBLIC_CALLER, { ...report, photos: 3 }, limits)).toBe('too-many');
  });

  it('the same photo sent again is accepted (a retry), even late or at the limit', () => {
    const late = { ...limits, now: new Date('2026-07-01T00:00:00Z') };
    expect(reportPhotoRefusal(PUBLIC_CALLER, { ...report, photos: 3, alreadyThisPhoto: true }, late)).toBeNull();
    expect(reportPhotoRefusal(PUBLIC_CALLER, { ...report, holdsToken: false, alreadyThisPhoto: true }, limits)).toBe(
      'not-your-report',
    );
  });
});
