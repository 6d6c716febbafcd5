import { describe, expect, it } from 'vitest';
import { undecodable } from './case-photos.svelte.ts';

// A picture the device cannot read is said as such; other failures keep their own words.

describe('a picture that cannot be read', () => {
  it('is one of a type or name the browser cannot decode, or one its decoder refused', () => {
    expect(undecodable({ name: 'IMG_1234.HEIC', type: '' }, new Error('x'))).toBe(true);
    expect(undecodable({ name: 'photo', type: 'image/heif' }, new Error('x'))).toBe(true);
    expect(undecodable({ name: 'a.jpg', type: 'image/jpeg' }, new DOMException('bad', 'InvalidStateError'))).toBe(true);
    expect(undecodable({ name: 'a.jpg', type: 'image/jpeg' }, new DOMException('bad', 'EncodingError'))).toBe(true);
  });

  it('is not a picture that ran out of memory or could not be stored', () => {
    expect(undecodable({ name: 'a.jpg', type: 'image/jpeg' }, new Error('No 2D canvas'))).toBe(false);
    expect(undecodable({ name: 'a.jpg', type: 'image/jpeg' }, new DOMException('full', 'QuotaExceededError'))).toBe(
      false,
    );
  });
});
