import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TcpProxy } from '../../test/tcp-proxy.ts';
import { createTestDatabase, type TestDatabase } from '../../test/test-db.ts';

// The PostgreSQL client's transactions under a busy pool. postgres.js 3.4.9 sent a
// transaction's BEGIN without reserving its connection when BEGIN was the query that filled
// the connection's pipeline: the push answered 500 (UNSAFE_TRANSACTION) about once in 10,000
// under `pnpm bench:load`, and the transaction could stay open on a connection handed back
// to the pool. patches/postgres@3.4.9.patch reserves the connection whenever BEGIN is sent
// (upstream issue porsager/postgres#1189). A pipeline of one query makes the case certain.
describe.skipIf(!process.env.TEST_DATABASE_URL)('transactions on a busy PostgreSQL pool', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await db?.close();
  });

  it('a transaction begun while every connection is busy gets a connection of its own', async () => {
    // `max_pipeline` is a client option its type declarations leave out.
    const sql = postgres(db.url!, { max: 2, onnotice: () => {}, ...({ max_pipeline: 1 } as object) });
    try {
      const sleep = () => sql`select pg_sleep(0.05)`;
      await Promise.all([sleep(), sleep()]);
      for (let i = 0; i < 5; i++) {
        // Both connections busy; BEGIN goes behind one of them and fills its pipeline.
        const busy = [sleep().execute(), sleep().execute()];
        const tx = sql.begin(async (t) => {
          const [a] = await t<{ x: string }[]>`select pg_current_xact_id()::text as x`;
          const [b] = await t<{ x: string }[]>`select pg_current_xact_id()::text as x`;
          return a!.x === b!.x;
        });
        const [, , sameTransaction] = await Promise.all([...busy, tx]);
        expect(sameTransaction).toBe(true);
      }
      // Nothing left open: a plain query runs in no transaction of anyone's.
      const after = await Promise.all(
        [0, 1, 2, 3].map(() => sql<{ x: string | null }[]>`select pg_current_xact_id_if_assigned()::text as x`),
      );
      expect(after.map((r) => r[0]!.x)).toEqual([null, null, null, null]);
    } finally {
      await sql.end();
    }
  });

  // A connection dropped while a transaction ran (the database restarting under load): the
  // client's ROLLBACK went to a socket already gone, from a setImmediate, and the TypeError
  // ended the process: every server instance died (upstream porsager/postgres#1154, #1208;
  // the patch settles the queries with CONNECTION_CLOSED instead). Vitest fails a run on an
  // uncaught exception, so surviving is part of what this asserts.
  it('a transaction cut off by a dropped connection rejects, and the client carries on', async () => {
    const direct = new URL(db.url!);
    const proxy = await new TcpProxy({ host: direct.hostname, port: Number(direct.port || 5432) }).start();
    const through = new URL(db.url!);
    through.port = String(proxy.port);
    const sql = postgres(through.toString(), { max: 2, onnotice: () => {} });
    const uncaught: unknown[] = [];
    const onUncaught = (err: unknown) => uncaught.push(err);
    process.on('uncaughtException', onUncaught);
    try {
      for (let i = 0; i < 3; i++) {
        const tx = sql.begin(async (t) => {
          await t`select pg_sleep(2)`;
        });
        setTimeout(() => void proxy.down(), 200);
        await expect(tx).rejects.toMatchObject({ code: expect.stringMatching(/^CONNECTION_/) });
        await new Promise((r) => setTimeout(r, 100)); // the immediates a closed connection left
        await proxy.up();
        const [row] = await sql<{ one: number }[]>`select 1 as one`;
        expect(row!.one).toBe(1);
      }
      expect(uncaught).toEqual([]);
    } finally {
      process.off('uncaughtException', onUncaught);
      await sql.end({ timeout: 1 });
      await proxy.stop();
    }
  });
});
