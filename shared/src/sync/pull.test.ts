import { describe, expect, it } from 'vitest';
import { Cursor, PullQuery } from './pull.ts';

describe('a pull cursor', () => {
  it('is a whole number up to bigint’s largest', () => {
    expect(Cursor.safeParse('0').success).toBe(true);
    expect(Cursor.safeParse('9223372036854775807').success).toBe(true);
    expect(Cursor.safeParse('9223372036854775808').success).toBe(false);
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
