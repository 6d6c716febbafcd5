import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Outcome } from '@fieldfix/shared';
import { createTestApp, quietLogger, type TestApp } from '../../test/test-app.ts';
import { listen, TestDevice } from '../../test/sync-client.ts';

// Scenario tests of the reconciliation rules (shared/src/reconcile/SPEC.md), over real HTTP
// against PostgreSQL. Each test names the rule it checks.

let t: TestApp;
let server: { url: string; close(): Promise<void> };
let crewA: TestDevice; // Streets Crew A (worker@riverton.example)
let crewB: TestDevice; // Streets Crew B
let lead: TestDevice; // Streets lead
let otherLead: TestDevice; // Sanitation lead

beforeAll(async () => {
  t = await createTestApp();
  server = await listen(t);
  const [b] = await t.db.sql<
    { email: string }[]
  >`select email from users where crew_id = 'streets-b' order by id limit 1`;
  crewA = new TestDevice(server.url, await t.login('worker@riverton.example'), 'tablet-a');
  crewB = new TestDevice(server.url, await t.login(b!.email), 'tablet-b');
  lead = new TestDevice(server.url, await t.login('lead@riverton.example'), 'lead-desk');
  otherLead = new TestDevice(server.url, await t.login('lead.sanitation@riverton.example'), 'sanitation-desk');
  await Promise.all([crewA.pullAll(), crewB.pullAll(), lead.pullAll()]);
});
afterAll(async () => {
  if (quietLogger.errors.length) console.error('server errors:', quietLogger.errors);
  await server?.close();
  await t?.close();
});

/** A new case assigned to a crew for today, with its history, for one test alone. */
async function freshCase(crewId = 'streets-a', serviceCode?: string): Promise<string> {
  const code =
    serviceCode ?? (crewId.startsWith('streets') ? 'SIDEWALK' : crewId === 'forestry' ? 'TREE_TRIM' : 'MISSED_PICKUP');
  const [row] = await t.db.sql<{ id: string }[]>`
    insert into cases (service_code, description, lat, long, address, state, assigned_crew_id, assigned_day, route_position, version)
    values (${code}, 'Test case', 42.35, -86.97, '100 Test St', 'assigned', ${crewId}, '2026-06-10', 99, 2)
    returning id::text`;
  await t.db.sql`
    insert into case_events (case_id, kind, data, version, crew_id)
    values (${row!.id}, 'reported', '{}', 1, null), (${row!.id}, 'assigned', ${t.db.sql.json({ crewId })}, 2, ${crewId})`;
  return row!.id;
}

async function caseRow(id: string) {
  const [row] = await t.db.sql<
    { state: string; crew: string | null; version: number; merged_into_id: string | null; priority: string }[]
  >`
    select state, assigned_crew_id as crew, version, merged_into_id::text, priority from cases where id = ${id}`;
  return row!;
}

async function history(id: string) {
  return t.db.sql<
    { kind: string; outcome: string | null; mutation_id: string | null; data: Record<string, unknown> }[]
  >`
    select kind, outcome, mutation_id::text, data from case_events where case_id = ${id} order by id`;
}

async function notices(caseId: string, template: string): Promise<number> {
  const [row] = await t.db.sql<
    { n: number }[]
  >`select count(*)::int as n from notification_outbox where case_id = ${caseId} and template = ${template}`;
  return row!.n;
}

async function leadNotices(caseId: string): Promise<string[]> {
  const rows = await t.db.sql<
    { message: string }[]
  >`select message from lead_notices where case_id = ${caseId} order by id`;
  return rows.map((r) => r.message);
}

const fix = (resolutionCode = 'ground_down') => ({ resolutionCode, note: 'Done.', photoIds: [] as string[] });

describe('sync reconciliation rules', () => {
  it('[R1] a push whose response is lost is retried and takes effect once, with the original outcomes', async () => {
    const id = await freshCase();
    await crewA.pullAll();
    const batch = [
      crewA.make('start', id, {}),
      crewA.make('add_note', id, { text: 'Cones out.' }),
      crewA.make('fix', id, fix()),
    ];
    const first = await crewA.send(...batch);
    const eventsAfterFirst = (await history(id)).length;
    const retry = await crewA.send(...batch); // the first response never reached the device
    expect(retry).toEqual(first);
    expect(first.map((o) => o.outcome)).toEqual(['applied', 'applied', 'applied']);
    expect((await history(id)).length).toBe(eventsAfterFirst);
    expect(await notices(id, 'fixed')).toBe(1);
    const [row] = await t.db.sql<
      { n: number }[]
    >`select count(*)::int as n from mutations where id = any(${batch.map((m) => m.id)}::uuid[])`;
    expect(row!.n).toBe(3);
  });

  it('[R1] the same batch pushed twice at once (a retry racing the first request) takes effect once', async () => {
    const id = await freshCase();
    await crewA.pullAll();
    const batch = [crewA.make('start', id, {}), crewA.make('add_note', id, { text: 'Racing.' })];
    const [a, b] = await Promise.all([crewA.send(...batch), crewA.send(...batch)]);
    expect(a).toEqual(b);
    expect(a.map((o) => o.outcome)).toEqual(['applied', 'applied']);
    expect((await history(id)).filter((e) => e.mutation_id && batch.some((m) => m.id === e.mutation_id))).toHaveLength(
      2,
    );
  });

  it('[R1] the same mutation twice in one batch is decided once', async () => {
    const id = await freshCase();
    await crewA.pullAll();
    const note = crewA.make('add_note', id, { text: 'Twice?' });
    const [a, b] = await crewA.send(note, note);
    expect(b).toEqual(a);
    expect((await history(id)).filter((e) => e.kind === 'note')).toHaveLength(1);
  });

  it('[R2] a worker closes a case offline while the lead reassigns it: the close stands and the lead is told', async () => {
    const id = await freshCase();
    await crewA.pullAll(); // the tablet has the case, then loses signal
    const [move] = await lead.send(lead.make('assign', id, { crewId: 'streets-b', day: '2026-06-10', position: null }));
    expect(move!.outcome).toBe('applied');
    expect((await caseRow(id)).crew).toBe('streets-b');

    const [closed] = await crewA.send(crewA.make('fix', id, fix())); // signal returns
    expect(closed).toMatchObject({ outcome: 'applied', reason: null });
    const row = await caseRow(id);
    expect(row.state).toBe('fixed');
    expect(row.crew).toBe('streets-a'); // the case follows the crew that did the work
    expect((await leadNotices(id)).join(' ')).toMatch(/fixed in the field .* move is superseded/);
    expect(await notices(id, 'fixed')).toBe(1);
  });

  it('[R2] a lead move that arrives after the field close is superseded, and the lead is told', async () => {
    const id = await freshCase();
    await lead.pullAll();
    await crewA.pullAll();
    await crewA.send(crewA.make('fix', id, fix()));
    const [move] = await lead.send(lead.make('assign', id, { crewId: 'streets-b', day: '2026-06-11', position: 1 }));
    expect(move).toMatchObject({ outcome: 'superseded', reason: 'case-closed' });
    expect(move!.message).toMatch(/Assignment on case #\d+ not applied: the case was already closed/);
    const row = await caseRow(id);
    expect(row).toMatchObject({ state: 'fixed', crew: 'streets-a' });
    expect((await leadNotices(id)).join(' ')).toMatch(/came after the crew closed it/);
    expect((await history(id)).at(-1)).toMatchObject({ kind: 'assign', outcome: 'superseded' });
  });

  it('[R3] two crews fix the same case: both records are kept, the second marked duplicate, one resident notice', async () => {
    const id = await freshCase();
    await crewA.pullAll();
    await lead.send(lead.make('assign', id, { crewId: 'streets-b', day: '2026-06-10', position: null }));
    await crewB.pullAll();
    const [b] = await crewB.send(crewB.make('fix', id, fix('slab_replaced')));
    const [a] = await crewA.send(crewA.make('fix', id, fix('ground_down')));
    expect(b!.outcome).toBe('applied');
    expect(a).toMatchObject({ outcome: 'merged', reason: 'duplicate-work' });
    const fixes = (await history(id)).filter((e) => e.kind === 'fixed' && e.mutation_id);
    expect(fixes.map((e) => [e.outcome, e.data.duplicate ?? false])).toEqual([
      ['applied', false],
      ['merged', true],
    ]);
    expect(await notices(id, 'fixed')).toBe(1);
  });

  it('[R4] notes and photos are kept on a closed case', async () => {
    const id = await freshCase();
    await crewA.pullAll();
    await crewA.send(crewA.make('fix', id, fix()));
    const photoId = '01890a5d-ac96-774b-bcce-b302099a8057';
    const outcomes = await crewA.send(
      crewA.make('add_note', id, { text: 'Resident thanked us.' }),
      crewA.make('attach_photo', id, {
        photoId,
        tag: 'after',
        contentType: 'image/jpeg',
        byteSize: 200_000,
        width: 1600,
        height: 1200,
        takenAt: null,
        lat: null,
        long: null,
      }),
    );
    expect(outcomes.map((o) => o.outcome)).toEqual(['applied', 'applied']);
    const [photo] = await t.db.sql<
      { case_id: string; kind: string }[]
    >`select case_id::text, kind from photos where id = ${photoId}`;
    expect(photo).toEqual({ case_id: id, kind: 'after' });
    expect((await history(id)).map((e) => e.kind)).toEqual(expect.arrayContaining(['note', 'photo']));
  });

  it('[R5] a start after a fix is not applied, stays in the history with its reason, and the device is told', async () => {
    const id = await freshCase();
    await crewA.pullAll();
    const outcomes = await crewA.send(
      crewA.make('fix', id, fix()),
      crewA.make('start', id, {}),
      crewA.make('resume', id, {}),
    );
    expect(outcomes.map((o) => [o.outcome, o.reason])).toEqual([
      ['applied', null],
      ['superseded', 'case-closed'],
      ['superseded', 'case-closed'],
    ]);
    expect(outcomes[1]!.message).toBe(`Start on case #${id} not applied: the case was already closed.`);
    expect((await caseRow(id)).state).toBe('fixed');
    expect((await history(id)).slice(-2).map((e) => [e.kind, e.outcome])).toEqual([
      ['start', 'superseded'],
      ['resume', 'superseded'],
    ]);
  });

  it('[R6] a note added offline on a case later merged lands on the surviving case', async () => {
    const id = await freshCase();
    const survivor = await freshCase();
    await crewA.pullAll();
    const [merge] = await lead.send(lead.make('merge_duplicate', id, { intoCaseId: survivor }));
    expect(merge!.outcome).toBe('applied');
    const [note] = await crewA.send(crewA.make('add_note', id, { text: 'Found a second hole beside it.' }));
    expect(note).toMatchObject({ outcome: 'merged', reason: 'landed-on-surviving-case', landedOnCaseId: survivor });
    expect(
      (await history(survivor)).some((e) => e.kind === 'note' && e.data.text === 'Found a second hole beside it.'),
    ).toBe(true);
    expect((await history(id)).at(-1)).toMatchObject({ kind: 'add_note', outcome: 'merged' });
  });

  it('[R6] a fix on a case cancelled meanwhile is recorded, not applied, and the lead told', async () => {
    const id = await freshCase();
    await crewA.pullAll();
    await lead.send(lead.make('cancel', id, { reason: 'no_action_needed', note: 'Resident withdrew it.' }));
    const [o] = await crewA.send(crewA.make('fix', id, fix()));
    expect(o).toMatchObject({ outcome: 'superseded', reason: 'case-cancelled' });
    expect((await caseRow(id)).state).toBe('closed_not_fixed');
    expect((await history(id)).at(-1)).toMatchObject({
      kind: 'fix',
      outcome: 'superseded',
      data: expect.objectContaining({ resolutionCode: 'ground_down' }),
    });
    expect((await leadNotices(id)).join(' ')).toMatch(/cancelled, but a crew fixed it/);
  });

  it('[R7] concurrent priority edits: server order wins and the overwritten value stays in the history', async () => {
    const id = await freshCase();
    await lead.pullAll();
    const [admin] = [new TestDevice(server.url, await t.login('admin@riverton.example'), 'admin-desk')];
    await lead.send(lead.make('set_priority', id, { priority: 'high' }));
    await admin.send(admin.make('set_priority', id, { priority: 'urgent' }));
    expect((await caseRow(id)).priority).toBe('urgent');
    const changes = (await history(id)).filter((e) => e.kind === 'priority_changed').map((e) => e.data);
    expect(changes).toEqual([expect.objectContaining({ to: 'high' }), { from: 'high', to: 'urgent' }]);
  });

  it("[R8] a worker cannot change another crew's case or make a lead's change; a lead only their department", async () => {
    const theirs = await freshCase('forestry');
    const ours = await freshCase();
    const [a, b] = await crewA.send(
      crewA.make('start', theirs, {}),
      crewA.make('set_priority', ours, { priority: 'low' }),
    );
    expect([a!.reason, b!.reason]).toEqual(['not-your-crew', 'role-not-allowed']);
    const [c] = await otherLead.send(
      otherLead.make('assign', ours, { crewId: 'sanitation-n', day: '2026-06-10', position: null }),
    );
    expect(c).toMatchObject({ outcome: 'rejected', reason: 'not-your-department' });
    const [d] = await lead.send(lead.make('assign', ours, { crewId: 'forestry', day: '2026-06-10', position: null }));
    expect(d).toMatchObject({ outcome: 'rejected', reason: 'not-your-department' });
    expect((await caseRow(theirs)).state).toBe('assigned');
    expect((await caseRow(ours)).crew).toBe('streets-a');
  });

  it('[R8] work done while the case was still theirs is accepted after a later move; new work after it is not', async () => {
    const id = await freshCase();
    await crewA.pullAll();
    await lead.send(lead.make('assign', id, { crewId: 'streets-b', day: '2026-06-10', position: null }));
    const [offlineWork] = await crewA.send(crewA.make('add_note', id, { text: 'Measured it: 40 cm.' }));
    expect(offlineWork!.outcome).toBe('applied');
    await crewA.pullAll(); // the device now knows the case moved
    const [late] = await crewA.send(crewA.make('add_note', id, { text: 'Another note.' }));
    expect(late).toMatchObject({ outcome: 'rejected', reason: 'not-your-crew' });
  });

  it('[R9] every mutation gets exactly one recorded outcome and a history entry, whatever it was', async () => {
    const id = await freshCase();
    await crewA.pullAll();
    const batch = [
      crewA.make('start', id, {}),
      crewA.make('hold', id, { reason: 'not-a-reason' }),
      crewA.make('start', id, {}),
      crewA.make('fix', id, fix()),
      crewA.make('add_note', '999999', { text: 'No such case.' }),
    ];
    const outcomes = await crewA.send(...batch);
    expect(outcomes.map((o: Outcome) => [o.outcome, o.reason])).toEqual([
      ['applied', null],
      ['rejected', 'invalid-payload'],
      ['superseded', 'already-in-state'],
      ['applied', null],
      ['rejected', 'case-not-found'],
    ]);
    const recorded = await t.db.sql<{ id: string; outcome: string }[]>`
      select id::text, outcome from mutations where id = any(${batch.map((m) => m.id)}::uuid[])`;
    expect(new Map(recorded.map((r) => [r.id, r.outcome]))).toEqual(
      new Map(batch.map((m, i) => [m.id, outcomes[i]!.outcome])),
    );
    const events = (await history(id)).filter((e) => e.mutation_id && batch.some((m) => m.id === e.mutation_id));
    expect(events).toHaveLength(4);
    // The lead's inbox shows the two that did not take, in plain words, as one notice.
    const inbox = await fetch(`${server.url}/api/notices`, { headers: lead.headers });
    const { notices } = (await inbox.json()) as {
      notices: { caseId: string | null; message: string; items: { caseId: string; message: string }[] }[];
    };
    const ours = notices.filter((n) => n.items.some((i) => i.caseId === id));
    expect(ours).toHaveLength(1);
    expect(ours[0]!.message).toMatch(/^Sam Ortega: 2 changes were not applied/);
    expect(
      ours[0]!.items
        .filter((n) => n.caseId === id)
        .map((n) => n.message)
        .sort(),
    ).toEqual([
      `Sam Ortega: Hold on case #${id} refused: a value in it is not one the case type accepts.`,
      `Sam Ortega: Start on case #${id} not applied: the case was already in that state.`,
    ]);
  });

  it('[R10] a notice is queued once per event: not again on replay, again after a reopen and a new fix', async () => {
    const id = await freshCase();
    await crewA.pullAll();
    const first = crewA.make('fix', id, fix());
    await crewA.send(first);
    await crewA.send(first);
    expect(await notices(id, 'fixed')).toBe(1);
    await lead.send(lead.make('reopen', id, { reason: 'Resident says it is still broken.' }));
    expect(await notices(id, 'reopened')).toBe(1);
    await lead.send(lead.make('assign', id, { crewId: 'streets-a', day: '2026-06-10', position: 1 }));
    expect(await notices(id, 'scheduled')).toBe(1);
    await crewA.pullAll();
    await crewA.send(crewA.make('fix', id, fix('slab_replaced')));
    expect(await notices(id, 'fixed')).toBe(2);
  });
});

describe('sync protocol', () => {
  it('answers a missing, too old or too new protocol with a reason code, never a crash', async () => {
    const id = await freshCase();
    const m = crewA.make('add_note', id, { text: 'x' });
    const tooOld = await crewA.push([m], 0);
    expect(tooOld.status).toBe(426);
    expect((tooOld.body as { error: { code: string } }).error.code).toBe('protocol-too-old');
    const tooNew = await crewA.push([m], 99);
    expect(tooNew.status).toBe(409);
    expect((tooNew.body as { error: { code: string } }).error.code).toBe('protocol-too-new');
    const res = await fetch(`${server.url}/api/sync/pull?clientId=x`, { headers: crewA.headers });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('protocol-missing');
    const [row] = await t.db.sql<{ n: number }[]>`select count(*)::int as n from mutations where id = ${m.id}`;
    expect(row!.n).toBe(0);
  });

  it('[R9] a malformed change is rejected by its own outcome, naming the field, and the rest of the batch applies', async () => {
    const id = await freshCase();
    const good = crewA.make('add_note', id, { text: 'fine' });
    const bad = {
      ...crewA.make('fix', id, fix()),
      payload: { resolutionCode: '', note: 'x', photoIds: ['not-a-uuid'] },
    };
    const r = await crewA.push([good, bad as never]);
    expect(r.status).toBe(200);
    const outcomes = (r.body as { outcomes: Outcome[] }).outcomes;
    expect(outcomes.map((o) => [o.outcome, o.reason])).toEqual([
      ['applied', null],
      ['rejected', 'invalid-payload'],
    ]);
    expect(outcomes[1]!.message).toMatch(/payload\.resolutionCode/);
    const recorded = await t.db.sql<{ id: string; outcome: string }[]>`
      select id::text, outcome from mutations where id = any(${[good.id, bad.id]}::uuid[]) order by seq`;
    expect(recorded.map((x) => x.outcome)).toEqual(['applied', 'rejected']);
    // The case's history records the refusal too (R9), and the case did not change.
    const events = (await history(id)).filter((e) => e.mutation_id === bad.id);
    expect(events).toHaveLength(1);
    expect((await caseRow(id)).state).toBe('assigned');
  });

  it('refuses a batch whole, naming the field, only when a change does not say which change it is', async () => {
    const id = await freshCase();
    const good = crewA.make('add_note', id, { text: 'fine' });
    const nameless = { ...crewA.make('add_note', id, { text: 'x' }), id: 'not-a-uuid' };
    const r = await crewA.push([good, nameless as never]);
    expect(r.status).toBe(400);
    const err = (r.body as { error: { code: string; message: string } }).error;
    expect(err.code).toBe('invalid-body');
    expect(err.message).toMatch(/mutations\.1\.id/);
    const [row] = await t.db.sql<{ n: number }[]>`select count(*)::int as n from mutations where id = ${good.id}`;
    expect(row!.n).toBe(0);
  });

  it("refuses a batch whole when a change is another device's, naming it, and writes nothing", async () => {
    const id = await freshCase();
    const mine = crewA.make('add_note', id, { text: 'Mine.' });
    // A change another tablet made, sent in this one's batch (a shared or copied outbox).
    const theirs = { ...crewA.make('add_note', id, { text: 'Theirs.' }), clientId: 'tablet-elsewhere' };
    const r = await crewA.push([mine, theirs]);
    expect(r.status).toBe(400);
    const err = (r.body as { error: { code: string; message: string } }).error;
    expect(err.code).toBe('invalid-body');
    expect(err.message).toBe(
      "mutations.1.clientId differs from the batch's clientId: a device pushes only its own changes.",
    );
    const [row] = await t.db.sql<{ n: number }[]>`
      select count(*)::int as n from mutations where id in ${t.db.sql([mine.id, theirs.id])}`;
    expect(row!.n).toBe(0);
    // The other device's change first: named as the first.
    const first = await crewA.push([theirs, mine]);
    expect(first.status).toBe(400);
    expect((first.body as { error: { message: string } }).error.message).toMatch(/^mutations\.0\.clientId /);
    // Alone, its own change goes through.
    expect((await crewA.send(mine)).map((o) => o.outcome)).toEqual(['applied']);
  });

  it('needs a session for push and pull', async () => {
    const anon = new TestDevice(server.url, {}, 'anon');
    expect((await anon.push([anon.make('add_note', '1', { text: 'x' })])).status).toBe(401);
    await expect(anon.pull()).rejects.toThrow(/401/);
  });
});

describe('pull', () => {
  it('primes a device from nothing in pages, then has nothing new at the head', async () => {
    const fresh = new TestDevice(server.url, crewA.headers, 'new-tablet');
    const { cursor, pages } = await (async () => {
      const out = { cursor: '0', pages: [] as Awaited<ReturnType<TestDevice['pull']>>[] };
      for (;;) {
        const p = await fresh.pull(out.cursor, 5);
        out.pages.push(p);
        out.cursor = p.cursor;
        if (!p.hasMore) return out;
      }
    })();
    expect(pages.length).toBeGreaterThan(2);
    const ids = new Set(pages.flatMap((p) => p.cases.map((c) => c.id)));
    const [open] = await t.db.sql<{ n: number }[]>`
      select count(*)::int as n from cases where assigned_crew_id = 'streets-a' and state in ('new', 'assigned', 'in_progress', 'on_hold')`;
    expect(ids.size).toBeGreaterThanOrEqual(open!.n);
    expect([...ids].length).toBe(
      pages.flatMap((p) => p.cases).length - (pages.flatMap((p) => p.cases).length - ids.size),
    );
    const head = await fresh.pull(cursor);
    expect(head).toMatchObject({ cursor, hasMore: false, cases: [], departures: [], outcomes: [] });
  });

  it("tells a crew's devices when a case leaves their scope, and returns their own outcomes", async () => {
    const id = await freshCase();
    const { cursor } = await crewA.pullAll();
    const note = crewA.make('add_note', id, { text: 'Before the move.' });
    await crewA.send(note);
    await lead.send(lead.make('assign', id, { crewId: 'streets-b', day: '2026-06-10', position: null }));
    const { pages } = await crewA.pullAll(cursor);
    expect(pages.flatMap((p) => p.departures)).toContain(id);
    expect(pages.flatMap((p) => p.cases).map((c) => c.id)).not.toContain(id);
    expect(pages.flatMap((p) => p.outcomes).map((o) => o.mutationId)).toContain(note.id);
    // The new crew's device gets the case.
    const b = await crewB.pullAll();
    expect(b.pages.flatMap((p) => p.cases).find((c) => c.id === id)?.crewId).toBe('streets-b');
  });
});

describe("the lead's inbox of crossed paths", () => {
  it('shows a department only its own notices, lets a lead acknowledge one, and keeps workers out', async () => {
    const id = await freshCase();
    await crewA.pullAll();
    await lead.send(lead.make('cancel', id, { reason: 'no_action_needed', note: '' }));
    await crewA.send(crewA.make('fix', id, fix()));
    const list = async (d: TestDevice, all = false) =>
      (
        (await (await fetch(`${server.url}/api/notices${all ? '?all=1' : ''}`, { headers: d.headers })).json()) as {
          notices: { id: string; caseId: string }[];
        }
      ).notices;
    const mine = (await list(lead)).filter((n) => n.caseId === id);
    expect(mine).toHaveLength(1);
    expect((await list(otherLead)).some((n) => n.caseId === id)).toBe(false);
    expect(
      (await fetch(`${server.url}/api/notices/${mine[0]!.id}/ack`, { method: 'POST', headers: otherLead.headers }))
        .status,
    ).toBe(404);
    expect(
      (await fetch(`${server.url}/api/notices/${mine[0]!.id}/ack`, { method: 'POST', headers: lead.headers })).status,
    ).toBe(200);
    expect((await list(lead)).some((n) => n.caseId === id)).toBe(false);
    expect((await list(lead, true)).some((n) => n.caseId === id)).toBe(true);
    expect((await fetch(`${server.url}/api/notices`, { headers: crewA.headers })).status).toBe(403);
  });
});

describe('the notice outbox, for administrators', () => {
  it('[R10] lists the notices queued for a case, without the recipient, to admins only', async () => {
    const id = await freshCase();
    await crewA.pullAll();
    await crewA.send(crewA.make('fix', id, fix()));
    const admin = await t.login('admin@riverton.example');
    const res = await fetch(`${server.url}/api/admin/outbox?caseId=${id}`, { headers: admin });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { notices: { template: string; caseId: string }[] };
    expect(body.notices.map((n) => [n.caseId, n.template])).toEqual([[id, 'fixed']]);
    expect(JSON.stringify(body)).not.toMatch(/@|email|phone/);
    expect((await fetch(`${server.url}/api/admin/outbox`, { headers: lead.headers })).status).toBe(403);
    expect((await fetch(`${server.url}/api/admin/outbox?caseId=x`, { headers: admin })).status).toBe(400);
  });
});
