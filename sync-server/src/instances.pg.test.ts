import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { healthy, startInstance, stopInstance, type Instance } from '../test/instances.ts';
import { CONNECTION_NAME } from './db/database.ts';
import { REPORT_LIMITS } from './public/report.routes.ts';
import { proofFor } from '../test/report-proof.ts';
import { createTestDatabase, type TestDatabase } from '../test/test-db.ts';

// Three server processes (`node src/main.ts`, as a deployment runs them) on one PostgreSQL
// database, each with its own data folder as on its own host: they start together on an
// empty database, and what a request needs (sessions, sign-in limits, residents' report
// limits, the key that signs notice links, a resident's report sent twice) is shared through the database, so any
// instance answers as one would. The live feed across instances and the notice sender run by
// several workers have their own tests (dispatch/live.pg.test.ts, notices-delivery/).
// Needs a PostgreSQL server: the embedded database takes one process (server.test.ts).

const onPostgres = !!process.env.TEST_DATABASE_URL;

const json = (url: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: new URL(url).origin, ...headers },
    body: JSON.stringify(body),
  });

/** A resident's report from the app's form, with its proof of work. */
function report(over: { device: string }) {
  const token = randomUUID();
  return {
    token,
    serviceCode: 'POTHOLE',
    lat: 42.35595,
    long: -86.9808,
    address: '',
    description: `Deep pothole in the right lane (${token})`,
    attributes: { size: 'large' },
    language: 'en',
    proof: proofFor(token),
    website: '',
    ...over,
  };
}

describe.skipIf(!onPostgres)('three server instances on one PostgreSQL database', () => {
  let db: TestDatabase;
  let instances: Instance[] = [];
  const at = (i: number) => instances[i % instances.length]!.url;

  beforeAll(async () => {
    db = await createTestDatabase({ migrate: false });
    instances = await Promise.all([0, 1, 2].map(() => startInstance(db.url!)));
    await Promise.all(instances.map((i) => healthy(i)));
  }, 120_000);

  afterAll(async () => {
    for (const i of instances) await stopInstance(i);
    await db?.close();
  }, 60_000);

  it('start together on an empty database: each migration applied once, the demo city seeded once', async () => {
    for (const i of instances) expect(i.child.exitCode).toBeNull();
    const versions = await db.sql<{ version: number; n: number }[]>`
      select version, count(*)::int as n from schema_migrations group by version`;
    expect(versions.length).toBeGreaterThan(10);
    expect(versions.every((v) => v.n === 1)).toBe(true);
    const [city] = await db.sql<{ departments: number; cases: number; users: number }[]>`
      select (select count(*)::int from departments) as departments, (select count(*)::int from cases) as cases,
        (select count(*)::int from users where email = 'worker@riverton.example') as users`;
    expect(city).toEqual({ departments: 4, cases: 300, users: 1 });
  });

  it('a session made on one instance works on the others, and a sign-out on a third ends it everywhere', async () => {
    const login = await json(`${at(0)}/api/auth/login?bearer=1`, {
      email: 'lead@riverton.example',
      password: 'fieldfix',
    });
    expect(login.status).toBe(200);
    const { token } = (await login.json()) as { token: string };
    const auth = { authorization: `Bearer ${token}` };
    for (const i of [1, 2]) expect((await fetch(`${at(i)}/api/auth/session`, { headers: auth })).status).toBe(200);
    expect((await json(`${at(2)}/api/auth/logout`, {}, auth)).status).toBe(200);
    for (const i of [0, 1, 2]) expect((await fetch(`${at(i)}/api/auth/session`, { headers: auth })).status).toBe(401);
  });

  it("each instance names its connections and counts its own in /metrics, not the fleet's", async () => {
    const names = await db.sql<{ name: string; n: number }[]>`
      select application_name as name, count(*)::int as n from pg_stat_activity
      where datname = current_database() and application_name like 'fieldfix %'
        and application_name <> ${CONNECTION_NAME} -- not this test process's own
      group by 1`;
    // One name per process: `fieldfix <host> <pid>`.
    expect(names).toHaveLength(3);
    const pids = instances.map((i) => i.child.pid);
    expect(names.map((r) => Number(r.name.split(' ').at(-1))).sort()).toEqual([...pids].sort());
    const fleet = names.reduce((a, r) => a + r.n, 0);
    for (const i of instances) {
      const text = await (await fetch(`${i.url}/metrics`)).text();
      const own = [...text.matchAll(/^fieldfix_db_connections\{state="[^"]+"\} (\d+)$/gm)].reduce(
        (a, m) => a + Number(m[1]),
        0,
      );
      // At least its LISTEN and head-read connections; at most its 10 + 1 + 1 + 2; never all three's.
      expect(own).toBeGreaterThanOrEqual(2);
      expect(own).toBeLessThanOrEqual(14);
      expect(own).toBeLessThan(fleet);
    }
  });

  it('sign-in failures count across instances: the account locks after five, whichever instances they reached', async () => {
    const who = 'worker.b@riverton.example';
    for (let n = 0; n < 5; n++) {
      expect((await json(`${at(n)}/api/auth/login`, { email: who, password: `wrong-${n}` })).status).toBe(401);
    }
    // The right password, on an instance that saw two of the five: refused until the lockout ends.
    const locked = await json(`${at(2)}/api/auth/login`, { email: who, password: 'fieldfix' });
    expect(locked.status).toBe(429);
    expect(Number(locked.headers.get('retry-after'))).toBeGreaterThan(0);
  });

  it("a phone's report limit counts across instances: its seventh report in the hour is refused wherever it lands", async () => {
    const device = `device-${randomUUID()}`;
    const statuses: number[] = [];
    for (let n = 0; n < REPORT_LIMITS.perDevicePerHour + 1; n++) {
      statuses.push((await json(`${at(n)}/api/public/reports`, report({ device }))).status);
    }
    expect(statuses).toEqual([...Array(REPORT_LIMITS.perDevicePerHour).fill(201), 429]);
    // And on each of the others too: no instance kept a count of its own.
    for (const i of [0, 1]) {
      const again = await json(`${at(i)}/api/public/reports`, report({ device }));
      expect(again.status).toBe(429);
      expect(Number(again.headers.get('retry-after'))).toBeGreaterThan(0);
    }
  });

  it('a link one instance signed opens on another: one key, kept in the database', async () => {
    const body = report({ device: `device-${randomUUID()}` });
    // The same report sent to two instances at once: one case.
    const [a, b] = await Promise.all([
      json(`${at(0)}/api/public/reports`, body),
      json(`${at(1)}/api/public/reports`, body),
    ]);
    const answers = [await a.json(), await b.json()] as { caseId: string; trackKey: string }[];
    expect([a.status, b.status].sort()).toEqual([200, 201]);
    expect(answers[1]!.caseId).toBe(answers[0]!.caseId);
    const [made] = (await db.sql`select count(*)::int as n from cases where description = ${body.description}`) as [
      { n: number },
    ];
    expect(made.n).toBe(1);

    // Instance A's tracking key, taken by instance C: it knows the key ("the case is open"
    // rather than "this link is not valid"); a key signed with another key is refused.
    const { caseId, trackKey } = answers[0]!;
    const reopen = await json(`${at(2)}/api/public/cases/${caseId}/reopen`, { key: trackKey });
    expect(reopen.status).toBe(409);
    const forged = `${trackKey.split('.')[0]}.${'A'.repeat(43)}`;
    expect((await json(`${at(2)}/api/public/cases/${caseId}/reopen`, { key: forged })).status).toBe(400);
    const [secrets] = (await db.sql`select count(*)::int as n from server_secrets`) as [{ n: number }];
    expect(secrets.n).toBe(1);
  });
});
