import { describe, expect, it } from 'vitest';
import { addDays, dateIn } from './calendar.ts';

describe('calendar days', () => {
  it('steps over months, years and a leap day, both ways', () => {
    expect(addDays('2026-12-01', -1)).toBe('2026-11-30');
    expect(addDays('2026-12-31', 1)).toBe('2027-01-01');
    expect(addDays('2028-02-28', 1)).toBe('2028-02-29');
    expect(addDays('2026-03-08', -7)).toBe('2026-03-01');
    expect(addDays('2026-06-10', 0)).toBe('2026-06-10');
  });

  it("gives the city's day at an instant, in its time zone", () => {
    const instant = new Date('2026-12-02T02:00:00Z');
    expect(dateIn(instant, 'UTC')).toBe('2026-12-02');
    expect(dateIn(instant, 'America/Detroit')).toBe('2026-12-01');
  });
});
