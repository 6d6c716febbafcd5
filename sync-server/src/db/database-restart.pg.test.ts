import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROTOCOL_HEADER, PROTOCOL_VERSION } from '@fieldfix/shared';
import type { RunningServer } from '../server.ts';
import { serverWithWorker } from '../../test/test-app.ts';
import { createTestDatabase, type TestDatabase } from '../../test/test-db.ts';
import { TcpProxy } from '../../test/tcp-proxy.ts';
import { TestDevice } from '../../test/sync-client.ts';

// PostgreSQL restarting under a running server, as the server sees it: every connection
// dropped, new ones refused for a while, then back (a TCP proxy on loopback in front of the
// real server stands for the restart). Requests meanwhile fail cleanly: 503 "unavailable"
// with Retry-After, never a 500, nothing applied; once the database is back the same push,
// sent again as a device does, lands once. Needs PostgreSQL.

describe.skipIf(!process.env.TEST_DATABASE_URL)('the database restarting under a running server', () => {
  let db: TestDatabase;
  let proxy: TcpProxy;
  let stage: Awaited<ReturnType<typeof serverWithWorker>>;
  let server: RunningServer;
  let auth: Record<string, string>;
  let caseId: string;
  let version: number;

  beforeAll(async () => {
    db = await createTestDatabase({ migrate: false });
    const url = new URL(db.url!);
    proxy = await new TcpProxy({ host: url.hostname, port: Number(url.port || 5432) }).start();
    url.port = String(proxy.port);
    stage = await serverWithWorker(url.toString(), db.sql);
    ({ server, auth, caseId, version } = stage);
  }, 120_000);

  afterAll(async () => {
    await stage?.close();
    await proxy?.stop();
    await db?.close();
  });

  const device = () => {
    const d = new TestDevice(server.url, auth, 'restart');
    d.seen.set(caseId, version);
    return d;
  };

  it('answers 503 with Retry-After while it is down, applies nothing, and the same push lands once after', async () => {
    const tablet = device();
    expect((await tablet.push([tablet.make('add_note', caseId, { text: 'Before the restart' })])).status).toBe(200);

    await proxy.down();
    const during = tablet.make('add_note', caseId, { text: 'During the restart' });
    const refused = await fetch(`${server.url}/api/sync/push`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json', [PROTOCOL_HEADER]: String(PROTOCOL_VERSION) },
      body: JSON.stringify({ clientId: tablet.clientId, mutations: [during] }),
    });
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toBe('5');
    const body = (await refused.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe('unavailable');
    expect(body.error.message).toMatch(/cannot reach its database.*try again/i);
    expect(JSON.stringify(body)).not.toMatch(/ECONN|at .*\.ts|postgres/i);
    const pull = await fetch(`${server.url}/api/sync/pull?cursor=0&limit=10&clientId=${tablet.clientId}`, {
      headers: { ...auth, [PROTOCOL_HEADER]: String(PROTOCOL_VERSION) },
    });
    expect(pull.status).toBe(503);
    expect((await fetch(`${server.url}/healthz`)).status).toBe(503);
    // Open311 clients (FixMyStreet polling the updates) are told the same, in GeoReport's error list.
    const open311 = await fetch(`${server.url}/open311/v2/requests.json?service_request_id=1`);
    expect(open311.status).toBe(503);
    expect(open311.headers.get('retry-after')).toBe('5');
    const [error] = (await open311.json()) as { code: number; description: string }[];
    expect(error).toMatchObject({ code: 503, description: expect.stringMatching(/cannot reach its database/) });

    await proxy.up();
    // The device tries the same push again (its Retry-After passed): applied, once.
    const again = await tablet.push([during]);
    expect(again.status).toBe(200);
    expect(again.outcomes.map((o) => o.outcome)).toEqual(['applied']);
    const [row] = await db.sql<{ n: number }[]>`
      select count(*)::int as n from mutations where id = ${during.id}`;
    expect(row!.n).toBe(1);
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
  });
});
