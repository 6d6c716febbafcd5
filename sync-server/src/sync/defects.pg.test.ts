import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROTOCOL_HEADER, PROTOCOL_VERSION, type Mutation, type Outcome } from '@fieldfix/shared';
import { createTestApp, quietLogger, type TestApp } from '../../test/test-app.ts';
import { listen, TestDevice } from '../../test/sync-client.ts';

// Regressions for defects found when the server was tried as an attacker and as a new user
// would try it. Each failed before its fix. Over real HTTP against PostgreSQL.

let t: TestApp;
let server: { url: string; close(): Promise<void> };
let crewA: TestDevice; // Streets Crew A
let crewB: TestDevice; // Streets Crew B
let lead: TestDevice; // Streets lead
let sanitationLead: TestDevice;

beforeAll(async () => {
  t = await createTestApp();
  server = await listen(t);
  crewA = new TestDevice(server.url, await t.login('worker@riverton.example'), 'tablet-a');
  crewB = new TestDevice(server.url, await t.login('worker.b@riverton.example'), 'tablet-b');
  lead = new TestDevice(server.url, await t.login('lead@riverton.example'), 'lead-desk');
  sanitationLead = new TestDevice(server.url, await t.login('lead.sanitation@riverton.example'), 'sanitation-desk');
});
afterAll(async () => {
  await server?.close();
  await t?.close();
});

async function freshCase(crewId: string | null = 'streets-a', code = 'SIDEWALK'): Promise<string> {
  const [row] = await t.db.sql<{ id: string }[]>`
    insert into cases (service_code, description, lat, long, address, state, assigned_crew_id, assigned_day, route_position, version)
    values (${code}, 'Test case', 42.35, -86.97, '100 Test St', ${crewId ? 'assigned' : 'new'}, ${crewId},
            ${crewId ? '2026-06-10' : null}, ${crewId ? 99 : null}, 2)
    returning id::text`;
  await t.db.sql`
    insert into case_events (case_id, kind, data, version, crew_id)
    values (${row!.id}, 'reported', '{}', 1, null), (${row!.id}, 'assigned', '{}', 2, ${crewId})`;
  return row!.id;
}

async function caseRow(id: string) {
  const [row] = await t.db.sql<
    { state: string; crew: string | null; merged_into_id: string | null; closed_at: Date | null }[]
  >`select state, assigned_crew_id as crew, merged_into_id::text, closed_at from cases where id = ${id}`;
  return row!;
}

const reasons = (os: Outcome[]) => os.map((o) => [o.outcome, o.reason]);
const photo = (id = crypto.randomUUID(), tag: 'before' | 'after' = 'after') => ({
  photoId: id,
  tag,
  contentType: 'image/jpeg' as const,
  byteSize: 1000,
  width: 10,
  height: 10,
  takenAt: null,
  lat: null,
  long: null,
});

/** A push with a raw body (fields the typed client would refuse to build). */
async function rawPush(device: TestDevice, body: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${server.url}/api/sync/push`, {
    method: 'POST',
    headers: { ...device.headers, 'content-type': 'application/json', [PROTOCOL_HEADER]: String(PROTOCOL_VERSION) },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

describe('a merge cannot carry changes into another department', () => {
  it("[R8] a lead cannot merge their case into another department's case", async () => {
    const ours = await freshCase('streets-a');
    const theirs = await freshCase('sanitation-n', 'MISSED_PICKUP');
    const [o] = await lead.send(lead.make('merge_duplicate', ours, { intoCaseId: theirs }));
    expect([o!.outcome, o!.reason]).toEqual(['rejected', 'not-your-department']);
    expect((await caseRow(ours)).merged_into_id).toBeNull();
  });

  it('[R6][R8] work redirected from a merged case is judged, and refused when the survivor is of another department', async () => {
    // A merge across departments made before this rule existed (or by hand in the database).
    const ours = await freshCase('streets-a');
    const theirs = await freshCase('sanitation-n', 'MISSED_PICKUP');
    await t.db
      .sql`update cases set merged_into_id = ${theirs}, state = 'closed_not_fixed', close_reason = 'duplicate' where id = ${ours}`;
    const [o] = await crewA.send(crewA.make('add_note', ours, { text: 'Should not land on sanitation.' }));
    expect([o!.outcome, o!.reason]).toEqual(['rejected', 'not-your-department']);
    const [n] = await t.db.sql<{ n: number }[]>`
      select count(*)::int as n from case_events where case_id = ${theirs} and kind = 'note'`;
    expect(n!.n).toBe(0);
  });

  it('[R6] a merge into a case that does not exist is refused, naming that', async () => {
    const ours = await freshCase('streets-a');
    const [o] = await lead.send(lead.make('merge_duplicate', ours, { intoCaseId: '999999999' }));
    expect([o!.outcome, o!.reason]).toEqual(['rejected', 'case-not-found']);
  });
});

describe("a lead's move made before the crew's start could be seen", () => {
  it('[R2] leaves the job under way with its crew and tells the lead; one made after seeing it is applied', async () => {
    const job = await freshCase('streets-a');
    lead.seen.set(job, 2); // the lead's board: assigned to crew A, not started
    crewA.seen.set(job, 2);
    const [start] = await crewA.send(crewA.make('start', job, {}));
    expect(start!.outcome).toBe('applied');
    const [move] = await lead.send(
      lead.make('assign', job, { crewId: 'streets-b', day: '2026-06-10', position: null }),
    );
    expect([move!.outcome, move!.reason]).toEqual(['superseded', 'invalid-transition']);
    expect(await caseRow(job)).toMatchObject({ state: 'in_progress', crew: 'streets-a' });
    const notices = await t.db.sql<{ message: string }[]>`
      select message from lead_notices where case_id = ${job} order by id`;
    expect(notices.map((n) => n.message)).toEqual([
      expect.stringMatching(/before you could see that its crew started it/),
    ]);
    // Seen under way (the board now shows the start), the same move is the lead's to make.
    lead.seen.set(job, start!.caseVersion!);
    const [again] = await lead.send(
      lead.make('assign', job, { crewId: 'streets-b', day: '2026-06-10', position: null }),
    );
    expect(again!.outcome).toBe('applied');
    expect(await caseRow(job)).toMatchObject({ crew: 'streets-b' });
  });

  it("a job the board showed under way, put on hold since, is the lead's to move (a hold is no news of a start)", async () => {
    const job = await freshCase('streets-a');
    crewA.seen.set(job, 2);
    const [start] = await crewA.send(crewA.make('start', job, {}));
    lead.seen.set(job, start!.caseVersion!); // the board: in progress with crew A
    crewA.seen.set(job, start!.caseVersion!);
    const [hold] = await crewA.send(crewA.make('hold', job, { reason: 'needs_equipment' }));
    expect(hold!.outcome).toBe('applied');
    const [move] = await lead.send(
      lead.make('assign', job, { crewId: 'streets-b', day: '2026-06-10', position: null }),
    );
    expect(move!.outcome).toBe('applied');
    expect(await caseRow(job)).toMatchObject({ crew: 'streets-b', state: 'assigned' });
  });
});

describe('a fix recorded before a reopening, synced after it', () => {
  it('[R3][R10] is kept as duplicate work: the reopened case stays open, the resident hears of one fix', async () => {
    const job = await freshCase('streets-a');
    const tablet2 = new TestDevice(server.url, await t.login('worker@riverton.example'), 'tablet-a2');
    for (const d of [crewA, tablet2, lead]) d.seen.set(job, 2);
    const fix = { resolutionCode: 'ground_down', note: '', photoIds: [] };
    // Both tablets record the fix at about the same time; only the first syncs.
    const late = { ...tablet2.make('fix', job, fix), deviceTime: new Date(Date.now() - 60_000).toISOString() };
    const [first] = await crewA.send(crewA.make('fix', job, fix));
    expect(first!.outcome).toBe('applied');
    // Still a problem: the lead reopens it and gives it back to crew A.
    lead.seen.set(job, first!.caseVersion!);
    const [reopen] = await lead.send(lead.make('reopen', job, { reason: 'Still sinking' }));
    lead.seen.set(job, reopen!.caseVersion!);
    const [back] = await lead.send(
      lead.make('assign', job, { crewId: 'streets-a', day: '2026-06-10', position: null }),
    );
    expect([reopen!.outcome, back!.outcome]).toEqual(['applied', 'applied']);
    // The second tablet syncs at last (its clock right, the fix done before the reopening).
    const r = await rawPush(tablet2, {
      clientId: tablet2.clientId,
      mutations: [late],
      sentAt: new Date().toISOString(),
    });
    expect(r.status).toBe(200);
    expect(reasons((r.body as { outcomes: Outcome[] }).outcomes)).toEqual([['merged', 'duplicate-work']]);
    expect(await caseRow(job)).toMatchObject({ state: 'assigned', crew: 'streets-a', closed_at: null });
    const [n] = await t.db.sql<{ n: number }[]>`
      select count(*)::int as n from notification_outbox where case_id = ${job} and template = 'fixed'`;
    expect(n!.n).toBe(1);
    // A fix done after the reopening closes it.
    crewA.seen.set(job, back!.caseVersion!);
    const [again] = await crewA.send(crewA.make('fix', job, fix));
    expect(again!.outcome).toBe('applied');
    expect((await caseRow(job)).state).toBe('fixed');
  });
});

describe('field actions belong to a crew', () => {
  it('[R8] a lead cannot start or fix an unassigned case (it would be in progress with no crew), but may add a note', async () => {
    const id = await freshCase(null);
    const outcomes = await lead.send(
      lead.make('start', id, {}),
      lead.make('fix', id, { resolutionCode: 'ground_down', note: '', photoIds: [] }),
      lead.make('add_note', id, { text: 'Checked from the office.' }),
    );
    expect(reasons(outcomes)).toEqual([
      ['rejected', 'role-not-allowed'],
      ['rejected', 'role-not-allowed'],
      ['applied', null],
    ]);
    expect((await caseRow(id)).state).toBe('new');
  });

  it('a lead opens every case of their department, assigned or not; not another department’s', async () => {
    const unassigned = await freshCase(null);
    const other = await freshCase('sanitation-n', 'MISSED_PICKUP');
    const get = (id: string) => fetch(`${server.url}/api/cases/${id}`, { headers: lead.headers });
    expect((await get(unassigned)).status).toBe(200);
    expect((await get(other)).status).toBe(403);
    const r = await fetch(`${server.url}/api/cases/${other}`, { headers: sanitationLead.headers });
    expect(r.status).toBe(200);
  });
});

describe('input the database cannot store is refused at the boundary, by its own outcome', () => {
  const base = () => crewA.make('add_note', '1', { text: 'x' });

  it.each([
    [
      'a NUL in a note',
      (id: string) => ({ ...base(), caseId: id, payload: { text: 'before\u0000after' } }),
      'payload.text',
    ],
    [
      'a lone surrogate in a note',
      (id: string) => ({ ...base(), caseId: id, payload: { text: 'broken \ud800 pair' } }),
      'payload.text',
    ],
    [
      'a NUL in a hold reason',
      (id: string) => ({ ...base(), caseId: id, kind: 'hold', payload: { reason: 'we\u0000ather' } }),
      'payload.reason',
    ],
    ['a version past the column', (id: string) => ({ ...base(), caseId: id, baseVersion: 2 ** 31 }), 'baseVersion'],
    ['year 0', (id: string) => ({ ...base(), caseId: id, deviceTime: '0000-01-01T00:00:00Z' }), 'deviceTime'],
    [
      'a due date in year 0',
      (id: string) => ({ ...base(), caseId: id, kind: 'set_due', payload: { expectedAt: '0000-06-01T00:00:00Z' } }),
      'payload.expectedAt',
    ],
  ])(
    '%s: rejected by its own outcome, naming the field; the good change beside it applies',
    async (_what, make, field) => {
      const id = await freshCase();
      const good = crewA.make('add_note', id, { text: 'A good note.' });
      const r = await rawPush(crewA, { clientId: crewA.clientId, mutations: [good, make(id)] });
      expect(r.status).toBe(200);
      const outcomes = r.body.outcomes as Outcome[];
      expect(reasons(outcomes)).toEqual([
        ['applied', null],
        ['rejected', 'invalid-payload'],
      ]);
      expect(outcomes[1]!.message).toContain(field);
      // Replayed, the refusal is the same answer (R1), not a new problem.
      const again = await rawPush(crewA, { clientId: crewA.clientId, mutations: [good, make(id)].slice(1) });
      expect(again.status).toBe(200);
    },
  );

  it('a sequence number past the column refuses the batch with a 400 naming it (the change cannot be recorded)', async () => {
    const id = await freshCase();
    const r = await rawPush(crewA, { clientId: crewA.clientId, mutations: [{ ...base(), caseId: id, seq: 2 ** 31 }] });
    expect(r.status).toBe(400);
    expect((r.body.error as { message: string }).message).toMatch(/mutations\.0\.seq/);
  });

  it('a route position past the column is refused, naming it', async () => {
    const id = await freshCase();
    const [o] = (
      await rawPush(lead, {
        clientId: lead.clientId,
        mutations: [{ ...lead.make('reorder', id, { position: 1 }), payload: { position: 2 ** 31 } }],
      })
    ).body.outcomes as Outcome[];
    expect([o!.outcome, o!.reason]).toEqual(['rejected', 'invalid-payload']);
    expect(o!.message).toContain('payload.position');
  });

  it('a cursor past bigint is a 400 naming the cursor, not a 500', async () => {
    const res = await fetch(`${server.url}/api/sync/pull?cursor=9223372036854775808&clientId=x`, {
      headers: { ...crewA.headers, [PROTOCOL_HEADER]: String(PROTOCOL_VERSION) },
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { message: string } }).error.message).toMatch(/cursor/);
  });

  it('no request above made the server fail', () => {
    expect(quietLogger.errors).toEqual([]);
  });
});

describe("a fix's photos are the crew's photos of that case", () => {
  it('a fix may not name a photo of another case, nor one never attached; a photo id is recorded once', async () => {
    const here = await freshCase();
    const elsewhere = await freshCase();
    const theirs = photo();
    const ours = photo();
    const outcomes = await crewA.send(
      crewA.make('attach_photo', elsewhere, theirs),
      crewA.make('fix', here, { resolutionCode: 'ground_down', note: '', photoIds: [theirs.photoId] }),
      crewA.make('fix', here, { resolutionCode: 'ground_down', note: '', photoIds: [crypto.randomUUID()] }),
      crewA.make('attach_photo', here, { ...theirs }),
      crewA.make('attach_photo', here, ours),
      crewA.make('fix', here, { resolutionCode: 'ground_down', note: '', photoIds: [ours.photoId] }),
    );
    expect(reasons(outcomes)).toEqual([
      ['applied', null],
      ['rejected', 'photo-not-on-case'],
      ['rejected', 'photo-not-on-case'],
      ['rejected', 'photo-id-taken'],
      ['applied', null],
      ['applied', null],
    ]);
    const [p] = await t.db.sql<{ case_id: string }[]>`select case_id::text from photos where id = ${theirs.photoId}`;
    expect(p!.case_id).toBe(elsewhere);
  });

  it('ids in capitals (as iOS writes them) are the same ids: a replay gets its outcome, a photo id is matched', async () => {
    const here = await freshCase();
    const elsewhere = await freshCase();
    const theirs = photo();
    await crewA.send(crewA.make('attach_photo', elsewhere, theirs));
    const shouted = theirs.photoId.toUpperCase();
    const outcomes = await crewA.send(
      crewA.make('attach_photo', here, { ...theirs, photoId: shouted }),
      crewA.make('fix', here, { resolutionCode: 'ground_down', note: '', photoIds: [shouted] }),
    );
    expect(reasons(outcomes)).toEqual([
      ['rejected', 'photo-id-taken'],
      ['rejected', 'photo-not-on-case'],
    ]);
    // A note sent with a capital id, its answer lost, sent again: the first outcome, applied once.
    const note = crewA.make('add_note', here, { text: 'Cones out' });
    const loud = { ...note, id: note.id.toUpperCase() };
    const first = await rawPush(crewA, { clientId: note.clientId, mutations: [loud] });
    const again = await rawPush(crewA, { clientId: note.clientId, mutations: [loud] });
    expect([first.status, again.status]).toEqual([200, 200]);
    expect(again.body).toEqual(first.body);
    const [n] = await t.db.sql<{ n: number }[]>`
      select count(*)::int as n from case_events where case_id = ${here} and kind = 'note'`;
    expect(n!.n).toBe(1);
  });

  it("a fix may not name the resident's report photo as its after-photo", async () => {
    const id = await freshCase('streets-a', 'POTHOLE');
    const reportPhoto = crypto.randomUUID();
    await t.db.sql`
      insert into photos (id, case_id, kind, content_type, byte_size, storage_key, complete)
      values (${reportPhoto}, ${id}, 'report', 'image/jpeg', 1000, 'report/x', true)`;
    const [o] = await crewA.send(
      crewA.make('fix', id, { resolutionCode: 'patched_cold', note: '', photoIds: [reportPhoto] }),
    );
    expect([o!.outcome, o!.reason]).toEqual(['rejected', 'photo-not-on-case']);
  });
});

describe('pull pages across cursors of different lengths', () => {
  it('hands every outcome and departure once, in order, past a digit boundary (numbers, not text)', async () => {
    const device = new TestDevice(server.url, crewA.headers, 'digits');
    const id = await freshCase();
    const head = (await device.pullAll()).cursor;
    // Cursors cross from 7 to 8 digits in the middle of the pages.
    await t.db.sql`select setval('case_change_cursor', greatest(9999990, ${head}::bigint))`;
    const batch = Array.from({ length: 14 }, (_, i) => device.make('add_note', id, { text: `note ${i}` }));
    await device.send(...batch);
    const seen: string[] = [];
    let cursor = String(
      (await t.db.sql<{ c: string }[]>`select (greatest(9999990, ${head}::bigint))::text as c`)[0]!.c,
    );
    for (let page = 0; page < 20; page++) {
      const p = await device.pull(cursor, 4);
      seen.push(...p.outcomes.map((o) => o.mutationId));
      expect(BigInt(p.cursor) >= BigInt(cursor)).toBe(true);
      cursor = p.cursor;
      if (!p.hasMore) break;
    }
    expect(seen).toEqual(batch.map((m) => m.id));
  });
});

describe('work done offline carries the time it was done', () => {
  it('a fix made three hours ago on a tablet whose clock is ten minutes slow closes the case three hours ago', async () => {
    const id = await freshCase();
    const real = Date.now();
    const skew = -10 * 60_000; // the tablet's clock is ten minutes behind
    const doneAt = real - 3 * 3600_000;
    const m: Mutation = {
      ...crewA.make('fix', id, { resolutionCode: 'ground_down', note: 'Done offline.', photoIds: [] }),
      deviceTime: new Date(doneAt + skew).toISOString(),
    };
    const r = await rawPush(crewA, {
      clientId: crewA.clientId,
      mutations: [m],
      sentAt: new Date(real + skew).toISOString(),
    });
    expect(r.status).toBe(200);
    const closedAt = (await caseRow(id)).closed_at!.getTime();
    expect(Math.abs(closedAt - doneAt)).toBeLessThan(60_000);
    const [e] = await t.db.sql<{ at: Date; received_at: Date }[]>`
      select at, received_at from case_events where mutation_id = ${m.id}`;
    expect(Math.abs(e!.at.getTime() - doneAt)).toBeLessThan(60_000);
    expect(Math.abs(e!.received_at.getTime() - real)).toBeLessThan(60_000);
    const [n] = await t.db.sql<{ happened_at: Date }[]>`
      select happened_at from notification_outbox where mutation_id = ${m.id} and template = 'fixed'`;
    expect(Math.abs(n!.happened_at.getTime() - doneAt)).toBeLessThan(60_000);
  });

  it('a device clock in the future never places work in the future', async () => {
    const id = await freshCase();
    const m: Mutation = {
      ...crewA.make('add_note', id, { text: 'From the future.' }),
      deviceTime: new Date(Date.now() + 86_400_000).toISOString(),
    };
    await crewA.send(m);
    const [e] = await t.db.sql<{ at: Date }[]>`select at from case_events where mutation_id = ${m.id}`;
    expect(e!.at.getTime()).toBeLessThanOrEqual(Date.now());
  });
});

describe('concurrent pushes never deadlock', () => {
  it('leads reordering a crew’s day while its workers hold, resume and add notes: no deadlock, no 500', async () => {
    const crewBCases = await Promise.all(Array.from({ length: 6 }, () => freshCase('streets-b')));
    const crewACases = await Promise.all(Array.from({ length: 6 }, () => freshCase('streets-a')));
    await Promise.all([crewA.pullAll(), crewB.pullAll(), lead.pullAll()]);
    const [before] = await t.db.sql<{ deadlocks: number }[]>`
      select deadlocks::int from pg_stat_database where datname = current_database()`;
    const statuses: number[] = [];
    const rounds = 12;
    const work = async (device: TestDevice, ids: string[], r: number) => {
      const ms = ids.flatMap((id, i) =>
        (r + i) % 2 === 0
          ? [device.make('hold', id, { reason: 'weather' }), device.make('add_note', id, { text: `r${r}` })]
          : [device.make('resume', id, {}), device.make('add_note', id, { text: `r${r}` })],
      );
      statuses.push((await device.push(ms.reverse())).status);
    };
    // The lead moves one case at a time: each move rewrites its neighbours' positions,
    // cases the workers' pushes hold at that moment.
    const desk = async (r: number) => {
      const ids = [...crewACases, ...crewBCases];
      const id = ids[(r * 5) % ids.length]!;
      statuses.push((await lead.push([lead.make('reorder', id, { position: (r % 4) + 1 })])).status);
    };
    for (let r = 0; r < rounds; r++) {
      await Promise.all([work(crewA, crewACases, r), work(crewB, crewBCases, r), desk(r), desk(r + 1), desk(r + 2)]);
    }
    expect(statuses.filter((s) => s !== 200)).toEqual([]);
    const [after] = await t.db.sql<{ deadlocks: number }[]>`
      select deadlocks::int from pg_stat_database where datname = current_database()`;
    // The embedded database (one session) cannot deadlock; PostgreSQL counts them here.
    expect(after!.deadlocks - before!.deadlocks).toBe(0);
  });
});

describe('a doubtful proof of a fix is told to the lead, not hidden', () => {
  const fixNotices = async (id: string) =>
    (await t.db.sql<{ message: string }[]>`select message from lead_notices where case_id = ${id}`)
      .map((r) => r.message)
      .filter((m) => m.includes('was fixed, but'));

  it('a fix whose only photo was taken a kilometre away brings the lead a notice naming the distance', async () => {
    const id = await freshCase(); // at 42.35, -86.97
    const p = { ...photo(), lat: 42.36, long: -86.97, takenAt: new Date().toISOString() };
    await crewA.send(
      crewA.make('attach_photo', id, p),
      crewA.make('fix', id, { resolutionCode: 'ground_down', note: '', photoIds: [p.photoId] }),
    );
    expect(await fixNotices(id)).toEqual([
      `Case #${id} was fixed, but its photo was taken 1.1 km from the report. Check the fix before the resident relies on it.`,
    ]);
  });

  it('a fix with a photo taken on the spot brings none', async () => {
    const id = await freshCase();
    const p = { ...photo(), lat: 42.3501, long: -86.9701, takenAt: new Date().toISOString() };
    await crewA.send(
      crewA.make('attach_photo', id, p),
      crewA.make('fix', id, { resolutionCode: 'ground_down', note: '', photoIds: [p.photoId] }),
    );
    expect(await fixNotices(id)).toEqual([]);
  });

  it("a photo's time is read by the device's clock, corrected like its changes: a slow clock raises no doubt", async () => {
    const id = await freshCase();
    const skew = -2 * 86_400_000; // the tablet's clock two days slow
    const deviceNow = new Date(Date.now() + skew).toISOString();
    const p = { ...photo(), lat: 42.3501, long: -86.9701, takenAt: deviceNow };
    const attach = { ...crewA.make('attach_photo', id, p), deviceTime: deviceNow };
    const fix = {
      ...crewA.make('fix', id, { resolutionCode: 'ground_down', note: '', photoIds: [p.photoId] }),
      deviceTime: deviceNow,
    };
    const r = await rawPush(crewA, { clientId: crewA.clientId, mutations: [attach, fix], sentAt: deviceNow });
    expect(r.status).toBe(200);
    const [row] = await t.db.sql<{ taken_at: Date }[]>`select taken_at from photos where id = ${p.photoId}`;
    expect(Math.abs(row!.taken_at.getTime() - Date.now())).toBeLessThan(60_000);
    expect(await fixNotices(id)).toEqual([]);
  });
});
