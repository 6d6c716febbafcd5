import type { AddressInfo } from 'node:net';
import { serve, type ServerType } from '@hono/node-server';
import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../test/test-app.ts';
import { DEFAULT_LOGIN_THROTTLE, loadConfig, type LoginThrottlePolicy } from '../config.ts';
import { clientAddress, normaliseAddress, UNKNOWN_ADDRESS } from './client-address.ts';
import { tryAgainIn } from './login-throttle.ts';

type Err = { error: { code: string; message: string; details?: { retryAfterSeconds: number } } };

const WORKER = 'worker@riverton.example';
const WORKER_B = 'worker.b@riverton.example';
const LEAD = 'lead@riverton.example';
const ADMIN = 'admin@riverton.example';

let nextAddress = 1;
/** A client address of its own for each test, so tests do not share an address's count. */
const newAddress = () => `198.51.100.${nextAddress++}`;

function loginWith(t: TestApp) {
  return (email: string, password: string, address: string) =>
    t.app.request('/api/auth/login', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-forwarded-for': address },
      body: JSON.stringify({ email, password }),
    });
}

async function failTimes(login: ReturnType<typeof loginWith>, n: number, email: string, address: string) {
  for (let i = 0; i < n; i++) {
    const res = await login(email, 'wrong password', address);
    expect(res.status, `failure ${i + 1} for ${email}`).toBe(401);
  }
}

describe('sign-in throttling (5 failures an account, 8 an address, 15 minutes)', () => {
  let t: TestApp;
  let login: ReturnType<typeof loginWith>;
  const policy: LoginThrottlePolicy = { ...DEFAULT_LOGIN_THROTTLE, addressMaxFailures: 8 };

  beforeAll(async () => {
    t = await createTestApp({ trustProxyHops: 1, loginThrottle: policy });
    login = loginWith(t);
  });
  afterAll(() => t.close());

  it('locks an account after 5 failures: 429, Retry-After and when to try again, even with the right password', async () => {
    const address = newAddress();
    await failTimes(login, 5, WORKER, address);
    for (const password of ['fieldfix', 'another guess']) {
      const res = await login(WORKER, password, newAddress());
      expect(res.status).toBe(429);
      const retryAfter = Number(res.headers.get('retry-after'));
      expect(retryAfter).toBeGreaterThan(15 * 60 - 5);
      expect(retryAfter).toBeLessThanOrEqual(15 * 60);
      const body = (await res.json()) as Err;
      expect(body.error.code).toBe('rate-limited');
      expect(body.error.message).toBe('Too many sign-in attempts. Try again in 15 minutes.');
      expect(body.error.details).toEqual({ retryAfterSeconds: retryAfter });
    }
    // A lowered-case or differently-cased email is the same account.
    expect((await login('WORKER@Riverton.Example', 'fieldfix', newAddress())).status).toBe(429);
  });

  it('lets the other accounts sign in meanwhile, from the same address', async () => {
    const address = newAddress();
    await failTimes(login, 5, LEAD, address);
    expect((await login(LEAD, 'fieldfix', address)).status).toBe(429);
    expect((await login(ADMIN, 'fieldfix', address)).status).toBe(200);
  });

  it('answers an unknown email exactly as a wrong password, locked or not', async () => {
    const [fromA, fromB] = [newAddress(), newAddress()];
    const [known, unknown] = ['lead.sanitation@riverton.example', 'nobody.here@riverton.example'];
    for (let i = 0; i < 5; i++) {
      const a = await login(known, 'wrong password', fromA);
      const b = await login(unknown, 'wrong password', fromB);
      expect([a.status, b.status]).toEqual([401, 401]);
      expect(await b.json()).toEqual(await a.json());
    }
    const a = await login(known, 'fieldfix', fromA);
    const b = await login(unknown, 'fieldfix', fromB);
    expect([a.status, b.status]).toEqual([429, 429]);
    const [ja, jb] = [(await a.json()) as Err, (await b.json()) as Err];
    expect({ ...jb.error, details: undefined }).toEqual({ ...ja.error, details: undefined });
    expect(Math.abs(Number(a.headers.get('retry-after')) - Number(b.headers.get('retry-after')))).toBeLessThanOrEqual(
      1,
    );
    // The same columns for both: the table does not know which emails are real either.
    const rows = await t.db.sql<{ key: string; lockouts: number }[]>`
      select key, lockouts from login_throttle where scope = 'account' and key in (${known}, ${unknown}) order by key`;
    expect(rows.map((r) => r.lockouts)).toEqual([1, 1]);
  });

  it('forgets the failures of an account that signs in', async () => {
    const address = newAddress();
    await failTimes(login, 4, WORKER_B, address);
    expect((await login(WORKER_B, 'fieldfix', address)).status).toBe(200);
    // Four more would make eight without the reset.
    await failTimes(login, 4, WORKER_B, newAddress());
    expect((await login(WORKER_B, 'fieldfix', address)).status).toBe(200);
    const rows = await t.db.sql`select 1 from login_throttle where scope = 'account' and key = ${WORKER_B}`;
    expect(rows).toHaveLength(0);
  });

  it('locks an address guessing across many accounts, and no other address', async () => {
    const address = newAddress();
    for (let i = 0; i < 8; i++) {
      expect((await login(`someone${i}@riverton.example`, 'fieldfix', address)).status).toBe(401);
    }
    const locked = await login(ADMIN, 'fieldfix', address);
    expect(locked.status).toBe(429);
    expect(((await locked.json()) as Err).error.message).toBe('Too many sign-in attempts. Try again in 15 minutes.');
    expect((await login(ADMIN, 'fieldfix', newAddress())).status).toBe(200);
  });

  it('does not count a successful sign-in against its address', async () => {
    const address = newAddress();
    for (let i = 0; i < 9; i++) expect((await login(ADMIN, 'fieldfix', address)).status).toBe(200);
  });

  it('lets no more than 5 guesses through when they arrive together', async () => {
    const email = 'parallel.guess@riverton.example';
    const statuses = await Promise.all(
      Array.from({ length: 12 }, async (_, i) => (await login(email, `guess ${i}`, newAddress())).status),
    );
    expect(statuses.filter((s) => s === 401).length).toBeLessThanOrEqual(5);
    expect(statuses.filter((s) => s !== 401).every((s) => s === 429)).toBe(true);
    expect(statuses).toContain(429);
  });

  it('deletes rows whose window and lockout are long over', async () => {
    await t.db.sql`
      insert into login_throttle (scope, key, failures, window_start, expires_at)
      values ('account', 'old@riverton.example', 3, now() - interval '2 days', now() - interval '1 day'),
             ('address', '203.0.113.9', 1, now() - interval '1 hour', now() - interval '1 second')`;
    expect((await login(ADMIN, 'fieldfix', newAddress())).status).toBe(200);
    const rows = await t.db.sql`select 1 from login_throttle where expires_at <= now()`;
    expect(rows).toHaveLength(0);
  });
});

describe('a lockout ends (3 failures, 1-second lockouts, doubling)', () => {
  let t: TestApp;
  let login: ReturnType<typeof loginWith>;
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

  beforeAll(async () => {
    t = await createTestApp({
      trustProxyHops: 1,
      loginThrottle: { ...DEFAULT_LOGIN_THROTTLE, accountMaxFailures: 3, lockoutSeconds: 1, maxLockoutSeconds: 2 },
    });
    login = loginWith(t);
  });
  afterAll(() => t.close());

  it('lets the account in after the lockout, each lockout in a row longer, up to the cap', async () => {
    const address = newAddress();
    await failTimes(login, 3, WORKER, address);
    const first = await login(WORKER, 'fieldfix', address);
    expect(first.status).toBe(429);
    expect(first.headers.get('retry-after')).toBe('1');
    expect(((await first.json()) as Err).error.message).toBe('Too many sign-in attempts. Try again in 1 second.');
    await sleep(1100);

    await failTimes(login, 3, WORKER, address);
    const second = await login(WORKER, 'fieldfix', address);
    expect(second.status).toBe(429);
    expect(second.headers.get('retry-after')).toBe('2');
    await sleep(1100);
    expect((await login(WORKER, 'fieldfix', address)).status).toBe(429);
    await sleep(1000);
    expect((await login(WORKER, 'fieldfix', address)).status).toBe(200);

    // The success forgot the lockouts: the next one is short again.
    await failTimes(login, 3, WORKER, address);
    const again = await login(WORKER, 'fieldfix', address);
    expect(again.headers.get('retry-after')).toBe('1');
  });
});

describe('the client address', () => {
  it('normalises IPv4, IPv4-mapped IPv6 and IPv6 (by its /64)', () => {
    expect(normaliseAddress('192.0.2.7')).toBe('192.0.2.7');
    expect(normaliseAddress('192.0.2.7:51234')).toBe('192.0.2.7');
    expect(normaliseAddress('::ffff:192.0.2.7')).toBe('192.0.2.7');
    expect(normaliseAddress('2001:db8:a:b:1:2:3:4')).toBe('2001:db8:a:b::/64');
    expect(normaliseAddress('[2001:DB8:0a::1]:443')).toBe('2001:db8:a:0::/64');
    expect(normaliseAddress('fe80::1%eth0')).toBe('fe80:0:0:0::/64');
    expect(normaliseAddress('::1')).toBe('0:0:0:0::/64');
    expect(normaliseAddress('unknown')).toBeUndefined();
    expect(normaliseAddress('')).toBeUndefined();
  });

  it('trusts X-Forwarded-For only when TRUST_PROXY says how many proxies add to it', () => {
    expect(loadConfig({}).trustProxyHops).toBe(0);
    expect(loadConfig({ TRUST_PROXY: 'false' }).trustProxyHops).toBe(0);
    expect(loadConfig({ TRUST_PROXY: 'true' }).trustProxyHops).toBe(1);
    expect(loadConfig({ TRUST_PROXY: '2' }).trustProxyHops).toBe(2);
    expect(() => loadConfig({ TRUST_PROXY: 'yes' })).toThrow(/TRUST_PROXY/);
  });

  it('says when to try again in plain words', () => {
    expect(tryAgainIn(1)).toBe('Try again in 1 second.');
    expect(tryAgainIn(59)).toBe('Try again in 59 seconds.');
    expect(tryAgainIn(61)).toBe('Try again in 2 minutes.');
    expect(tryAgainIn(3600)).toBe('Try again in 1 hour.');
    expect(tryAgainIn(3600 + 60 * 30)).toBe('Try again in 1 hour 30 minutes.');
  });

  describe('over a real socket', () => {
    let server: ServerType;
    let url: string;
    beforeAll(async () => {
      const app = new Hono().get('/:hops', (c) => c.text(clientAddress(c, Number(c.req.param('hops')))));
      server = await new Promise<ServerType>((resolve) => {
        const s = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s));
      });
      url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });
    afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

    const get = async (hops: number, forwardedFor?: string) =>
      (await fetch(`${url}/${hops}`, { headers: forwardedFor ? { 'x-forwarded-for': forwardedFor } : {} })).text();

    it("is the socket's peer, whatever X-Forwarded-For says, unless a proxy is trusted", async () => {
      expect(await get(0)).toBe('127.0.0.1');
      expect(await get(0, '203.0.113.50')).toBe('127.0.0.1');
    });

    it('behind trusted proxies, is the entry the outermost one added, not what the client wrote', async () => {
      expect(await get(1, '203.0.113.50')).toBe('203.0.113.50');
      expect(await get(1, '10.9.9.9, 203.0.113.50')).toBe('203.0.113.50'); // the client's own claim ignored
      expect(await get(2, '10.9.9.9, 203.0.113.50, 192.0.2.1')).toBe('203.0.113.50');
      expect(await get(1)).toBe('127.0.0.1'); // no header: the socket
      expect(await get(1, 'garbage')).toBe('127.0.0.1');
    });
  });

  it('is "unknown" without a socket (in-process requests)', async () => {
    const app = new Hono().get('/', (c) => c.text(clientAddress(c, 0)));
    expect(await (await app.request('/')).text()).toBe(UNKNOWN_ADDRESS);
  });
});
