import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { seedDemoCity } from '../demo/seed.ts';
import { startServer } from '../server.ts';
import { quietLogger, serverConfig, TEST_NOW } from '../../test/test-app.ts';
import { createTestDatabase } from '../../test/test-db.ts';
import { startLoopbackSmtp } from './loopback-smtp.ts';

// A server on PostgreSQL gives its notice worker connections of its own: with every
// connection of the request pool busy, a due notice is still claimed, sent and recorded at
// once. Found at 1,000 devices (pnpm bench:load:faults): the worker shared the request pool,
// and under load a sender's record of a message came up to 5.5 s after the mail server took
// it, past the lease of the fault stage (5 s); another instance then took the sender for
// dead and sent the message again. With its own connections that lag stayed under 0.2 s.

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.skipIf(!process.env.TEST_DATABASE_URL)('the notice worker of a server on PostgreSQL', () => {
  it('sends and records a notice while every connection of the request pool is busy', async () => {
    const db = await createTestDatabase();
    const smtp = await startLoopbackSmtp();
    const dataDir = await mkdtemp(join(tmpdir(), 'fieldfix-notice-pool-'));
    let server: Awaited<ReturnType<typeof startServer>> | undefined;
    try {
      await seedDemoCity(db.sql, { now: TEST_NOW, timeZone: 'America/Detroit' });
      await db.sql`update notification_outbox set sent_at = now() where sent_at is null`; // the demo's history
      const [c] = await db.sql<{ id: string }[]>`
        insert into cases (service_code, description, lat, long, address, state)
        values ('SIDEWALK', 'Raised slab', 42.35, -86.97, '100 Test St', 'new') returning id::text`;
      await db.sql`insert into case_reporters (case_id, email) values (${c!.id}, 'reporter@example.org')`;
      server = await startServer(
        serverConfig(db.url!, dataDir, { noticeWorker: true, smtpUrl: smtp.url }),
        quietLogger,
      );
      // Every connection of the request pool (10) held by a slow query, as under load.
      const busy = Promise.all(Array.from({ length: 10 }, () => server!.db.sql`select pg_sleep(4)`));
      await sleep(300);
      const t0 = performance.now();
      await db.sql`insert into notification_outbox (case_id, template) values (${c!.id}, 'received')`;
      let recorded = false;
      while (!recorded && performance.now() - t0 < 10_000) {
        await sleep(50);
        const [row] = await db.sql<{ n: number }[]>`select count(*)::int as n from notice_deliveries d
          join notification_outbox o on o.id = d.outbox_id where o.case_id = ${c!.id} and d.sent_at is not null`;
        recorded = row!.n === 1;
      }
      const took = performance.now() - t0;
      await busy;
      expect(recorded).toBe(true);
      expect(smtp.received.filter((m) => m.to.includes('reporter@example.org'))).toHaveLength(1);
      // Sent and recorded while the request pool was still taken (for 3.7 s more).
      expect(took).toBeLessThan(3_000);
    } finally {
      await server?.stop();
      await smtp.close();
      await db.close();
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
