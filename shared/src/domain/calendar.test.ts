import { describe, expect, it } from 'vitest';
import { addDays, dateIn, dayEndsAt, windowEndsAt } from './calendar.ts';

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

describe('when a day ends in a zone', () => {
  it("is the next day's first second there, in zones east and west of UTC", () => {
    expect(dayEndsAt('2026-06-16', 'America/Detroit').toISOString()).toBe('2026-06-17T04:00:00.000Z');
    expect(dayEndsAt('2026-01-16', 'America/Detroit').toISOString()).toBe('2026-01-17T05:00:00.000Z');
    expect(dayEndsAt('2026-06-16', 'Pacific/Kiritimati').toISOString()).toBe('2026-06-16T10:00:00.000Z');
    expect(dayEndsAt('2026-06-16', 'Pacific/Pago_Pago').toISOString()).toBe('2026-06-17T11:00:00.000Z');
    expect(dayEndsAt('2026-06-16', 'Asia/Kolkata').toISOString()).toBe('2026-06-16T18:30:00.000Z');
    expect(dayEndsAt('2026-06-16', 'UTC').toISOString()).toBe('2026-06-17T00:00:00.000Z');
  });

  it('follows daylight saving: the day the clocks change is 23 or 25 hours long', () => {
    // Detroit: clocks forward on 8 March 2026, back on 1 November 2026.
    expect(
      dayEndsAt('2026-03-08', 'America/Detroit').getTime() - dayEndsAt('2026-03-07', 'America/Detroit').getTime(),
    ).toBe(23 * 3_600_000);
    expect(
      dayEndsAt('2026-11-01', 'America/Detroit').getTime() - dayEndsAt('2026-10-31', 'America/Detroit').getTime(),
    ).toBe(25 * 3_600_000);
  });

  it('a window counts calendar days there, across a change of the clocks too', () => {
    const zone = 'America/Detroit';
    // 00:30 on 20 October, clocks back on 1 November: fourteen days on is 3 November.
    expect(windowEndsAt(new Date('2026-10-20T04:30:00Z'), 14, zone).toISOString()).toBe('2026-11-04T05:00:00.000Z');
    // 23:30 on 28 February, clocks forward on 8 March: fourteen days on is 14 March.
    expect(windowEndsAt(new Date('2026-03-01T04:30:00Z'), 14, zone).toISOString()).toBe('2026-03-15T04:00:00.000Z');
  });

  it('a window of days lasts to the end of its last day there, whatever the hour it began', () => {
    const zone = 'America/Detroit';
    for (const fixedAt of ['2026-06-02T12:00:00Z', '2026-06-02T04:00:00Z', '2026-06-03T03:59:59Z']) {
      expect(windowEndsAt(new Date(fixedAt), 14, zone).toISOString(), fixedAt).toBe('2026-06-17T04:00:00.000Z');
    }
  });
});
