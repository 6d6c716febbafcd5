import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../test/test-app.ts';
import { listen, TestDevice } from '../../test/sync-client.ts';
import { streamTiming } from '../http/event-stream.ts';

// `GET /api/sync/live`: a crew device that is online hears "pull now" as a change in its
// crew's department commits, with the change's cursor, and nothing of other departments;
// only a worker's device may listen. Over real HTTP; on PostgreSQL the hint goes through
// LISTEN/NOTIFY, on the embedded database in-process.

let t: TestApp;
let server: { url: string; close(): Promise<void> };
const as: Record<string, Record<string, string>> = {};

beforeAll(async () => {
  t = await createTestApp();
  server = await listen(t);
  as.worker = await t.login('worker@riverton.example');
  as.lead = await t.login('lead@riverton.example');
  as.sanitationLead = await t.login('lead.sanitation@riverton.example');
});
afterAll(async () => {
  await server?.close();
  await t?.close();
});

/** A hint stream: the cursors of the `pull` events so far. */
async function listenForHints(headers: Record<string, string>) {
  const abort = new AbortController();
  const res = await fetch(`${server.url}/api/sync/live`, {
    headers: { ...headers, accept: 'text/event-stream' },
    signal: abort.signal,
  });
  const hints: string[] = [];
  let text = '';
  let ended = false;
  if (res.status === 200) {
    void (async () => {
      const decoder = new TextDecoder();
      try {
        for await (const chunk of res.body!) {
          text += decoder.decode(chunk as Uint8Array, { stream: true });
          let end: number;
          while ((end = text.indexOf('\n\n')) >= 0) {
            const block = text.slice(0, end);
            text = text.slice(end + 2);
            if (block.split('\n').includes('event: pull')) {
              hints.push(
                block
                  .split('\n')
                  .find((l) => l.startsWith('data: '))!
                  .slice(6),
              );
            }
          }
        }
      } catch {
        // aborted
      }
      ended = true;
    })();
  }
  return { res, hints, ended: () => ended, close: () => abort.abort() };
}

async function openCase(department: string): Promise<{ id: string; version: number }> {
  const [row] = await t.db.sql<{ id: string; version: number }[]>`
    select c.id::text, c.version from cases c join service_types s on s.code = c.service_code
    where s.department_id = ${department} and c.state in ('new', 'assigned', 'in_progress', 'on_hold')
    order by c.id limit 1`;
  return row!;
}

const until = async (ok: () => boolean, ms = 2000) => {
  const end = Date.now() + ms;
  while (!ok() && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
  return ok();
};

describe('GET /api/sync/live', () => {
  it("tells a worker's device to pull within 2 s of a lead's change in its department, with the cursor", async () => {
    const stream = await listenForHints(as.worker!);
    expect(stream.res.status).toBe(200);
    expect(stream.res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    await new Promise((r) => setTimeout(r, 100)); // listening
    const c = await openCase('streets');
    const desk = new TestDevice(server.url, as.lead!, 'desk');
    desk.seen.set(c.id, c.version);
    const [outcome] = await desk.send(desk.make('set_priority', c.id, { priority: 'high' }));
    expect(outcome!.outcome).toBe('applied');
    expect(await until(() => stream.hints.length > 0)).toBe(true);
    const [row] = await t.db.sql<
      { cursor: string }[]
    >`select change_cursor::text as cursor from cases where id = ${c.id}`;
    expect(stream.hints).toContain(row!.cursor);
    stream.close();
  });

  it("says nothing of another department's changes", async () => {
    const stream = await listenForHints(as.worker!);
    await new Promise((r) => setTimeout(r, 100));
    const c = await openCase('sanitation');
    const desk = new TestDevice(server.url, as.sanitationLead!, 'desk-sanitation');
    desk.seen.set(c.id, c.version);
    const [outcome] = await desk.send(desk.make('set_priority', c.id, { priority: 'high' }));
    expect(outcome!.outcome).toBe('applied');
    expect(await until(() => stream.hints.length > 0, 700)).toBe(false);
    stream.close();
  });

  it('stops for an account ended or moved to another department (from the admin page or in the data) while it listens; others go on', async () => {
    const timing = { ...streamTiming };
    Object.assign(streamTiming, { heartbeatMs: 50, recheckMs: 100 });
    try {
      const admin = await t.login('admin@riverton.example');
      const [sanitationCrew] = await t.db.sql<{ id: string }[]>`
        select id from crews where department_id = 'sanitation' order by id limit 1`;
      const listener = async (email: string) => {
        const res = await t.app.request('/api/admin/people', {
          method: 'POST',
          headers: { ...admin, 'content-type': 'application/json' },
          body: JSON.stringify({
            name: 'Temp Worker',
            email,
            password: 'a-long-password',
            placement: { role: 'worker', crewId: 'streets-a' },
          }),
        });
        expect(res.status).toBe(201);
        const { person } = (await res.json()) as { person: { id: string } };
        const stream = await listenForHints(await t.login(email, 'a-long-password'));
        expect(stream.res.status).toBe(200);
        return { id: person.id, stream };
      };
      const change = (id: string, body: unknown) =>
        t.app.request(`/api/admin/people/${id}`, {
          method: 'PUT',
          headers: { ...admin, 'content-type': 'application/json' },
          body: JSON.stringify(body),
        });
      const ended = await listener(`ended.${Date.now()}@riverton.example`);
      const moved = await listener(`moved.${Date.now()}@riverton.example`);
      // Moved in the city's data, not from the admin page: no one signed them out, so only
      // the stream's own check of the department stops it.
      const regrouped = await listener(`regrouped.${Date.now()}@riverton.example`);
      const staying = await listenForHints(as.worker!);

      expect((await change(ended.id, { active: false })).status).toBe(200);
      expect((await change(moved.id, { placement: { role: 'worker', crewId: sanitationCrew!.id } })).status).toBe(200);
      await t.db.sql`
        update users set crew_id = ${sanitationCrew!.id}, department_id = 'sanitation' where id = ${regrouped.id}`;
      expect(await until(() => ended.stream.ended() && moved.stream.ended() && regrouped.stream.ended(), 3000)).toBe(
        true,
      );
      await new Promise((r) => setTimeout(r, 300)); // a few more checks: the worker still here stays
      expect(staying.ended()).toBe(false);
      staying.close();
    } finally {
      Object.assign(streamTiming, timing);
    }
  });

  it('is for crew devices only: a lead is refused with a 403 naming why, and no session is a 401', async () => {
    const lead = await listenForHints(as.lead!);
    expect(lead.res.status).toBe(403);
    expect(((await lead.res.json()) as { error: { message: string } }).error.message).toMatch(/crew worker/);
    expect((await listenForHints({})).res.status).toBe(401);
  });
});
