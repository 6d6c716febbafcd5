import { describe, expect, it } from 'vitest';
import { leftWords, olderWords } from './inbox.svelte.ts';

describe('an inbox longer than its list', () => {
  it('says nothing when the list holds every notice waiting', () => {
    expect(olderWords(12, 12)).toBeNull();
    expect(olderWords(0, 0)).toBeNull();
  });

  it('says the list holds the newest, and how many older ones come next', () => {
    expect(olderWords(200, 260)).toBe(
      'The newest 200 of 260 are listed. Mark these as read and the 60 older ones come next.',
    );
    expect(olderWords(200, 201)).toMatch(/the 1 older one comes next\.$/);
  });

  it('counts what is left by what waits on the server, not by the list', () => {
    expect(leftWords(59)).toBe('59 notices left.');
    expect(leftWords(1)).toBe('1 notice left.');
    expect(leftWords(0)).toBe('Nothing else waiting.');
  });
});
