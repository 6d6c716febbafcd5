import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LiveEvent } from '@fieldfix/shared';
import { createApp } from '../app.ts';
import { connectPostgres, type Database } from '../db/database.ts';
import { createTestApp, quietLogger, TEST_NOW, type TestApp } from '../../test/test-app.ts';
import { listen, TestDevice } from '../../test/sync-client.ts';
import { DEMO_API_KEY } from '../demo/demo-open311.ts';
import { liveHub } from './live-hub.ts';
import { streamTiming } from '../http/event-stream.ts';

// The board's live feed over real HTTP, read as a browser's EventSource reads it (a streamed
// response, split into events): fed by LISTEN/NOTIFY on PostgreSQL (across instances), by the
// in-process hub on embedded PGlite.

const DAY = TEST_NOW.toISOString().slice(0, 10);
const onPostgres = Boolean(process.env.TEST_DATABASE_URL);

/** A connected board: the events it received, and a way to wait for one. */
type Board = {
  events: LiveEvent[];
  comments: string[];
  waitFor(match: (e: LiveEvent) => boolean, timeoutMs?: number): Promise<LiveEvent>;
  close(): void;
};

/** A board's live stream; `department` null asks for the lead's own without naming it. */
async function openBoard(
  baseUrl: string,
  headers: Record<string, string>,
  department: string | null = 'streets',
): Promise<Board> {
  const abort = new AbortController();
  const query = department === null ? '' : `?department=${department}`;
  const res = await fetch(`${baseUrl}/api/dispatch/live${query}`, {
    headers: { ...headers, accept: 'text/event-stream' },
    signal: abort.signal,
  });
  if (res.status !== 200) throw new Error(`live: ${res.status} ${await res.text()}`);
  expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
  const events: LiveEvent[] = [];
  const comments: string[] = [];
  const waiters = new Set<() => void>();
  let listening!: () => void;
  const opened = new Promise<void>((r) => (listening = r));
  void (async () => {
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      for await (const chunk of res.body!) {
        buffer += decoder.decode(chunk as Uint8Array, { stream: true });
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const data = block
            .split('\n')
            .filter((l) => l.startsWith('data: '))
            .map((l) => l.slice(6))
            .join('\n');
          for (const l of block.split('\n')) if (l.startsWith(':')) comments.push(l.slice(1).trim());
          if (comments.length > 0) listening();
          if (data) events.push(LiveEvent.parse(JSON.parse(data)));
          for (const w of waiters) w();
        }
      }
    } catch {
      // Aborted by close().
    }
  })();
  await opened;
  return {
    events,
    comments,
    waitFor(match, timeoutMs = 2000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const found = events.find(match);
          if (found) {
            waiters.delete(check);
            clearTimeout(timer);
            resolve(found);
          }
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`no matching event within ${timeoutMs} ms; got ${JSON.stringify(events)}`));
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
    close: () => abort.abort(),
  };
}

let t: TestApp;
let a: { url: string; close(): Promise<void> };
const as: Record<string, Record<string, string>> = {};
const boards: Board[] = [];
const connect = async (...args: Parameters<typeof openBoard>) => {
  const b = await openBoard(...args);
  boards.push(b);
  return b;
};

beforeAll(async () => {
  t = await createTestApp();
  a = await listen(t);
  as.lead = await t.login('lead@riverton.example');
  as.otherLead = await t.login('lead.sanitation@riverton.example');
  as.admin = await t.login('admin@riverton.example');
  as.worker = await t.login('worker@riverton.example');
});
afterAll(async () => {
  for (const b of boards) b.close();
  await a?.close();
  await t?.close();
});

/** One of crew A's assigned cases for today, as its device would know it. */
async function crewACase(): Promise<{ id: string; version: number }> {
  const [row] = await t.db.sql<{ id: string; version: number }[]>`
    select id::text, version from cases
    where assigned_crew_id = 'streets-a' and state = 'assigned' and assigned_day = ${DAY}::date
    order by route_position limit 1`;
  return row!;
}

describe('GET /api/dispatch/live', () => {
  it("shows a crew's push on a connected board within 2 seconds", async () => {
    const board = await connect(a.url, as.lead!);
    const c = await crewACase();
    const tablet = new TestDevice(a.url, as.worker!, 'tablet-live');
    tablet.seen.set(c.id, c.version);
    const pushedAt = performance.now();
    const [outcome] = await tablet.send(tablet.make('start', c.id, {}));
    expect(outcome!.outcome).toBe('applied');
    const event = await board.waitFor((e) => e.type === 'cases' && e.caseIds.includes(c.id));
    const delay = performance.now() - pushedAt;
    expect(delay).toBeLessThan(2000);
    const [row] = await t.db.sql<
      { cursor: string }[]
    >`select change_cursor::text as cursor from cases where id = ${c.id}`;
    expect(event).toEqual({ type: 'cases', caseIds: [c.id], cursor: row!.cursor });
  });

  it("tells the board when a crew's device pulls, with where the crew is", async () => {
    const board = await connect(a.url, as.lead!);
    const tablet = new TestDevice(a.url, as.worker!, 'tablet-pull');
    await tablet.pullAll();
    const event = await board.waitFor((e) => e.type === 'crew-synced' && e.crewId === 'streets-a');
    // The demo has the crew at its job in progress (its device reported it).
    expect(event).toMatchObject({ type: 'crew-synced', crewId: 'streets-a', position: { lat: expect.any(Number) } });
    const at = new Date().toISOString();
    const res = await fetch(`${a.url}/api/sync/position`, {
      method: 'POST',
      headers: { ...as.worker, 'content-type': 'application/json' },
      body: JSON.stringify({ lat: 42.3501, long: -86.9702, at }),
    });
    expect(res.status).toBe(204);
    await board.waitFor((e) => e.type === 'crew-synced' && e.position?.lat === 42.3501 && e.position.long === -86.9702);
  });

  it("does not send a department's news to another department's board", async () => {
    const sanitation = await connect(a.url, as.otherLead!, 'sanitation');
    const streets = await connect(a.url, as.lead!);
    const c = await crewACase();
    const tablet = new TestDevice(a.url, as.worker!, 'tablet-other');
    tablet.seen.set(c.id, c.version);
    await tablet.send(tablet.make('start', c.id, {}));
    await streets.waitFor((e) => e.type === 'cases' && e.caseIds.includes(c.id));
    // Give the other department's board the same time again: still nothing of Streets.
    await new Promise((r) => setTimeout(r, 300));
    expect(sanitation.events.filter((e) => e.type === 'cases')).toEqual([]);
  });

  it('refuses workers and other departments before any stream starts', async () => {
    for (const [who, query] of [
      [as.worker!, 'department=streets'],
      [as.worker!, ''],
      [as.otherLead!, 'department=streets'],
    ] as const) {
      const res = await fetch(`${a.url}/api/dispatch/live?${query}`, { headers: who });
      expect(res.status).toBe(403);
      expect(res.headers.get('content-type')).toMatch(/json/);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('forbidden');
    }
    expect((await fetch(`${a.url}/api/dispatch/live`, { headers: as.admin })).status).toBe(400);
    expect((await fetch(`${a.url}/api/dispatch/live`)).status).toBe(401);
  });

  it("shows a resident's new report (Open311) on the department's board, not on another's", async () => {
    const board = await connect(a.url, as.lead!);
    const other = await connect(a.url, as.otherLead!, 'sanitation');
    const res = await fetch(`${a.url}/open311/v2/requests.json`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        api_key: DEMO_API_KEY,
        service_code: 'POTHOLE',
        lat: '42.3555',
        long: '-86.975',
        description: 'A new hole, for the board.',
        'attribute[size]': 'large',
      }).toString(),
    });
    expect(res.status, await res.clone().text()).toBe(200);
    const [created] = (await res.json()) as { service_request_id: string }[];
    const id = created!.service_request_id;
    await board.waitFor((e) => e.type === 'cases' && e.caseIds.includes(id));
    expect(other.events.some((e) => e.type === 'cases' && e.caseIds.includes(id))).toBe(false);
  });

  it('stops listening for a board that hung up', async () => {
    const hub = liveHub(t.db.sql, t.db.kind);
    for (const b of boards.splice(0)) b.close();
    await until(() => hub.listeners === 0);
    const board = await connect(a.url, as.lead!);
    expect(hub.listeners).toBe(1);
    board.close();
    await until(() => hub.listeners === 0);
  });

  it('closes the board of a lead ended or moved to another department (from the admin page or in the data) while it listens; others stay', async () => {
    const timing = { ...streamTiming };
    Object.assign(streamTiming, { heartbeatMs: 50, recheckMs: 100 });
    try {
      const hub = liveHub(t.db.sql, t.db.kind);
      for (const b of boards.splice(0)) b.close();
      await until(() => hub.listeners === 0);
      const newLead = async (email: string, department: string | null = 'streets') => {
        const res = await t.app.request('/api/admin/people', {
          method: 'POST',
          headers: { ...as.admin!, 'content-type': 'application/json' },
          body: JSON.stringify({
            name: 'Temp Lead',
            email,
            password: 'a-long-password',
            placement: { role: 'lead', departmentId: 'streets' },
          }),
        });
        const { person } = (await res.json()) as { person: { id: string } };
        await connect(a.url, await t.login(email, 'a-long-password'), department);
        return person.id;
      };
      const change = (id: string, body: unknown) =>
        t.app.request(`/api/admin/people/${id}`, {
          method: 'PUT',
          headers: { ...as.admin!, 'content-type': 'application/json' },
          body: JSON.stringify(body),
        });
      const ended = await newLead(`ended.lead.${Date.now()}@riverton.example`);
      const moved = await newLead(`moved.lead.${Date.now()}@riverton.example`);
      // Moved in the city's data, not from the admin page: still signed in, and its board
      // named no department, so only the stream's own check of the department closes it.
      const regrouped = await newLead(`regrouped.lead.${Date.now()}@riverton.example`, null);
      await connect(a.url, as.lead!);
      expect(hub.listeners).toBe(4);
      expect((await change(ended, { active: false })).status).toBe(200);
      expect((await change(moved, { placement: { role: 'lead', departmentId: 'sanitation' } })).status).toBe(200);
      await t.db.sql`update users set department_id = 'sanitation' where id = ${regrouped}`;
      await until(() => hub.listeners === 1, 3000);
      await new Promise((r) => setTimeout(r, 300)); // a few more checks: the lead still here stays
      expect(hub.listeners).toBe(1);
    } finally {
      Object.assign(streamTiming, timing);
    }
  });

  it.skipIf(!onPostgres)('carries a push through instance A to a board connected to instance B', async () => {
    // A second server instance: its own connection pool on the same database, its own port.
    const second: Database = connectPostgres(t.db.url!, 4);
    const appB = createApp({
      sql: second.sql,
      config: t.config,
      dbKind: 'postgres',
      version: 'test',
      log: quietLogger,
    });
    const b = await listen({ ...t, app: appB });
    try {
      const board = await openBoard(b.url, as.lead!);
      const c = await crewACase();
      const tablet = new TestDevice(a.url, as.worker!, 'tablet-a-to-b');
      tablet.seen.set(c.id, c.version);
      const pushedAt = performance.now();
      await tablet.send(tablet.make('start', c.id, {}));
      await board.waitFor((e) => e.type === 'cases' && e.caseIds.includes(c.id));
      expect(performance.now() - pushedAt).toBeLessThan(2000);
      board.close();
    } finally {
      await b.close();
      await second.close();
    }
  });
});

async function until(ok: () => boolean, timeoutMs = 2000): Promise<void> {
  const t0 = Date.now();
  while (!ok()) {
    if (Date.now() - t0 > timeoutMs) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}
