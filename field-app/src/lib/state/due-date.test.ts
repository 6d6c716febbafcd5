import { slaState } from '@fieldfix/shared';
import { describe, expect, it } from 'vitest';
import { dueAt, dueDay } from './due-date.ts';

const DETROIT = 'America/Detroit';

describe('due dates are days of the city', () => {
  it('is due at 23:59 of that day in the city, winter and summer alike', () => {
    expect(dueAt('2026-12-10', DETROIT)).toBe('2026-12-11T04:59:00.000Z');
    expect(dueAt('2026-07-10', DETROIT)).toBe('2026-07-11T03:59:00.000Z');
    expect(dueAt('2026-12-10', 'Pacific/Kiritimati')).toBe('2026-12-10T09:59:00.000Z');
  });

  it('on the days the clocks change', () => {
    expect(dueAt('2026-03-08', DETROIT)).toBe('2026-03-09T03:59:00.000Z');
    expect(dueAt('2026-11-01', DETROIT)).toBe('2026-11-02T04:59:00.000Z');
  });

  it('reads back as the day it was set to, and is due today, not overdue, all that day', () => {
    for (const day of ['2026-01-01', '2026-03-08', '2026-11-01', '2026-12-31']) {
      const at = dueAt(day, DETROIT);
      expect(dueDay(at, DETROIT)).toBe(day);
      // Noon in the city that day, and a minute before the end of it.
      const noon = new Date(Date.parse(at) - 12 * 3_600_000 + 60_000);
      expect(slaState('assigned', at, noon, DETROIT)).toBe('due_today');
      expect(slaState('assigned', at, new Date(Date.parse(at) - 60_000), DETROIT)).toBe('due_today');
      expect(slaState('assigned', at, new Date(Date.parse(at) + 60_000), DETROIT)).toBe('overdue');
    }
  });

  it("reads an instant as the city's day, not the device's", () => {
    // 22:00 in Detroit on 4 December is already 5 December in UTC and further east.
    expect(dueDay('2026-12-05T03:00:00.000Z', DETROIT)).toBe('2026-12-04');
  });
});
