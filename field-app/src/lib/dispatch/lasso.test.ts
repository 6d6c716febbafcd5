import { describe, expect, it } from 'vitest';
import { inside, lassoSelect } from './lasso.ts';

describe('the lasso', () => {
  const square = [
    [0, 0],
    [10, 0],
    [10, 10],
    [0, 10],
  ] as const;
  it('finds points inside a drawn shape and leaves the rest', () => {
    expect(inside([5, 5], square)).toBe(true);
    expect(inside([15, 5], square)).toBe(false);
    const picked = lassoSelect(
      [
        { id: 'in', at: [3, 4] },
        { id: 'out', at: [-1, 4] },
      ],
      square,
    );
    expect(picked).toEqual(['in']);
  });
  it('a concave shape leaves its notch out', () => {
    const u = [
      [0, 0],
      [9, 0],
      [9, 9],
      [6, 9],
      [6, 3],
      [3, 3],
      [3, 9],
      [0, 9],
    ] as const;
    expect(inside([4.5, 6], u)).toBe(false);
    expect(inside([1, 6], u)).toBe(true);
  });
  it('a tap (fewer than three points) selects nothing', () => {
    expect(lassoSelect([{ id: 'a', at: [0, 0] }], [[0, 0]])).toEqual([]);
  });
});
