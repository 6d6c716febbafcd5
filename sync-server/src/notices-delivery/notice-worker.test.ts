import { describe, expect, it } from 'vitest';
import { photoRecheckSeconds } from './notice-worker.ts';

describe('a fix notice waiting for its after-photo', () => {
  it('looks again within a second or two while the fix is fresh, then less often, at most every 15 s', () => {
    expect(photoRecheckSeconds(0)).toBe(1);
    expect(photoRecheckSeconds(300)).toBe(1);
    expect(photoRecheckSeconds(4_000)).toBe(1);
    expect(photoRecheckSeconds(6_000)).toBe(2);
    expect(photoRecheckSeconds(30_000)).toBe(8);
    expect(photoRecheckSeconds(60_000)).toBe(15);
    expect(photoRecheckSeconds(600_000)).toBe(15);
  });

  it('looks 15 times in its first minute, and 4 times a minute after that', () => {
    let waited = 0;
    let looks = 0;
    while (waited < 60_000) {
      waited += photoRecheckSeconds(waited) * 1000;
      looks++;
    }
    expect(looks).toBe(15);
    expect(photoRecheckSeconds(waited)).toBe(15);
  });
});
