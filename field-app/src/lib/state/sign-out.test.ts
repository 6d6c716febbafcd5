import { describe, expect, it } from 'vitest';
import { signOutWarning } from './sign-out.ts';

describe('signing out with work not on the server', () => {
  it('says nothing when all of it has gone', () => {
    expect(signOutWarning({ changes: 0, photos: 0 }, 'Sam Ortega')).toBeNull();
  });

  it('counts what is left, in words, and whose sign-in sends it', () => {
    expect(signOutWarning({ changes: 1, photos: 0 }, 'Sam Ortega')).toBe(
      '1 change has not reached the server yet. It stays on this device, and goes only when Sam Ortega signs in here again. To send it now, stay signed in until there is signal.',
    );
    expect(signOutWarning({ changes: 3, photos: 2 }, 'Ana Ruiz')).toMatch(
      /^3 changes and 2 photos have not reached the server yet\. .* when Ana Ruiz signs in here again\./,
    );
    expect(signOutWarning({ changes: 0, photos: 1 }, 'Ana Ruiz')).toMatch(/^1 photo has not reached/);
  });
});
