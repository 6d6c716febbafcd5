import { describe, expect, it } from 'vitest';
import { reconnectBackoff } from './database.ts';

describe('the pool waits little between attempts to reach the database again', () => {
  it('starts near 0.1 s, doubles, and never waits more than a second', () => {
    for (let i = 0; i < 50; i++) {
      expect(reconnectBackoff(0)).toBeGreaterThanOrEqual(0.05);
      expect(reconnectBackoff(0)).toBeLessThanOrEqual(0.1);
      expect(reconnectBackoff(2)).toBeGreaterThanOrEqual(0.2);
      expect(reconnectBackoff(2)).toBeLessThanOrEqual(0.4);
      for (const attempt of [4, 10, 100]) {
        expect(reconnectBackoff(attempt)).toBeGreaterThanOrEqual(0.5);
        expect(reconnectBackoff(attempt)).toBeLessThanOrEqual(1);
      }
    }
  });
});
