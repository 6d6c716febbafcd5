import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { v7 as uuidv7 } from 'uuid';
import { PROTOCOL_HEADER, PROTOCOL_VERSION, type Mutation, type PullResponse } from '@fieldfix/shared';
import type { Staff } from '../access/caller.ts';
import { createTestApp, type TestApp } from '../../test/test-app.ts';
import { pullChanges } from './pull.service.ts';
import { pushMutations } from './push.service.ts';

// Pull by cursor (pull.service.ts), called directly against PostgreSQL: what each caller's
// scope brings, paging, departures, the device's own outcomes, and the order of the three
// streams that share one cursor space. Each test starts from the head of the change log, so
// the demo city's cases stay behind it.

let t: TestApp;
const staff = new Map<string, Staff>();

beforeAll(async () => {
  t = await createTestApp();
  const rows = await t.db.sql<
    {
      id: string;
      name: string;
      email: string;
      role: Staff['role'];
      crew_id: string | null;
      department_id: string | null;
    }[]
  >`select id, name, email, role, crew_id, department_id from users
    where id in ('u-w01', 'u-w02', 'u-lead-streets', 'u-lead-sanitation', 'u-admin')`;
  for (const r of rows) {
    staff.set(r.id, {
      id: r.id,
      name: r.name,
      email: r.email,
      role: r.role,
      crewId: r.crew_id,
      departmentId: r.department_id,
    });
  }
});
afterAll(async () => {
  await t?.close();
});

const workerA = () => staff.get('u-w01')!;
const workerB = () => staff.get('u-w02')!;
const streetsLead = () => staff.get('u-lead-streets')!;
const sanitationLead = () => staff.get('u-lead-sanitation')!;
const admin = () => staff.get('u-admin')!;

/** The newest cursor taken so far: what a device that is up to date holds. */
async function head(): Promise<string> {
  const [row] = await t.db.sql<{ head: string }[]>`select last_value::text as head from case_change_cursor`;
  return row!.head;
}

/** A new case: assigned to `crew` (open) unless a state and closing time say otherwise. */
async function newCase(
  crew: string | null,
  opts: { code?: string; state?: string; closedHoursAgo?: number } = {},
): Promise<string> {
  const code = opts.code ?? 'SIDEWALK';
  const state = opts.state ?? (crew ? 'assigned' : 'new');
  const closedAt = opts.closedHoursAgo === undefined ? null : new Date(Date.now() - opts.closedHoursAgo * 3_600_000);
  const [row] = await t.db.sql<{ id: string }[]>`
    insert into cases (service_code, description, lat, long, address, state, assigned_crew_id, assigned_day, route_position, version, closed_at)
    values (${code}, 'Pull test', 42.35, -86.97, '1 Pull St', ${state}, ${crew}, ${crew ? '2026-06-10' : null},
            ${crew ? 99 : null}, 2, ${closedAt})
    returning id::text`;
  return row!.id;
}

async function moveTo(caseId: string, crew: string | null): Promise<void> {
  await t.db.sql`update cases set assigned_crew_id = ${crew} where id = ${caseId}`;
}

function pull(who: Staff, cursor: string, limit = 500, clientId = 'tablet-1', prime = false): Promise<PullResponse> {
  return pullChanges(t.db.sql, who, { cursor, limit, clientId, ...(prime ? { prime: '1' as const } : {}) });
}

function note(caseId: string, clientId: string, seq: number): Mutation {
  return {
    id: uuidv7(),
    clientId,
    seq,
    caseId,
    baseVersion: 2,
    deviceTime: new Date().toISOString(),
    kind: 'add_note',
    payload: { text: 'checked' },
  };
}

const ids = (page: PullResponse) => page.cases.map((c) => c.id);

describe('what a pull brings, by scope', () => {
  it('a worker their crew’s cases, a lead their department’s, an admin every case', async () => {
    const from = await head();
    const a = await newCase('streets-a');
    const b = await newCase('streets-b');
    const waiting = await newCase(null);
    const bins = await newCase('sanitation-n', { code: 'MISSED_PICKUP' });

    expect(ids(await pull(workerA(), from))).toEqual([a]);
    expect(ids(await pull(workerB(), from))).toEqual([b]);
    expect(ids(await pull(streetsLead(), from))).toEqual([a, b, waiting]);
    expect(ids(await pull(sanitationLead(), from))).toEqual([bins]);
    expect(ids(await pull(admin(), from))).toEqual([a, b, waiting, bins]);
    const page = await pull(workerA(), from);
    expect(page.cases[0]).toMatchObject({ id: a, crewId: 'streets-a', state: 'assigned', version: 2 });
  });

  it('priming: the open cases and those closed within a day, no older ones', async () => {
    const open = await newCase('streets-a', { state: 'in_progress' });
    const fixedToday = await newCase('streets-a', { state: 'fixed', closedHoursAgo: 2 });
    const fixedLongAgo = await newCase('streets-a', { state: 'fixed', closedHoursAgo: 30 });
    // Page after page (a few cases each), every one of them priming.
    const primed: string[] = [];
    let pages = 0;
    for (let cursor = '0', more = true; more; pages++) {
      const page = await pull(workerA(), cursor, 3, 'tablet-1', true);
      primed.push(...ids(page));
      [cursor, more] = [page.cursor, page.hasMore];
    }
    expect(pages).toBeGreaterThan(2);
    expect(primed).toEqual(expect.arrayContaining([open, fixedToday]));
    expect(primed).not.toContain(fixedLongAgo);
    // No case closed more than a day ago, on any page (the demo city has such cases).
    const old = await t.db.sql<{ id: string }[]>`
      select id::text from cases where assigned_crew_id = 'streets-a' and closed_at < now() - interval '24 hours'`;
    expect(old.length).toBeGreaterThan(1);
    expect(primed.filter((id) => old.some((o) => o.id === id))).toEqual([]);
  });

  it('an app before protocol 7 is read as priming on every pull, as before', async () => {
    const from = await head();
    await newCase('streets-a', { state: 'fixed', closedHoursAgo: 30 });
    const fresh = await newCase('streets-a');
    const auth = await t.login('worker@riverton.example');
    const asked = async (protocol: string) => {
      const res = await t.app.request(`/api/sync/pull?cursor=${from}&limit=50&clientId=old-app&behind=1`, {
        headers: { ...auth, [PROTOCOL_HEADER]: protocol },
      });
      expect(res.status).toBe(200);
      return ids((await res.json()) as PullResponse);
    };
    expect(await asked('6')).toEqual([fresh]);
    expect((await asked(String(PROTOCOL_VERSION))).length).toBe(2);
  });

  it('pulling on: every change since the cursor, a case closed long ago too (a tablet off all weekend)', async () => {
    const from = await head();
    const job = await newCase('streets-a', { state: 'in_progress' });
    const friday = await pull(workerA(), from);
    expect(ids(friday)).toEqual([job]);
    // A crew-mate's tablet fixed it on Friday (or offline, synced later): its closing time is
    // long past when this tablet pulls again.
    await t.db.sql`update cases set state = 'fixed', closed_at = now() - interval '60 hours' where id = ${job}`;
    const monday = await pull(workerA(), friday.cursor);
    expect(monday.cases).toEqual([expect.objectContaining({ id: job, state: 'fixed' })]);
  });

  it('nothing new: the same cursor back, nothing more', async () => {
    const from = await head();
    const page = await pull(workerA(), from);
    expect(page).toMatchObject({ cursor: from, hasMore: false, cases: [], departures: [], outcomes: [] });
    expect(Date.parse(page.serverTime)).toBeGreaterThan(Date.now() - 60_000);
  });
});

describe('a device up to date', () => {
  /** The newest cursor the change log shows (what committed), over its three streams. */
  async function visibleHead(): Promise<bigint> {
    const [row] = await t.db.sql<{ h: string }[]>`select greatest(
      (select max(change_cursor) from cases), (select max(cursor) from case_departures),
      (select max(cursor) from mutations))::text as h`;
    return BigInt(row!.h);
  }

  it('moves to the newest cursor, past changes it may not see, so they are not read again', async () => {
    const from = await head();
    const otherCrew = await newCase('streets-b');
    const page = await pull(workerA(), from);
    expect(page).toMatchObject({ cases: [], departures: [], outcomes: [], hasMore: false });
    const [other] = await t.db.sql<{ c: string }[]>`select change_cursor::text as c from cases where id = ${otherCrew}`;
    expect(BigInt(page.cursor)).toBeGreaterThanOrEqual(BigInt(other!.c));
    expect(BigInt(page.cursor)).toBe(await visibleHead());
    // Asked again from there: nothing, and the same cursor.
    expect(await pull(workerA(), page.cursor)).toMatchObject({ cursor: page.cursor, cases: [], hasMore: false });
  });

  it('still gets what changes after it moved ahead', async () => {
    const ahead = (await pull(workerA(), await head())).cursor;
    const mine = await newCase('streets-a');
    const page = await pull(workerA(), ahead);
    expect(ids(page)).toEqual([mine]);
    expect(BigInt(page.cursor)).toBeGreaterThan(BigInt(ahead));
  });

  it('never moves back, even from a cursor ahead of the log', async () => {
    const ahead = ((await visibleHead()) + 1000n).toString();
    expect((await pull(workerA(), ahead)).cursor).toBe(ahead);
  });
});

describe('paging', () => {
  it('takes the oldest changes first, says when there is more, and goes on from its cursor', async () => {
    const from = await head();
    const first = await newCase('streets-a');
    const second = await newCase('streets-a');
    const third = await newCase('streets-a');

    const p1 = await pull(workerA(), from, 2);
    expect(ids(p1)).toEqual([first, second]);
    expect(p1.hasMore).toBe(true);
    const p2 = await pull(workerA(), p1.cursor, 2);
    expect(ids(p2)).toEqual([third]);
    expect(p2.hasMore).toBe(false);
    expect(BigInt(p2.cursor)).toBeGreaterThan(BigInt(p1.cursor));
    const p3 = await pull(workerA(), p2.cursor, 2);
    expect(p3).toMatchObject({ cursor: p2.cursor, hasMore: false, cases: [] });

    // A page that holds exactly what is left has no more after it.
    const whole = await pull(workerA(), from, 3);
    expect(ids(whole)).toEqual([first, second, third]);
    expect(whole.hasMore).toBe(false);
    expect(whole.cursor).toBe(p2.cursor);
  });

  it('a change made after a page was read comes in the next page', async () => {
    const from = await head();
    const one = await newCase('streets-a');
    const p1 = await pull(workerA(), from);
    await t.db.sql`update cases set priority = 'high' where id = ${one}`;
    const p2 = await pull(workerA(), p1.cursor);
    expect(p2.cases).toEqual([expect.objectContaining({ id: one, priority: 'high' })]);
  });
});

describe('departures', () => {
  it('a case moved to another crew leaves the first crew’s devices and reaches the other’s', async () => {
    const from = await head();
    const moved = await newCase('streets-a');
    await moveTo(moved, 'streets-b');
    const a = await pull(workerA(), from);
    expect(a.cases).toEqual([]);
    expect(a.departures).toEqual([moved]);
    const b = await pull(workerB(), from);
    expect(ids(b)).toEqual([moved]);
    expect(b.departures).toEqual([]);
  });

  it('within a page the later of a case’s change and its departure wins', async () => {
    const from = await head();
    const back = await newCase('streets-a');
    await moveTo(back, 'streets-b'); // departs from crew A…
    await moveTo(back, 'streets-a'); // …and comes back: crew A holds it
    const page = await pull(workerA(), from);
    expect(ids(page)).toEqual([back]);
    expect(page.departures).toEqual([]);
    // Paged one by one, crew A sees the departure first, then the case again.
    const p1 = await pull(workerA(), from, 1);
    expect(p1).toMatchObject({ cases: [], departures: [back], hasMore: true });
    const p2 = await pull(workerA(), p1.cursor, 1);
    expect(ids(p2)).toEqual([back]);
    expect(p2.departures).toEqual([]);
  });

  it('leads and admins get no departures: their scope does not follow crews', async () => {
    const from = await head();
    const moved = await newCase('streets-a');
    await moveTo(moved, 'streets-b');
    // A lead may be on a crew's roll too (the schema allows it): their scope is still the department.
    const leadOnACrew = { ...streetsLead(), crewId: 'streets-a' };
    for (const who of [streetsLead(), leadOnACrew, admin()]) {
      const page = await pull(who, from);
      expect(ids(page)).toEqual([moved]);
      expect(page.departures).toEqual([]);
    }
  });
});

describe('the device’s own outcomes', () => {
  it('come back to the device and person that sent the changes, to no one else', async () => {
    const kase = await newCase('streets-a');
    const from = await head();
    const m = note(kase, 'tablet-outcomes', 0);
    const [sent] = await pushMutations(t.db.sql, workerA(), [{ ok: true, mutation: m }], {
      timeZone: t.config.cityTimeZone,
    });
    expect(sent).toMatchObject({ mutationId: m.id, outcome: 'applied' });

    const own = await pull(workerA(), from, 500, 'tablet-outcomes');
    expect(own.outcomes).toEqual([sent]);
    expect(own.cases).toEqual([]); // a note does not change the case
    expect((await pull(workerA(), from, 500, 'another-tablet')).outcomes).toEqual([]);
    expect((await pull(workerB(), from, 500, 'tablet-outcomes')).outcomes).toEqual([]);
    expect((await pull(streetsLead(), from, 500, 'tablet-outcomes')).outcomes).toEqual([]);
  });
});

describe('three streams, one cursor space', () => {
  it('a page holds the lowest cursors of cases, departures and outcomes together, in order', async () => {
    const leaving = await newCase('streets-a');
    const from = await head();
    const first = await newCase('streets-a'); // a case
    const [sent] = await pushMutations(t.db.sql, workerA(), [{ ok: true, mutation: note(first, 'tablet-mix', 0) }], {
      timeZone: t.config.cityTimeZone,
    }); // an outcome
    await moveTo(leaving, 'streets-b'); // a departure
    const last = await newCase('streets-a'); // a case

    const pages: PullResponse[] = [];
    let cursor = from;
    for (let i = 0; i < 10; i++) {
      const page = await pull(workerA(), cursor, 1, 'tablet-mix');
      if (page.cases.length + page.departures.length + page.outcomes.length === 0) break;
      pages.push(page);
      cursor = page.cursor;
    }
    expect(pages.map((p) => [ids(p), p.departures, p.outcomes.map((o) => o.mutationId)])).toEqual([
      [[first], [], []],
      [[], [], [sent!.mutationId]],
      [[], [leaving], []],
      [[last], [], []],
    ]);
    expect(pages.map((p) => p.hasMore)).toEqual([true, true, true, false]);
    const cursors = pages.map((p) => BigInt(p.cursor));
    expect([...cursors].sort((x, y) => (x < y ? -1 : 1))).toEqual(cursors);

    // Two at a time: the first two, then the next two.
    const two = await pull(workerA(), from, 2, 'tablet-mix');
    expect([ids(two), two.departures, two.outcomes.length]).toEqual([[first], [], 1]);
    const rest = await pull(workerA(), two.cursor, 2, 'tablet-mix');
    expect([ids(rest), rest.departures, rest.outcomes.length, rest.hasMore]).toEqual([[last], [leaving], 0, false]);

    // All at once.
    const all = await pull(workerA(), from, 500, 'tablet-mix');
    expect([ids(all), all.departures, all.outcomes]).toEqual([[first, last], [leaving], [sent]]);
    expect(all.cursor).toBe(rest.cursor);
  });
});
