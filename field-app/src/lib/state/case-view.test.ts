import { describe, expect, it } from 'vitest';
import type { CaseRecord } from '@fieldfix/shared';
import { carriedOver, caseBadges } from './case-view.ts';

const record = (over: Partial<CaseRecord>): CaseRecord => ({
  id: '7',
  serviceCode: 'POTHOLE',
  description: '',
  lat: 42.35,
  long: -86.98,
  address: '412 Beech Ave',
  districtId: null,
  state: 'assigned',
  priority: 'normal',
  statusNotes: null,
  holdReason: null,
  resolutionCode: null,
  closeReason: null,
  attributes: {},
  requestedAt: '2026-11-20T09:00:00.000Z',
  updatedAt: '2026-11-20T09:00:00.000Z',
  expectedAt: '2026-12-30T09:00:00.000Z',
  closedAt: null,
  crewId: 'streets-a',
  assignedDay: '2026-12-01',
  routePosition: 1,
  mediaUrl: null,
  reportPhotoIds: [],
  mergedIntoId: null,
  cancelled: false,
  version: 3,
  ...over,
});

describe('work carried over from an earlier day', () => {
  it('says yesterday, or the day it was planned for', () => {
    expect(carriedOver(record({}), '2026-12-02')).toEqual({ label: 'From yesterday', tone: 'carried' });
    expect(carriedOver(record({ assignedDay: '2026-11-27' }), '2026-12-02')?.label).toMatch(/^From .*27/);
  });

  it('says nothing of the day’s own work, a case with no day, or one no longer open on a route', () => {
    expect(carriedOver(record({ assignedDay: '2026-12-02' }), '2026-12-02')).toBeNull();
    expect(carriedOver(record({ assignedDay: null }), '2026-12-02')).toBeNull();
    expect(carriedOver(record({ state: 'fixed' }), '2026-12-02')).toBeNull();
    expect(carriedOver(record({ state: 'on_hold' }), '2026-12-02')).not.toBeNull();
  });

  it('comes after the service level and the priority among a case’s badges, on the city’s day', () => {
    const urgent = record({ priority: 'urgent', expectedAt: '2026-12-01T09:00:00.000Z' });
    const now = new Date('2026-12-02T10:00:00.000Z');
    expect(caseBadges(urgent, now, 'America/Detroit').map((b) => b.label)).toEqual([
      'Overdue',
      'Urgent',
      'From yesterday',
    ]);
    // 02:00 on 2 December in UTC is still 1 December in Detroit: nothing is carried over yet.
    expect(caseBadges(urgent, new Date('2026-12-02T02:00:00.000Z'), 'America/Detroit').map((b) => b.label)).toEqual([
      'Overdue',
      'Urgent',
    ]);
  });
});
