import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BalanceResponse, BoardResponse, haversineMetres, type BoardCrew } from '@fieldfix/shared';
import { createTestApp, TEST_NOW, type TestApp } from '../../test/test-app.ts';
import { listen, TestDevice } from '../../test/sync-client.ts';
import { findUnassigned } from './board.repo.ts';
import { CITY_SPEED_KMH } from './route-load.ts';
import { cityDate } from '../time.ts';

// The dispatch board over real HTTP: who may open it, what each crew's column holds (route
// order, load, SLA, delivery receipts from the devices' real pulls), the unassigned queue,
// and the crews' positions.

const DAY = TEST_NOW.toISOString().slice(0, 10); // 10:00 in the demo city
let t: TestApp;
let server: { url: string; close(): Promise<void> };
const as: Record<string, Record<string, string>> = {};

beforeAll(async () => {
  t = await createTestApp();
  server = await listen(t);
  as.lead = await t.login('lead@riverton.example');
  as.otherLead = await t.login('lead.sanitation@riverton.example');
  as.admin = await t.login('admin@riverton.example');
  as.worker = await t.login('worker@riverton.example');
  as.workerB = await t.login('worker.b@riverton.example');
});
afterAll(async () => {
  await server?.close();
  await t?.close();
});

async function get(path: string, who: Record<string, string>) {
  const res = await fetch(`${server.url}${path}`, { headers: who });
  return { status: res.status, body: (await res.json()) as unknown };
}

async function board(who = as.lead!, query = `date=${DAY}`): Promise<BoardResponse> {
  const res = await get(`/api/dispatch/board?${query}`, who);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return BoardResponse.parse(res.body);
}

const crewOf = (b: BoardResponse, id: string): BoardCrew => b.crews.find((c) => c.id === id)!;

describe('GET /api/dispatch/board', () => {
  it("gives a lead their department's crews, each with its open cases in route order", async () => {
    const b = await board();
    expect(b.departmentId).toBe('streets');
    expect(b.departmentName).toBe('Streets');
    expect(b.crews.map((c) => c.id).sort()).toEqual(['streets-a', 'streets-b']);
    const a = crewOf(b, 'streets-a');
    // Carried over from yesterday first, then today's route, each day 1..n; all open.
    const rows = await t.db.sql<{ id: string }[]>`
      select id::text from cases where assigned_crew_id = 'streets-a' and assigned_day <= ${DAY}::date
        and state in ('assigned', 'in_progress', 'on_hold')
      order by assigned_day, route_position, id`;
    expect(a.cases.map((c) => c.case.id)).toEqual(rows.map((r) => r.id));
    expect(a.cases.length).toBe(10);
    expect(a.capacityMinutes).toBe(480);
    expect(a.skills).toEqual(['POTHOLE', 'SIDEWALK', 'DEBRIS']);
    // A crew with no skills listed works every type of its department.
    const sanitation = await board(as.otherLead!);
    expect(crewOf(sanitation, 'sanitation-s').skills.sort()).toEqual(['DUMPING', 'GRAFFITI', 'MISSED_PICKUP']);
  });

  it('loads each crew with its service minutes and the travel from its yard, case by case, and back', async () => {
    const b = await board();
    for (const crew of b.crews) {
      const service = crew.cases.reduce((s, c) => s + c.serviceMinutes, 0);
      const stops = [crew.start, ...crew.cases.map((c) => c.case), crew.start];
      let metres = 0;
      for (let i = 1; i < stops.length; i++) metres += haversineMetres(stops[i - 1]!, stops[i]!);
      expect(crew.load.serviceMinutes).toBe(service);
      expect(crew.load.routeKm).toBeCloseTo(metres / 1000, 1);
      expect(crew.load.travelMinutes).toBeCloseTo((metres / 1000 / CITY_SPEED_KMH) * 60, 0);
      expect(crew.load.routeKm).toBeGreaterThan(0);
    }
    const types = new Map(b.serviceTypes.map((s) => [s.code, s]));
    for (const c of crewOf(b, 'streets-a').cases) {
      const type = types.get(c.case.serviceCode)!;
      expect(c.serviceMinutes).toBe(type.estimatedMinutes);
      // Every demo case carries the due date intake gave it: the report's time + the SLA.
      const due = Date.parse(c.case.requestedAt) + type.slaDays * 86_400_000;
      expect(Date.parse(c.case.expectedAt!)).toBe(due);
      expect(Date.parse(c.slaDueAt)).toBe(due);
      expect(c.overdue).toBe(due < Date.now() && !['fixed', 'closed_not_fixed'].includes(c.case.state));
    }
    // The demo's case forgotten for months is overdue.
    expect(crewOf(b, 'streets-a').cases.some((c) => c.overdue)).toBe(true);
  });

  it("reads a case's own due date, as a lead moved it, for Overdue and the overdue filter", async () => {
    const late = (await board()).unassigned.find((u) => u.overdue)!;
    const later = new Date(Date.now() + 3 * 86_400_000);
    await t.db.sql`update cases set expected_at = ${later} where id = ${late.case.id}`;
    const after = (await board()).unassigned.find((u) => u.case.id === late.case.id)!;
    expect([after.overdue, Date.parse(after.slaDueAt)]).toEqual([false, later.getTime()]);
    const overdueOnly = await board(as.lead!, `date=${DAY}&overdue=true`);
    expect(overdueOnly.unassigned.map((u) => u.case.id)).not.toContain(late.case.id);
    // And the other way: a recent case whose due date was pulled in is overdue.
    const early = new Date(Date.now() - 60_000);
    await t.db.sql`update cases set requested_at = now(), expected_at = ${early} where id = ${late.case.id}`;
    const pulledIn = (await board(as.lead!, `date=${DAY}&overdue=true`)).unassigned.find(
      (u) => u.case.id === late.case.id,
    );
    expect(pulledIn?.overdue).toBe(true);
    await t.db.sql`
      update cases set requested_at = ${late.case.requestedAt}, expected_at = ${late.case.expectedAt}
      where id = ${late.case.id}`;
  });

  it("the demo crews' routes do not cross themselves", async () => {
    for (const who of [as.lead!, as.otherLead!]) {
      for (const crew of (await board(who)).crews) {
        const pts = [crew.start, ...crew.cases.map((c) => c.case), crew.start].map((p) => [p.long, p.lat] as const);
        const crossings: string[] = [];
        for (let i = 0; i + 1 < pts.length; i++) {
          for (let k = i + 2; k + 1 < pts.length; k++) {
            if (i === 0 && k + 1 === pts.length - 1) continue; // the two legs meet at the yard
            if (segmentsCross(pts[i]!, pts[i + 1]!, pts[k]!, pts[k + 1]!)) crossings.push(`${i}-${k}`);
          }
        }
        expect(crossings, crew.id).toEqual([]);
      }
    }
  });

  it('lists the open unassigned cases of the department only, oldest first, with no receipt', async () => {
    const b = await board();
    const streetsTypes = new Set(b.serviceTypes.map((s) => s.code));
    expect(b.unassigned.length).toBeGreaterThan(0);
    for (const u of b.unassigned) {
      expect(u.case.crewId).toBeNull();
      expect(streetsTypes.has(u.case.serviceCode)).toBe(true);
      expect(u.delivery).toBeNull();
    }
    const times = b.unassigned.map((u) => Date.parse(u.case.requestedAt));
    expect(times).toEqual([...times].sort((x, y) => x - y));
    const [row] = await t.db.sql<{ n: number }[]>`
      select count(*)::int as n from cases c join service_types st on st.code = c.service_code
      where st.department_id = 'streets' and c.assigned_crew_id is null
        and c.state in ('new', 'assigned', 'in_progress', 'on_hold')`;
    expect(b.unassigned.length).toBe(row!.n);
    expect(b.unassignedTotal).toBe(row!.n);
    // Past the limit the queue holds the oldest, and says how many there are in all.
    const capped = await findUnassigned(t.db.sql, 'streets', { limit: 2 });
    expect(capped.rows.map((r) => r.record.id)).toEqual(b.unassigned.slice(0, 2).map((u) => u.case.id));
    expect(capped.total).toBe(row!.n);
    expect((await findUnassigned(t.db.sql, 'no-such-department')).total).toBe(0);
    expect(b.districts.length).toBe(5);
    expect(new Set(b.serviceTypes.map((s) => s.departmentId))).toEqual(new Set(['streets']));
  });

  it("narrows the queue by the lead's filters, so cases past the queue's cap can be reached", async () => {
    // The demo's queue is all of normal priority, and all overdue by the real clock the board
    // reads: one urgent case and one reported just now make those filters tell.
    const [urgent, fresh] = (await board()).unassigned;
    await t.db.sql`update cases set priority = 'urgent' where id = ${urgent!.case.id}`;
    await t.db
      .sql`update cases set requested_at = now(), expected_at = now() + interval '3 days' where id = ${fresh!.case.id}`;
    const whole = await board();
    const queue = whole.unassigned;
    expect(queue.length).toBeGreaterThan(8);
    const some = <T>(values: T[]) => values.find((v, _, all) => all.filter((x) => x === v).length >= 2)!;
    const district = some(queue.map((u) => u.case.districtId).filter((d) => d !== null));
    const type = some(queue.map((u) => u.case.serviceCode));
    const priority = 'urgent';
    const ages = queue.map((u) => Math.floor((Date.now() - Date.parse(u.case.requestedAt)) / 86_400_000)).sort();
    const minAgeDays = ages[Math.floor(ages.length / 2)]!;
    const cases: [string, (u: (typeof queue)[number]) => boolean][] = [
      [`district=${district}`, (u) => u.case.districtId === district],
      [`type=${type}`, (u) => u.case.serviceCode === type],
      [`priority=${priority}`, (u) => u.case.priority === priority],
      [`minAgeDays=${minAgeDays}`, (u) => Date.parse(u.case.requestedAt) <= Date.now() - minAgeDays * 86_400_000],
      ['overdue=true', (u) => u.overdue],
      [`type=${type}&district=${district}`, (u) => u.case.serviceCode === type && u.case.districtId === district],
    ];
    for (const [filter, keeps] of cases) {
      const narrowed = await board(as.lead!, `date=${DAY}&${filter}`);
      const want = queue.filter(keeps).map((u) => u.case.id);
      expect(want.length, filter).toBeLessThan(queue.length);
      if (!filter.includes('&')) expect(want.length, filter).toBeGreaterThan(0);
      expect(
        narrowed.unassigned.map((u) => u.case.id),
        filter,
      ).toEqual(want);
      expect(narrowed.unassignedTotal, filter).toBe(want.length);
      // The crews' routes are whole whatever the filter.
      expect(
        narrowed.crews.map((c) => c.cases.length),
        filter,
      ).toEqual(whole.crews.map((c) => c.cases.length));
    }
    // With a cap: the oldest that match, and how many match in all.
    const capped = await findUnassigned(t.db.sql, 'streets', { filter: { type }, limit: 1 });
    expect(capped.rows.map((r) => r.record.id)).toEqual(
      queue
        .filter((u) => u.case.serviceCode === type)
        .slice(0, 1)
        .map((u) => u.case.id),
    );
    expect(capped.total).toBe(queue.filter((u) => u.case.serviceCode === type).length);
  });

  it('refuses a filter it cannot read, naming it', async () => {
    for (const [query, field] of [
      ['priority=soon', 'priority'],
      ['minAgeDays=-3', 'minAgeDays'],
      ['minAgeDays=two', 'minAgeDays'],
      ['overdue=yes', 'overdue'],
      ['district=', 'district'],
    ] as const) {
      const res = await get(`/api/dispatch/board?date=${DAY}&${query}`, as.lead!);
      expect(res.status, query).toBe(400);
      expect(JSON.stringify(res.body), query).toContain(field);
    }
  });

  it('takes a case back onto an earlier day (an undo of a move): it shows among that day’s, before the board’s day', async () => {
    const a = crewOf(await board(), 'streets-a');
    const leftovers = a.cases.filter((c) => c.case.assignedDay! < DAY);
    expect(leftovers.length).toBe(2);
    const yesterday = leftovers[0]!.case.assignedDay!;
    const todays = a.cases.find((c) => c.case.assignedDay === DAY && c.case.state === 'assigned')!.case;
    const desk = new TestDevice(server.url, as.lead!, 'desk-undo-day');
    desk.seen.set(todays.id, todays.version);
    const [outcome] = await desk.send(
      desk.make('assign', todays.id, { crewId: 'streets-a', day: yesterday, position: 2 }),
    );
    expect(outcome!.outcome).toBe('applied');
    const after = crewOf(await board(), 'streets-a');
    expect(after.cases.slice(0, 3).map((c) => c.case.id)).toEqual([
      leftovers[0]!.case.id,
      todays.id,
      leftovers[1]!.case.id,
    ]);
    const back = after.cases[1]!.case;
    expect(back).toMatchObject({ assignedDay: yesterday, routePosition: 2, state: 'assigned' });
    // No "scheduled" notice again: it was already on the crew's route.
    const [notices] = await t.db.sql<{ n: number }[]>`
      select count(*)::int as n from notification_outbox where case_id = ${todays.id} and template = 'scheduled'
        and created_at > now() - interval '1 minute'`;
    expect(notices!.n).toBe(0);
  });

  it('a batch of moves lands in the order the board sent them: each case placed at its turn, not the batch’s day changes first', async () => {
    // Crew B's column: yesterday's two, then today's. The desk takes yesterday's two to the end
    // of today, after moving today's first case to the end, in one batch (as "Order this
    // route" does). Before, every day change of the batch was written first, so the first
    // placements counted cases that joined the day only later in the batch.
    const b = crewOf(await board(), 'streets-b');
    const leftovers = b.cases.filter((c) => c.case.assignedDay! < DAY).map((c) => c.case);
    const todays = b.cases.filter((c) => c.case.assignedDay === DAY).map((c) => c.case);
    expect(leftovers.length).toBe(2);
    expect(todays.length).toBeGreaterThanOrEqual(3);
    const desk = new TestDevice(server.url, as.lead!, 'desk-batch-order');
    for (const c of b.cases) desk.seen.set(c.case.id, c.case.version);
    const n = todays.length;
    const outcomes = await desk.send(
      desk.make('reorder', todays[0]!.id, { position: n }),
      desk.make('assign', leftovers[0]!.id, { crewId: 'streets-b', day: DAY, position: n + 1 }),
      desk.make('reorder', todays[1]!.id, { position: n + 1 }),
      desk.make('assign', leftovers[1]!.id, { crewId: 'streets-b', day: DAY, position: n + 2 }),
    );
    expect(outcomes.map((o) => o.outcome)).toEqual(['applied', 'applied', 'applied', 'applied']);
    const after = crewOf(await board(), 'streets-b').cases.map((c) => c.case);
    expect(after.map((c) => c.id)).toEqual([
      ...todays.slice(2).map((c) => c.id),
      todays[0]!.id,
      leftovers[0]!.id,
      todays[1]!.id,
      leftovers[1]!.id,
    ]);
    expect(after.map((c) => c.routePosition)).toEqual(after.map((_, i) => i + 1));
    expect(after.every((c) => c.assignedDay === DAY)).toBe(true);
  });

  it('a batch that also takes a case off the route and notes another: the rest numbered 1…n, the noted one in its place', async () => {
    const b = crewOf(await board(), 'streets-b');
    const route = b.cases.filter((c) => c.case.assignedDay === DAY).map((c) => c.case);
    expect(route.length).toBeGreaterThanOrEqual(4);
    const n = route.length;
    const desk = new TestDevice(server.url, as.lead!, 'desk-batch-leaving');
    for (const c of route) desk.seen.set(c.id, c.version);
    const outcomes = await desk.send(
      desk.make('add_note', route[2]!.id, { text: 'Cones left at the corner.' }),
      desk.make('unassign', route[0]!.id, {}),
      desk.make('reorder', route[1]!.id, { position: n - 1 }),
    );
    expect(outcomes.map((o) => o.outcome)).toEqual(['applied', 'applied', 'applied']);
    const after = crewOf(await board(), 'streets-b').cases.map((c) => c.case);
    expect(after.map((c) => c.id)).toEqual([...route.slice(2).map((c) => c.id), route[1]!.id]);
    expect(after.map((c) => c.routePosition)).toEqual(after.map((_, i) => i + 1));
    const [gone] = await t.db.sql<{ crew: string | null; position: number | null }[]>`
      select assigned_crew_id as crew, route_position as position from cases where id = ${route[0]!.id}`;
    expect(gone).toEqual({ crew: null, position: null });
  });

  it("a later day's board and balance leave today's open work on today: a plan for tomorrow cannot pull it off the crew's tablet", async () => {
    // The server's today is the city's real one (the board reads the clock): put one of crew
    // A's cases on it, and one on the day after, for the length of this test.
    const today = cityDate(new Date(), t.config.cityTimeZone);
    const tomorrow = new Date(Date.parse(`${today}T12:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
    const dayAfter = new Date(Date.parse(`${today}T12:00:00Z`) + 2 * 86_400_000).toISOString().slice(0, 10);
    const [todays, tomorrows] = await t.db.sql<{ id: string; assigned_day: string }[]>`
      select id::text, assigned_day::text from cases
      where assigned_crew_id = 'streets-a' and state = 'assigned' order by id limit 2`;
    try {
      await t.db.sql`update cases set assigned_day = ${today}::date where id = ${todays!.id}`;
      await t.db.sql`update cases set assigned_day = ${tomorrow}::date where id = ${tomorrows!.id}`;
      const ids = async (date: string) =>
        crewOf(await board(as.lead!, `date=${date}`), 'streets-a').cases.map((c) => c.case.id);
      // Today's board has it; tomorrow's has only tomorrow's; the day after carries tomorrow's
      // (not started yet, so a plan may still move it).
      expect(await ids(today)).toContain(todays!.id);
      expect((await board(as.lead!, `date=${tomorrow}`)).today).toBe(today); // the board's replay follows it too
      expect(await ids(tomorrow)).not.toContain(todays!.id);
      expect(await ids(tomorrow)).toContain(tomorrows!.id);
      expect(await ids(dayAfter)).toEqual(expect.arrayContaining([tomorrows!.id]));
      expect(await ids(dayAfter)).not.toContain(todays!.id);
      // A balance of tomorrow neither moves nor counts today's case.
      const res = await fetch(`${server.url}/api/dispatch/balance`, {
        method: 'POST',
        headers: { ...as.lead!, 'content-type': 'application/json' },
        body: JSON.stringify({ date: tomorrow, timeLimitMs: 200 }),
      });
      expect(res.status).toBe(200);
      const plan = BalanceResponse.parse(await res.json());
      expect(plan.changes.map((c) => c.caseId)).not.toContain(todays!.id);
      expect(plan.unplaced.map((c) => c.caseId)).not.toContain(todays!.id);
    } finally {
      await t.db.sql`update cases set assigned_day = ${todays!.assigned_day}::date where id = ${todays!.id}`;
      await t.db.sql`update cases set assigned_day = ${tomorrows!.assigned_day}::date where id = ${tomorrows!.id}`;
    }
  });

  it("never carries the residents' contact details", async () => {
    const res = await fetch(`${server.url}/api/dispatch/board?date=${DAY}`, { headers: as.lead });
    const text = await res.text();
    const reporters = await t.db.sql<{ email: string; phone: string | null }[]>`
      select r.email, r.phone from case_reporters r where r.email is not null`;
    expect(reporters.length).toBeGreaterThan(100);
    for (const r of reporters) {
      expect(text).not.toContain(r.email);
      if (r.phone) expect(text).not.toContain(r.phone);
    }
  });

  it('refuses workers and other departments through the access model; an admin names the department', async () => {
    expect((await get(`/api/dispatch/board?date=${DAY}`, as.worker!)).status).toBe(403);
    expect((await get(`/api/dispatch/board?date=${DAY}&department=streets`, as.otherLead!)).status).toBe(403);
    const noDept = await get(`/api/dispatch/board?date=${DAY}`, as.admin!);
    expect(noDept.status).toBe(400);
    expect(JSON.stringify(noDept.body)).toMatch(/department/);
    expect((await board(as.admin!, `date=${DAY}&department=forestry`)).crews.map((c) => c.id)).toEqual(['forestry']);
    expect((await get(`/api/dispatch/board?date=${DAY}&department=nope`, as.admin!)).status).toBe(404);
    expect((await get('/api/dispatch/board', as.lead!)).status).toBe(400); // no date
    const bad = await get('/api/dispatch/board?date=2026-13-45', as.lead!);
    expect(bad.status).toBe(400);
    expect((bad.body as { error: { code: string; message: string } }).error).toMatchObject({ code: 'invalid-query' });
    expect((await get(`/api/dispatch/board?date=${DAY}`, {})).status).toBe(401);
  });
});

describe('delivery receipts', () => {
  it("a case is on the crew's device from the first pull that reached its change; a later move waits for the next", async () => {
    const before = await board();
    for (const c of crewOf(before, 'streets-a').cases) {
      expect(c.delivery).toEqual({ state: 'waiting', crewLastSyncedAt: null });
    }
    const tablet = new TestDevice(server.url, as.worker!, 'tablet-a');
    const t0 = Date.now();
    const { cursor } = await tablet.pullAll();
    const t1 = Date.now();
    const after = crewOf(await board(), 'streets-a');
    expect(after.lastSyncedAt).not.toBeNull();
    for (const c of after.cases) {
      expect(c.delivery?.state, c.case.id).toBe('on-device');
      const since = Date.parse((c.delivery as { since: string }).since);
      expect(since).toBeGreaterThanOrEqual(t0 - 1000);
      expect(since).toBeLessThanOrEqual(t1 + 1000);
    }
    // Crew B's device has not synced: its cases wait, and say so.
    for (const c of crewOf(await board(), 'streets-b').cases) expect(c.delivery?.state).toBe('waiting');

    // The lead moves one of crew A's cases up the route: it waits until the tablet pulls again.
    const moved = after.cases[4]!.case;
    const desk = new TestDevice(server.url, as.lead!, 'desk');
    desk.seen.set(moved.id, moved.version);
    const [outcome] = await desk.send(desk.make('set_priority', moved.id, { priority: 'urgent' }));
    expect(outcome!.outcome).toBe('applied');
    const waiting = crewOf(await board(), 'streets-a');
    const movedNow = waiting.cases.find((c) => c.case.id === moved.id)!;
    expect(movedNow.delivery).toEqual({ state: 'waiting', crewLastSyncedAt: waiting.lastSyncedAt });
    const firstSince = (waiting.cases[0]!.delivery as { since: string }).since;

    await new Promise((r) => setTimeout(r, 20));
    await tablet.pullAll(cursor);
    const again = crewOf(await board(), 'streets-a');
    const movedAgain = again.cases.find((c) => c.case.id === moved.id)!;
    expect(movedAgain.delivery?.state).toBe('on-device');
    expect(Date.parse((movedAgain.delivery as { since: string }).since)).toBeGreaterThan(Date.parse(firstSince));
    // The others have been on the device since the first pull.
    expect((again.cases[0]!.delivery as { since: string }).since).toBe(firstSince);
  });

  it('a device polling an unchanged log writes no receipt for 30 s; any change, or a new cursor, does', async () => {
    const tablet = new TestDevice(server.url, as.workerB!, 'tablet-b-idle');
    const { cursor } = await tablet.pullAll();
    const receipt = async () =>
      (
        await t.db.sql<{ pulled_at: Date; cursor: string }[]>`
          select pulled_at, cursor::text from device_syncs where client_id = ${tablet.clientId}`
      )[0]!;
    const first = await receipt();
    await new Promise((r) => setTimeout(r, 20));
    await tablet.pull(cursor); // nothing new
    expect(await receipt()).toEqual(first);
    // A change of crew B's brings the next pull a case: its receipt is written at once.
    const c = crewOf(await board(), 'streets-b').cases[0]!.case;
    const desk = new TestDevice(server.url, as.lead!, 'desk-idle');
    desk.seen.set(c.id, c.version);
    await desk.send(desk.make('set_priority', c.id, { priority: 'high' }));
    const page = await tablet.pull(cursor);
    expect(page.cases.map((x) => x.id)).toContain(c.id);
    const second = await receipt();
    expect(second.cursor).toBe(page.cursor);
    expect(second.pulled_at.getTime()).toBeGreaterThan(first.pulled_at.getTime());
  });

  it("a device's first pull here that brings nothing still writes its receipt (after a restart, say)", async () => {
    const { cursor } = await new TestDevice(server.url, as.workerB!, 'tablet-b-before').pullAll();
    // Another device of the crew, already at the head: this instance has no receipt of it in memory.
    const tablet = new TestDevice(server.url, as.workerB!, 'tablet-b-restarted');
    const page = await tablet.pull(cursor);
    expect(page).toMatchObject({ cursor, cases: [], departures: [], outcomes: [] });
    const rows = await t.db.sql<{ cursor: string }[]>`
      select cursor::text from device_syncs where client_id = ${tablet.clientId}`;
    expect(rows).toEqual([{ cursor }]);
  });

  it("a pull that brings only the device's own outcomes is a delivery, logged at its cursor", async () => {
    const tablet = new TestDevice(server.url, as.workerB!, 'tablet-b-outcomes');
    const { cursor } = await tablet.pullAll();
    const c = crewOf(await board(), 'streets-b').cases[1]!.case;
    tablet.seen.set(c.id, c.version);
    // A note (it changes no case row): its answer is lost, and the next pull brings its outcome.
    expect((await tablet.push([tablet.make('add_note', c.id, { text: 'Cones out.' })])).status).toBe(200);
    const page = await tablet.pull(cursor);
    expect({ cases: page.cases.length, departures: page.departures.length, outcomes: page.outcomes.length }).toEqual({
      cases: 0,
      departures: 0,
      outcomes: 1,
    });
    const logged = await t.db.sql<{ cursor: string }[]>`
      select cursor::text from device_pull_log where client_id = ${tablet.clientId}`;
    expect(logged.map((r) => r.cursor)).toContain(page.cursor);
  });

  it("a lead's own pulls are no crew's receipts", async () => {
    const desk = new TestDevice(server.url, as.lead!, 'desk-2');
    await desk.pullAll();
    const [row] = await t.db.sql<
      { n: number }[]
    >`select count(*)::int as n from device_syncs where user_id = 'u-lead-streets'`;
    expect(row!.n).toBe(0);
  });
});

describe('POST /api/sync/position', () => {
  const post = (who: Record<string, string>, body: unknown) =>
    fetch(`${server.url}/api/sync/position`, {
      method: 'POST',
      headers: { ...who, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });

  it("keeps a worker's report as the crew's position, newest only, shown on the board", async () => {
    const at = new Date(Date.now() - 1000).toISOString();
    expect((await post(as.workerB!, { lat: 42.351, long: -86.961, at })).status).toBe(204);
    expect(crewOf(await board(), 'streets-b').position).toEqual({ lat: 42.351, long: -86.961, at });
    // An older report (sent late, after a dead zone) does not move the crew back.
    const older = new Date(Date.now() - 60_000).toISOString();
    expect((await post(as.workerB!, { lat: 42.36, long: -86.97, at: older })).status).toBe(204);
    expect(crewOf(await board(), 'streets-b').position?.lat).toBe(42.351);
    // A device clock in the future is taken as now.
    const future = new Date(Date.now() + 3_600_000).toISOString();
    expect((await post(as.workerB!, { lat: 42.352, long: -86.962, at: future })).status).toBe(204);
    const p = crewOf(await board(), 'streets-b').position!;
    expect(p.lat).toBe(42.352);
    expect(Date.parse(p.at)).toBeLessThanOrEqual(Date.now());
  });

  it('keeps nothing for a crew that does not share its position, and hides what it had', async () => {
    await t.db.sql`update crews set shares_position = false where id = 'streets-a'`;
    try {
      expect(crewOf(await board(), 'streets-a').position).toBeNull();
      const before = await t.db.sql`select * from crew_positions where crew_id = 'streets-a'`;
      const res = await post(as.worker!, { lat: 42.3, long: -86.9, at: new Date().toISOString() });
      expect(res.status).toBe(204);
      expect(await t.db.sql`select * from crew_positions where crew_id = 'streets-a'`).toEqual(before);
    } finally {
      await t.db.sql`update crews set shares_position = true where id = 'streets-a'`;
    }
  });

  it('refuses leads and admins, and bad positions with a 400 naming the field', async () => {
    const at = new Date().toISOString();
    expect((await post(as.lead!, { lat: 42.3, long: -86.9, at })).status).toBe(403);
    expect((await post(as.admin!, { lat: 42.3, long: -86.9, at })).status).toBe(403);
    const bad = await post(as.worker!, { lat: 142.3, long: -86.9, at });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { message: string } }).error.message).toMatch(/lat/);
    expect((await post(as.worker!, { lat: 42.3, long: -86.9, at: 'yesterday' })).status).toBe(400);
    expect((await post({}, { lat: 42.3, long: -86.9, at })).status).toBe(401);
  });
});

describe('a board of 2,000 cases', () => {
  it('loads in a few queries, fast', async () => {
    // 1,600 more cases on the two crews' routes and 400 more unassigned.
    await t.db.sql`
      insert into cases (service_code, description, lat, long, address, state, assigned_crew_id, assigned_day, route_position, requested_at)
      select (array['POTHOLE', 'SIDEWALK', 'DEBRIS'])[1 + g % 3], 'Load case', 42.34 + (g % 97) * 0.0003,
        -86.99 + (g % 89) * 0.0004, g || ' Load St',
        case when g <= 1600 then 'assigned' else 'new' end,
        case when g > 1600 then null when g % 2 = 0 then 'streets-a' else 'streets-b' end,
        case when g <= 1600 then ${DAY}::date end,
        case when g <= 1600 then 100 + g end,
        now() - (g || ' minutes')::interval
      from generate_series(1, 2000) g`;
    await board(); // warm
    const times: number[] = [];
    for (let i = 0; i < 5; i++) {
      const t0 = performance.now();
      const b = await board();
      times.push(performance.now() - t0);
      expect(b.crews.reduce((n, c) => n + c.cases.length, 0) + b.unassigned.length).toBeGreaterThan(2000);
    }
    times.sort((x, y) => x - y);
    console.log(`board of ${2000}+ cases: median ${times[2]!.toFixed(0)} ms over HTTP`);
    expect(times[2]).toBeLessThan(1500);
  });
});

function segmentsCross(
  a: readonly [number, number],
  b: readonly [number, number],
  c: readonly [number, number],
  d: readonly [number, number],
): boolean {
  const orient = (p: readonly [number, number], q: readonly [number, number], r: readonly [number, number]) =>
    Math.sign((q[0] - p[0]) * (r[1] - p[1]) - (q[1] - p[1]) * (r[0] - p[0]));
  return orient(a, b, c) * orient(a, b, d) < 0 && orient(c, d, a) * orient(c, d, b) < 0;
}
