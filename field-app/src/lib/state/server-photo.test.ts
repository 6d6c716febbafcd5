import { describe, expect, it } from 'vitest';
import { statusAfterFailure } from './server-photo.svelte.ts';

describe('a photo download that failed', () => {
  it('waits for signal when there was no answer', () => {
    expect(statusAfterFailure({ kind: 'network', message: 'offline' })).toBe('offline');
  });

  it('says the photo was deleted when the server answers 410 Gone (retention)', () => {
    expect(
      statusAfterFailure({ kind: 'http', status: 410, code: null, message: 'Deleted under the retention policy.' }),
    ).toBe('removed');
  });

  it.each([404, 409, 503])('is not available yet on %i (uploading, refused, or the store is down)', (status) => {
    expect(statusAfterFailure({ kind: 'http', status, code: null, message: '' })).toBe('unavailable');
  });

  it('is not available when the server sent something that is not a picture', () => {
    expect(statusAfterFailure({ kind: 'invalid-response', status: 200, message: 'not a picture' })).toBe('unavailable');
  });
});
