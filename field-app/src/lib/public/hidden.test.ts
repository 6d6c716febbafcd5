import { describe, expect, it } from 'vitest';
import { HIDDEN as hiddenByTheServer } from '@fieldfix/shared/contact-details';
import { HIDDEN } from './hidden.ts';

describe('HIDDEN', () => {
  it('is what the server writes in place of a contact detail', () => {
    expect(HIDDEN).toBe(hiddenByTheServer);
  });
});
