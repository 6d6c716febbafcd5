import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Staff } from '../access/caller.ts';
import { createTestApp, type TestApp } from '../../test/test-app.ts';
import { pullChanges } from './pull.service.ts';

// The change log without a city-wide lock (migration 0018). Writers take cursors without
// waiting on each other; a reader's head stops below the lowest cursor a still-open writer
// holds, so a device never moves its cursor past a change that commits later with a lower
// cursor. Slow and fast transactions interleaved on separate connections, as two departments'
// pushes are. Needs PostgreSQL (the embedded database has one connection).

const onPostgres = !!process.env.TEST_DATABASE_URL;

describe.skipIf(!onPostgres)('change cursors under concurrent writers', () => {
  let t: TestApp;
  let slow: postgres.Sql;
  let fast: postgres.Sql;
  let admin: Staff;

  beforeAll(async () => {
    t = await createTestApp();
    slow = postgres(t.db.url!, { max: 1, onnotice: () => {} });
    fast = postgres(t.db.url!, { max: 1, onnotice: () => {} });
    const [a] = await t.db.sql<{ id: string; name: string; email: string }[]>`
      select id, name, email from users where role = 'admin' limit 1`;
    admin = { ...a!, role: 'admin', crewId: null, departmentId: null };
  });
  afterAll(async () => {
    await slow?.end();
    await fast?.end();
    await t?.close();
  });

  /** An open case of each of two departments. */
  async function twoDepartments(): Promise<[string, string]> {
    const rows = await t.db.sql<{ id: string; department_id: string }[]>`
      select distinct on (s.department_id) c.id::text, s.department_id from cases c
      join service_types s on s.code = c.service_code
      where c.state in ('assigned', 'in_progress') and s.department_id in ('streets', 'sanitation')
      order by s.department_id, c.id`;
    expect(rows).toHaveLength(2);
    return [rows[0]!.id, rows[1]!.id];
  }

  const headNow = async () => BigInt((await t.db.sql<{ h: string }[]>`select change_log_head()::text as h`)[0]!.h);
  const pullAll = async (cursor: string) => {
    let at = cursor;
    const seen = new Map<string, number>();
    for (;;) {
      const page = await pullChanges(t.db.sql, admin, { cursor: at, limit: 500, clientId: 'interleave' });
      for (const c of page.cases) seen.set(c.id, c.version);
      at = page.cursor;
      if (!page.hasMore) return { cursor: at, seen };
    }
  };

  it("advisory locks that are not a writer's cursor never move the head, whatever their key", async () => {
    const before = await headNow();
    // 64-bit keys from every part of the range (a hash may land anywhere), then the two-integer
    // form a resident's report takes while it is written (report.repo.ts).
    const keys = ['-9223372036854775808', '-4611686018427387905', '-1', '4611686018427387903', '9223372036854775807'];
    await slow.begin(async (tx) => {
      for (const k of keys) await tx`select pg_advisory_xact_lock(${k}::bigint)`;
      await tx`select pg_advisory_xact_lock(7311005, ${-2147483648})`;
      expect(await headNow()).toBe(before);
      const page = await pullChanges(t.db.sql, admin, { cursor: before.toString(), limit: 10, clientId: 'locks' });
      expect(page.cursor).toBe(before.toString());
    });
  });

  it("a slow writer holds no one else up, and no reader's cursor passes it", async () => {
    const [slowCase, fastCase] = await twoDepartments();
    const { cursor: start } = await pullAll('0');

    // The slow writer changes a Streets case and stays open.
    let release!: () => void;
    const released = new Promise<void>((r) => (release = r));
    let slowCursor = 0n;
    const slowTx = slow.begin(async (tx) => {
      const [row] = await tx<{ c: string }[]>`
        update cases set description = 'slow writer' where id = ${slowCase} returning change_cursor::text as c`;
      slowCursor = BigInt(row!.c);
      await released;
    });
    while (slowCursor === 0n) await new Promise((r) => setTimeout(r, 10));

    // A Sanitation change meanwhile: it commits at once (it used to wait for the slow one).
    const startedAt = performance.now();
    const [fastRow] = await fast.begin(
      (tx) => tx<{ c: string }[]>`
        update cases set description = 'fast writer' where id = ${fastCase} returning change_cursor::text as c`,
    );
    expect(performance.now() - startedAt).toBeLessThan(1000);
    const fastCursor = BigInt(fastRow!.c);
    expect(fastCursor).toBeGreaterThan(slowCursor);

    // Readers stop below the open writer's cursor, though a later cursor is committed.
    expect(await headNow()).toBe(slowCursor - 1n);
    const meanwhile = await pullAll(start);
    expect(BigInt(meanwhile.cursor)).toBeLessThan(slowCursor);
    expect(meanwhile.seen.has(fastCase)).toBe(false);

    // The slow writer commits: the next pull from where the device stopped brings both.
    release();
    await slowTx;
    expect(await headNow()).toBeGreaterThanOrEqual(fastCursor);
    const after = await pullAll(meanwhile.cursor);
    expect([...after.seen.keys()].sort()).toEqual([slowCase, fastCase].sort());
  });

  it('many writers of random speed: a device pulling all along ends with every change', async () => {
    const ids = (
      await t.db.sql<{ id: string }[]>`select id::text from cases where state in ('assigned', 'in_progress') limit 40`
    ).map((r) => r.id);
    let { cursor } = await pullAll('0');
    const latest = new Map<string, number>();
    let writing = true;
    const poller = (async () => {
      while (writing) {
        const page = await pullAll(cursor);
        for (const [id, v] of page.seen) latest.set(id, Math.max(v, latest.get(id) ?? 0));
        cursor = page.cursor;
        await new Promise((r) => setTimeout(r, 5));
      }
    })();
    const written = new Set<string>();
    const writers = Array.from({ length: 6 }, () => postgres(t.db.url!, { max: 1, onnotice: () => {} }));
    await Promise.all(
      writers.map(async (sql, w) => {
        for (let n = 0; n < 15; n++) {
          const id = ids[(w * 7 + n * 3) % ids.length]!;
          written.add(id);
          await sql.begin(async (tx) => {
            await tx`update cases set version = version + 1, description = ${`w${w} n${n}`} where id = ${id}`;
            await new Promise((r) => setTimeout(r, (w * 37 + n * 11) % 40));
          });
        }
      }),
    );
    writing = false;
    await poller;
    for (const sql of writers) await sql.end();
    const last = await pullAll(cursor);
    for (const [id, v] of last.seen) latest.set(id, Math.max(v, latest.get(id) ?? 0));
    const truth = await t.db.sql<{ id: string; version: number }[]>`
      select id::text, version from cases where id = any(${[...written]}::bigint[])`;
    expect(truth.length).toBeGreaterThan(20);
    for (const c of truth) expect(latest.get(c.id), `case ${c.id}`).toBe(c.version);
  }, 60_000);
});
