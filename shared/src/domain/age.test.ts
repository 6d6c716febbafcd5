import { describe, expect, it } from 'vitest';
import { ageInDays, formatAge, slaState } from './age.ts';

const now = new Date('2026-06-15T12:00:00Z');

describe('case age', () => {
  it('counts whole days and never goes negative', () => {
    expect(ageInDays('2026-06-15T11:00:00Z', now)).toBe(0);
    expect(ageInDays('2026-06-12T12:00:00Z', now)).toBe(3);
    expect(ageInDays('2026-06-16T12:00:00Z', now)).toBe(0);
  });

  it('formats ages in the largest readable unit', () => {
    expect(formatAge('2026-06-15T08:00:00Z', now)).toBe('today');
    expect(formatAge('2026-06-10T12:00:00Z', now)).toBe('5 d');
    expect(formatAge('2026-05-01T12:00:00Z', now)).toBe('6 wk');
    expect(formatAge('2026-01-01T12:00:00Z', now)).toBe('5 mo');
  });
});

describe('SLA state', () => {
  it('is overdue past the due time, due today on the same day, none when closed', () => {
    const tz = 'America/Detroit';
    expect(slaState('assigned', '2026-06-14T12:00:00Z', now, tz)).toBe('overdue');
    expect(slaState('in_progress', '2026-06-15T20:00:00Z', now, tz)).toBe('due_today');
    expect(slaState('assigned', '2026-06-20T12:00:00Z', now, tz)).toBe('on_track');
    expect(slaState('fixed', '2026-06-14T12:00:00Z', now, tz)).toBe('none');
    expect(slaState('new', null, now, tz)).toBe('none');
  });

  it("counts 'due today' on the city's calendar, not the device's", () => {
    // 23:30 in Detroit on the 15th is already the 16th at UTC and in Kiritimati (UTC+14).
    const late = new Date('2026-06-16T03:30:00Z');
    expect(slaState('assigned', '2026-06-16T03:45:00Z', late, 'America/Detroit')).toBe('due_today');
    expect(slaState('assigned', '2026-06-16T05:00:00Z', late, 'America/Detroit')).toBe('on_track');
    expect(slaState('assigned', '2026-06-16T05:00:00Z', late, 'Pacific/Kiritimati')).toBe('due_today');
  });
});
