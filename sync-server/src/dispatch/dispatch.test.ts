import { describe, expect, it } from 'vitest';
import { canDispatch, canReportCrewPosition, dispatchDepartment, staffCaller, PUBLIC_CALLER } from '@fieldfix/shared';
import { crewReceipts } from './delivery.ts';
import { decode, fitPayloads, MAX_PAYLOAD_BYTES } from './live-hub.ts';
import { routeLoad } from './route-load.ts';

const lead = staffCaller({ id: 'l', role: 'lead', crewId: null, departmentId: 'streets' });
const admin = staffCaller({ id: 'a', role: 'admin', crewId: null, departmentId: null });
const worker = staffCaller({ id: 'w', role: 'worker', crewId: 'streets-a', departmentId: 'streets' });

describe('who may dispatch', () => {
  it("a lead their own department's crews; an admin any department they name; nobody else", () => {
    expect(dispatchDepartment(lead, undefined)).toEqual({ departmentId: 'streets' });
    expect(dispatchDepartment(lead, 'streets')).toEqual({ departmentId: 'streets' });
    expect(dispatchDepartment(lead, 'sanitation')).toEqual({ denial: 'not-your-department' });
    expect(dispatchDepartment(admin, 'sanitation')).toEqual({ departmentId: 'sanitation' });
    expect(dispatchDepartment(admin, undefined)).toEqual({ denial: 'department-required' });
    expect(dispatchDepartment(worker, 'streets')).toEqual({ denial: 'role-not-allowed' });
    expect(dispatchDepartment(PUBLIC_CALLER, 'streets')).toEqual({ denial: 'role-not-allowed' });
    const noDepartment = staffCaller({ id: 'l2', role: 'lead', crewId: null, departmentId: null });
    expect(dispatchDepartment(noDepartment, undefined)).toEqual({ denial: 'not-your-department' });
    expect([canDispatch(lead, 'streets'), canDispatch(lead, 'forestry'), canDispatch(worker, 'streets')]).toEqual([
      true,
      false,
      false,
    ]);
  });

  it("only a crew's own worker reports where it is", () => {
    expect(canReportCrewPosition(worker, { id: 'streets-a' })).toBe(true);
    expect(canReportCrewPosition(worker, { id: 'streets-b' })).toBe(false);
    expect(canReportCrewPosition(lead, { id: 'streets-a' })).toBe(false);
    expect(canReportCrewPosition(admin, { id: 'streets-a' })).toBe(false);
  });
});

describe('delivery receipts', () => {
  const at = (min: number) => new Date(Date.UTC(2026, 5, 10, 10, min));
  it('a change is on the device from the earliest pull at or after its cursor, whichever device', () => {
    const receipts = crewReceipts(
      [
        { cursor: 10n, at: at(5) },
        { cursor: 30n, at: at(20) },
        { cursor: 25n, at: at(15) }, // the crew's other tablet
      ],
      at(20),
    );
    expect(receipts(5n)).toEqual({ state: 'on-device', since: at(5).toISOString() });
    expect(receipts(10n)).toEqual({ state: 'on-device', since: at(5).toISOString() });
    expect(receipts(11n)).toEqual({ state: 'on-device', since: at(15).toISOString() });
    expect(receipts(26n)).toEqual({ state: 'on-device', since: at(20).toISOString() });
    expect(receipts(31n)).toEqual({ state: 'waiting', crewLastSyncedAt: at(20).toISOString() });
    expect(crewReceipts([], null)(1n)).toEqual({ state: 'waiting', crewLastSyncedAt: null });
  });
});

describe('live payloads', () => {
  it('splits a big push into NOTIFY payloads under the limit, losing no case', () => {
    const caseIds = Array.from({ length: 3000 }, (_, i) => String(9_000_000_000_000 + i));
    const payloads = fitPayloads({ departmentId: 'streets', event: { type: 'cases', caseIds, cursor: '99' } });
    expect(payloads.length).toBeGreaterThan(1);
    for (const p of payloads) expect(Buffer.byteLength(p)).toBeLessThanOrEqual(MAX_PAYLOAD_BYTES);
    const back = payloads.map((p) => decode(p)!);
    expect(back.flatMap((m) => (m.event.type === 'cases' ? m.event.caseIds : []))).toEqual(caseIds);
    expect(new Set(back.map((m) => m.departmentId))).toEqual(new Set(['streets']));
  });

  it('ignores what is not ours on the channel', () => {
    expect(decode('hello')).toBeNull();
    expect(decode(JSON.stringify({ d: 'streets', e: { type: 'nope' } }))).toBeNull();
  });
});

describe('route load', () => {
  it('is nothing for an empty route, and counts the way back to the yard', () => {
    const yard = { lat: 42.35, long: -86.97 };
    expect(routeLoad(yard, [])).toEqual({ serviceMinutes: 0, travelMinutes: 0, routeKm: 0 });
    // 0.009° of latitude ≈ 1 km: there and back is 2 km, about 4.8 minutes at 25 km/h.
    const load = routeLoad(yard, [{ lat: 42.359, long: -86.97, serviceMinutes: 45 }]);
    expect(load.serviceMinutes).toBe(45);
    expect(load.routeKm).toBeCloseTo(2.0, 1);
    expect(load.travelMinutes).toBeCloseTo(4.8, 0);
  });
});
