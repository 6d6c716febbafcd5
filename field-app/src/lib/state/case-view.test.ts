import { describe, expect, it } from 'vitest';
import type { CaseRecord } from '@fieldfix/shared';
import { caseRecord } from '../../../test/fixtures.ts';
import { carriedOver, caseBadges, placeName } from './case-view.ts';

// An open case on crew A's route, planned for 1 December, due long after.
const record = (over: Partial<CaseRecord>): CaseRecord =>
  caseRecord('7', { assignedDay: '2026-12-01', expectedAt: '2026-12-30T09:00:00.000Z', ...over });

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

describe('where a case is, in words', () => {
  it('is its address, or its coordinates where no street address is near', () => {
    expect(placeName(record({ address: '412 Beech Ave' }))).toBe('412 Beech Ave');
    expect(placeName(record({ address: '  ', lat: 42.35712345, long: -86.973 }))).toBe(
      'No street address: 42.35712, -86.97300',
    );
  });
});
