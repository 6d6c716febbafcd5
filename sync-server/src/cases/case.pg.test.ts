import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CaseEvent, CaseRecord, DayResponse } from '@fieldfix/shared';
import { createTestApp, type TestApp } from '../../test/test-app.ts';

describe("a crew's day and its cases", () => {
  let t: TestApp;
  let worker: Record<string, string>;
  let lead: Record<string, string>;
  beforeAll(async () => {
    t = await createTestApp();
    worker = await t.login('worker@riverton.example');
    lead = await t.login('lead@riverton.example');
  });
  afterAll(() => t.close());

  const day = async (headers: Record<string, string>, query = '') => {
    const res = await t.app.request(`/api/day${query}`, { headers });
    return { status: res.status, body: (await res.json()) as DayResponse & { error?: { code: string } } };
  };

  it("gives a worker their own crew's open work in route order, leftovers first", async () => {
    const { status, body } = await day(worker, '?date=2026-06-10');
    expect(status).toBe(200);
    expect(body.crew.id).toBe('streets-a');
    const open = body.cases.filter((c) => ['assigned', 'in_progress', 'on_hold'].includes(c.state));
    expect(open).toHaveLength(10);
    expect(open.every((c) => c.crewId === 'streets-a' && c.assignedDay! <= '2026-06-10')).toBe(true);
    const order = open.map((c) => `${c.assignedDay}#${String(c.routePosition).padStart(3, '0')}`);
    expect(order).toEqual([...order].sort());
    expect(open[0]!.assignedDay).toBe('2026-06-09');
    // The two jobs closed this morning are listed as done.
    expect(body.cases.filter((c) => c.state === 'fixed')).toHaveLength(2);
    expect(body.serviceTypes.map((s) => s.code)).toContain('POTHOLE');
  });

  it("keeps a worker out of another crew's day", async () => {
    const { status, body } = await day(worker, '?crew=forestry');
    expect(status).toBe(403);
    expect(body.error!.code).toBe('case-not-in-scope');
  });

  it("lets a lead see their department's crews only, and asks a lead to name the crew", async () => {
    expect((await day(lead, '?crew=streets-b')).status).toBe(200);
    expect((await day(lead, '?crew=forestry')).status).toBe(403);
    const noCrew = await day(lead);
    expect(noCrew.status).toBe(400);
    expect(noCrew.body.error!.code).toBe('invalid-query');
    expect((await day(lead, '?crew=no-such-crew')).status).toBe(404);
    expect((await day(lead, '?crew=streets-a&date=2026-13-45')).status).toBe(400);
  });

  it("never sends a reporter's contact details to staff devices", async () => {
    const reporters = await t.db.sql<{ email: string | null; phone: string | null; last_name: string | null }[]>`
      select r.email, r.phone, r.last_name from case_reporters r join cases c on c.id = r.case_id
      where c.assigned_crew_id = 'streets-a'`;
    const secrets = reporters
      .flatMap((r) => [r.email, r.phone, r.last_name])
      .filter((s): s is string => !!s && s.length > 3);
    expect(secrets.length).toBeGreaterThan(5);
    const res = await t.app.request('/api/day?date=2026-06-10', { headers: worker });
    const text = await res.text();
    const body = JSON.parse(text) as DayResponse;
    const detail = await t.app.request(`/api/cases/${body.cases[0]!.id}`, { headers: worker });
    const all = text + (await detail.text());
    for (const s of secrets) expect(all).not.toContain(s);
  });

  it('shows a case in scope with its whole history, oldest first', async () => {
    const { body } = await day(worker, '?date=2026-06-10');
    const held = body.cases.find((c) => c.state === 'on_hold')!;
    const res = await t.app.request(`/api/cases/${held.id}`, { headers: worker });
    expect(res.status).toBe(200);
    const detail = (await res.json()) as { case: CaseRecord; events: CaseEvent[] };
    expect(detail.case.holdReason).toBeTruthy();
    expect(detail.events.map((e) => e.kind)).toEqual(['reported', 'assigned', 'started', 'held']);
    expect(detail.events.length).toBe(detail.case.version);
  });

  it('answers 404 for a missing case, 400 for a malformed id, 403 out of scope', async () => {
    expect((await t.app.request('/api/cases/999999', { headers: worker })).status).toBe(404);
    const bad = await t.app.request('/api/cases/1;drop', { headers: worker });
    expect(bad.status).toBe(400);
    const [other] = await t.db.sql<
      { id: string }[]
    >`select id::text from cases where assigned_crew_id = 'forestry' limit 1`;
    const res = await t.app.request(`/api/cases/${other!.id}`, { headers: worker });
    expect(res.status).toBe(403);
    const admin = await t.login('admin@riverton.example');
    expect((await t.app.request(`/api/cases/${other!.id}`, { headers: admin })).status).toBe(200);
  });
});
