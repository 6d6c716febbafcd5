import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import postgres from 'postgres';
import { v7 as uuidv7 } from 'uuid';
import { PROTOCOL_HEADER, PROTOCOL_VERSION, type PullResponse } from '@fieldfix/shared';
import { createApp } from '../app.ts';
import { loadConfig } from '../config.ts';
import { seedDemoCity } from '../demo/seed.ts';
import { quietLogger, TEST_NOW, touchCrewCase } from '../../test/test-app.ts';
import { countingClient, createTestDatabase, type TestDatabase } from '../../test/test-db.ts';

// What a device that is up to date costs the database: the statements the server sends for
// one pull, counted by the client's own debug hook. A head pull (nothing new since the
// device's cursor) reads the session and the change log's head in one statement and stops.

const pg = process.env.TEST_DATABASE_URL ? describe : describe.skip;

pg('a pull from a device already at the head', () => {
  let db: TestDatabase;
  let counted: postgres.Sql;
  let app: ReturnType<typeof createApp>;
  const statements: string[] = [];
  let auth: Record<string, string>;
  const clientId = uuidv7();

  beforeAll(async () => {
    db = await createTestDatabase();
    const config = loadConfig({});
    await seedDemoCity(db.sql, { now: TEST_NOW, timeZone: config.cityTimeZone });
    counted = countingClient(db.url!, statements);
    app = createApp({ sql: counted, config, dbKind: 'postgres', version: 'test', log: quietLogger });
    const res = await app.request('/api/auth/login?bearer=1', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'worker@riverton.example', password: 'fieldfix' }),
    });
    expect(res.status).toBe(200);
    auth = { authorization: `Bearer ${((await res.json()) as { token: string }).token}` };
  });
  afterAll(async () => {
    await counted?.end({ timeout: 5 });
    await db?.close();
  });

  async function pull(cursor: string): Promise<PullResponse> {
    // `behind=1`: the database's answer, not this instance's memory (`quiet-pull.pg.test.ts`).
    const res = await app.request(`/api/sync/pull?clientId=${clientId}&cursor=${cursor}&limit=500&behind=1`, {
      headers: { ...auth, [PROTOCOL_HEADER]: String(PROTOCOL_VERSION) },
    });
    expect(res.status).toBe(200);
    return (await res.json()) as PullResponse;
  }

  async function toHead(): Promise<string> {
    let page = await pull('0');
    while (page.hasMore) page = await pull(page.cursor);
    return page.cursor;
  }

  it('sends one statement: the session and the head together', async () => {
    const head = await toHead();
    await pull(head); // records the device's receipt at the head once
    statements.length = 0;
    const page = await pull(head);
    expect(page).toMatchObject({ cursor: head, hasMore: false, cases: [], departures: [], outcomes: [] });
    expect(statements).toHaveLength(1);
    expect(statements[0]).toMatch(/from sessions/);
    expect(statements[0]).toMatch(/change_log_head_from\(/);
  });

  it('reads the streams, after the head, when something changed since', async () => {
    const head = await toHead();
    const c = await touchCrewCase(db.sql, 'worker@riverton.example');
    statements.length = 0;
    const page = await pull(head);
    expect(page.cases.map((x) => x.id)).toEqual([c]);
    expect(statements.length).toBeGreaterThan(1);
    expect(statements[0]).toMatch(/change_log_head_from\(/);
    expect(statements.filter((s) => /change_log_head/.test(s))).toHaveLength(1);
  });

  // The head's own read takes an advisory lock (7311004) for a moment and reads pg_locks. A
  // device whose cursor is the last one issued skips both: here another session holds that
  // lock, and a device at the last cursor is answered anyway, while one a change behind waits
  // for the lock (and is then answered with that change). (Writers take the same lock shared
  // for a moment: the change is made before it is held.)
  it('at the last cursor issued, answers without the head lock; behind it, takes the lock', async () => {
    const head = await toHead();
    const c = await touchCrewCase(db.sql, 'worker@riverton.example');
    const [row] = await db.sql<{ issued: string }[]>`select last_value::text as issued from case_change_cursor`;
    const issued = row!.issued;
    expect(BigInt(issued)).toBeGreaterThan(BigInt(head));
    const holder = postgres(db.url!, { max: 1, onnotice: () => {} });
    try {
      await holder`select pg_advisory_lock(7311004)`;
      const page = await pull(issued);
      expect(page).toMatchObject({ cursor: issued, hasMore: false, cases: [], departures: [], outcomes: [] });

      let answered = false;
      const behind = pull(head).then((p) => {
        answered = true;
        return p;
      });
      await new Promise((r) => setTimeout(r, 300));
      expect(answered).toBe(false);
      await holder`select pg_advisory_unlock(7311004)`;
      expect((await behind).cases.map((x) => x.id)).toEqual([c]);
    } finally {
      await holder.end({ timeout: 5 });
    }
  });

  it('a cursor that is no cursor is refused, the head not read', async () => {
    statements.length = 0;
    const res = await app.request(`/api/sync/pull?clientId=${clientId}&cursor=12ab&limit=500`, {
      headers: { ...auth, [PROTOCOL_HEADER]: String(PROTOCOL_VERSION) },
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { message: string } }).error.message).toMatch(/cursor/);
    expect(statements).toHaveLength(1);
    expect(statements[0]).not.toMatch(/change_log_head/);
  });
});
