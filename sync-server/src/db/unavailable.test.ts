import { describe, expect, it } from 'vitest';
import { databaseUnavailable } from './unavailable.ts';

// Which failures mean "the database cannot be reached just now" (503, try again) rather than
// a fault in the request or the code (4xx, or a 500 that is logged).
describe('databaseUnavailable', () => {
  it('knows a database going away, refusing or full, from the client and from the server', () => {
    for (const code of [
      'ECONNREFUSED',
      'ECONNRESET',
      'CONNECTION_CLOSED',
      'CONNECT_TIMEOUT',
      '57P01',
      '57P03',
      '08006',
      '53300',
    ]) {
      expect(databaseUnavailable(Object.assign(new Error('x'), { code })), code).toBe(true);
    }
  });
  it('finds it as the cause of another error', () => {
    const inner = Object.assign(new Error('refused'), { code: 'ECONNREFUSED' });
    expect(databaseUnavailable(new Error('query failed', { cause: inner }))).toBe(true);
  });
  it('leaves other failures alone: bad SQL, a broken constraint, a deadlock, no code at all', () => {
    for (const code of ['42601', '23505', '40P01', '22P02', 'ERR_SOMETHING']) {
      expect(databaseUnavailable(Object.assign(new Error('x'), { code })), code).toBe(false);
    }
    expect(databaseUnavailable(new Error('plain'))).toBe(false);
    expect(databaseUnavailable('ECONNREFUSED')).toBe(false);
    expect(databaseUnavailable(null)).toBe(false);
  });
});
