import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serve, type ServerType } from '@hono/node-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PublicReportResponse } from '@fieldfix/shared';
import { proofFor } from '../../test/report-proof.ts';
import { createTestDatabase, type TestDatabase } from '../../test/test-db.ts';
import { TEST_NOW } from '../../test/test-app.ts';
import { createApp } from '../app.ts';
import { loadConfig } from '../config.ts';
import { seedDemoCity } from '../demo/seed.ts';
import { createMetrics } from '../ops/metrics.ts';

// A phone that goes away in the middle of sending a report's photo (a tunnel, a closed app):
// over real HTTP, the socket closed mid-body. The cut is the client's: answered 4xx, counted
// so in the metrics, and not logged as an error (it is not the database going away).

let db: TestDatabase;
let dataDir: string;
let server: ServerType;
let base: { host: string; port: number };
let app: ReturnType<typeof createApp>;
const errors: { msg: string; err: unknown }[] = [];
const answered: { method: string; route: string; status: number }[] = [];

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'fieldfix-report-cut-'));
  db = await createTestDatabase();
  const config = {
    ...loadConfig({}),
    linkSecret: 'report-cut-test-secret-0123456789',
    dataDir,
    photosDir: join(dataDir, 'photos'),
  };
  await seedDemoCity(db.sql, { now: TEST_NOW, timeZone: config.cityTimeZone });
  const log = {
    info() {},
    warn() {},
    error(msg: string, err?: unknown) {
      errors.push({ msg, err });
    },
  };
  const metrics = createMetrics({ sql: db.sql, dbKind: db.kind, log });
  const done = metrics.requestDone.bind(metrics);
  metrics.requestDone = (method, route, status, seconds) => {
    answered.push({ method, route, status });
    done(method, route, status, seconds);
  };
  app = createApp({ sql: db.sql, config, dbKind: db.kind, version: 'test', log, metrics });
  server = await new Promise<ServerType>((resolve) => {
    const s = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s));
  });
  const address = server.address();
  base = { host: '127.0.0.1', port: typeof address === 'object' && address ? address.port : 0 };
});
afterAll(async () => {
  await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
  await db?.close();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

async function newReport(): Promise<string> {
  const token = randomUUID();
  const res = await app.request('/api/public/reports', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      token,
      serviceCode: 'POTHOLE',
      lat: 42.35595,
      long: -86.9808,
      attributes: { size: 'large' },
      language: 'en',
      device: `device-${randomUUID()}`,
      proof: proofFor(token),
    }),
  });
  expect(res.status, await res.clone().text()).toBe(201);
  PublicReportResponse.parse(await res.json());
  return token;
}

/** Sends `head` and `bytes` of a body on a socket of its own, then closes the socket. */
async function sendAndHangUp(head: string, bytes: Uint8Array): Promise<void> {
  const socket = connect(base);
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  socket.write(head);
  socket.write(bytes);
  // Long enough for the server to be reading the body when the connection goes.
  await new Promise((r) => setTimeout(r, 200));
  socket.destroy();
}

async function answerOf(before: number) {
  for (let i = 0; i < 100 && answered.length === before; i++) await new Promise((r) => setTimeout(r, 20));
  return answered.slice(before);
}

describe('a report photo cut off mid-body', () => {
  for (const how of ['Content-Length: 5000', 'Transfer-Encoding: chunked'] as const) {
    it(`(${how}) is answered as the client's: no 5xx, no error logged, nothing stored`, async () => {
      const token = await newReport();
      const photoId = randomUUID();
      const before = answered.length;
      const errorsBefore = errors.length;
      const piece = new Uint8Array(100).fill(7);
      piece.set([0xff, 0xd8, 0xff]);
      const body = how.startsWith('Transfer') ? Buffer.concat([Buffer.from('64\r\n'), piece]) : piece;
      await sendAndHangUp(
        `PUT /api/public/reports/${token}/photos/${photoId} HTTP/1.1\r\nHost: ${base.host}:${base.port}\r\n` +
          `Content-Type: image/jpeg\r\n${how}\r\n\r\n`,
        body,
      );
      const got = await answerOf(before);
      expect(got).toHaveLength(1);
      expect(got[0]!.route).toBe('/api/public/reports/:token/photos/:photoId');
      expect(got[0]!.status).toBeGreaterThanOrEqual(400);
      expect(got[0]!.status).toBeLessThan(500);
      expect(errors.slice(errorsBefore)).toEqual([]);
      const [n] = await db.sql<{ n: number }[]>`select count(*)::int as n from photos where id = ${photoId}`;
      expect(n!.n).toBe(0);
    });
  }
});
