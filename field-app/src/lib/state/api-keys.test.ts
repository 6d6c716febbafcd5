import { describe, expect, it } from 'vitest';
import type { ApiKeyInfo } from '@fieldfix/shared';
import { adminFailure } from '#lib/api/admin.ts';
import { keyState, orderKeys } from './api-keys.svelte.ts';

const key = (id: string, over: Partial<ApiKeyInfo> = {}): ApiKeyInfo => ({
  id,
  name: id,
  createdAt: '2026-12-01T09:00:00.000Z',
  createdBy: 'u-admin',
  createdByName: 'Jordan Lee',
  revokedAt: null,
  lastUsedAt: null,
  rateLimitPerMinute: 60,
  ...over,
});

describe('Open311 keys, as the admin reads them', () => {
  it('lists the keys in force first, in the order given, then revoked ones, the latest revoked first', () => {
    const keys = [
      key('a', { revokedAt: '2026-12-02T10:00:00.000Z' }),
      key('b'),
      key('c', { revokedAt: '2026-12-03T10:00:00.000Z' }),
      key('d'),
    ];
    expect(orderKeys(keys).map((k) => k.id)).toEqual(['b', 'd', 'c', 'a']);
  });

  it('says whether a key was revoked, used, or never used', () => {
    const now = new Date('2026-12-06T15:00:00Z');
    expect(keyState(key('a'), now)).toBe('Never used');
    expect(keyState(key('a', { lastUsedAt: '2026-12-06T14:05:00Z' }), now)).toMatch(/^In use · last used \S/);
    expect(keyState(key('a', { lastUsedAt: '2026-12-06T14:05:00Z', revokedAt: '2026-12-06T14:30:00Z' }), now)).toMatch(
      /^Revoked \S/,
    );
  });

  it('tells the admin to connect when there was no answer, and passes on what the server said otherwise', () => {
    expect(adminFailure({ kind: 'network', message: 'offline' }, 'make the key')).toBe(
      'Could not make the key: this needs a connection. Connect, then try again.',
    );
    expect(
      adminFailure({ kind: 'http', status: 400, code: 'invalid-body', message: 'name: too short.' }, 'make the key'),
    ).toBe('Could not make the key: name: too short.');
  });
});
