import { describe, expect, it } from 'vitest';
import { mapSpaceNote } from './storage.svelte.ts';

const MB = 1024 * 1024;

describe('before a map download that will not fit', () => {
  it('names the free space when the device has less than the map needs', () => {
    expect(mapSpaceNote(300 * MB, 100 * MB, 120 * MB)).toBe(
      'This device has about 120.0 MB free, less than the map needs. Free some space, or lower “Closest zoom kept” in Settings.',
    );
  });

  it('names the space kept for map tiles when the map needs more than that', () => {
    expect(mapSpaceNote(150 * MB, 100 * MB, 2000 * MB)).toBe(
      'That is more than the 100.0 MB kept for map tiles: the map of other areas makes room, and today’s is kept whole. To take less, lower “Closest zoom kept” in Settings.',
    );
    expect(mapSpaceNote(150 * MB, 100 * MB, null)).toMatch(/^That is more than the 100.0 MB/);
  });

  it('says nothing when it fits both', () => {
    expect(mapSpaceNote(100 * MB, 100 * MB, 100 * MB)).toBeNull();
    expect(mapSpaceNote(20 * MB, 100 * MB, null)).toBeNull();
  });
});
