import { describe, expect, it } from 'vitest';
import type { BoardCase } from '@fieldfix/shared';
import { boardOverdue, matches, NO_BOARD_FILTERS, queueFilterOf } from './filters.ts';

describe('what the server is asked to narrow the queue by', () => {
  it('nothing when no filter is on', () => {
    expect(queueFilterOf(NO_BOARD_FILTERS)).toEqual({});
  });

  it('each filter that is on, except the state (the queue holds new cases only)', () => {
    expect(
      queueFilterOf({
        district: 'north',
        type: 'POTHOLE',
        minAgeDays: 7,
        priority: 'urgent',
        status: 'on_hold',
        overdue: true,
      }),
    ).toEqual({ district: 'north', type: 'POTHOLE', minAgeDays: 7, priority: 'urgent', overdue: true });
    expect(queueFilterOf({ ...NO_BOARD_FILTERS, type: 'DEBRIS' })).toEqual({ type: 'DEBRIS' });
  });
});

describe("a board case's Overdue follows its own due date, as the lead just set it", () => {
  const now = new Date('2026-12-07T15:00:00Z');
  const item = (over: Partial<BoardCase['case']>, slaDueAt: string) =>
    ({
      case: { state: 'new', requestedAt: '2026-11-01T10:00:00Z', expectedAt: null, ...over },
      slaDueAt,
      overdue: false,
    }) as unknown as BoardCase;

  it("is overdue past the case's due date, whatever the board said when it was fetched", () => {
    const moved = item({ expectedAt: '2026-12-07T14:00:00Z' }, '2026-12-20T00:00:00Z');
    expect(boardOverdue(moved, now)).toBe(true);
    expect(matches(moved, { ...NO_BOARD_FILTERS, overdue: true }, now)).toBe(true);
  });

  it('is not overdue once the due date is moved out, nor when closed', () => {
    const movedOut = item({ expectedAt: '2026-12-10T04:59:00Z' }, '2026-11-04T10:00:00Z');
    expect(boardOverdue(movedOut, now)).toBe(false);
    expect(matches(movedOut, { ...NO_BOARD_FILTERS, overdue: true }, now)).toBe(false);
    expect(
      boardOverdue(item({ state: 'fixed', expectedAt: '2026-12-01T00:00:00Z' }, '2026-12-01T00:00:00Z'), now),
    ).toBe(false);
  });

  it("falls back to the board's due time for a case with no due date", () => {
    expect(boardOverdue(item({}, '2026-12-07T14:59:00Z'), now)).toBe(true);
    expect(boardOverdue(item({}, '2026-12-07T15:01:00Z'), now)).toBe(false);
  });
});
