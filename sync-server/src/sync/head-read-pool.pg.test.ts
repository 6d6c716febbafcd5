import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROTOCOL_HEADER, PROTOCOL_VERSION, type PullResponse } from '@fieldfix/shared';
import { seedDemoCity } from '../demo/seed.ts';
import { startServer } from '../server.ts';
import { quietLogger, serverConfig, TEST_NOW, touchCrewCase } from '../../test/test-app.ts';
import { createTestDatabase } from '../../test/test-db.ts';

// A server on PostgreSQL reads the change log's head for devices up to date (`QuietPull`) on a
// connection of its own. Found at 1,000 devices (pnpm bench:load, one instance): in the request
// pool, the once-a-second read waited in the queue behind the requests, came back older than
// its second, and most pulls then went to the database ("no-head") just when the database was
// busiest. With every connection of the request pool busy, the head is still read: a device's
// poll is answered from memory at once, its cursor moved past another crew's change.

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.skipIf(!process.env.TEST_DATABASE_URL)('the head read of a server on PostgreSQL', () => {
  it('goes on while every connection of the request pool is busy', async () => {
    const db = await createTestDatabase();
    const dataDir = await mkdtemp(join(tmpdir(), 'fieldfix-head-pool-'));
    let server: Awaited<ReturnType<typeof startServer>> | undefined;
    try {
      await seedDemoCity(db.sql, { now: TEST_NOW, timeZone: 'America/Detroit' });
      server = await startServer(serverConfig(db.url!, dataDir, { noticeWorker: false }), quietLogger);
      // It listens for sessions ended elsewhere from the start, before any request.
      const listening = () =>
        db.sql<{ n: number }[]>`
        select count(*)::int as n from pg_stat_activity
        where datname = current_database() and query ilike 'listen%'`.then(([r]) => r!.n);
      await expect.poll(listening).toBe(1);
      const base = `http://127.0.0.1:${server.port}`;
      const login = await fetch(`${base}/api/auth/login?bearer=1`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: 'worker@riverton.example', password: 'fieldfix' }),
      });
      expect(login.status).toBe(200);
      const { token } = (await login.json()) as { token: string };
      const clientId = crypto.randomUUID();
      const pull = async (cursor: string, extra = '') => {
        const res = await fetch(`${base}/api/sync/pull?clientId=${clientId}&cursor=${cursor}&limit=500${extra}`, {
          headers: { authorization: `Bearer ${token}`, [PROTOCOL_HEADER]: String(PROTOCOL_VERSION) },
        });
        expect(res.status).toBe(200);
        return (await res.json()) as PullResponse;
      };
      let page = await pull('0', '&behind=1');
      while (page.hasMore) page = await pull(page.cursor, '&behind=1');
      const primed = page.cursor;
      await pull(primed); // its receipt written now, not while the pool is busy

      // The device polls every 150 ms from now on, as devices do, for longer than a head read
      // stays good (1 s) while the pool is busy.
      const polls: { at: number; took: number; cursor: string }[] = [];
      let polling = true;
      const poller = (async () => {
        while (polling) {
          const at = performance.now();
          const { cursor } = await pull(primed);
          polls.push({ at, took: performance.now() - at, cursor });
          await sleep(150);
        }
      })();
      await sleep(600);
      // Every connection of the request pool (10) held by a slow query, as under load; another
      // crew changes a case meanwhile.
      const busyFrom = performance.now();
      const busy = Promise.all(Array.from({ length: 10 }, () => server!.db.sql`select pg_sleep(4)`));
      await sleep(300);
      await touchCrewCase(db.sql, 'worker.b@riverton.example');
      await sleep(1_500);
      polling = false;
      await poller;
      await busy;
      // Each poll answered at once (from memory: the pool was taken for 2 s more), and the head
      // read again meanwhile: the cursor moved past the other crew's change.
      const whileBusy = polls.filter((p) => p.at > busyFrom);
      expect(whileBusy.length).toBeGreaterThanOrEqual(5);
      expect(Math.max(...whileBusy.map((p) => p.took))).toBeLessThan(1_000);
      expect(BigInt(whileBusy.at(-1)!.cursor)).toBeGreaterThan(BigInt(primed));
    } finally {
      await server?.stop();
      await db.close();
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
