import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { v7 as uuidv7 } from 'uuid';
import { NoticesResponse, type LeadNotice } from '@fieldfix/shared';
import { createTestApp, quietLogger, type TestApp } from '../../test/test-app.ts';
import { listen, TestDevice } from '../../test/sync-client.ts';
import { INBOX_LIST_MAX, listLeadInbox, recordLeadInboxEntries, type LeadInboxEntry } from './lead-inbox.repo.ts';

// The lead inbox (SPEC.md R2, R6, R9): one notice per crossed path, one per push for the
// changes that did not take, read by the leads of the department and by admins.

let t: TestApp;
let server: { url: string; close(): Promise<void> };
let sam: { id: string; name: string }; // worker@riverton.example, Streets Crew A
let heads: Record<'lead' | 'sanitationLead' | 'admin' | 'worker', Record<string, string>>;

beforeAll(async () => {
  t = await createTestApp();
  server = await listen(t);
  const [worker] = await t.db.sql<{ id: string; name: string }[]>`
    select id, name from users where email = 'worker@riverton.example'`;
  sam = worker!;
  heads = {
    lead: await t.login('lead@riverton.example'),
    sanitationLead: await t.login('lead.sanitation@riverton.example'),
    admin: await t.login('admin@riverton.example'),
    worker: await t.login('worker@riverton.example'),
  };
});
afterAll(async () => {
  if (quietLogger.errors.length) console.error('server errors:', quietLogger.errors);
  await server?.close();
  await t?.close();
});

/** `n` new cases assigned to `crewId` for the test day, each with its history. */
async function freshCases(crewId: string, n: number): Promise<string[]> {
  const code = crewId.startsWith('streets') ? 'SIDEWALK' : 'MISSED_PICKUP';
  const rows = await t.db.sql<{ id: string }[]>`
    insert into cases (service_code, description, lat, long, address, state, assigned_crew_id, assigned_day, route_position, version)
    select ${code}, 'Test case', 42.35, -86.97, '100 Test St', 'assigned', ${crewId}, '2026-06-10', 99, 2
    from generate_series(1, ${n})
    returning id::text`;
  const ids = rows.map((r) => r.id).sort((a, b) => Number(a) - Number(b));
  await t.db.sql`
    insert into case_events (case_id, kind, data, version, crew_id)
    select id, 'reported', '{}', 1, null from unnest(${ids}::bigint[]) as id
    union all
    select id, 'assigned', ${t.db.sql.json({ crewId })}, 2, ${crewId} from unnest(${ids}::bigint[]) as id`;
  return ids;
}

function notApplied(caseId: string, why: string, departmentId = 'streets'): LeadInboxEntry {
  return {
    departmentId,
    caseId,
    mutationId: uuidv7(),
    message: `${sam.name}: Start on case #${caseId} refused: ${why}.`,
    kind: 'not-applied',
    actorName: sam.name,
    actorUserId: sam.id,
  };
}

function crossedPath(caseId: string): LeadInboxEntry {
  return {
    departmentId: 'streets',
    caseId,
    mutationId: uuidv7(),
    message: `${sam.name} fixed case #${caseId} after it was moved to Streets Crew B.`,
    kind: 'crossed-path',
    actorName: sam.name,
    actorUserId: sam.id,
  };
}

/** The notices that stand for any of `entries`' changes, in the inbox of everyone. */
async function noticesOf(mutationIds: string[]): Promise<LeadNotice[]> {
  const ids = new Set(mutationIds);
  const { notices: all } = await listLeadInbox(t.db.sql, { kind: 'city' }, { includeAcknowledged: true });
  return all.filter((n) => n.items.some((i) => i.mutationId && ids.has(i.mutationId)));
}

async function inbox(headers: Record<string, string>, all = false) {
  return t.app.request(`/api/notices${all ? '?all=1' : ''}`, { headers });
}

async function inboxOf(headers: Record<string, string>, all = false): Promise<LeadNotice[]> {
  const res = await inbox(headers, all);
  expect(res.status).toBe(200);
  return ((await res.json()) as NoticesResponse).notices;
}

describe('recording what the leads must hear about', () => {
  it('[R9] turns the changes of one push that did not take into one notice that lists every one', async () => {
    const theirs = await freshCases('streets-b', 40);
    const entries = theirs.map((id) => notApplied(id, 'the case is not assigned to your crew'));
    await recordLeadInboxEntries(t.db.sql, entries);
    const found = await noticesOf(entries.map((e) => e.mutationId));
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({
      kind: 'not-applied',
      caseId: null,
      mutationId: null,
      count: 40,
      message: `${sam.name}: 40 changes were not applied because the case is not assigned to your crew.`,
      acknowledgedAt: null,
    });
    expect(found[0]!.items).toEqual(
      entries.map((e) => ({ caseId: e.caseId, mutationId: e.mutationId, message: e.message })),
    );
  });

  it('[R2] keeps a crossed path a notice of its own, beside the group of the same push', async () => {
    const [moved, ...theirs] = await freshCases('streets-b', 3);
    const entries = [
      notApplied(theirs[0]!, 'the case is not assigned to your crew'),
      crossedPath(moved!),
      notApplied(theirs[1]!, 'the case is not assigned to your crew'),
    ];
    await recordLeadInboxEntries(t.db.sql, entries);
    const found = await noticesOf(entries.map((e) => e.mutationId));
    expect(found.map((n) => [n.kind, n.count]).sort()).toEqual([
      ['crossed-path', 1],
      ['not-applied', 2],
    ]);
    expect(found.find((n) => n.kind === 'crossed-path')).toMatchObject({
      caseId: moved,
      mutationId: entries[1]!.mutationId,
      message: entries[1]!.message,
      items: [{ caseId: moved, mutationId: entries[1]!.mutationId, message: entries[1]!.message }],
    });
  });

  it('[R9] leaves a single change that did not take as it is', async () => {
    const [id] = await freshCases('streets-b', 1);
    const entry = notApplied(id!, 'the case is not assigned to your crew');
    await recordLeadInboxEntries(t.db.sql, [entry]);
    expect(await noticesOf([entry.mutationId])).toEqual([
      expect.objectContaining({
        kind: 'not-applied',
        caseId: id,
        mutationId: entry.mutationId,
        message: entry.message,
        count: 1,
      }),
    ]);
  });

  it('[R9] sums a group up by reason, the most common first', async () => {
    const ids = await freshCases('streets-b', 37);
    const entries = ids.map((id, i) =>
      notApplied(
        id,
        i % 5 === 1 && i < 35 ? 'the case was already in that state' : 'the case is not assigned to your crew',
      ),
    );
    await recordLeadInboxEntries(t.db.sql, entries);
    const [group] = await noticesOf(entries.map((e) => e.mutationId));
    expect(group!.message).toBe(
      `${sam.name}: 37 changes were not applied — 30 because the case is not assigned to your crew, ` +
        '7 because the case was already in that state.',
    );
  });

  it('groups per department: each department hears of its own cases only', async () => {
    const streets = await freshCases('streets-b', 2);
    const sanitation = await freshCases('sanitation-n', 2);
    // The department is the case's.
    const entries = [
      ...streets.map((id) => notApplied(id, 'the case is not assigned to your crew', 'streets')),
      ...sanitation.map((id) => notApplied(id, 'the case is not assigned to your crew', 'sanitation')),
    ];
    await recordLeadInboxEntries(t.db.sql, entries);
    const found = await noticesOf(entries.map((e) => e.mutationId));
    expect(found.map((n) => n.items.map((i) => i.caseId)).sort()).toEqual([streets, sanitation].sort());
  });

  it('names the case of a group whose changes were all on one case', async () => {
    const [id] = await freshCases('streets-b', 1);
    const entries = [
      notApplied(id!, 'the case is not assigned to your crew'),
      notApplied(id!, 'there is no such case'),
    ];
    await recordLeadInboxEntries(t.db.sql, entries);
    const [group] = await noticesOf(entries.map((e) => e.mutationId));
    expect(group).toMatchObject({ caseId: id, mutationId: null, count: 2 });
  });

  it('writes nothing for a push with nothing to tell', async () => {
    const [before] = await t.db.sql<{ n: number }[]>`select count(*)::int as n from lead_notices`;
    await recordLeadInboxEntries(t.db.sql, []);
    const [after] = await t.db.sql<{ n: number }[]>`select count(*)::int as n from lead_notices`;
    expect(after!.n).toBe(before!.n);
  });
});

describe('reading the inbox', () => {
  it('shows a lead their department only, an admin every department, and keeps workers and strangers out', async () => {
    const streets = await freshCases('streets-b', 2);
    const sanitation = await freshCases('sanitation-n', 2);
    const ours = streets.map((id) => notApplied(id, 'the case is not assigned to your crew'));
    const theirs = sanitation.map((id) => notApplied(id, 'the case is not assigned to your crew', 'sanitation'));
    await recordLeadInboxEntries(t.db.sql, [...ours, ...theirs]);
    const has = (list: LeadNotice[], entries: LeadInboxEntry[]) =>
      list.some((n) => n.items.some((i) => i.mutationId === entries[0]!.mutationId));

    const lead = await inboxOf(heads.lead);
    expect([has(lead, ours), has(lead, theirs)]).toEqual([true, false]);
    const sanitationLead = await inboxOf(heads.sanitationLead);
    expect([has(sanitationLead, ours), has(sanitationLead, theirs)]).toEqual([false, true]);
    const admin = await inboxOf(heads.admin);
    expect([has(admin, ours), has(admin, theirs)]).toEqual([true, true]);
    // An admin's board of one department: that department's only. A lead asks for their own.
    const one = async (headers: Record<string, string>, department: string) =>
      t.app.request(`/api/notices?department=${department}`, { headers });
    const adminStreets = ((await (await one(heads.admin, 'streets')).json()) as NoticesResponse).notices;
    expect([has(adminStreets, ours), has(adminStreets, theirs)]).toEqual([true, false]);
    const leadOwn = ((await (await one(heads.lead, 'streets')).json()) as NoticesResponse).notices;
    expect([has(leadOwn, ours), has(leadOwn, theirs)]).toEqual([true, false]);
    const leadOther = await one(heads.lead, 'sanitation');
    expect(leadOther.status).toBe(403);
    expect((await one(heads.admin, 'not%20an%20id')).status).toBe(400);

    const worker = await inbox(heads.worker);
    expect(worker.status).toBe(403);
    expect(((await worker.json()) as { error: { code: string } }).error.code).toBe('forbidden');
    const stranger = await inbox({});
    expect(stranger.status).toBe(401);
    expect((await t.app.request('/api/notices/1/ack', { method: 'POST', headers: heads.worker })).status).toBe(403);
    const sameSite = { origin: 'http://localhost' }; // past the cross-site guard, with no session
    expect(
      (await t.app.request('http://localhost/api/notices/1/ack', { method: 'POST', headers: sameSite })).status,
    ).toBe(401);
  });

  it('acknowledges a group as one: gone from the open inbox, kept with ?all=1', async () => {
    const ids = await freshCases('streets-b', 5);
    const entries = ids.map((id) => notApplied(id, 'the case is not assigned to your crew'));
    await recordLeadInboxEntries(t.db.sql, entries);
    const group = (await inboxOf(heads.lead)).find((n) => n.items.some((i) => i.mutationId === entries[0]!.mutationId));
    expect(group?.count).toBe(5);
    const ack = (headers: Record<string, string>) =>
      t.app.request(`/api/notices/${group!.id}/ack`, { method: 'POST', headers });

    expect((await ack(heads.sanitationLead)).status).toBe(404); // not their department's
    expect((await ack(heads.lead)).status).toBe(200);
    expect((await inboxOf(heads.lead)).some((n) => n.id === group!.id)).toBe(false);
    const kept = (await inboxOf(heads.lead, true)).find((n) => n.id === group!.id);
    expect(kept).toMatchObject({ count: 5, acknowledgedAt: expect.any(String) });
    const [row] = await t.db.sql<{ n: number }[]>`
      select count(*)::int as n from lead_notices where acknowledged_at is null and case_id = any(${ids}::bigint[])`;
    expect(row!.n).toBe(0);
    expect((await ack(heads.admin)).status).toBe(200); // again: the first reader stays
    expect((await t.app.request('/api/notices/x/ack', { method: 'POST', headers: heads.lead })).status).toBe(400);
  });

  it(`lists the newest ${INBOX_LIST_MAX}, and says how many wait in all, so the older ones are not lost from sight`, async () => {
    const ids = await freshCases('streets-b', INBOX_LIST_MAX + 5);
    // Crossed paths, each a notice of its own: more than a list holds.
    await recordLeadInboxEntries(t.db.sql, ids.map(crossedPath));
    const read = async () => {
      const res = await inbox(heads.lead);
      expect(res.status).toBe(200);
      return NoticesResponse.parse(await res.json());
    };
    const before = await read();
    const [row] = await t.db.sql<{ n: number }[]>`
      select count(*)::int as n from lead_notices
      where acknowledged_at is null and department_id = 'streets'`;
    expect(before.notices).toHaveLength(INBOX_LIST_MAX);
    expect(before.waiting).toBe(row!.n);
    expect(before.waiting).toBeGreaterThan(INBOX_LIST_MAX);
    // Another department's lead counts their own only.
    const theirs = await t.db.sql<{ n: number }[]>`
      select count(*)::int as n from lead_notices
      where acknowledged_at is null and department_id = 'sanitation'`;
    expect(NoticesResponse.parse(await (await inbox(heads.sanitationLead)).json()).waiting).toBe(theirs[0]!.n);
    // Read, one notice counts one less.
    const first = before.notices[0]!;
    expect((await t.app.request(`/api/notices/${first.id}/ack`, { method: 'POST', headers: heads.lead })).status).toBe(
      200,
    );
    expect((await read()).waiting).toBe(before.waiting! - 1);
    await t.db.sql`update lead_notices set acknowledged_at = now() where case_id = any(${ids}::bigint[])`;
  });
});

describe('a push that floods the inbox (end to end)', () => {
  // Needs push.service.ts to hand its findings to recordLeadInboxEntries with their kinds.
  it('[R8] [R9] 40 changes refused for another crew are one notice of 40; a crossed path in the same push stands alone', async () => {
    const crewA = new TestDevice(server.url, heads.worker, 'tablet-a');
    const lead = new TestDevice(server.url, heads.lead, 'lead-desk');
    const theirs = await freshCases('streets-b', 40);
    const [cancelled] = await freshCases('streets-a', 1);
    await Promise.all([crewA.pullAll(), lead.pullAll()]);
    await lead.send(lead.make('cancel', cancelled!, { reason: 'no_action_needed', note: '' }));

    const refused = theirs.map((id) => crewA.make('start', id, {}));
    const fix = crewA.make('fix', cancelled!, { resolutionCode: 'ground_down', note: 'Done.', photoIds: [] });
    const outcomes = await crewA.send(...refused, fix);
    expect(outcomes.slice(0, 40).map((o) => o.reason)).toEqual(theirs.map(() => 'not-your-crew'));
    expect(outcomes[40]).toMatchObject({ outcome: 'superseded', reason: 'case-cancelled' });

    const ids = new Set([...refused, fix].map((m) => m.id));
    const found = (await inboxOf(heads.lead)).filter((n) => n.items.some((i) => ids.has(i.mutationId ?? '')));
    expect(found).toHaveLength(2);
    const group = found.find((n) => n.kind === 'not-applied');
    expect(group).toMatchObject({
      caseId: null,
      count: 40,
      message: `${sam.name}: 40 changes were not applied because the case is not assigned to your crew.`,
    });
    expect(group!.items.map((i) => [i.caseId, i.mutationId])).toEqual(refused.map((m) => [m.caseId, m.id]));
    expect(found.find((n) => n.kind === 'crossed-path')).toMatchObject({
      caseId: cancelled,
      mutationId: fix.id,
      count: 1,
    });
  });
});
