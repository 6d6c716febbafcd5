import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, healthy, startInstance, stopInstance, type Instance } from '../test/instances.ts';
import { TestDevice } from '../test/sync-client.ts';
import { createTestDatabase, type TestDatabase } from '../test/test-db.ts';

// docs/deploy/nginx.conf, as the deployment guide gives it, in front of three server processes
// on one PostgreSQL database: only its upstream addresses and its port are swapped for the
// test's. Requests spread over the instances, a lead's live stream passes unbuffered, and with
// one instance killed (kill -9) requests keep being answered; a push cut by its instance dying
// mid-request reaches the device as a 502, and sent again it lands once. Needs PostgreSQL and nginx (NGINX_PATH, else /usr/sbin/nginx or
// nginx on the PATH); CI installs it. Without either the suite is skipped.

const CONF = join(import.meta.dirname, '..', '..', 'docs', 'deploy', 'nginx.conf');
const METRICS_TOKEN = 'load-balancer-test-metrics-token';

function findNginx(): string | null {
  const candidates = [process.env.NGINX_PATH, '/usr/sbin/nginx', '/usr/bin/nginx'];
  for (const dir of (process.env.PATH ?? '').split(':')) if (dir) candidates.push(join(dir, 'nginx'));
  return candidates.find((p): p is string => !!p && existsSync(p)) ?? null;
}
const nginx = findNginx();

const json = (url: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: new URL(url).origin, ...headers },
    body: JSON.stringify(body),
  });

describe.skipIf(!process.env.TEST_DATABASE_URL || !nginx)(
  'nginx (docs/deploy/nginx.conf) in front of three instances',
  () => {
    let db: TestDatabase;
    let instances: Instance[] = [];
    let proxy: ChildProcess;
    let prefix: string;
    let front: string;
    let worker: Record<string, string>;
    let lead: Record<string, string>;

    async function signIn(email: string): Promise<Record<string, string>> {
      const res = await json(`${front}/api/auth/login?bearer=1`, { email, password: 'fieldfix' });
      expect(res.status).toBe(200);
      return { authorization: `Bearer ${((await res.json()) as { token: string }).token}` };
    }

    /** How many times each instance answered GET /healthz (its own /metrics). */
    async function healthzCounts(): Promise<number[]> {
      return Promise.all(
        instances.map(async (i) => {
          const res = await fetch(`${i.url}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
          const m = /http_request_duration_seconds_count\{method="GET",route="\/healthz"\} (\d+)/.exec(
            await res.text(),
          );
          return Number(m?.[1] ?? 0);
        }),
      );
    }

    async function crewACase(): Promise<{ id: string; version: number }> {
      const [c] = await db.sql<{ id: string; version: number }[]>`
      select id::text, version from cases where assigned_crew_id = 'streets-a'
        and state in ('assigned', 'in_progress', 'on_hold') order by id limit 1`;
      return c!;
    }

    /** A crew tablet pushing through the balancer, up to date with `c`. */
    function tablet(c: { id: string; version: number }) {
      const d = new TestDevice(front, worker, 'lb');
      d.seen.set(c.id, c.version);
      return d;
    }

    beforeAll(async () => {
      db = await createTestDatabase({ migrate: false });
      instances = await Promise.all([0, 1, 2].map(() => startInstance(db.url!, { TRUST_PROXY: '1', METRICS_TOKEN })));
      await Promise.all(instances.map((i) => healthy(i)));

      prefix = await mkdtemp(join(tmpdir(), 'fieldfix-nginx-'));
      const port = await freePort();
      let upstream = 0;
      const conf = (await readFile(CONF, 'utf8'))
        .replace(/server 10\.0\.0\.\d+:8080/g, () => `server 127.0.0.1:${instances[upstream++]!.port}`)
        .replace('listen 80;', `listen 127.0.0.1:${port};`);
      expect(upstream).toBe(3);
      await writeFile(join(prefix, 'nginx.conf'), conf);
      proxy = spawn(
        nginx!,
        [
          '-p',
          prefix,
          '-c',
          join(prefix, 'nginx.conf'),
          '-g',
          `daemon off; pid ${prefix}/nginx.pid; error_log ${prefix}/error.log;`,
        ],
        { stdio: ['ignore', 'pipe', 'pipe'] },
      );
      front = `http://127.0.0.1:${port}`;
      for (let n = 0; ; n++) {
        try {
          if ((await fetch(`${front}/healthz`)).status === 200) break;
        } catch {
          // not listening yet
        }
        if (n > 100 || proxy.exitCode !== null)
          throw new Error(`nginx did not start: ${await readFile(join(prefix, 'error.log'), 'utf8').catch(() => '')}`);
        await new Promise((r) => setTimeout(r, 100));
      }
      worker = await signIn('worker@riverton.example');
      lead = await signIn('lead@riverton.example');
    }, 120_000);

    afterAll(async () => {
      if (proxy && proxy.exitCode === null) {
        const exited = new Promise((r) => proxy.once('exit', r));
        proxy.kill('SIGQUIT');
        await exited;
      }
      for (const i of instances) await stopInstance(i);
      await db?.close();
      if (prefix) await rm(prefix, { recursive: true, force: true });
    }, 60_000);

    it('spreads requests over the three instances', async () => {
      const before = await healthzCounts();
      for (let n = 0; n < 30; n++) expect((await fetch(`${front}/healthz`)).status).toBe(200);
      const after = await healthzCounts();
      const served = after.map((a, i) => a - before[i]!);
      expect(served.reduce((a, b) => a + b, 0)).toBe(30);
      for (const n of served) expect(n).toBeGreaterThanOrEqual(5);
    });

    it("passes a lead's live stream unbuffered: a crew's push shows within 2 s", async () => {
      const abort = new AbortController();
      const res = await fetch(`${front}/api/dispatch/live?department=streets`, {
        headers: { ...lead, accept: 'text/event-stream' },
        signal: abort.signal,
      });
      expect(res.status).toBe(200);
      const c = await crewACase();
      let text = '';
      const seen = (async () => {
        const decoder = new TextDecoder();
        for await (const chunk of res.body!) {
          text += decoder.decode(chunk as Uint8Array, { stream: true });
          if (text.includes(`"${c.id}"`)) return performance.now();
        }
        return Infinity;
      })();
      // The stream's first lines (it is listening) come through at once, not held by the proxy.
      for (let n = 0; n < 50 && !text.includes(': listening'); n++) await new Promise((r) => setTimeout(r, 50));
      expect(text).toContain(': listening to streets');
      const pushedAt = performance.now();
      const t = tablet(c);
      expect((await t.push([t.make('add_note', c.id, { text: 'Seen through the load balancer' })])).status).toBe(200);
      const arrived = await Promise.race([seen, new Promise<number>((r) => setTimeout(() => r(Infinity), 5000))]);
      abort.abort();
      expect(arrived - pushedAt).toBeLessThan(2000);
    });

    it('answers on with one instance killed (kill -9): requests no instance started on go to the others', async () => {
      await stopInstance(instances[0]!, 'SIGKILL');
      for (let n = 0; n < 12; n++) {
        expect((await fetch(`${front}/api/auth/session`, { headers: worker })).status).toBe(200);
      }
      // A push too: refused connections are retried by nginx, so the device sees no error.
      const c = await crewACase();
      const t = tablet(c);
      const change = t.make('add_note', c.id, { text: `After an instance died (${Date.now()})` });
      expect((await t.push([change])).status).toBe(200);
    });

    it('a push cut by its instance dying mid-request (kill -9) is a 502 to the device; sent again, it lands once', async () => {
      const c = await crewACase();
      const t = tablet(c);
      const change = t.make('add_note', c.id, { text: `Cut mid-request (${Date.now()})` });
      // Hold the case's row, so the push waits inside whichever instance took it.
      let release!: () => void;
      const released = new Promise<void>((r) => (release = r));
      let held!: () => void;
      const holding = new Promise<void>((r) => (held = r));
      const holder = db.sql.begin(async (tx) => {
        await tx`select id from cases where id = ${c.id} for update`;
        held();
        await released;
      });
      await holding;
      try {
        const first = t.push([change]);
        // The instance with the push in flight (a scrape counts itself: more than one).
        const alive = instances.slice(1);
        let taker: (typeof alive)[number] | undefined;
        for (let n = 0; n < 100 && !taker; n++) {
          for (const i of alive) {
            const text = await (
              await fetch(`${i.url}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } })
            ).text();
            if (Number(/^http_requests_in_flight (\d+)$/m.exec(text)?.[1] ?? 0) > 1) taker = i;
          }
          if (!taker) await new Promise((r) => setTimeout(r, 50));
        }
        expect(taker).toBeDefined();
        await stopInstance(taker!, 'SIGKILL');
        // nginx does not resend a request whose bytes went to an instance (not idempotent).
        expect((await first).status).toBe(502);
      } finally {
        release();
        await holder;
      }
      // The device sends the same change again: the instance left applies it, once.
      const again = await t.push([change]);
      expect(again.status).toBe(200);
      const [row] = await db.sql<{ n: number }[]>`
      select count(*)::int as n from mutations where id = ${change.id}`;
      expect(row!.n).toBe(1);
    });
  },
);
