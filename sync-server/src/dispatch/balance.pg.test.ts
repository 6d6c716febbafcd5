import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BalanceResponse, BoardResponse } from '@fieldfix/shared';
import { createTestApp, TEST_NOW, type TestApp } from '../../test/test-app.ts';
import { listen, TestDevice } from '../../test/sync-client.ts';

// Balancing over real HTTP on the demo day: the plan keeps every case exactly once, keeps
// work in progress with its crew, respects skills, and its accepted changes are ordinary
// sync mutations.

const DAY = TEST_NOW.toISOString().slice(0, 10);
let t: TestApp;
let server: { url: string; close(): Promise<void> };
const as: Record<string, Record<string, string>> = {};

beforeAll(async () => {
  t = await createTestApp();
  server = await listen(t);
  as.lead = await t.login('lead@riverton.example');
  as.otherLead = await t.login('lead.sanitation@riverton.example');
  as.worker = await t.login('worker@riverton.example');
});
afterAll(async () => {
  await server?.close();
  await t?.close();
});

async function balance(body: unknown, who = as.lead!) {
  const res = await fetch(`${server.url}/api/dispatch/balance`, {
    method: 'POST',
    headers: { ...who, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as unknown };
}

async function board(): Promise<BoardResponse> {
  const res = await fetch(`${server.url}/api/dispatch/board?date=${DAY}`, { headers: as.lead });
  return BoardResponse.parse(await res.json());
}

describe('POST /api/dispatch/balance', () => {
  it('suggests a plan that keeps every case once, work in progress with its crew, within skills', async () => {
    // Crew B no longer does sidewalks: its sidewalk cases must go to crew A.
    await t.db.sql`update crews set skills = ${['POTHOLE', 'DEBRIS']} where id = 'streets-b'`;
    const before = await board();
    const res = await balance({ date: DAY, timeLimitMs: 300 });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const plan = BalanceResponse.parse(res.body);
    // The routes after the plan: the board's, with the changes applied.
    const routes = new Map(before.crews.map((c) => [c.id, c.cases.map((x) => x.case.id)]));
    const byId = new Map(before.crews.flatMap((c) => c.cases.map((x) => [x.case.id, x] as const)));
    for (const ch of plan.changes) {
      const x = byId.get(ch.caseId)!;
      expect(ch.baseVersion).toBe(x.case.version);
      expect(ch.fromCrewId).toBe(x.case.crewId);
      expect(routes.get(ch.fromCrewId!)!.indexOf(ch.caseId) + 1).toBe(ch.fromPosition);
    }
    const after = new Map(plan.after.map((f) => [f.crewId, f]));
    const all = before.crews.flatMap((c) => c.cases.map((x) => x.case.id)).sort();
    expect(plan.after.reduce((n, f) => n + f.cases, 0)).toBe(all.length);
    const moved = new Map(plan.changes.map((c) => [c.caseId, c]));
    for (const crew of before.crews) {
      for (const x of crew.cases) {
        const to = moved.get(x.case.id)?.toCrewId ?? crew.id;
        if (x.case.state === 'in_progress' || x.case.state === 'on_hold') expect(to, x.case.id).toBe(crew.id);
        if (to === 'streets-b' && !plan.unplaced.some((u) => u.caseId === x.case.id)) {
          expect(['POTHOLE', 'DEBRIS'], x.case.id).toContain(x.case.serviceCode);
        }
      }
    }
    // Figures before are the board's loads.
    for (const f of plan.before) {
      const crew = before.crews.find((c) => c.id === f.crewId)!;
      expect(f).toMatchObject({ serviceMinutes: crew.load.serviceMinutes, routeKm: crew.load.routeKm });
    }
    expect(after.size).toBe(2);
    expect(plan.solveMs).toBeGreaterThan(0);
  });

  it("orders one crew's route without moving a case to another crew, no longer than before", async () => {
    const res = await balance({ date: DAY, mode: 'order-route', crewIds: ['streets-a'], timeLimitMs: 200 });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const plan = BalanceResponse.parse(res.body);
    for (const c of plan.changes) expect([c.fromCrewId, c.toCrewId]).toEqual(['streets-a', 'streets-a']);
    expect(plan.after[0]!.routeKm).toBeLessThanOrEqual(plan.before[0]!.routeKm + 1e-6);
    expect(plan.after[0]!.cases).toBe(plan.before[0]!.cases);
  });

  it('accepted changes are ordinary sync mutations', async () => {
    const plan = BalanceResponse.parse((await balance({ date: DAY, timeLimitMs: 200 })).body);
    const move = plan.changes.find((c) => c.fromCrewId !== c.toCrewId);
    if (!move) return; // nothing to move on this day: nothing to accept
    const desk = new TestDevice(server.url, as.lead!, 'desk-balance');
    desk.seen.set(move.caseId, move.baseVersion);
    const [outcome] = await desk.send(
      desk.make('assign', move.caseId, { crewId: move.toCrewId!, day: DAY, position: move.toPosition }),
    );
    expect(outcome!.outcome).toBe('applied');
    const after = await board();
    expect(after.crews.find((c) => c.id === move.toCrewId)!.cases.map((x) => x.case.id)).toContain(move.caseId);
  });

  it("an overloaded day is balanced with overtime: every case placed, the busiest crew's day shorter, the lead told", async () => {
    await t.db.sql`update crews set skills = ${['POTHOLE', 'SIDEWALK', 'DEBRIS']} where id = 'streets-b'`;
    const before = await board();
    // The demo day does not fit: both Streets crews have more work than hours.
    for (const crew of before.crews) expect(crew.load.serviceMinutes, crew.id).toBeGreaterThan(crew.capacityMinutes);
    const res = await balance({ date: DAY, timeLimitMs: 300 });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const plan = BalanceResponse.parse(res.body);
    expect(plan.overtime).toBe(true);
    expect(plan.unplaced).toEqual([]);
    const all = before.crews.flatMap((c) => c.cases.map((x) => x.case.id));
    expect(plan.after.reduce((n, f) => n + f.cases, 0)).toBe(all.length);
    const capacity = new Map(before.crews.map((c) => [c.id, c.capacityMinutes]));
    const load = (f: BalanceResponse['after'][number]) => f.serviceMinutes + f.travelMinutes;
    const shareGap = (fs: BalanceResponse['after']) => {
      const shares = fs.map((f) => load(f) / capacity.get(f.crewId)!);
      return Math.max(...shares) - Math.min(...shares);
    };
    expect(Math.max(...plan.after.map(load))).toBeLessThan(Math.max(...plan.before.map(load)));
    expect(shareGap(plan.after)).toBeLessThan(shareGap(plan.before));
    expect(shareGap(plan.after)).toBeLessThan(0.1);
    // Ordering one crew's route is never told the day does not fit.
    const one = BalanceResponse.parse(
      (await balance({ date: DAY, mode: 'order-route', crewIds: ['streets-a'], timeLimitMs: 100 })).body,
    );
    expect(one.overtime).toBe(false);
  });

  it('is for the department’s leads, and names what is wrong with a request', async () => {
    expect((await balance({ date: DAY }, as.worker!)).status).toBe(403);
    expect((await balance({ date: DAY, department: 'streets' }, as.otherLead!)).status).toBe(403);
    const unknownCrew = await balance({ date: DAY, crewIds: ['sanitation-n'] });
    expect(unknownCrew.status).toBe(400);
    expect(JSON.stringify(unknownCrew.body)).toMatch(/sanitation-n/);
    const two = await balance({ date: DAY, mode: 'order-route', crewIds: ['streets-a', 'streets-b'] });
    expect(two.status).toBe(400);
    expect(JSON.stringify(two.body)).toMatch(/exactly one crew/);
    const none = await balance({ date: DAY, crewIds: [] });
    expect(none.status).toBe(400);
    expect(JSON.stringify(none.body)).toMatch(/crewIds: Too small/);
    const slow = await balance({ date: DAY, timeLimitMs: 60_000 });
    expect(slow.status).toBe(400);
    expect(JSON.stringify(slow.body)).toMatch(/timeLimitMs/);
  });
});
