import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../config.ts';
import { startServer, type RunningServer } from '../server.ts';
import { quietLogger } from '../../test/test-app.ts';
import { createTestDatabase, type TestDatabase } from '../../test/test-db.ts';

// The deployment guide's backup and restore (docs/deploy.md), tried once: a city's database
// dumped with pg_dump (custom format) while the server runs, restored with pg_restore into a
// new database, and a server started on the copy finds every case, a session made before the
// backup still signs the worker in, no migration is pending, and new work goes on from there.
// Needs a PostgreSQL server and its client programs (pg_dump, pg_restore) on the PATH.

const tool = (name: string) =>
  [...(process.env.PATH ?? '').split(':'), '/usr/bin', '/usr/local/bin']
    .map((d) => join(d, name))
    .find((p) => existsSync(p));
const pgDump = tool('pg_dump');
const pgRestore = tool('pg_restore');

describe.skipIf(!process.env.TEST_DATABASE_URL || !pgDump || !pgRestore)('backup and restore', () => {
  let source: TestDatabase;
  let server: RunningServer | null = null;
  let restored: RunningServer | null = null;
  let dir: string;
  const copyName = `fieldfix_restored_${Date.now().toString(36)}`;
  const admin = postgres(process.env.TEST_DATABASE_URL!, { max: 1, onnotice: () => {} });
  const base = { ...loadConfig({}), port: 0, host: '127.0.0.1', logLevel: 'silent' as const };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'fieldfix-backup-'));
    source = await createTestDatabase({ migrate: false });
    server = await startServer(
      { ...base, databaseUrl: source.url, dataDir: join(dir, 'a'), staticDir: join(dir, 'no-app') },
      quietLogger,
    );
  }, 120_000);

  afterAll(async () => {
    await restored?.stop();
    await server?.stop();
    await source?.close();
    await admin`drop database if exists ${admin(copyName)} with (force)`;
    await admin.end();
    if (dir) await rm(dir, { recursive: true, force: true });
  }, 60_000);

  it('a dump restored into a new database serves the same city, sessions included', async () => {
    const login = await fetch(`${server!.url}/api/auth/login?bearer=1`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: server!.url },
      body: JSON.stringify({ email: 'worker@riverton.example', password: 'fieldfix' }),
    });
    const { token } = (await login.json()) as { token: string };
    const [before] = await source.sql<{ cases: number; events: number; migrations: number }[]>`
      select (select count(*)::int from cases) as cases, (select count(*)::int from case_events) as events,
        (select count(*)::int from schema_migrations) as migrations`;

    const dump = join(dir, 'fieldfix.dump');
    execFileSync(pgDump!, ['--format=custom', '--no-owner', `--file=${dump}`, source.url!]);
    await admin`create database ${admin(copyName)}`;
    const copyUrl = new URL(source.url!);
    copyUrl.pathname = `/${copyName}`;
    execFileSync(pgRestore!, ['--no-owner', '--exit-on-error', `--dbname=${copyUrl}`, dump]);

    restored = await startServer(
      { ...base, databaseUrl: copyUrl.toString(), dataDir: join(dir, 'b'), staticDir: join(dir, 'no-app') },
      quietLogger,
    );
    expect(restored.seeded).toBeNull();
    const copy = postgres(copyUrl.toString(), { max: 1, onnotice: () => {} });
    try {
      const [after] = await copy<{ cases: number; events: number; migrations: number }[]>`
        select (select count(*)::int from cases) as cases, (select count(*)::int from case_events) as events,
          (select count(*)::int from schema_migrations) as migrations`;
      expect(after).toEqual(before);
      // The worker's session from before the backup works on the restored server.
      const day = await fetch(`${restored.url}/api/day`, { headers: { authorization: `Bearer ${token}` } });
      expect(day.status).toBe(200);
      // New cases take ids after the restored ones (the sequences came along).
      const [{ max }] = (await copy`select max(id)::int as max from cases`) as [{ max: number }];
      const [{ next }] = (await copy`select nextval(pg_get_serial_sequence('cases', 'id'))::int as next`) as [
        { next: number },
      ];
      expect(next).toBeGreaterThan(max);
    } finally {
      await copy.end();
    }
  });
});
