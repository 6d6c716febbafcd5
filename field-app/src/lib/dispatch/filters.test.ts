import { describe, expect, it } from 'vitest';
import { NO_BOARD_FILTERS, queueFilterOf } from './filters.ts';

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
