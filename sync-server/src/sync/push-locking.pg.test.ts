import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import postgres from 'postgres';
import { PROTOCOL_HEADER, PROTOCOL_VERSION, type Mutation, type Outcome } from '@fieldfix/shared';
import { createTestApp, type TestApp } from '../../test/test-app.ts';
import { listen, TestDevice } from '../../test/sync-client.ts';
import type { Staff } from '../access/caller.ts';
import type { Sql } from '../db/database.ts';
import { lostARace, MAX_REDIRECTS, pushMutations } from './push.service.ts';

// What the push does around the rules: retrying a transaction that lost a race, following
// merges however they are chained, locking rows before it takes the change log, and writing
// down exactly what it refused. The races are real ones on PostgreSQL: another connection
// holds a row while pushes queue behind it (embedded PGlite has one connection, so those
// tests need TEST_DATABASE_URL, as in CI).

let t: TestApp;
let server: { url: string; close(): Promise<void> };
let crewA: TestDevice; // Streets Crew A
let crewB: TestDevice; // Streets Crew B
let lead: TestDevice; // Streets lead

beforeAll(async () => {
  t = await createTestApp();
  server = await listen(t);
  crewA = new TestDevice(server.url, await t.login('worker@riverton.example'), 'tablet-a');
  crewB = new TestDevice(server.url, await t.login('worker.b@riverton.example'), 'tablet-b');
  lead = new TestDevice(server.url, await t.login('lead@riverton.example'), 'lead-desk');
});
afterAll(async () => {
  await server?.close();
  await t?.close();
});

const onPostgres = () => t.db.kind === 'postgres';
const EMPTY_DAY = '2026-07-01'; // no demo case is on any route that day

async function freshCase(crewId: string | null = 'streets-a', day = '2026-06-10', position = 99): Promise<string> {
  const [row] = await t.db.sql<{ id: string }[]>`
    insert into cases (service_code, description, lat, long, address, state, assigned_crew_id, assigned_day, route_position, version)
    values ('SIDEWALK', 'Test case', 42.35, -86.97, '100 Test St', ${crewId ? 'assigned' : 'new'}, ${crewId},
            ${crewId ? day : null}, ${crewId ? position : null}, 2)
    returning id::text`;
  await t.db.sql`
    insert into case_events (case_id, kind, data, version, crew_id)
    values (${row!.id}, 'reported', '{}', 1, null), (${row!.id}, 'assigned', '{}', 2, ${crewId})`;
  return row!.id;
}

/** Marks `id` a duplicate of `into`, as a lead's merge leaves it. */
async function mergeInto(id: string, into: string): Promise<void> {
  await t.db.sql`
    update cases set merged_into_id = ${into}, state = 'closed_not_fixed', close_reason = 'duplicate',
      assigned_crew_id = null, assigned_day = null, route_position = null
    where id = ${id}`;
}

async function notesOn(id: string): Promise<string[]> {
  const rows = await t.db.sql<{ text: string }[]>`
    select data->>'text' as text from case_events where case_id = ${id} and kind = 'note' order by id`;
  return rows.map((r) => r.text);
}

async function version(id: string): Promise<number> {
  const [row] = await t.db.sql<{ version: number }[]>`select version from cases where id = ${id}`;
  return row!.version;
}

async function staffOf(email: string): Promise<Staff> {
  const [u] = await t.db.sql<Staff[]>`
    select id, name, email, role, crew_id as "crewId", department_id as "departmentId"
    from users where email = ${email}`;
  return u!;
}

/** Waits until `n` sessions of this test's database are waiting for a lock. */
async function waitForBlocked(n: number): Promise<void> {
  for (let i = 0; i < 200; i++) {
    const [row] = await t.db.sql<{ n: number }[]>`
      select count(*)::int as n from pg_stat_activity
      where datname = current_database() and wait_event_type = 'Lock'`;
    if (row!.n >= n) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`expected ${n} sessions waiting for a lock`);
}

/**
 * Holds a row lock on `ids` from another connection until `release()`; `beforeCommit` runs in
 * that transaction just before it commits.
 */
async function holdRows(
  ids: string[],
  beforeCommit?: (tx: Sql) => Promise<unknown>,
): Promise<{ release(): Promise<void> }> {
  let release!: () => void;
  const released = new Promise<void>((r) => (release = r));
  let locked!: () => void;
  const isLocked = new Promise<void>((r) => (locked = r));
  const tx = t.db.sql.begin(async (tx) => {
    await tx`select id from cases where id = any(${ids}::bigint[]) order by id for update`;
    locked();
    await released;
    if (beforeCommit) await beforeCommit(tx as unknown as Sql);
  });
  await isLocked;
  // A test that fails before it releases must not leave the rows locked for the next ones.
  const safety = setTimeout(release, 8000);
  return {
    async release() {
      clearTimeout(safety);
      release();
      await tx;
    },
  };
}

describe('which database errors are a lost race', () => {
  it('a deadlock, a serialization failure and the same mutation id written twice at once', () => {
    expect(lostARace({ code: '40P01' })).toBe(true);
    expect(lostARace({ code: '40001' })).toBe(true);
    expect(lostARace({ code: '23505', constraint_name: 'mutations_pkey' })).toBe(true);
  });

  it('not any other error: a unique key elsewhere, a missing row, a check, no code at all', () => {
    expect(lostARace({ code: '23505', constraint_name: 'photos_pkey' })).toBe(false);
    expect(lostARace({ code: '23505' })).toBe(false);
    expect(lostARace({ code: '23503', constraint_name: 'mutations_pkey' })).toBe(false);
    expect(lostARace({ code: '23514' })).toBe(false);
    expect(lostARace(new Error('connection reset'))).toBe(false);
    expect(lostARace({})).toBe(false);
  });
});

describe('a push that lost a race is tried again, a bounded number of times', () => {
  /** The database, with its first `failures` transactions failing with `error` before they start. */
  function flaky(failures: number, error: object): { sql: Sql; begun: () => number } {
    let begun = 0;
    const sql = new Proxy(t.db.sql, {
      get(target, prop, receiver) {
        if (prop !== 'begin') return Reflect.get(target, prop, receiver) as unknown;
        return (fn: (tx: Sql) => Promise<unknown>) => {
          begun++;
          if (begun <= failures) return Promise.reject(Object.assign(new Error('lost a race'), error));
          return target.begin(fn as never);
        };
      },
    });
    return { sql, begun: () => begun };
  }
  const entries = (m: Mutation) => [{ ok: true as const, mutation: m }];

  it('two deadlocks, then it lands on the third try', async () => {
    const id = await freshCase();
    const db = flaky(2, { code: '40P01' });
    const [o] = await pushMutations(
      db.sql,
      await staffOf('worker@riverton.example'),
      entries({ ...crewA.make('add_note', id, { text: 'Third time.' }), baseVersion: 2 }),
      { timeZone: t.config.cityTimeZone },
    );
    expect(o!.outcome).toBe('applied');
    expect(db.begun()).toBe(3);
    expect(await notesOn(id)).toEqual(['Third time.']);
  });

  it('three lost races: it gives up and says so, rather than trying forever', async () => {
    const id = await freshCase();
    const db = flaky(10, { code: '40001' });
    await expect(
      pushMutations(
        db.sql,
        await staffOf('worker@riverton.example'),
        entries({ ...crewA.make('add_note', id, { text: 'Never.' }), baseVersion: 2 }),
        { timeZone: t.config.cityTimeZone },
      ),
    ).rejects.toThrow('lost a race');
    expect(db.begun()).toBe(3);
    expect(await notesOn(id)).toEqual([]);
  });

  it('an error that is not a race is not retried', async () => {
    const id = await freshCase();
    const db = flaky(1, { code: '23514' });
    await expect(
      pushMutations(
        db.sql,
        await staffOf('worker@riverton.example'),
        entries({ ...crewA.make('add_note', id, { text: 'Once.' }), baseVersion: 2 }),
        { timeZone: t.config.cityTimeZone },
      ),
    ).rejects.toThrow('lost a race');
    expect(db.begun()).toBe(1);
  });
});

describe.runIf(process.env.TEST_DATABASE_URL)('real races on PostgreSQL', () => {
  it('[R1] the same push sent twice at once (a retry while the first is still running): one write, one answer', async () => {
    expect(onPostgres()).toBe(true);
    const id = await freshCase();
    const m = { ...crewA.make('add_note', id, { text: 'Sent twice.' }), baseVersion: 2 };
    const held = await holdRows([id]);
    // Both read "never seen" before the case is free, then queue for it.
    const first = crewA.push([m]);
    const second = crewA.push([m]);
    await waitForBlocked(2);
    await held.release();
    const [a, b] = await Promise.all([first, second]);
    expect([a.status, b.status]).toEqual([200, 200]);
    expect(b.outcomes).toEqual(a.outcomes);
    expect(a.outcomes[0]!.outcome).toBe('applied');
    expect(await notesOn(id)).toEqual(['Sent twice.']);
    const [row] = await t.db.sql<{ n: number }[]>`select count(*)::int as n from mutations where id = ${m.id}`;
    expect(row!.n).toBe(1);
  });

  it('[R6] a merge committed while the push waited for the case: the work follows it to the survivor', async () => {
    const dup = await freshCase();
    const survivor = await freshCase('streets-a', '2026-06-10', 98); // outside the batch
    const held = await holdRows(
      [dup],
      (tx) =>
        tx`update cases set merged_into_id = ${survivor}, state = 'closed_not_fixed', close_reason = 'duplicate',
           assigned_crew_id = null, assigned_day = null, route_position = null where id = ${dup}`,
    );
    const push = crewA.push([{ ...crewA.make('add_note', dup, { text: 'Found it merged.' }), baseVersion: 2 }]);
    await waitForBlocked(1);
    await held.release();
    const { status, outcomes } = await push;
    expect(status).toBe(200);
    expect([outcomes[0]!.outcome, outcomes[0]!.landedOnCaseId]).toEqual(['merged', survivor]);
    expect(await notesOn(survivor)).toEqual(['Found it merged.']);
  });

  it("crew-mates' notes on one case land side by side; a change to the case waits for them", async () => {
    const id = await freshCase();
    // Another device's note push in flight holds the case as a note push does: shared.
    let release!: () => void;
    const released = new Promise<void>((r) => (release = r));
    let held!: () => void;
    const isHeld = new Promise<void>((r) => (held = r));
    const inFlight = t.db.sql.begin(async (tx) => {
      await tx`select id from cases where id = ${id} for share`;
      held();
      await released;
    });
    await isHeld;
    const safety = setTimeout(release, 8000);
    try {
      const note = crewA.push([{ ...crewA.make('add_note', id, { text: 'Side by side.' }), baseVersion: 2 }]);
      const raced = await Promise.race([
        note.then(() => 'landed'),
        new Promise((r) => setTimeout(() => r('waited'), 3000)),
      ]);
      expect(raced).toBe('landed');
      expect((await note).outcomes[0]!.outcome).toBe('applied');
      // A start changes the case: it waits until the note in flight is done.
      const start = crewA.push([{ ...crewA.make('start', id, {}), baseVersion: 2 }]);
      await waitForBlocked(1);
      release();
      await inFlight;
      const started = await start;
      expect([started.status, started.outcomes[0]!.outcome]).toEqual([200, 'applied']);
    } finally {
      clearTimeout(safety);
      release();
      await inFlight;
    }
    expect(await notesOn(id)).toEqual(['Side by side.']);
  });

  /**
   * A push that must wait for a row waits before it takes the change log, so the rest of the
   * city's pushes go on meanwhile: `blocked` queues behind a row of its route held elsewhere
   * while crew B's unrelated note lands.
   */
  async function othersGoOn(neighbour: string, blocked: () => Promise<{ status: number; outcomes: Outcome[] }>) {
    const held = await holdRows([neighbour]);
    const waiting = blocked();
    await waitForBlocked(1);
    const elsewhere = await freshCase('streets-b');
    const other = crewB.push([{ ...crewB.make('add_note', elsewhere, { text: 'Not held up.' }), baseVersion: 2 }]);
    const raced = await Promise.race([
      other.then(() => 'other'),
      new Promise((r) => setTimeout(() => r('held'), 3000)),
    ]);
    await held.release();
    expect(raced).toBe('other');
    expect((await other).outcomes[0]!.outcome).toBe('applied');
    const done = await waiting;
    expect(done.status).toBe(200);
    return done.outcomes[0]!;
  }

  it("a lead's reorder waits for its route's rows before the change log", async () => {
    const [x, neighbour] = [await freshCase('streets-a', EMPTY_DAY, 1), await freshCase('streets-a', EMPTY_DAY, 2)];
    const o = await othersGoOn(neighbour, () =>
      lead.push([{ ...lead.make('reorder', neighbour, { position: 1 }), baseVersion: 2 }]),
    );
    expect(o.outcome).toBe('applied');
    const rows = await t.db.sql<{ id: string }[]>`
      select id::text from cases where id in (${x}, ${neighbour}) order by route_position`;
    expect(rows.map((r) => r.id)).toEqual([neighbour, x]);
  });

  it("a lead's assign waits for the receiving route's rows before the change log", async () => {
    const onB = await freshCase('streets-b', '2026-07-02', 1);
    const moving = await freshCase('streets-a', '2026-07-02', 1);
    const o = await othersGoOn(onB, () =>
      lead.push([
        { ...lead.make('assign', moving, { crewId: 'streets-b', day: '2026-07-02', position: 1 }), baseVersion: 2 },
      ]),
    );
    expect(o.outcome).toBe('applied');
    const rows = await t.db.sql<{ id: string; pos: number }[]>`
      select id::text, route_position as pos from cases where assigned_crew_id = 'streets-b' and assigned_day = '2026-07-02'
      order by route_position`;
    expect(rows).toEqual([
      { id: moving, pos: 1 },
      { id: onB, pos: 2 },
    ]);
  });

  it("[R6] a lead's reorder of a merged case is moot: the survivor's route is not touched", async () => {
    const survivor = await freshCase('streets-a', '2026-07-03', 2);
    const first = await freshCase('streets-a', '2026-07-03', 1);
    const dup = await freshCase('streets-b', '2026-07-04', 1);
    await mergeInto(dup, survivor);
    const [o] = await lead.send({ ...lead.make('reorder', dup, { position: 1 }), baseVersion: 2 });
    expect([o!.outcome, o!.reason, o!.landedOnCaseId]).toEqual(['superseded', 'case-closed', dup]);
    const rows = await t.db.sql<{ id: string }[]>`
      select id::text from cases where assigned_crew_id = 'streets-a' and assigned_day = '2026-07-03' order by route_position`;
    expect(rows.map((r) => r.id)).toEqual([first, survivor]);
  });
});

describe('[R6] merges chained one into another', () => {
  async function chain(length: number): Promise<string[]> {
    const ids: string[] = [];
    for (let i = 0; i <= length; i++) ids.push(await freshCase());
    for (let i = 0; i < length; i++) await mergeInto(ids[i]!, ids[i + 1]!);
    return ids;
  }

  it(`follows a chain of ${MAX_REDIRECTS} merges to the case that survives, noting each hop`, async () => {
    const ids = await chain(MAX_REDIRECTS);
    const end = ids.at(-1)!;
    const before = await version(end);
    const [o] = await crewA.send({ ...crewA.make('add_note', ids[0]!, { text: 'Deep.' }), baseVersion: 2 });
    expect([o!.outcome, o!.landedOnCaseId, o!.caseVersion]).toEqual(['merged', end, before]);
    expect(await notesOn(end)).toEqual(['Deep.']);
    for (const hop of ids.slice(0, -1)) {
      const [row] = await t.db.sql<{ n: number }[]>`
        select count(*)::int as n from case_events where case_id = ${hop} and mutation_id = ${o!.mutationId}`;
      expect(row!.n, `case ${hop} notes the redirect`).toBe(1);
    }
  });

  it(`refuses one merge deeper than ${MAX_REDIRECTS}, and writes nothing on any of them`, async () => {
    const ids = await chain(MAX_REDIRECTS + 1);
    const versions = await Promise.all(ids.map(version));
    const [o] = await crewA.send({ ...crewA.make('add_note', ids[0]!, { text: 'Too deep.' }), baseVersion: 2 });
    expect([o!.outcome, o!.reason]).toEqual(['rejected', 'case-not-found']);
    for (const id of ids) expect(await notesOn(id)).toEqual([]);
    expect(await Promise.all(ids.map(version))).toEqual(versions);
  });

  it('two leads merging a pair each into the other: the second merge is moot, one case stays open', async () => {
    const [a, b] = [await freshCase(), await freshCase()];
    const [first] = await lead.send({ ...lead.make('merge_duplicate', a, { intoCaseId: b }), baseVersion: 2 });
    expect(first!.outcome).toBe('applied');
    // The second lead's board had not caught up: it merges b into a, already b's duplicate.
    const [second] = await lead.send({ ...lead.make('merge_duplicate', b, { intoCaseId: a }), baseVersion: 2 });
    expect([second!.outcome, second!.reason]).toEqual(['superseded', 'already-in-state']);
    const rows = await t.db.sql<{ id: string; state: string; merged: string | null }[]>`
      select id::text, state, merged_into_id::text as merged from cases where id in (${a}, ${b})`;
    expect(new Map(rows.map((r) => [r.id, [r.state, r.merged]]))).toEqual(
      new Map([
        [a, ['closed_not_fixed', b]],
        [b, ['assigned', null]],
      ]),
    );
  });

  it('a merge into a case merged meanwhile lands on the case that survives it', async () => {
    const [a, b, c] = [await freshCase(), await freshCase(), await freshCase()];
    await mergeInto(b, c);
    const [o] = await lead.send({ ...lead.make('merge_duplicate', a, { intoCaseId: b }), baseVersion: 2 });
    expect(o!.outcome).toBe('applied');
    const [row] = await t.db.sql<
      { merged: string }[]
    >`select merged_into_id::text as merged from cases where id = ${a}`;
    expect(row!.merged).toBe(c);
  });

  it('a merge cycle (made by hand in the database) ends in a refusal, not a loop', async () => {
    const [a, b] = [await freshCase(), await freshCase()];
    await mergeInto(a, b);
    await mergeInto(b, a);
    const [o] = await crewA.send({ ...crewA.make('add_note', a, { text: 'Round and round.' }), baseVersion: 2 });
    expect([o!.outcome, o!.reason]).toEqual(['rejected', 'case-not-found']);
    expect([...(await notesOn(a)), ...(await notesOn(b))]).toEqual([]);
  });

  it('a photo attached through a merged case counts as on the survivor for a fix later in the same push', async () => {
    const survivor = await freshCase();
    const dup = await freshCase();
    await mergeInto(dup, survivor);
    const photoId = crypto.randomUUID();
    const outcomes = await crewA.send(
      {
        ...crewA.make('attach_photo', dup, {
          photoId,
          tag: 'after',
          contentType: 'image/jpeg',
          byteSize: 1000,
          width: 10,
          height: 10,
          takenAt: null,
          lat: null,
          long: null,
        }),
        baseVersion: 2,
      },
      {
        ...crewA.make('fix', survivor, { resolutionCode: 'ground_down', note: '', photoIds: [photoId] }),
        baseVersion: 2,
      },
    );
    expect(outcomes.map((o) => [o.outcome, o.reason, o.landedOnCaseId])).toEqual([
      ['merged', 'landed-on-surviving-case', survivor],
      ['applied', null, survivor],
    ]);
    const [p] = await t.db.sql<{ case_id: string }[]>`select case_id::text from photos where id = ${photoId}`;
    expect(p!.case_id).toBe(survivor);
  });
});

describe('what a push writes down', () => {
  it('a change that lands: its payload, base version and device time kept as sent', async () => {
    const id = await freshCase();
    const m = { ...crewA.make('add_note', id, { text: 'Kept as sent.' }), baseVersion: 2 };
    await crewA.send(m);
    const [row] = await t.db.sql<{ payload: unknown; base_version: number; device_time: Date; landed: string }[]>`
      select payload, base_version, device_time, landed_on_case_id::text as landed from mutations where id = ${m.id}`;
    expect(row).toEqual({
      payload: { text: 'Kept as sent.' },
      base_version: 2,
      device_time: new Date(m.deviceTime),
      landed: id,
    });
  });

  it('[R9] a change with a bad payload: refused with its problem on the case, in the lead inbox and in the answer', async () => {
    const id = await freshCase();
    const v = await version(id);
    const good = { ...crewA.make('add_note', id, { text: 'x' }), baseVersion: 2 };
    const res = await fetch(`${server.url}/api/sync/push`, {
      method: 'POST',
      headers: {
        ...crewA.headers,
        'content-type': 'application/json',
        [PROTOCOL_HEADER]: String(PROTOCOL_VERSION),
      },
      body: JSON.stringify({ clientId: crewA.clientId, mutations: [{ ...good, payload: { text: 42 } }] }),
    });
    expect(res.status).toBe(200);
    const [o] = ((await res.json()) as { outcomes: Outcome[] }).outcomes;
    expect([o!.outcome, o!.reason, o!.landedOnCaseId, o!.caseVersion]).toEqual(['rejected', 'invalid-payload', id, v]);
    expect(o!.message).toMatch(
      new RegExp(
        `^Note on case #${id} refused: a value in it is not one the case type accepts \\(payload\\.text: .+\\)\\.$`,
      ),
    );

    const [event] = await t.db.sql<
      { kind: string; data: Record<string, unknown>; version: number; crew: string; outcome: string }[]
    >`
      select kind, data, version, crew_id as crew, outcome from case_events where mutation_id = ${good.id}`;
    expect(event).toMatchObject({ kind: 'add_note', version: v, crew: 'streets-a', outcome: 'rejected' });
    expect(event!.data).toMatchObject({ outcome: 'rejected', reason: 'invalid-payload' });
    expect(String(event!.data.problem)).toMatch(/^payload\.text: /);

    const [mutation] = await t.db.sql<{ payload: Record<string, unknown>; case_version: number; landed: string }[]>`
      select payload, case_version, landed_on_case_id::text as landed from mutations where id = ${good.id}`;
    expect(mutation!.payload).toEqual({ refused: event!.data.problem });
    expect([mutation!.case_version, mutation!.landed]).toEqual([v, id]);

    const { name } = await staffOf('worker@riverton.example');
    const [notice] = await t.db.sql<{ message: string; kind: string }[]>`
      select message, kind from lead_notices where mutation_id = ${good.id}`;
    expect(notice).toEqual({ message: `${name}: ${o!.message}`, kind: 'not-applied' });
    expect(await version(id)).toBe(v);
  });

  it('[R9] a bad payload on a case that does not exist: refused, landing nowhere, with no version', async () => {
    const m = { ...crewA.make('add_note', '987654321', { text: 'x' }), baseVersion: 1 };
    const res = await fetch(`${server.url}/api/sync/push`, {
      method: 'POST',
      headers: { ...crewA.headers, 'content-type': 'application/json', [PROTOCOL_HEADER]: String(PROTOCOL_VERSION) },
      body: JSON.stringify({ clientId: crewA.clientId, mutations: [{ ...m, payload: {} }] }),
    });
    const [o] = ((await res.json()) as { outcomes: Outcome[] }).outcomes;
    expect([o!.outcome, o!.reason, o!.landedOnCaseId, o!.caseVersion]).toEqual([
      'rejected',
      'invalid-payload',
      null,
      null,
    ]);
    const [n] = await t.db.sql<{ n: number }[]>`select count(*)::int as n from case_events where mutation_id = ${m.id}`;
    expect(n!.n).toBe(0);
  });
});

describe.runIf(process.env.TEST_DATABASE_URL)('every row a push may write is locked in one ordered statement', () => {
  // Counted by the database client's own debug hook: the statements that lock case rows, and
  // the ids each names. Rows locked one by one, in whatever order a batch names them, could
  // leave two pushes each holding a row the other waits for.
  async function locksOf(
    email: string,
    batch: Mutation | Mutation[],
  ): Promise<{ outcome: Outcome; outcomes: Outcome[]; locked: string[][]; modes: string[] }> {
    const locked: string[][] = [];
    const modes: string[] = [];
    const counted = postgres(t.db.url!, {
      max: 1,
      onnotice: () => {},
      types: {},
      debug: (_connection, query, parameters) => {
        const lock = /\bfor (update|share)\b/i.exec(query);
        if (lock) {
          locked.push((parameters as unknown[]).flat().map(String));
          modes.push(lock[1]!.toLowerCase());
        }
      },
    });
    try {
      const mutations = Array.isArray(batch) ? batch : [batch];
      const outcomes = await pushMutations(
        counted,
        await staffOf(email),
        mutations.map((mutation) => ({ ok: true as const, mutation })),
        { timeZone: t.config.cityTimeZone },
      );
      return { outcome: outcomes[0]!, outcomes, locked, modes };
    } finally {
      await counted.end({ timeout: 5 });
    }
  }

  it('[R6] a change on a case merged three deep: the case and every case after it, at once', async () => {
    const ids = [await freshCase(), await freshCase(), await freshCase(), await freshCase()];
    for (let i = 0; i < 3; i++) await mergeInto(ids[i]!, ids[i + 1]!);
    const { outcome, locked, modes } = await locksOf('worker@riverton.example', {
      ...crewA.make('add_note', ids[0]!, { text: 'Three deep.' }),
      baseVersion: 2,
    });
    expect([outcome.outcome, outcome.landedOnCaseId]).toEqual(['merged', ids[3]]);
    expect(locked).toHaveLength(1);
    expect(modes).toEqual(['share']); // a note changes no case row (R4)
    expect([...locked[0]!].sort()).toEqual([...ids].sort());
  });

  it('a batch of notes and one start: held for update, since the start writes the case row', async () => {
    const id = await freshCase();
    const { outcomes, locked, modes } = await locksOf('worker@riverton.example', [
      { ...crewA.make('add_note', id, { text: 'On my way.' }), baseVersion: 2 },
      { ...crewA.make('start', id, {}), baseVersion: 2 },
      { ...crewA.make('add_note', id, { text: 'Started.' }), baseVersion: 3 },
    ]);
    expect(outcomes.map((o) => o.outcome)).toEqual(['applied', 'applied', 'applied']);
    expect(locked).toEqual([[id]]);
    expect(modes).toEqual(['update']);
  });

  it("a lead's assign: the case and every open case on the receiving crew's route that day, at once", async () => {
    const day = '2026-07-06';
    const onRoute = [await freshCase('streets-b', day, 1), await freshCase('streets-b', day, 2)];
    const moving = await freshCase(null);
    const { outcome, locked, modes } = await locksOf('lead@riverton.example', {
      ...lead.make('assign', moving, { crewId: 'streets-b', day, position: 2 }),
      baseVersion: 2,
    });
    expect(outcome.outcome).toBe('applied');
    expect(locked).toHaveLength(1);
    expect(modes).toEqual(['update']);
    expect([...locked[0]!].sort()).toEqual([moving, ...onRoute].sort());
  });

  it("a lead's reorder: every open case on that crew's route that day, at once", async () => {
    const day = '2026-07-07';
    const onRoute = [await freshCase('streets-a', day, 1), await freshCase('streets-a', day, 2)];
    const moving = await freshCase('streets-a', day, 3);
    const { outcome, locked, modes } = await locksOf('lead@riverton.example', {
      ...lead.make('reorder', moving, { position: 1 }),
      baseVersion: 2,
    });
    expect(outcome.outcome).toBe('applied');
    expect(locked).toHaveLength(1);
    expect(modes).toEqual(['update']);
    expect([...locked[0]!].sort()).toEqual([moving, ...onRoute].sort());
  });
});
