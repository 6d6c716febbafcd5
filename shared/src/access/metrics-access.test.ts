import { describe, expect, it } from 'vitest';
import { metricsDenial } from './access.ts';

// Who reads the server's metrics (`/metrics`): this machine, or whoever holds the token.
describe('metricsDenial', () => {
  it('without a token: this machine only', () => {
    expect(metricsDenial({ fromLoopback: true, tokenConfigured: false, tokenMatches: false })).toBeNull();
    expect(metricsDenial({ fromLoopback: false, tokenConfigured: false, tokenMatches: false })).toBe('loopback-only');
  });

  it('with a token: whoever sends it, from anywhere, and nobody without it (not even this machine)', () => {
    expect(metricsDenial({ fromLoopback: false, tokenConfigured: true, tokenMatches: true })).toBeNull();
    expect(metricsDenial({ fromLoopback: true, tokenConfigured: true, tokenMatches: true })).toBeNull();
    expect(metricsDenial({ fromLoopback: true, tokenConfigured: true, tokenMatches: false })).toBe('token-required');
    expect(metricsDenial({ fromLoopback: false, tokenConfigured: true, tokenMatches: false })).toBe('token-required');
  });
});
