import { describe, expect, it } from 'vitest';
import { withinTarget } from './target.ts';

describe("a case against its type's target, as the public figures count it", () => {
  const requested = '2026-12-01T10:00:00.000Z';

  it('is within the target up to the minute the target runs out, and past it after', () => {
    expect(withinTarget(requested, '2026-12-04T10:00:00.000Z', 3, new Date())).toBe(true);
    expect(withinTarget(requested, '2026-12-04T10:01:00.000Z', 3, new Date())).toBe(false);
  });

  it('counts a day and 23 hours as past a one-day target (whole days would not)', () => {
    expect(withinTarget(requested, '2026-12-03T09:00:00.000Z', 1, new Date())).toBe(false);
  });

  it('reads an open case against now', () => {
    expect(withinTarget(requested, null, 3, new Date('2026-12-04T22:00:00.000Z'))).toBe(false);
    expect(withinTarget(requested, null, 3, new Date('2026-12-03T22:00:00.000Z'))).toBe(true);
  });
});
