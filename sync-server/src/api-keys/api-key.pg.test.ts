import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiKeysResponse, CreateApiKeyResponse, RevokeApiKeyResponse } from '@fieldfix/shared';
import { createTestApp, quietLogger, type TestApp } from '../../test/test-app.ts';
import { createApp } from '../app.ts';
import { DEMO_API_KEY } from '../demo/demo-open311.ts';
import { hashApiKey, useApiKey } from './api-key.repo.ts';

let t: TestApp;
let admin: Record<string, string>;

beforeAll(async () => {
  t = await createTestApp();
  admin = await t.login('admin@riverton.example');
});
afterAll(async () => {
  await t?.close();
});

const json = (method: string, body: unknown) => ({
  method,
  headers: { 'content-type': 'application/json', ...admin },
  body: JSON.stringify(body),
});
const submit = (key: string) =>
  t.app.request('/open311/v2-test/requests.json', {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      api_key: key,
      service_code: 'SIDEWALK',
      lat: '42.3555',
      long: '-86.975',
      'attribute[hazard]': 'no',
    }).toString(),
  });

describe('Open311 API keys', () => {
  it('the demo city has its documented demo key', async () => {
    const { keys } = ApiKeysResponse.parse(
      await (await t.app.request('/api/admin/api-keys', { headers: admin })).json(),
    );
    expect(keys.map((k) => k.id)).toContain('k_demo');
    expect((await submit(DEMO_API_KEY)).status).toBe(200);
  });

  it('an admin creates a key (shown once, stored hashed), it works, its last use is recorded, and revoked it stops', async () => {
    const res = await t.app.request('/api/admin/api-keys', json('POST', { name: 'Neighbourhood app' }));
    expect(res.status).toBe(201);
    const { key, secret } = CreateApiKeyResponse.parse(await res.json());
    expect(key).toMatchObject({
      name: 'Neighbourhood app',
      createdBy: 'u-admin',
      createdByName: 'Jordan Lee',
      revokedAt: null,
      lastUsedAt: null,
    });
    const [row] = await t.db.sql<{ key_hash: string }[]>`select key_hash from api_keys where id = ${key.id}`;
    expect(row!.key_hash).toBe(hashApiKey(secret));
    const everything = JSON.stringify(await t.db.sql`select * from api_keys`);
    expect(everything).not.toContain(secret);
    const listed = JSON.stringify(await (await t.app.request('/api/admin/api-keys', { headers: admin })).json());
    expect(listed).not.toContain(secret);
    expect(listed).not.toContain(row!.key_hash);

    expect((await submit(secret)).status).toBe(200);
    const { keys } = ApiKeysResponse.parse(
      await (await t.app.request('/api/admin/api-keys', { headers: admin })).json(),
    );
    expect(keys.find((k) => k.id === key.id)!.lastUsedAt).not.toBeNull();

    const revoked = await t.app.request(`/api/admin/api-keys/${key.id}/revoke`, { method: 'POST', headers: admin });
    expect(revoked.status).toBe(200);
    const { key: after } = RevokeApiKeyResponse.parse(await revoked.json());
    expect(after).toMatchObject({ id: key.id, createdByName: 'Jordan Lee' });
    expect(after.revokedAt).not.toBeNull();
    const refused = await submit(secret);
    expect(refused.status).toBe(403);
    expect(await refused.json()).toEqual([
      { code: 403, description: 'The api_key is not valid (unknown or revoked).' },
    ]);
    expect((await t.app.request('/api/admin/api-keys/k_none/revoke', { method: 'POST', headers: admin })).status).toBe(
      404,
    );
  });

  it('a key’s rate limit is counted in the database, per minute, and then the client is told when to retry', async () => {
    const res = await t.app.request('/api/admin/api-keys', json('POST', { name: 'Tight', rateLimitPerMinute: 2 }));
    const { secret } = CreateApiKeyResponse.parse(await res.json());
    expect((await submit(secret)).status).toBe(200);
    expect((await submit(secret)).status).toBe(200);
    const limited = await submit(secret);
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    // Another instance sees the same count (it is the row), and a new minute starts afresh.
    const later = new Date(Date.now() + 61_000);
    expect(await useApiKey(t.db.sql, secret, later)).toMatchObject({ status: 'ok' });
  });

  it('two server instances share one count: of 12 requests sent at once through both, exactly the limit get in', async () => {
    const res = await t.app.request('/api/admin/api-keys', json('POST', { name: 'Shared', rateLimitPerMinute: 5 }));
    const { secret } = CreateApiKeyResponse.parse(await res.json());
    const other = createApp({ sql: t.db.sql, config: t.config, dbKind: t.db.kind, version: 'test', log: quietLogger });
    const body = new URLSearchParams({
      api_key: secret,
      service_code: 'SIDEWALK',
      lat: '42.3555',
      long: '-86.975',
      'attribute[hazard]': 'no',
    }).toString();
    const send = async (i: number) => {
      const res = await (i % 2 === 0 ? t.app : other).request('/open311/v2-test/requests.json', {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body,
      });
      return res.status;
    };
    const statuses = await Promise.all(Array.from({ length: 12 }, (_, i) => send(i)));
    expect(statuses.filter((s) => s === 200)).toHaveLength(5);
    expect(statuses.filter((s) => s === 429)).toHaveLength(7);
  });

  it('a bad body is refused with the one error shape', async () => {
    const res = await t.app.request('/api/admin/api-keys', json('POST', { name: '' }));
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('invalid-body');
  });
});
