import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp } from '../src/app.ts';
import { loadConfig, type Config } from '../src/config.ts';
import { seedDemoCity } from '../src/demo/seed.ts';
import type { Logger, Sql } from '../src/http/deps.ts';
import { startServer } from '../src/server.ts';
import { createTestDatabase, type TestDatabase } from './test-db.ts';

/** A fixed clock for seeded data: 10:00 in the demo city on a weekday. */
export const TEST_NOW = new Date('2026-06-10T14:00:00Z');

export const quietLogger: Logger & { errors: unknown[] } = {
  errors: [],
  info() {},
  warn() {},
  error(_msg, err) {
    quietLogger.errors.push(err);
  },
};

/**
 * A whole server's config for a test that starts one (`startServer`) on `databaseUrl`: any free
 * port on loopback, its files under `dataDir`, no field-app to serve, no demo data.
 */
export function serverConfig(databaseUrl: string, dataDir: string, overrides: Partial<Config> = {}): Config {
  return {
    ...loadConfig({}),
    port: 0,
    host: '127.0.0.1',
    databaseUrl,
    dataDir,
    photosDir: join(dataDir, 'photos'),
    staticDir: join(dataDir, 'no-app'),
    demoData: 'off',
    ...overrides,
  };
}

export type TestApp = {
  db: TestDatabase;
  app: ReturnType<typeof createApp>;
  config: Config;
  /** Signs in and returns headers that carry the session. */
  login(email: string, password?: string): Promise<Record<string, string>>;
  close(): Promise<void>;
};

/**
 * A migrated, demo-seeded database and the app on it, called in-process with `app.request`.
 * Its files (photos, a generated link key) go to a folder of its own, removed on close, never
 * to the `.data/` that `npm start` uses.
 */
export async function createTestApp(overrides: Partial<Config> = {}): Promise<TestApp> {
  const db = await createTestDatabase();
  const dataDir = await mkdtemp(join(tmpdir(), 'fieldfix-test-app-'));
  const config = { ...loadConfig({}), dataDir, photosDir: join(dataDir, 'photos'), ...overrides };
  await seedDemoCity(db.sql, { now: TEST_NOW, timeZone: config.cityTimeZone });
  const app = createApp({ sql: db.sql, config, dbKind: db.kind, version: 'test', log: quietLogger });
  return {
    db,
    app,
    config,
    async login(email, password = 'fieldfix') {
      const res = await app.request('/api/auth/login?bearer=1', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email, password }),
      });
      if (res.status !== 200) throw new Error(`login ${email} failed: ${res.status} ${await res.text()}`);
      const { token } = (await res.json()) as { token: string };
      return { authorization: `Bearer ${token}` };
    },
    async close() {
      await db.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * Changes one open case of the crew of the worker with `email` (the demo seed's), so the
 * change log's trigger gives it a new cursor; answers its id.
 */
export async function touchCrewCase(sql: Sql, email: string): Promise<string> {
  const [c] = await sql<{ id: string }[]>`
    select id from cases
    where assigned_crew_id = (select crew_id from users where email = ${email})
      and state in ('assigned', 'in_progress', 'on_hold')
    order by id limit 1`;
  await sql`update cases set priority = priority where id = ${c!.id}`;
  return c!.id;
}

/**
 * A whole server (`startServer`) on `databaseUrl`, its files in a new folder, as the tests
 * of the database going away run one: the demo city seeded at its start, the demo worker
 * signed in (`auth`), and one of Streets Crew A's open cases with its version. `close()` stops
 * the server and removes the folder.
 */
export async function serverWithWorker(databaseUrl: string, sql: Sql) {
  const dir = await mkdtemp(join(tmpdir(), 'fieldfix-server-'));
  const server = await startServer(
    serverConfig(databaseUrl, dir, { demoData: 'auto', noticeWorker: false }),
    quietLogger,
  );
  const login = await fetch(`${server.url}/api/auth/login?bearer=1`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: server.url },
    body: JSON.stringify({ email: 'worker@riverton.example', password: 'fieldfix' }),
  });
  const auth = { authorization: `Bearer ${((await login.json()) as { token: string }).token}` };
  const [c] = await sql<{ id: string; version: number }[]>`
    select id::text, version from cases where assigned_crew_id = 'streets-a'
      and state in ('assigned', 'in_progress') order by id limit 1`;
  return {
    server,
    auth,
    caseId: c!.id,
    version: c!.version,
    async close() {
      await server.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
