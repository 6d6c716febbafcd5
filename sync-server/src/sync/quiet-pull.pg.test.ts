import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import postgres from 'postgres';
import { v7 as uuidv7 } from 'uuid';
import { PROTOCOL_HEADER, PROTOCOL_VERSION, type PullResponse } from '@fieldfix/shared';
import { createApp } from '../app.ts';
import { loadConfig } from '../config.ts';
import { seedDemoCity } from '../demo/seed.ts';
import { quietLogger, TEST_NOW, touchCrewCase } from '../../test/test-app.ts';
import { countingClient, createTestDatabase, type TestDatabase } from '../../test/test-db.ts';
import type { Staff } from '../access/caller.ts';
import { QUIET_PULL_TIMES, QuietPull, type QuietPullTimes } from './quiet-pull.ts';

// A device already up to date, answered from the instance's memory (`QuietPull`): no
// statement reaches the database. The statements are counted by the client's own debug hook,
// and the instance's clock is the test's, so "a moment later" is exact.

const pg = process.env.TEST_DATABASE_URL ? describe : describe.skip;

const TIMES: QuietPullTimes = { headMs: 1_000, sessionMs: 10_000, receiptMs: 30_000 };

pg('a pull answered from the instance memory', () => {
  let db: TestDatabase;
  let counted: postgres.Sql;
  const statements: string[] = [];
  const config = loadConfig({});

  beforeAll(async () => {
    db = await createTestDatabase();
    await seedDemoCity(db.sql, { now: TEST_NOW, timeZone: config.cityTimeZone });
    counted = countingClient(db.url!, statements, 4);
  });
  afterAll(async () => {
    await counted?.end({ timeout: 5 });
    await db?.close();
  });

  /**
   * An instance with its own memory and a clock the test moves, and a worker signed in on it
   * (or, with `as`, the same session as on another instance). `sql`: its own pool.
   */
  async function instance(
    times: QuietPullTimes = TIMES,
    {
      as,
      sql = counted,
      email = 'worker@riverton.example',
      log = quietLogger,
    }: { as?: Record<string, string>; sql?: postgres.Sql; email?: string; log?: typeof quietLogger } = {},
  ) {
    const clock = { now: Date.now() };
    const quiet = new QuietPull(sql, times, { shared: true, now: () => clock.now, log });
    const app = createApp({ sql, config, dbKind: 'postgres', version: 'test', log, quietPull: quiet });
    const auth = as ?? (await signIn(app, email));
    const clientId = uuidv7();
    const get = (cursor: string, extra = '', device = clientId) =>
      app.request(`/api/sync/pull?clientId=${device}&cursor=${cursor}&limit=500${extra}`, {
        headers: { ...auth, [PROTOCOL_HEADER]: String(PROTOCOL_VERSION) },
      });
    async function pull(cursor: string, extra = '', device = clientId): Promise<PullResponse> {
      const r = await get(cursor, extra, device);
      expect(r.status).toBe(200);
      return (await r.json()) as PullResponse;
    }
    /** To the head through the database (the session remembered), and the head read in the background. */
    async function warm(): Promise<string> {
      let page = await pull('0', '&behind=1');
      while (page.hasMore) page = await pull(page.cursor, '&behind=1');
      await pull(page.cursor); // writes the device's receipt
      await quiet.settled();
      return page.cursor;
    }
    /** Past half the head's life: a pull starts a new head read; then that read is done. */
    async function readHeadAgain(cursor: string): Promise<void> {
      clock.now += times.headMs / 2;
      await pull(cursor);
      await quiet.settled();
    }
    return { app, quiet, clock, auth, clientId, get, pull, warm, readHeadAgain };
  }

  async function signIn(app: ReturnType<typeof createApp>, email: string): Promise<Record<string, string>> {
    const res = await app.request('/api/auth/login?bearer=1', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email, password: 'fieldfix' }),
    });
    expect(res.status).toBe(200);
    return { authorization: `Bearer ${((await res.json()) as { token: string }).token}` };
  }

  /** What `pulled` answers, asserting it sent no statement: answered from the instance's memory. */
  async function fromMemory<T>(pulled: () => T | Promise<T>): Promise<T> {
    statements.length = 0;
    const answer = await pulled();
    expect(statements).toEqual([]);
    return answer;
  }

  /** What `pulled` answers, asserting the database was asked. */
  async function fromDatabase<T>(pulled: () => T | Promise<T>): Promise<T> {
    statements.length = 0;
    const answer = await pulled();
    expect(statements.length).toBeGreaterThan(0);
    return answer;
  }

  /** An admin, signed in on `app`, ends every session of the worker ("signed out everywhere"). */
  async function endWorkerSessions(app: ReturnType<typeof createApp>): Promise<void> {
    const admin = await signIn(app, 'admin@riverton.example');
    const [worker] = await db.sql<{ id: string }[]>`select id from users where email = 'worker@riverton.example'`;
    const revoked = await app.request(`/api/auth/users/${worker!.id}/revoke-sessions`, {
      method: 'POST',
      headers: { ...admin, origin: 'http://localhost' },
    });
    expect(revoked.status).toBe(200);
  }

  it('answers a device at the head with no statement at all', async () => {
    const { pull, warm } = await instance();
    const head = await warm();
    const page = await fromMemory(() => pull(head));
    expect(page).toMatchObject({ cursor: head, hasMore: false, cases: [], departures: [], outcomes: [] });
  });

  it("an instance's first session lookups are remembered: its LISTEN starts before them, not after", async () => {
    // A new instance, and devices priming on it at once (the first requests it ever serves).
    const { app, pull, quiet } = await instance();
    const other = await signIn(app, 'worker.b@riverton.example');
    const otherClient = uuidv7();
    const prime = async (get: (cursor: string) => Promise<PullResponse>) => {
      let page = await get('0');
      while (page.hasMore) page = await get(page.cursor);
      return page.cursor;
    };
    const pullAs = async (cursor: string, extra = '') => {
      const r = await app.request(`/api/sync/pull?clientId=${otherClient}&cursor=${cursor}&limit=500${extra}`, {
        headers: { ...other, [PROTOCOL_HEADER]: String(PROTOCOL_VERSION) },
      });
      expect(r.status).toBe(200);
      return (await r.json()) as PullResponse;
    };
    const [mine, theirs] = await Promise.all([
      prime((cursor) => pull(cursor, '&behind=1')),
      prime((cursor) => pullAs(cursor, '&behind=1')),
    ]);
    await quiet.settled(); // the head read the first lookup started
    // Their next polls: no statement. (Remembered before the LISTEN started, both were forgotten.)
    expect(await fromMemory(() => pull(mine))).toMatchObject({ cursor: mine, cases: [] });
    expect(await fromMemory(() => pullAs(theirs))).toMatchObject({ cursor: theirs, cases: [] });
  });

  it("an instance's knowledge starts when it starts: a device primed on another instance is judged from memory", async () => {
    const first = await instance();
    const second = await instance(TIMES, { as: first.auth });
    second.quiet.start(); // as startServer does
    await second.quiet.settled();
    expect(second.quiet.listening()).toBeNull(); // its LISTEN already up: no request waits for it
    // The device primes on the first instance.
    let page = await first.pull('0', '&behind=1');
    while (page.hasMore) page = await first.pull(page.cursor, '&behind=1');
    const primed = page.cursor;
    // Another crew changes a case; then the device's session reaches the second instance.
    await touchCrewCase(db.sql, 'worker.b@riverton.example');
    await second.pull(primed, '&behind=1', first.clientId);
    await second.readHeadAgain(primed);
    // Its next poll there, from its primed cursor: nothing of its crew changed since, which the
    // second instance knows (it has known the change log since before the device primed).
    const polled = await fromMemory(() => second.pull(primed, '', first.clientId));
    expect(BigInt(polled.cursor)).toBeGreaterThan(BigInt(primed));
    expect(polled.cases).toEqual([]);
  });

  it('a device behind the remembered head, or one that says it is behind, is answered by the database', async () => {
    const { pull, warm, clock, quiet } = await instance();
    const head = await warm();
    const id = await touchCrewCase(db.sql, 'worker@riverton.example');

    // Polling within the head's second: "nothing new", and the cursor stays where it was.
    expect(await fromMemory(() => pull(head))).toMatchObject({ cursor: head, cases: [] });

    // Told of the change (a hint, its own push, "Sync now"): the database's answer at once.
    // (Another device of the same worker: its receipt does not touch the first one's.)
    const told = await pull(head, '&behind=1', uuidv7());
    expect(told.cases.map((c) => c.id)).toEqual([id]);
    expect(BigInt(told.cursor)).toBeGreaterThan(BigInt(head));

    // Past half the head's life a pull starts a new read (and is still answered from the old).
    clock.now += TIMES.headMs / 2;
    statements.length = 0;
    expect(await pull(head)).toMatchObject({ cursor: head, cases: [] });
    await quiet.settled();
    // The head, then which scopes the changes up to it touched: the worker's crew among them.
    expect(statements).toEqual([
      expect.stringMatching(/change_log_head\(\)/),
      expect.stringMatching(/from case_departures/),
    ]);
    // The head read again is past the device's cursor, with a change in its crew: the database
    // is asked, and the device gets the change.
    const polled = await pull(head);
    expect(polled.cases.map((c) => c.id)).toEqual([id]);
  });

  it('says why the database must answer when memory cannot', async () => {
    const off = await instance({ ...TIMES, headMs: 0 });
    expect(off.quiet.consult('any', 0n, off.clientId)).toEqual({ asks: 'off' });

    const { quiet, warm, auth, clientId, readHeadAgain } = await instance();
    const hash = (await import('../auth/session.repo.ts')).hashToken(auth.authorization!.slice(7));
    expect(quiet.consult(hash, 0n, clientId)).toEqual({ asks: 'no-head' }); // its first: no head read yet
    const head = BigInt(await warm());
    expect(quiet.consult(hash, head, clientId)).toMatchObject({ head });
    expect(quiet.consult('another session', head, clientId)).toEqual({ asks: 'session' });
    // A cursor from before this instance's first head read: it cannot tell what changed since.
    expect(quiet.consult(hash, 0n, clientId)).toEqual({ asks: 'before-knowledge' });

    // The worker's crew changes; the instance reads the head again and knows it.
    await touchCrewCase(db.sql, 'worker@riverton.example');
    await readHeadAgain(head.toString());
    expect(quiet.consult(hash, head, clientId)).toEqual({ asks: 'changed' });
    expect(quiet.consult(hash, head, undefined)).toEqual({ asks: 'no-client-id' });
    // Another device of the same worker, as behind: its crew changed too.
    expect(quiet.consult(hash, head, uuidv7())).toEqual({ asks: 'changed' });

    // The whole city's scope: nothing narrower to look through.
    const [admin] = await db.sql<{ id: string }[]>`select id from users where role = 'admin' order by id limit 1`;
    const staff = {
      id: admin!.id,
      name: 'Admin',
      email: 'a@x',
      role: 'admin',
      crewId: null,
      departmentId: null,
    } as const;
    quiet.remember({ staff, tokenHash: 'admin session', expiresAt: new Date(Date.now() + 3600_000) }, quiet.epoch);
    expect(quiet.consult('admin session', head, clientId)).toEqual({ asks: 'city' });
    // At the head it knows, any scope is answered from memory.
    const now = quiet.consult('admin session', head + 10_000_000n, clientId);
    expect(now).toMatchObject({ staff: { role: 'admin' } });
  });

  it('a session found valid by another device request (a position, a photo) is remembered for pulls', async () => {
    const { app, warm, quiet } = await instance();
    const head = BigInt(await warm());
    const requests: [string, (auth: Record<string, string>) => Response | Promise<Response>][] = [
      [
        'worker.b@riverton.example',
        (auth) =>
          app.request('/api/sync/position', {
            method: 'POST',
            headers: { ...auth, 'content-type': 'application/json' },
            body: JSON.stringify({ lat: 42.33, long: -83.05, at: new Date().toISOString() }),
          }),
      ],
      // A photo the server does not have: the session is found valid before the 404.
      [
        'lead@riverton.example',
        (auth) => app.request(`/api/photos/${uuidv7()}/upload`, { method: 'HEAD', headers: auth }),
      ],
    ];
    for (const [email, request] of requests) {
      const auth = await signIn(app, email);
      const hash = (await import('../auth/session.repo.ts')).hashToken(auth.authorization!.slice(7));
      expect(quiet.consult(hash, head, uuidv7())).toEqual({ asks: 'session' });
      expect((await request(auth)).status).not.toBe(401);
      expect(quiet.consult(hash, head, uuidv7())).toMatchObject({ head, staff: { email } });
    }
  });

  it("an instance's knowledge starts when it first finds a session valid, not at its first poll", async () => {
    const { pull, quiet, readHeadAgain } = await instance();
    // Priming: the database answers (the device says it is behind), and the session is remembered.
    let page = await pull('0', '&behind=1');
    while (page.hasMore) page = await pull(page.cursor, '&behind=1');
    await quiet.settled(); // its head read
    // Meanwhile another crew changes a case: the city moves past the device's cursor.
    await touchCrewCase(db.sql, 'worker.b@riverton.example');
    await fromMemory(() => pull(page.cursor)); // the head known is the device's own cursor
    await readHeadAgain(page.cursor);
    // Nothing in its crew changed since its cursor, which this instance knows: from memory,
    // and the cursor moves to the head.
    const moved = await fromMemory(() => pull(page.cursor));
    expect(BigInt(moved.cursor)).toBeGreaterThan(BigInt(page.cursor));
    expect(moved.cases).toEqual([]);
  });

  it("a person's crew changed in the database is remembered from their next device request on", async () => {
    const { quiet, warm, auth, clientId, app } = await instance();
    const head = BigInt(await warm());
    const hash = (await import('../auth/session.repo.ts')).hashToken(auth.authorization!.slice(7));
    expect(quiet.consult(hash, head, clientId)).toMatchObject({ staff: { crewId: 'streets-a' } });
    await db.sql`update users set crew_id = 'streets-b' where email = 'worker@riverton.example'`;
    try {
      const sent = await app.request('/api/sync/position', {
        method: 'POST',
        headers: { ...auth, 'content-type': 'application/json' },
        body: JSON.stringify({ lat: 42.33, long: -83.05, at: new Date().toISOString() }),
      });
      expect(sent.status).toBeLessThan(300);
      expect(quiet.consult(hash, head, clientId)).toMatchObject({ staff: { crewId: 'streets-b' } });
    } finally {
      await db.sql`update users set crew_id = 'streets-a' where email = 'worker@riverton.example'`;
    }
  });

  it('a head older than headMs is never used', async () => {
    const { pull, warm, clock } = await instance();
    const head = await warm();
    const id = await touchCrewCase(db.sql, 'worker@riverton.example');
    clock.now += TIMES.headMs;
    expect((await pull(head)).cases.map((c) => c.id)).toEqual([id]);
  });

  it('many pulls at once start one head read between them', async () => {
    const { pull, warm, clock, quiet } = await instance();
    const head = await warm();
    clock.now += TIMES.headMs / 2;
    statements.length = 0;
    const pages = await Promise.all(Array.from({ length: 16 }, () => pull(head)));
    await quiet.settled();
    expect(pages.every((p) => p.cursor === head && p.cases.length === 0)).toBe(true);
    expect(statements).toEqual([expect.stringMatching(/change_log_head\(\)/)]);
  });

  it('signing out on this instance ends answers from memory at once', async () => {
    const { app, auth, get, warm } = await instance();
    const head = await warm();
    const out = await app.request('/api/auth/logout', { method: 'POST', headers: auth });
    expect(out.status).toBe(200);
    expect((await get(head)).status).toBe(401);
  });

  it('sessions ended everywhere by an admin on this instance are forgotten at once', async () => {
    const { app, get, warm } = await instance();
    const head = await warm();
    await endWorkerSessions(app);
    expect((await get(head)).status).toBe(401);
  });

  describe('on two instances, each with its own pool', () => {
    let other: postgres.Sql;
    beforeAll(() => {
      other = postgres(db.url!, { max: 2, onnotice: () => {}, types: {} });
    });
    afterAll(() => other?.end({ timeout: 5 }));

    it('signing out on one: the other hears of it and stops answering from memory', async () => {
      const a = await instance(TIMES, { sql: other });
      const b = await instance(TIMES, { as: a.auth });
      const head = await b.warm();
      expect((await fromMemory(() => b.get(head))).status).toBe(200); // b answers from memory
      expect((await a.app.request('/api/auth/logout', { method: 'POST', headers: a.auth })).status).toBe(200);
      await expect.poll(async () => (await b.get(head)).status, { timeout: 3_000 }).toBe(401);
    });

    it("an admin ending a worker's sessions on one: the other hears of it", async () => {
      const a = await instance(TIMES, { sql: other });
      const b = await instance(TIMES, { as: a.auth });
      const head = await b.warm();
      await endWorkerSessions(a.app);
      await expect.poll(async () => (await b.get(head)).status, { timeout: 3_000 }).toBe(401);
    });
  });

  // The price of answering from memory, bounded: a session ended with no notice (here, its row
  // changed by hand; or a notice lost while the listening connection was down) is heard of
  // only when the session is next asked for.
  it('a session ended with no notice is answered "nothing new" for at most sessionMs, then 401', async () => {
    const { get, warm, clock, auth } = await instance({ ...TIMES, headMs: 60_000 });
    const head = await warm();
    await touchCrewCase(db.sql, 'worker@riverton.example'); // something the worker's crew would get: none of it is given
    const hash = (await import('../auth/session.repo.ts')).hashToken(auth.authorization!.slice(7));
    await db.sql`update sessions set revoked_at = now() where token_hash = ${hash}`;
    const meanwhile = await get(head);
    expect(meanwhile.status).toBe(200);
    expect(await meanwhile.json()).toMatchObject({ cursor: head, cases: [], departures: [], outcomes: [] });
    expect((await get(head, '&behind=1')).status).toBe(401); // never any data: that asks the database
    // Nor a device behind the remembered head: data needs the database to vouch for the session.
    expect((await get('0')).status).toBe(401);
    clock.now += TIMES.sessionMs;
    expect((await get(head)).status).toBe(401);
  });

  it('a remembered session is never used once the head is stale: the database is asked', async () => {
    const { get, warm, clock, auth } = await instance(); // the head lives 1 s, the session 10 s
    const head = await warm();
    const hash = (await import('../auth/session.repo.ts')).hashToken(auth.authorization!.slice(7));
    await db.sql`update sessions set revoked_at = now() where token_hash = ${hash}`;
    clock.now += TIMES.headMs;
    expect((await get(head)).status).toBe(401);
  });

  it('when its LISTEN starts again, an instance forgets every session (notices sent meanwhile are lost)', async () => {
    const lonely = postgres(db.url!, {
      max: 2,
      onnotice: () => {},
      types: {},
      connection: { application_name: 'quiet-pull-relisten' },
    });
    try {
      const { get, warm, auth } = await instance(TIMES, { sql: lonely });
      const head = await warm();
      const hash = (await import('../auth/session.repo.ts')).hashToken(auth.authorization!.slice(7));
      await db.sql`update sessions set revoked_at = now() where token_hash = ${hash}`;
      expect((await get(head)).status).toBe(200); // no notice: still believed
      const [cut] = await db.sql<{ n: number }[]>`
        select count(pg_terminate_backend(pid))::int as n from pg_stat_activity
        where application_name = 'quiet-pull-relisten' and query ilike 'listen%'`;
      expect(cut!.n).toBe(1);
      await expect.poll(async () => (await get(head)).status, { timeout: 5_000 }).toBe(401);
    } finally {
      await lonely.end({ timeout: 5 });
    }
  });

  // The race this guards against: a lookup reads the session, the session is ended and
  // forgotten (here, or by a notice from another instance), and then the lookup's answer
  // arrives and would be remembered for minutes.
  it('a session found valid by a lookup that began before a forgetting is not remembered', async () => {
    const { quiet, warm, auth } = await instance();
    const head = BigInt(await warm());
    const hash = (await import('../auth/session.repo.ts')).hashToken(auth.authorization!.slice(7));
    const { staff } = quiet.consult(hash, head) as { staff: Staff };
    const found = { staff, tokenHash: hash, expiresAt: new Date(Date.now() + 3600_000) };
    const asked = quiet.epoch; // the lookup begins
    await quiet.forgetSession(hash); // the session is ended meanwhile
    quiet.remember(found, asked); // the lookup's answer arrives
    expect(quiet.consult(hash, head)).toEqual({ asks: 'session' });
    quiet.remember(found, quiet.epoch); // a lookup begun after the forgetting
    expect(quiet.consult(hash, head)).toMatchObject({ staff });
  });

  it('with the default times, a device at the head is answered from memory', async () => {
    const { pull, warm } = await instance(QUIET_PULL_TIMES);
    const head = await warm();
    await fromMemory(() => pull(head));
  });

  it("ending one worker's sessions leaves another's remembered", async () => {
    const { app, warm, quiet } = await instance();
    await warm();
    const other = await signIn(app, 'worker.b@riverton.example');
    const device = uuidv7();
    const get = (cursor: string, extra = '') =>
      app.request(`/api/sync/pull?clientId=${device}&cursor=${cursor}&limit=500${extra}`, {
        headers: { ...other, [PROTOCOL_HEADER]: String(PROTOCOL_VERSION) },
      });
    let page = (await (await get('0', '&behind=1')).json()) as PullResponse;
    while (page.hasMore) page = (await (await get(page.cursor, '&behind=1')).json()) as PullResponse;
    await get(page.cursor); // its receipt, written after the answer
    await quiet.settled();
    await expect
      .poll(async () => (await db.sql`select 1 from device_syncs where client_id = ${device}`).length)
      .toBe(1);

    await endWorkerSessions(app);
    expect((await fromMemory(() => get(page.cursor))).status).toBe(200);
  });

  it("a pull that moves a device's cursor past other crews' changes writes its receipt only when due, at the new cursor", async () => {
    const { pull, warm, clock, clientId } = await instance();
    const head = await warm();
    const [elsewhere] = await db.sql<{ id: string }[]>`
      select id from cases
      where assigned_crew_id is distinct from (select crew_id from users where email = 'worker@riverton.example')
      order by id limit 1`;
    const receipt = async () =>
      (await db.sql<{ cursor: string }[]>`select cursor::text from device_syncs where client_id = ${clientId}`)[0]!
        .cursor;
    // warm() wrote the receipt at the head (its last pull from the database).
    expect(await receipt()).toBe(head);
    await db.sql`update cases set priority = priority where id = ${elsewhere!.id}`;
    const page = await pull(head, '&behind=1');
    expect(page.cases).toEqual([]);
    expect(BigInt(page.cursor)).toBeGreaterThan(BigInt(head));
    // Written moments ago: not again for a cursor moved past another crew's change.
    expect(await receipt()).toBe(head);
    clock.now += TIMES.receiptMs;
    const later = await pull(page.cursor, '&behind=1');
    await expect.poll(receipt).toBe(later.cursor);
  });

  it('a session past its expiry is asked of the database, however recently it was found', async () => {
    const { pull, warm, clock } = await instance({ ...TIMES, headMs: 24 * 3600_000, sessionMs: 24 * 3600_000 });
    const head = await warm();
    clock.now += config.sessionHours * 3600_000 + 1_000; // past the session's 12 hours, on the instance's clock
    statements.length = 0;
    await pull(head);
    expect(statements.some((s) => /from sessions/.test(s))).toBe(true);
  });

  it("a device's receipt falls due after receiptMs: written after the answer from memory, once", async () => {
    const { pull, warm, clock } = await instance({ ...TIMES, headMs: 60_000, sessionMs: 60_000 });
    const head = await warm();
    const [device] = await db.sql<{ client_id: string }[]>`
      select client_id from device_syncs order by pulled_at desc limit 1`;
    const pulledAt = async () =>
      (
        await db.sql<{ at: Date }[]>`select pulled_at as at from device_syncs where client_id = ${device!.client_id}`
      )[0]!.at.getTime();
    const before = await pulledAt();
    await fromMemory(() => pull(head));
    clock.now += TIMES.receiptMs;
    await Promise.all([pull(head), pull(head), pull(head)]);
    await expect.poll(pulledAt).toBeGreaterThan(before);
    expect(statements.filter((s) => /from sessions/.test(s))).toEqual([]); // answered from memory
    expect(statements.filter((s) => /insert into device_syncs/.test(s))).toHaveLength(1);
    await fromMemory(() => pull(head));
  });

  it('a receipt whose write fails after an answer from memory is logged, and written at the next pull', async () => {
    const warnings: string[] = [];
    const log = { ...quietLogger, warn: (msg: string) => void warnings.push(msg) };
    const { pull, warm, clock, clientId } = await instance({ ...TIMES, headMs: 60_000, sessionMs: 60_000 }, { log });
    const head = await warm();
    const pulledAt = async () =>
      (
        await db.sql<{ at: Date }[]>`select pulled_at as at from device_syncs where client_id = ${clientId}`
      )[0]!.at.getTime();
    const before = await pulledAt();
    clock.now += TIMES.receiptMs;
    await db.sql.unsafe(`
      create function refuse_receipts() returns trigger language plpgsql as $$
      begin raise exception 'receipts refused by the test'; end $$;
      create trigger refuse_receipts before insert or update on device_syncs
        for each row execute function refuse_receipts()`);
    try {
      // Answered all the same; its receipt's write fails after the answer, and says so.
      expect((await pull(head)).cursor).toBe(head);
      await expect.poll(() => warnings.filter((w) => /^pull receipt: .*receipts refused/.test(w))).toHaveLength(1);
    } finally {
      await db.sql.unsafe(`drop trigger refuse_receipts on device_syncs; drop function refuse_receipts()`);
    }
    // Not counted as written: the next pull writes it, not receiptMs later.
    await pull(head);
    await expect.poll(pulledAt).toBeGreaterThan(before);
  });

  /** A staff member the memory is told of directly (no request, no row). */
  const staff = {
    id: 'u-x',
    name: 'X',
    email: 'x@example.test',
    role: 'worker',
    crewId: null,
    departmentId: null,
  } as const;

  /** The memory of a single process (not shared: as embedded), its first head read done. */
  async function oneProcess(): Promise<QuietPull> {
    const quiet = new QuietPull(counted, TIMES);
    quiet.consult('none', 0n); // starts the head read
    await quiet.settled();
    return quiet;
  }

  it('reads the head on a connection of its own: a pool with every connection busy does not hold it up', async () => {
    const pool = postgres(db.url!, { max: 1, onnotice: () => {} });
    const reads = postgres(db.url!, { max: 1, onnotice: () => {} });
    const clock = { now: Date.now() };
    let release = () => {};
    try {
      const quiet = new QuietPull(pool, TIMES, { now: () => clock.now, reads });
      quiet.remember({ staff, tokenHash: 'h-busy', expiresAt: new Date(Date.now() + 60_000) }, quiet.epoch);
      await quiet.settled(); // the first head read
      const [row] = await db.sql<{ head: string }[]>`select change_log_head()::text as head`;
      const before = BigInt(row!.head);
      expect(quiet.consult('h-busy', before, 'c-busy')).toEqual({ staff, head: before });

      // Every connection of the pool busy (requests queue behind it), and a change committed elsewhere.
      let held = () => {};
      const holding = new Promise<void>((resolve) => (held = resolve));
      const busy = pool.begin(async (tx) => {
        await tx`select 1`;
        held();
        await new Promise<void>((resolve) => (release = resolve));
      });
      await holding;
      await touchCrewCase(db.sql, 'worker@riverton.example');

      // Past half the head's life: the read starts, and ends while the pool is still busy.
      clock.now += TIMES.headMs / 2;
      expect(quiet.consult('h-busy', before, 'c-busy')).toEqual({ staff, head: before });
      const read = await Promise.race([
        quiet.settled().then(() => 'read'),
        new Promise((resolve) => setTimeout(() => resolve('waiting behind the pool'), 3_000)),
      ]);
      expect(read).toBe('read');
      const after = quiet.consult('h-busy', before, 'c-busy');
      expect('head' in after && after.head > before).toBe(true);
      release();
      await busy;
    } finally {
      release();
      await Promise.all([pool.end({ timeout: 5 }), reads.end({ timeout: 5 })]);
    }
  });

  it('one process (no LISTEN, no NOTIFY): a session signed out here is forgotten here at once', async () => {
    const quiet = await oneProcess();
    quiet.remember({ staff, tokenHash: 'h-out', expiresAt: new Date(Date.now() + 60_000) }, quiet.epoch);
    const far = 1n << 60n;
    expect(quiet.consult('h-out', far)).toMatchObject({ staff });
    await quiet.forgetSession('h-out');
    expect(quiet.consult('h-out', far)).toEqual({ asks: 'session' });
  });

  it('remembers at most 50,000 sessions: past that, the one found valid longest ago is asked of the database again', async () => {
    // Not shared (the default): no LISTEN is needed to believe them.
    const quiet = await oneProcess();
    const expiresAt = new Date(Date.now() + 60_000);
    const remember = (i: number) => quiet.remember({ staff, tokenHash: `h${i}`, expiresAt }, quiet.epoch);
    for (let i = 0; i < 49_999; i++) remember(i);
    const far = 1n << 60n; // past any head: answered with its own cursor when remembered
    expect(quiet.consult('h0', far)).toMatchObject({ staff });
    remember(0); // h0 found valid again (an answer alone does not count)
    remember(49_999); // 50,000 remembered
    remember(50_000); // one too many
    expect(quiet.consult('h0', far)).toMatchObject({ staff });
    expect(quiet.consult('h1', far)).toEqual({ asks: 'session' });
    expect(quiet.consult('h50000', far)).toMatchObject({ staff });
  });

  it('where LISTEN cannot run (a pooler in transaction mode): said once per try, and every pull asks the database', async () => {
    // The same client, but its LISTEN refused as PgBouncer in transaction mode refuses it.
    const noListen = new Proxy(counted, {
      get: (target, key, receiver) =>
        key === 'listen'
          ? () => Promise.reject(new Error('LISTEN is not supported in transaction pooling'))
          : Reflect.get(target, key, receiver),
    });
    const warnings: string[] = [];
    const { pull, warm } = await instance(TIMES, {
      sql: noListen,
      log: { ...quietLogger, warn: (msg: string) => warnings.push(msg) },
    });
    const head = await warm();
    expect(warnings.some((w) => /could not listen.*LISTEN is not supported/.test(w))).toBe(true);
    // Sessions are never believed from memory (another instance's sign-out could not be heard).
    const page = await fromDatabase(() => pull(head));
    expect(page).toMatchObject({ cursor: head, cases: [] });
  });

  it('headMs 0 turns answers from memory off', async () => {
    const { pull, warm, quiet } = await instance({ ...TIMES, headMs: 0 });
    // Nothing started with the instance: no LISTEN, no head read.
    statements.length = 0;
    quiet.start();
    await quiet.settled();
    expect(statements).toEqual([]);
    const head = await warm();
    statements.length = 0;
    await pull(head);
    expect(statements).toHaveLength(1);
  });

  it('behind= takes 1 only', async () => {
    const { get } = await instance();
    const res = await get('0', '&behind=yes');
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { message: string } }).error.message).toMatch(/behind/);
  });

  describe('a device behind the head', () => {
    /** An open case of `crew`, or of any crew of `department` but `butNot`. */
    async function openCase(where: { crew?: string; department?: string; butNot?: string }): Promise<string> {
      const [c] = await db.sql<{ id: string }[]>`
        select c.id::text from cases c join crews k on k.id = c.assigned_crew_id
        where c.state in ('assigned', 'in_progress', 'on_hold')
          and (${where.crew ?? null}::text is null or k.id = ${where.crew ?? null})
          and (${where.department ?? null}::text is null or k.department_id = ${where.department ?? null})
          and k.id is distinct from ${where.butNot ?? null}
        order by c.id limit 1`;
      return c!.id;
    }
    const touch = (id: string) => db.sql`update cases set priority = priority where id = ${id}`;

    it("only by other crews' changes: answered from memory, its cursor moved to the head, as the database would", async () => {
      const { pull, warm, readHeadAgain } = await instance();
      const head = await warm();
      await touch(await openCase({ department: 'sanitation' }));
      await touch(await openCase({ department: 'streets', butNot: 'streets-a' }));
      await readHeadAgain(head);
      await readHeadAgain(head); // nothing new since: what the instance knows stands
      const quiet = await fromMemory(() => pull(head));
      expect(quiet).toMatchObject({ cases: [], departures: [], outcomes: [], hasMore: false });
      expect(BigInt(quiet.cursor)).toBeGreaterThan(BigInt(head));
      // The database, asked now, says the same.
      const asked = await pull(head, '&behind=1');
      expect(asked).toMatchObject({ cursor: quiet.cursor, cases: [], departures: [], outcomes: [] });
    });

    it("by a change to a case of its crew: the database's answer, with the case", async () => {
      const { pull, warm, readHeadAgain } = await instance();
      const head = await warm();
      await touch(await openCase({ department: 'sanitation' }));
      const mine = await openCase({ crew: 'streets-a' });
      await touch(mine);
      await readHeadAgain(head);
      const page = await fromDatabase(() => pull(head));
      expect(page.cases.map((c) => c.id)).toEqual([mine]);
    });

    it('by a case leaving its crew: the database gives the departure', async () => {
      const { pull, warm, readHeadAgain } = await instance();
      const head = await warm();
      const leaving = await openCase({ crew: 'streets-a' });
      await db.sql`update cases set assigned_crew_id = 'streets-b' where id = ${leaving}`;
      try {
        await readHeadAgain(head);
        const page = await pull(head);
        expect(page.departures).toEqual([leaving]);
      } finally {
        await db.sql`update cases set assigned_crew_id = 'streets-a' where id = ${leaving}`;
      }
    });

    it('by an outcome of its own recorded meanwhile: the database gives the outcome', async () => {
      const { pull, warm, readHeadAgain } = await instance();
      const head = await warm();
      const device = uuidv7(); // another tablet of the same worker, at the same cursor
      const [me] = await db.sql<{ id: string }[]>`select id from users where email = 'worker@riverton.example'`;
      const id = uuidv7();
      await db.sql.begin(async (tx) => {
        await tx`select take_change_cursor()`;
        await tx`
          insert into mutations (id, client_id, seq, user_id, case_id, kind, payload, base_version, device_time,
                                 outcome, message, cursor)
          values (${id}, ${device}, 1, ${me!.id}, ${await openCase({ crew: 'streets-a' })}, 'add_note', '{}'::jsonb, 1,
                  now(), 'rejected', 'A test outcome.', nextval('case_change_cursor'))`;
      });
      await readHeadAgain(head);
      // The first tablet has no outcome there: from memory.
      expect((await fromMemory(() => pull(head))).outcomes).toEqual([]);
      expect((await pull(head, '', device)).outcomes.map((o) => o.mutationId)).toEqual([id]);
    });

    it('a change still being written holds every device below it; once it commits, its crew gets it', async () => {
      const { pull, warm, readHeadAgain } = await instance();
      const head = await warm();
      const mine = await openCase({ crew: 'streets-a' });
      const writer = postgres(db.url!, { max: 1, onnotice: () => {} });
      let release!: () => void;
      const held = new Promise<void>((r) => (release = r));
      let opened!: () => void;
      const open = new Promise<void>((r) => (opened = r));
      const slow = writer.begin(async (tx) => {
        await tx`update cases set priority = priority where id = ${mine}`;
        opened();
        await held;
      });
      try {
        await open;
        // Later changes elsewhere commit first, with higher cursors.
        await touch(await openCase({ department: 'sanitation' }));
        await readHeadAgain(head);
        const first = await pull(head);
        expect(first.cases).toEqual([]);
        release();
        await slow;
        const [row] = await db.sql<
          { cursor: string }[]
        >`select change_cursor::text as cursor from cases where id = ${mine}`;
        // Never moved past the change still being written.
        expect(BigInt(first.cursor)).toBeLessThan(BigInt(row!.cursor));
        await readHeadAgain(first.cursor);
        expect((await pull(first.cursor)).cases.map((c) => c.id)).toEqual([mine]);
      } finally {
        release();
        await slow.catch(() => {});
        await writer.end();
      }
    });

    it('older than what the instance has read: asked of the database', async () => {
      const { pull, warm, readHeadAgain } = await instance();
      const head = await warm();
      await touch(await openCase({ department: 'sanitation' }));
      await readHeadAgain(head);
      await fromDatabase(() => pull((BigInt(head) - 1n).toString()));
    });

    it("a lead: other departments' changes from memory; one in the department from the database", async () => {
      const { pull, warm, readHeadAgain } = await instance(TIMES, { email: 'lead@riverton.example' });
      const head = await warm();
      await touch(await openCase({ department: 'sanitation' }));
      await readHeadAgain(head);
      const quiet = await fromMemory(() => pull(head));
      expect(BigInt(quiet.cursor)).toBeGreaterThan(BigInt(head));
      const streets = await openCase({ department: 'streets', butNot: 'streets-a' });
      await touch(streets);
      await readHeadAgain(quiet.cursor);
      expect((await pull(quiet.cursor)).cases.map((c) => c.id)).toEqual([streets]);
    });

    it('whatever changes where: a pull not told of a change gets what the database says (property)', async () => {
      // Devices of two crews of one department, another department's crew, and both leads,
      // on one instance. Each step changes cases (touched, moved between crews) and records
      // outcomes, the instance reads its head again, and every device pulls twice at its
      // cursor: as a device not told of anything (memory when it may) and saying it is
      // behind (the database). The two answers must be the same.
      const crews = ['streets-a', 'streets-b', 'sanitation-n'];
      const emails = [
        'worker@riverton.example',
        'worker.b@riverton.example',
        'lead@riverton.example',
        'lead.sanitation@riverton.example',
      ];
      const [sanitationWorker] = await db.sql<{ email: string }[]>`
        select email from users where crew_id = 'sanitation-n' order by id limit 1`;
      emails.push(sanitationWorker!.email);
      const op = fc.oneof(
        fc.record({ kind: fc.constant('touch' as const), crew: fc.constantFrom(...crews), nth: fc.nat(5) }),
        fc.record({ kind: fc.constant('move' as const), nth: fc.nat(5), toB: fc.boolean() }),
        fc.record({ kind: fc.constant('outcome' as const), device: fc.nat(emails.length - 1) }),
      );
      const steps = fc.array(fc.array(op, { maxLength: 3 }), { minLength: 2, maxLength: 5 });
      let answeredFromMemory = 0;

      await fc.assert(
        fc.asyncProperty(steps, async (plan) => {
          const clock = { now: Date.now() };
          const quiet = new QuietPull(counted, TIMES, { shared: true, now: () => clock.now });
          const app = createApp({
            sql: counted,
            config,
            dbKind: 'postgres',
            version: 'test',
            log: quietLogger,
            quietPull: quiet,
          });
          const devices: { auth: Record<string, string>; userId: string; clientId: string; cursor: string }[] = [];
          for (const email of emails) {
            const [u] = await db.sql<{ id: string }[]>`select id from users where email = ${email}`;
            devices.push({ auth: await signIn(app, email), userId: u!.id, clientId: uuidv7(), cursor: '0' });
          }
          const pull = async (d: (typeof devices)[number], extra = ''): Promise<PullResponse> => {
            const r = await app.request(`/api/sync/pull?clientId=${d.clientId}&cursor=${d.cursor}&limit=500${extra}`, {
              headers: { ...d.auth, [PROTOCOL_HEADER]: String(PROTOCOL_VERSION) },
            });
            expect(r.status).toBe(200);
            const { serverTime: _, ...page } = (await r.json()) as PullResponse;
            return page as PullResponse;
          };
          for (const d of devices) {
            let page = await pull(d, '&behind=1');
            for (d.cursor = page.cursor; page.hasMore; d.cursor = page.cursor) page = await pull(d, '&behind=1');
          }
          await pull(devices[0]!); // the first head read, and the LISTEN
          await quiet.settled();
          for (const d of devices) await pull(d, '&behind=1'); // sessions remembered again

          for (const changes of plan) {
            for (const c of changes) {
              if (c.kind === 'touch') {
                await db.sql`
                  update cases set priority = priority where id = (
                    select id from cases where assigned_crew_id = ${c.crew} order by id offset ${c.nth} limit 1)`;
              } else if (c.kind === 'move') {
                const [from, to] = c.toB ? ['streets-a', 'streets-b'] : ['streets-b', 'streets-a'];
                await db.sql`
                  update cases set assigned_crew_id = ${to} where id = (
                    select id from cases where assigned_crew_id = ${from} and state in ('assigned', 'in_progress', 'on_hold')
                    order by id offset ${c.nth} limit 1)`;
              } else {
                const d = devices[c.device]!;
                await db.sql.begin(async (tx) => {
                  await tx`select take_change_cursor()`;
                  await tx`
                    insert into mutations (id, client_id, seq, user_id, case_id, kind, payload, base_version,
                                           device_time, outcome, message, cursor)
                    values (${uuidv7()}, ${d.clientId}, 1, ${d.userId}, 1, 'add_note', '{}'::jsonb, 1, now(),
                            'rejected', 'A test outcome.', nextval('case_change_cursor'))`;
                });
              }
            }
            clock.now += TIMES.headMs / 2;
            await pull(devices[0]!);
            await quiet.settled();
            for (const d of devices) {
              statements.length = 0;
              const quietly = await pull(d);
              if (statements.every((q) => /device_syncs/.test(q))) answeredFromMemory++;
              const asked = await pull(d, '&behind=1');
              expect(quietly).toEqual(asked);
              d.cursor = asked.cursor;
            }
          }
        }),
        { numRuns: 8 },
      );
      // Not every answer came from the database: the property was about memory's answers.
      expect(answeredFromMemory).toBeGreaterThan(0);
    });

    it('an administrator (the whole city in scope, whatever department is on record): always the database', async () => {
      await db.sql`update users set department_id = 'streets' where email = 'admin@riverton.example'`;
      try {
        const { pull, warm, readHeadAgain } = await instance(TIMES, { email: 'admin@riverton.example' });
        const head = await warm();
        const elsewhere = await openCase({ department: 'sanitation' });
        await touch(elsewhere);
        await readHeadAgain(head);
        expect((await fromDatabase(() => pull(head))).cases.map((c) => c.id)).toEqual([elsewhere]);
      } finally {
        await db.sql`update users set department_id = null where email = 'admin@riverton.example'`;
      }
    });

    it('a lead with no department (no case in scope, only its outcomes): from memory, as the database would', async () => {
      await db.sql`update users set department_id = null where email = 'lead.sanitation@riverton.example'`;
      try {
        const { pull, warm, readHeadAgain } = await instance(TIMES, { email: 'lead.sanitation@riverton.example' });
        const head = await warm();
        await touch(await openCase({ department: 'sanitation' }));
        await readHeadAgain(head);
        const quiet = await fromMemory(() => pull(head));
        expect(quiet.cases).toEqual([]);
        expect(BigInt(quiet.cursor)).toBeGreaterThan(BigInt(head));
        expect(await pull(head, '&behind=1')).toMatchObject({ cursor: quiet.cursor, cases: [] });
      } finally {
        await db.sql`update users set department_id = 'sanitation' where email = 'lead.sanitation@riverton.example'`;
      }
    });

    it("a device that already has its crew's newest change, behind only another crew's: from memory", async () => {
      const { pull, warm, readHeadAgain } = await instance();
      const head = await warm();
      const mine = await openCase({ crew: 'streets-a' });
      await touch(mine);
      await readHeadAgain(head);
      const got = await pull(head);
      expect(got.cases.map((c) => c.id)).toEqual([mine]);
      // The device's cursor is that change's: the instance still counts it as the crew's newest.
      const [row] = await db.sql<
        { cursor: string }[]
      >`select change_cursor::text as cursor from cases where id = ${mine}`;
      expect(got.cursor).toBe(row!.cursor);
      await touch(await openCase({ department: 'sanitation' }));
      await readHeadAgain(got.cursor);
      const quiet = await fromMemory(() => pull(got.cursor));
      expect(BigInt(quiet.cursor)).toBeGreaterThan(BigInt(got.cursor));
    });

    it("a crew's newest change counts, whether its cases' or its departures' read is the later", async () => {
      const { pull, warm, readHeadAgain } = await instance();
      const head = await warm();
      const [leaving, staying] = await db.sql<{ id: string }[]>`
        select id::text from cases where assigned_crew_id = 'streets-a' and state in ('assigned', 'in_progress', 'on_hold')
        order by id limit 2`;
      await db.sql`update cases set assigned_crew_id = 'streets-b' where id = ${leaving!.id}`;
      try {
        await touch(staying!.id); // after the departure: the crew's newest change
        const [departure] = await db.sql<{ cursor: string }[]>`
          select cursor::text from case_departures where case_id = ${leaving!.id} order by cursor desc limit 1`;
        await readHeadAgain(head);
        // A device of the crew that has everything up to the departure gets the later change.
        expect((await pull(departure!.cursor)).cases.map((c) => c.id)).toEqual([staying!.id]);
      } finally {
        await db.sql`update cases set assigned_crew_id = 'streets-a' where id = ${leaving!.id}`;
      }
    });

    it('more cursors since the last read than it looks through: knowledge starts again at the head', async () => {
      const { pull, warm, readHeadAgain } = await instance();
      const head = await warm();
      await db.sql`select setval('case_change_cursor', (select last_value from case_change_cursor) + 100001)`;
      await touch(await openCase({ department: 'sanitation' }));
      await readHeadAgain(head);
      // The database is asked (the device is below what the instance knows), and says the same.
      const page = await fromDatabase(() => pull(head));
      expect(page.cases).toEqual([]);
      expect(BigInt(page.cursor)).toBeGreaterThan(BigInt(head) + 100_000n);
    });

    // The edge itself: a head read 100,000 cursors past the last one still looks through them;
    // one more and knowledge starts again. The head is the sequence's last cursor (no writer open).
    for (const [gap, looksThrough] of [
      [100_000, true],
      [100_001, false],
    ] as const) {
      it(`a head ${gap.toLocaleString('en')} cursors past the last read: ${looksThrough ? 'looked through' : 'knowledge starts again'}`, async () => {
        const { pull, warm, readHeadAgain } = await instance();
        const head = await warm();
        await readHeadAgain(head);
        const [read] = await db.sql<{ last: string }[]>`select change_log_head()::text as last`;
        expect(read!.last).toBe(head); // what the instance read last
        await db.sql`select setval('case_change_cursor', ${(BigInt(head) + BigInt(gap) - 1n).toString()}::bigint)`;
        await touch(await openCase({ department: 'sanitation' })); // takes head + gap
        await readHeadAgain(head);
        statements.length = 0;
        const page = await pull(head);
        expect(statements.length === 0).toBe(looksThrough);
        expect(page.cases).toEqual([]);
        expect(page.cursor).toBe((BigInt(head) + BigInt(gap)).toString());
      });
    }

    it('a head behind the one it read (the database restored from a backup): knowledge starts again there', async () => {
      const { pull, warm, readHeadAgain } = await instance();
      const head = await warm();
      const other = await openCase({ department: 'sanitation' });
      for (let i = 0; i < 3; i++) await touch(other); // head + 3, none of the device's crew
      await readHeadAgain(head);
      const [sequence] = await db.sql<{ top: string }[]>`select last_value::text as top from case_change_cursor`;
      // Restored from a backup taken at head + 1: the next change, to a case of the device's
      // crew, takes head + 2, a cursor the instance had already counted past.
      await db.sql`select setval('case_change_cursor', ${(BigInt(head) + 1n).toString()}::bigint)`;
      try {
        const mine = await openCase({ crew: 'streets-a' });
        await touch(mine);
        await readHeadAgain(head);
        // The device, at the head it had before: not answered "nothing new" from what the
        // instance knew before the restore, but by the database, with its crew's case.
        const page = await fromDatabase(() => pull(head));
        expect(page.cases.map((c) => c.id)).toEqual([mine]);
      } finally {
        await db.sql`select setval('case_change_cursor', ${sequence!.top}::bigint + 10)`;
      }
    });

    // An instance keeps what it knows of at most 50,000 devices between two head reads.
    for (const [devices, kept] of [
      [50_000, true],
      [50_001, false],
    ] as const) {
      it(`${devices.toLocaleString('en')} devices with outcomes since the last read: ${kept ? 'all counted' : 'knowledge starts again at the head'}`, async () => {
        const { pull, warm, readHeadAgain } = await instance();
        const head = await warm();
        const [me] = await db.sql<{ id: string }[]>`select id from users where email = 'worker@riverton.example'`;
        const caseId = await openCase({ crew: 'streets-b' });
        // Other devices' outcomes (a busy day's pushes), none of them this device's.
        await db.sql.begin(async (tx) => {
          await tx`select take_change_cursor()`;
          await tx`
            insert into mutations (id, client_id, seq, user_id, case_id, kind, payload, base_version, device_time,
                                   outcome, message, cursor)
            select gen_random_uuid(), ${`kept-${devices}-`} || g, 1, ${me!.id}, ${caseId}, 'add_note', '{}'::jsonb, 1,
              now(), 'rejected', 'A test outcome.', nextval('case_change_cursor')
            from generate_series(1, ${devices}::int) g`;
        });
        await readHeadAgain(head);
        // Kept: nothing of the device's changed, from memory. Past the bound: below what the
        // instance now knows, the database is asked.
        const page = await (kept ? fromMemory : fromDatabase)(() => pull(head));
        expect(page).toMatchObject({ cases: [], outcomes: [] });
        expect(BigInt(page.cursor)).toBeGreaterThanOrEqual(BigInt(head) + BigInt(devices));
        // At the head it read, the device is answered from memory.
        await fromMemory(() => pull(page.cursor));
      });
    }
  });
});
