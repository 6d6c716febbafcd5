import { describe, expect, it } from 'vitest';
import { Cursor, PullQuery, PullResponse } from './pull.ts';

describe('a pull cursor', () => {
  it('is a whole number up to bigint’s largest', () => {
    expect(Cursor.safeParse('0').success).toBe(true);
    expect(Cursor.safeParse('9223372036854775807').success).toBe(true);
    const over = Cursor.safeParse('9223372036854775808');
    expect(over.success).toBe(false);
    expect(over.error?.issues[0]?.message).toBe('a cursor is at most 9223372036854775807');
  });

  it('is 0 when a device sends none (it has nothing yet)', () => {
    expect(PullQuery.parse({ clientId: 'tablet' })).toEqual({ cursor: '0', limit: 500, clientId: 'tablet' });
  });

  // Before, a cursor that was not a number failed its pattern and then reached the range check
  // anyway, whose BigInt() threw: the pull answered 500 where a 400 was due.
  it.each(['12ab', '1e5', ' 5', '-1', '', '0x10', '05'])('refuses %j without throwing', (v) => {
    const parsed = Cursor.safeParse(v);
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues[0]?.message).toBe('a cursor is a whole number');
    expect(PullQuery.safeParse({ cursor: v, clientId: 'tablet' }).success).toBe(false);
  });
});

describe("a pull's behind flag", () => {
  it('takes 1, or nothing; anything else is refused with words that say what it takes', () => {
    expect(PullQuery.parse({ clientId: 'x', behind: '1' }).behind).toBe('1');
    expect(PullQuery.parse({ clientId: 'x' }).behind).toBeUndefined();
    const refused = PullQuery.safeParse({ clientId: 'x', behind: 'yes' });
    expect(refused.success).toBe(false);
    expect(refused.error?.issues[0]?.message).toMatch(/knows it is behind/);
  });
});

describe('a pull answer', () => {
  const answer = { cursor: '42', hasMore: false, cases: [], departures: [], outcomes: [] };

  it('carries the server time with its zone, in UTC or with an offset', () => {
    expect(PullResponse.parse({ ...answer, serverTime: '2026-12-04T10:00:00.000Z' }).cursor).toBe('42');
    expect(PullResponse.safeParse({ ...answer, serverTime: '2026-12-04T11:00:00+01:00' }).success).toBe(true);
    expect(PullResponse.safeParse({ ...answer, serverTime: '2026-12-04T10:00:00' }).success).toBe(false);
  });

  it('is refused without its cursor or with one that is no cursor', () => {
    const serverTime = '2026-12-04T10:00:00.000Z';
    const { cursor: _, ...noCursor } = answer;
    expect(PullResponse.safeParse({ ...noCursor, serverTime }).success).toBe(false);
    expect(PullResponse.safeParse({ ...answer, cursor: '-1', serverTime }).success).toBe(false);
  });
});
