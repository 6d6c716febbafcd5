import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../test/test-app.ts';

const json = { 'content-type': 'application/json' };

describe('staff sign-in and sessions', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ sessionHours: 12 });
  });
  afterAll(() => t.close());

  const login = (email: string, password: string, query = '') =>
    t.app.request(`/api/auth/login${query}`, {
      method: 'POST',
      headers: json,
      body: JSON.stringify({ email, password }),
    });

  it('signs a worker in with an HttpOnly session cookie lasting a shift', async () => {
    const res = await login('Worker@Riverton.example', 'fieldfix');
    expect(res.status).toBe(200);
    const cookie = res.headers.get('set-cookie')!;
    expect(cookie).toMatch(/^ff_session=[\w-]{40,};/);
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Lax/);
    const body = (await res.json()) as {
      user: { role: string; crewId: string };
      crew: { name: string };
      expiresAt: string;
      token?: string;
    };
    expect(body.user).toMatchObject({ role: 'worker', crewId: 'streets-a' });
    expect(body.crew.name).toBe('Streets Crew A');
    expect((body as { cityTimeZone?: string }).cityTimeZone).toBe(t.config.cityTimeZone);
    expect(body.token).toBeUndefined();
    const hours = (Date.parse(body.expiresAt) - Date.now()) / 3_600_000;
    expect(hours).toBeGreaterThan(11.9);
    expect(hours).toBeLessThanOrEqual(12);

    const session = await t.app.request('/api/auth/session', { headers: { cookie: cookie.split(';')[0]! } });
    expect(session.status).toBe(200);
    expect(((await session.json()) as { user: { email: string } }).user.email).toBe('worker@riverton.example');
  });

  it("keeps the first 300 characters of a device's user agent with its session, no more", async () => {
    const agent = `FieldTablet/1.0 ${'x'.repeat(1_000)}`;
    const res = await t.app.request('/api/auth/login?bearer=1', {
      method: 'POST',
      headers: { ...json, 'user-agent': agent },
      body: JSON.stringify({ email: 'worker@riverton.example', password: 'fieldfix' }),
    });
    expect(res.status).toBe(200);
    const rows = await t.db.sql<{ user_agent: string }[]>`
      select user_agent from sessions where user_agent like 'FieldTablet/1.0 %'`;
    expect(rows.map((r) => r.user_agent)).toEqual([agent.slice(0, 300)]);
  });

  it('refuses a wrong password or unknown email with the same answer', async () => {
    const wrong = await login('worker@riverton.example', 'nope');
    const unknown = await login('nobody@riverton.example', 'fieldfix');
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    expect(await wrong.json()).toEqual(await unknown.json());
  });

  it('names each bad field of a malformed login and stores no session', async () => {
    const [before] = await t.db.sql<{ n: number }[]>`select count(*)::int as n from sessions`;
    const res = await t.app.request('/api/auth/login', {
      method: 'POST',
      headers: json,
      body: JSON.stringify({ email: 'not-an-email' }),
    });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: { code: string; details: { issues: { path: string }[] } } };
    expect(body.error.code).toBe('invalid-body');
    expect(body.error.details.issues.map((i) => i.path).sort()).toEqual(['email', 'password']);
    const [after] = await t.db.sql<{ n: number }[]>`select count(*)::int as n from sessions`;
    expect(after!.n).toBe(before!.n);
  });

  it("ends a session on logout, and an admin can revoke all of a person's sessions", async () => {
    const a = await t.login('worker@riverton.example');
    const b = await t.login('worker@riverton.example');
    expect((await t.app.request('/api/auth/logout', { method: 'POST', headers: a })).status).toBe(200);
    const afterLogout = await t.app.request('/api/auth/session', { headers: a });
    expect(afterLogout.status).toBe(401);
    expect(((await afterLogout.json()) as { error: { code: string } }).error.code).toBe('session-expired');
    expect((await t.app.request('/api/auth/session', { headers: b })).status).toBe(200);

    const worker = await t.login('worker@riverton.example');
    const denied = await t.app.request('/api/auth/users/u-w01/revoke-sessions', { method: 'POST', headers: worker });
    expect(denied.status).toBe(403);
    const admin = await t.login('admin@riverton.example');
    const revoked = await t.app.request('/api/auth/users/u-w01/revoke-sessions', { method: 'POST', headers: admin });
    expect(revoked.status).toBe(200);
    expect(((await revoked.json()) as { revoked: number }).revoked).toBeGreaterThanOrEqual(2);
    expect((await t.app.request('/api/auth/session', { headers: b })).status).toBe(401);
    expect((await t.app.request('/api/auth/session', { headers: admin })).status).toBe(200);
  });

  it('treats a session past its shift as ended', async () => {
    const h = await t.login('lead@riverton.example');
    await t.db.sql`update sessions set expires_at = now() - interval '1 minute' where user_id = 'u-lead-streets'`;
    const res = await t.app.request('/api/day?crew=streets-a', { headers: h });
    expect(res.status).toBe(401);
    expect(((await res.json()) as { error: { message: string } }).error.message).toMatch(/shift session has ended/);
  });

  it('asks who is there when no session is given', async () => {
    for (const path of ['/api/day', '/api/cases/1', '/api/service-types', '/api/auth/session']) {
      const res = await t.app.request(path);
      expect(res.status, path).toBe(401);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('not-authenticated');
    }
  });

  it('refuses a cross-site form post (CSRF)', async () => {
    const res = await t.app.request('http://localhost/api/auth/login', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: 'https://evil.example' },
      body: 'email=worker%40riverton.example&password=fieldfix',
    });
    expect(res.status).toBe(403);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('forbidden');
    const sameSite = await t.app.request('http://localhost/api/auth/logout', {
      method: 'POST',
      headers: { origin: 'http://localhost', cookie: 'ff_session=x' },
    });
    expect(sameSite.status).toBe(401); // passed the guard, then found no valid session
  });
});
