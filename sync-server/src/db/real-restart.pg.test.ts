import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROTOCOL_HEADER, PROTOCOL_VERSION } from '@fieldfix/shared';
import type { RunningServer } from '../server.ts';
import { serverWithWorker } from '../../test/test-app.ts';
import { createTestDatabase, type TestDatabase } from '../../test/test-db.ts';
import { postgresBinaries, startPrivatePostgres, type PrivatePostgres } from '../../test/private-postgres.ts';
import { TestDevice } from '../../test/sync-client.ts';

// PostgreSQL itself crashing and coming back under a running server: a server of the test's
// own (its own cluster, from the machine's binaries) stopped with `pg_ctl -m immediate`, as a
// crash or a kill -9 of the postmaster would, then started again, so it runs crash recovery.
// (`database-restart.pg.test.ts` and the load-fault tests stand for a restart with a TCP
// proxy in front of the shared server, which they must not stop.) Meanwhile requests fail
// cleanly: 503 with Retry-After, never a 500, nothing applied. After it, what was acknowledged
// before the crash is there, the same push sent again lands once, and a device's pull from its
// cursor brings the change's outcome. Needs PostgreSQL and its server binaries (PG_BIN, else
// /usr/lib/postgresql/*/bin).

const SYNC = { [PROTOCOL_HEADER]: String(PROTOCOL_VERSION) };

describe.skipIf(!process.env.TEST_DATABASE_URL || !postgresBinaries())(
  'PostgreSQL crashing (pg_ctl -m immediate) and starting again under a running server',
  () => {
    let pg: PrivatePostgres;
    let db: TestDatabase;
    let stage: Awaited<ReturnType<typeof serverWithWorker>>;
    let server: RunningServer;
    let auth: Record<string, string>;
    let caseId: string;
    let version: number;

    beforeAll(async () => {
      pg = await startPrivatePostgres();
      db = await createTestDatabase({ migrate: false, adminUrl: pg.url });
      stage = await serverWithWorker(db.url!, db.sql);
      ({ server, auth, caseId, version } = stage);
    }, 180_000);

    afterAll(async () => {
      await stage?.close();
      // The test's own connection may have been cut by the crash: closing it must not fail the run.
      await db?.close().catch(() => {});
      await pg?.close();
    }, 60_000);

    it('503 with Retry-After while it is down, nothing applied; after recovery the push lands once and a pull brings it', async () => {
      const tablet = new TestDevice(server.url, auth, 'crash');
      tablet.seen.set(caseId, version);
      const before = tablet.make('add_note', caseId, { text: 'Acknowledged before the crash' });
      expect((await tablet.push([before])).status).toBe(200);
      const { cursor } = await tablet.pullAll('0');

      await pg.stop('immediate');
      const during = tablet.make('add_note', caseId, { text: 'Sent while the database was down' });
      const refused = await fetch(`${server.url}/api/sync/push`, {
        method: 'POST',
        headers: { ...auth, ...SYNC, 'content-type': 'application/json' },
        body: JSON.stringify({ clientId: tablet.clientId, mutations: [during] }),
      });
      expect(refused.status).toBe(503);
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
      const body = (await refused.json()) as { error: { code: string; message: string } };
      expect(body.error.code).toBe('unavailable');
      expect(JSON.stringify(body)).not.toMatch(/ECONN|at .*\.ts|postgres/i);
      // A pull told it is behind must ask the database: refused the same way.
      const pull = await fetch(`${server.url}/api/sync/pull?cursor=0&limit=10&clientId=${tablet.clientId}&behind=1`, {
        headers: { ...auth, ...SYNC },
      });
      expect(pull.status).toBe(503);
      expect((await fetch(`${server.url}/healthz`)).status).toBe(503);

      await pg.start(); // crash recovery
      let healthy = 0;
      for (let n = 0; n < 100 && healthy !== 200; n++) {
        healthy = (await fetch(`${server.url}/healthz`)).status;
        if (healthy !== 200) await new Promise((r) => setTimeout(r, 200));
      }
      expect(healthy).toBe(200);

      // The device sends the same push again: applied, once; what was acknowledged before is there.
      const again = await tablet.push([during]);
      expect(again.status).toBe(200);
      expect(again.outcomes.map((o) => o.outcome)).toEqual(['applied']);
      const rows = await db.sql<{ id: string; n: number }[]>`
        select id::text, count(*)::int as n from mutations where id in (${before.id}, ${during.id}) group by id`;
      expect(Object.fromEntries(rows.map((r) => [r.id, r.n]))).toEqual({ [before.id]: 1, [during.id]: 1 });

      // A pull from the cursor held before the crash brings the note's outcome (a device whose
      // push answer was lost learns it this way), and the cursor moves past it.
      const after = await tablet.pullAll(cursor);
      expect(after.pages.flatMap((p) => p.outcomes.map((o) => o.mutationId))).toContain(during.id);
      expect(BigInt(after.cursor)).toBeGreaterThan(BigInt(cursor));
    });
  },
);
