import { describe, expect, it } from 'vitest';
import { fixPhotoConcern } from './fix-proof.ts';

const place = { lat: 42.35, long: -86.97 };
const fixedAt = '2026-06-10T15:00:00Z';
const near = { lat: 42.3501, long: -86.9701 }; // about 14 m away
const far = { lat: 42.36, long: -86.97 }; // about 1.1 km away

describe('proof of a fix', () => {
  it('has nothing to say of a photo taken near the place, shortly before', () => {
    expect(fixPhotoConcern([{ takenAt: '2026-06-10T14:40:00Z', ...near }], place, fixedAt)).toBeNull();
  });

  it('names the distance of a photo taken far from the report', () => {
    expect(fixPhotoConcern([{ takenAt: '2026-06-10T14:40:00Z', ...far }], place, fixedAt)).toBe(
      'its photo was taken 1.1 km from the report',
    );
  });

  it('names the age of a photo taken days before the fix', () => {
    expect(fixPhotoConcern([{ takenAt: '2026-06-07T15:00:00Z', ...near }], place, fixedAt)).toBe(
      'its photo was taken 3 d before the fix',
    );
    expect(fixPhotoConcern([{ takenAt: '2026-06-07T15:00:00Z', ...far }], place, fixedAt)).toBe(
      'its photo was taken 1.1 km from the report and 3 d before the fix',
    );
  });

  it('is satisfied when one photo of several fits, and doubts nothing it cannot know', () => {
    const old = { takenAt: '2026-06-01T15:00:00Z', ...far };
    expect(fixPhotoConcern([old, { takenAt: '2026-06-10T14:00:00Z', ...near }], place, fixedAt)).toBeNull();
    expect(fixPhotoConcern([{ takenAt: null, lat: null, long: null }], place, fixedAt)).toBeNull();
    expect(fixPhotoConcern([], place, fixedAt)).toBeNull();
    expect(fixPhotoConcern([old, old], place, fixedAt)).toMatch(/^its photos were taken /);
  });
});
