import { describe, expect, it } from 'vitest';
import { CASE_STATES, open311Status, isOpen } from './lifecycle.ts';

describe('lifecycle', () => {
  it('maps the four working states to open and the two end states to closed', () => {
    const mapped = Object.fromEntries(CASE_STATES.map((s) => [s, open311Status(s)]));
    expect(mapped).toEqual({
      new: 'open',
      assigned: 'open',
      in_progress: 'open',
      on_hold: 'open',
      fixed: 'closed',
      closed_not_fixed: 'closed',
    });
    expect(CASE_STATES.filter(isOpen)).toHaveLength(4);
  });
});
