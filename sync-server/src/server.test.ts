import { spawnSync } from 'node:child_process';
import { Agent, get } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from './config.ts';
import { startServer } from './server.ts';
import { quietLogger } from '../test/test-app.ts';

// The embedded default of `npm start`, over real HTTP: first start seeds, a restart on the
// same data folder reuses it, and a second process cannot open the same folder.
describe('the server on embedded PostgreSQL', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'fieldfix-server-test-'));
  const config = {
    ...loadConfig({}),
    port: 0,
    host: '127.0.0.1',
    dataDir,
    databaseUrl: undefined,
    staticDir: join(dataDir, 'no-app'),
  };
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('seeds on first start, keeps the data on restart, and refuses a second opener', async () => {
    const first = await startServer(config, quietLogger);
    try {
      expect(first.seeded?.cases).toBe(300);
      const health = await fetch(`${first.url}/healthz`);
      expect(health.status).toBe(200);
      expect(await health.json()).toMatchObject({ ok: true, db: 'embedded' });
      const login = await fetch(`${first.url}/api/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', origin: first.url },
        body: JSON.stringify({ email: 'worker@riverton.example', password: 'fieldfix' }),
      });
      expect(login.status).toBe(200);
      await first.db.sql`update cases set description = 'kept across restarts' where id = 1`;
      // The field app is not built in this folder: the page says how to build it.
      const page = await fetch(`${first.url}/day`);
      expect(page.status).toBe(503);
      expect(await page.text()).toMatch(/npm start/);
      // PGlite has no lock of its own; ours keeps a second server off the same data.
      await expect(startServer(config, quietLogger)).rejects.toThrow(/already open in this process/);
      // …and a server in another process is named by its pid.
      const other = spawnSync(
        process.execPath,
        [
          '-e',
          `
        import('./src/db/database.ts').then(({ openEmbedded }) => openEmbedded(${JSON.stringify(dataDir)}))
          .then(() => process.exit(0), (e) => { console.error(e.message); process.exit(3); })`,
        ],
        { cwd: join(import.meta.dirname, '..'), encoding: 'utf8' },
      );
      expect(other.status).toBe(3);
      expect(other.stderr).toMatch(
        new RegExp(`Another Fieldfix server \\(pid ${process.pid}\\) is using the embedded database`),
      );
    } finally {
      await first.stop();
    }

    const second = await startServer(config, quietLogger);
    try {
      expect(second.seeded).toBeNull();
      const [row] = await second.db.sql<{ description: string }[]>`select description from cases where id = 1`;
      expect(row!.description).toBe('kept across restarts');
      // A connection left idle longer than Node's default (5 s, and a 1 s grace) is still there to reuse.
      const agent = new Agent({ keepAlive: true, maxSockets: 1 });
      const healthz = () =>
        new Promise<{ status: number; reused: boolean }>((resolve, reject) => {
          const req = get(`${second.url}/healthz`, { agent }, (res) => {
            res.resume();
            res.on('end', () => resolve({ status: res.statusCode ?? 0, reused: req.reusedSocket }));
          });
          req.on('error', reject);
        });
      expect(await healthz()).toEqual({ status: 200, reused: false });
      await new Promise((r) => setTimeout(r, 7_000));
      expect(await healthz()).toEqual({ status: 200, reused: true });
      agent.destroy();
      // A lead's board holds a live stream open: stopping the server still ends (it used to
      // wait for the stream forever).
      const login = await fetch(`${second.url}/api/auth/login?bearer=1`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', origin: second.url },
        body: JSON.stringify({ email: 'lead@riverton.example', password: 'fieldfix' }),
      });
      const { token } = (await login.json()) as { token: string };
      const live = await fetch(`${second.url}/api/dispatch/live`, { headers: { authorization: `Bearer ${token}` } });
      expect(live.status).toBe(200);
      void live.body
        ?.getReader()
        .read()
        .catch(() => {});
    } finally {
      await second.stop();
    }
  }, 120_000);
});
