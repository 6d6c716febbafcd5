import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { v7 as uuidv7 } from 'uuid';
import { dateIn, type Mutation, type Outcome } from '@fieldfix/shared';
import { createTestApp, quietLogger, type TestApp } from '../../test/test-app.ts';
import { listen, TestDevice } from '../../test/sync-client.ts';
import {
  CALLERS,
  CREW_DEPARTMENTS,
  RULES_TABLE,
  TYPES,
  caseStart,
  expectedCase,
  historyChain,
  resolve,
  type CallerName,
  type CaseName,
  type CaseStart,
  type RowEnv,
  type TableRow,
} from '../../../shared/src/reconcile/rules.table.ts';

// The rules table (shared/src/reconcile/rules.table.ts), row by row, against the server: each
// row's cases (and photos) are made with SQL, its change is pushed over HTTP as its caller,
// pushed again (R1), and what the server recorded is read back: the outcome (push response
// and `mutations`), the case row, the history (`case_events`, one entry per case the change
// touched: R9), the resident notices (`notification_outbox`, R10) and the lead inbox
// (`lead_notices`). The same rows run through `decide` alone in rules.table.test.ts.

let t: TestApp;
let server: { url: string; close(): Promise<void> };
const devices = {} as Record<CallerName, TestDevice>;

beforeAll(async () => {
  t = await createTestApp();
  server = await listen(t);
  // A worker between crews: the schema requires a worker to have a crew, but the access model
  // must not rely on that (R8: a worker with no crew has no cases), so this throwaway database
  // is allowed one.
  const [check] = await t.db.sql<{ name: string }[]>`
    select conname as name from pg_constraint
    where conrelid = 'users'::regclass and contype = 'c' and pg_get_constraintdef(oid) like '%crew_id%'`;
  if (check) await t.db.sql`alter table users drop constraint ${t.db.sql(check.name)}`;
  const noCrew = CALLERS['worker-no-crew'];
  await t.db.sql`
    insert into users (id, email, name, role, crew_id, department_id, password_hash)
    select ${noCrew.actor.userId}, ${noCrew.email}, 'Noa Between', 'worker', null, ${noCrew.actor.departmentId}, password_hash
    from users where email = ${CALLERS.worker.email}`;
  for (const [name, caller] of Object.entries(CALLERS) as [CallerName, (typeof CALLERS)[CallerName]][]) {
    devices[name] = new TestDevice(server.url, await t.login(caller.email), `table-${name}`);
  }
});

afterAll(async () => {
  await server?.close();
  await t?.close();
});

type CaseRow = {
  state: string;
  crewId: string | null;
  assignedDay: string | null;
  routePosition: number | null;
  priority: string;
  expectedAt: string | null;
  holdReason: string | null;
  resolutionCode: string | null;
  closeReason: string | null;
  statusNotes: string | null;
  mergedIntoId: string | null;
  cancelled: boolean;
  closedAt: string | null;
  version: number;
};

async function readCase(id: string): Promise<CaseRow> {
  const [r] = await t.db.sql<
    (Omit<CaseRow, 'expectedAt' | 'closedAt'> & { expectedAt: Date | null; closedAt: Date | null })[]
  >`
    select state, assigned_crew_id as "crewId", assigned_day::text as "assignedDay", route_position as "routePosition",
      priority, expected_at as "expectedAt", hold_reason as "holdReason", resolution_code as "resolutionCode",
      close_reason as "closeReason", status_notes as "statusNotes", merged_into_id::text as "mergedIntoId", cancelled,
      closed_at as "closedAt", version
    from cases where id = ${id}`;
  return { ...r!, expectedAt: r!.expectedAt?.toISOString() ?? null, closedAt: r!.closedAt?.toISOString() ?? null };
}

/** A case as the row starts it, with the history that says which crew had it at which version (R8). */
async function createCase(s: CaseStart, seen: TableRow['seen']): Promise<string> {
  const [row] = await t.db.sql<{ id: string }[]>`
    insert into cases (service_code, description, lat, long, address, state, assigned_crew_id, assigned_day,
      route_position, priority, expected_at, hold_reason, resolution_code, close_reason, status_notes, cancelled,
      closed_at, version)
    values (${s.type}, 'Rules table case', 42.35, -86.97, '1 Table St', ${s.state}, ${s.crewId}, ${s.assignedDay},
      ${s.routePosition}, ${s.priority}, ${s.expectedAt}, ${s.holdReason}, ${s.resolutionCode}, ${s.closeReason},
      ${s.statusNotes}, ${s.cancelled}, ${s.closedAt}, ${s.version})
    returning id::text`;
  const id = row!.id;
  const events = [{ case_id: id, kind: 'reported', version: 1, crew_id: null as string | null }];
  if (seen && seen.version < s.version)
    events.push({ case_id: id, kind: 'assigned', version: seen.version, crew_id: seen.crewId });
  events.push({ case_id: id, kind: 'assigned', version: s.version, crew_id: s.crewId });
  await t.db.sql`
    insert into case_events (case_id, kind, data, version, crew_id)
    select x.case_id, x.kind, '{}', x.version, x.crew_id
    from jsonb_to_recordset(${t.db.sql.json(events)}) as x(case_id bigint, kind text, version integer, crew_id text)`;
  return id;
}

/** Makes the row's cases and photos; returns what the row's tokens stand for. */
async function setUp(r: TableRow): Promise<RowEnv> {
  const names = ['self', ...Object.keys(r.others ?? {})] as CaseName[];
  const caseIds = { self: '', b: '', c: '', d: '', e: '', f: '', g: '', h: '', missing: '999999999999' };
  for (const name of names) caseIds[name] = await createCase(caseStart(r, name), name === 'self' ? r.seen : undefined);
  const photos = new Map<string, string>();
  const env: RowEnv = {
    caseIds,
    photoId: (name) => {
      if (!photos.has(name)) photos.set(name, crypto.randomUUID());
      return photos.get(name)!;
    },
    at: '',
    today: '',
  };
  for (const name of names) {
    const into = caseStart(r, name).mergedIntoId;
    if (into) await t.db.sql`update cases set merged_into_id = ${resolve(into, env)} where id = ${caseIds[name]}`;
  }
  for (const p of r.photos ?? []) {
    const id = resolve<string>(p.name, env);
    await t.db.sql`
      insert into photos (id, case_id, uploaded_by, kind, content_type, byte_size, storage_key)
      values (${id}, ${caseIds[p.on]}, ${p.kind === 'report' ? null : CALLERS.worker.actor.userId}, ${p.kind},
        'image/jpeg', 1000, ${`test/${id}`})`;
  }
  return env;
}

describe('the rules table against the server', () => {
  it("uses the demo city's service types and crews", async () => {
    const types = await t.db.sql<
      {
        code: keyof typeof TYPES;
        department_id: string;
        photo_required_on_fix: boolean;
        resolution_codes: { code: string }[];
        hold_reasons: { code: string }[];
        close_reasons: { code: string }[];
      }[]
    >`select code, department_id, photo_required_on_fix, resolution_codes, hold_reasons, close_reasons
      from service_types where code = any(${Object.keys(TYPES)})`;
    const codes = (l: { code: string }[]) => l.map((c) => c.code);
    expect(
      Object.fromEntries(
        types.map((s) => [
          s.code,
          {
            departmentId: s.department_id,
            photoRequiredOnFix: s.photo_required_on_fix,
            resolutionCodes: codes(s.resolution_codes),
            holdReasons: codes(s.hold_reasons),
            closeReasons: codes(s.close_reasons),
          },
        ]),
      ),
    ).toEqual(
      Object.fromEntries(
        Object.entries(TYPES).map(([code, s]) => [
          code,
          {
            ...s,
            resolutionCodes: codes(s.resolutionCodes),
            holdReasons: codes(s.holdReasons),
            closeReasons: codes(s.closeReasons),
          },
        ]),
      ),
    );
    const crews = await t.db.sql<{ id: string; department_id: string }[]>`select id, department_id from crews`;
    expect(Object.fromEntries(crews.map((c) => [c.id, c.department_id]))).toEqual(CREW_DEPARTMENTS);
  });

  for (const r of RULES_TABLE) {
    it(r.name, async () => {
      const e = r.expect;
      const env = await setUp(r);
      const ids = env.caseIds;
      const chain = historyChain(r).map((n) => ids[n]);
      const landing = r.expect.landsOn ?? 'self';
      const landedOn = ids[landing];
      const before = new Map(
        await Promise.all(
          (['self', ...Object.keys(r.others ?? {})] as CaseName[]).map(
            async (n) => [n, await readCase(ids[n])] as const,
          ),
        ),
      );

      const device = devices[r.caller];
      const m = {
        id: uuidv7(),
        clientId: device.clientId,
        seq: device.seq++,
        caseId: ids.self,
        baseVersion: r.seen?.version ?? r.start.version,
        deviceTime: new Date().toISOString(),
        kind: r.kind,
        payload: resolve(r.payload, env),
      } as Mutation;
      const [first] = await device.send(m);
      // R1: pushed again (its answer lost), the same answer, and nothing written twice.
      const [again] = await device.send(m);
      expect(again).toEqual(first);
      const o = first as Outcome;

      const [recorded] = await t.db.sql<
        {
          n: number;
          outcome: string;
          reason: string | null;
          landed: string | null;
          version: number | null;
          happened_at: Date;
        }[]
      >`select count(*) over ()::int as n, outcome, reason, landed_on_case_id::text as landed, case_version as version, happened_at
        from mutations where id = ${m.id}`;
      expect(recorded?.n).toBe(1);
      env.at = recorded!.happened_at.toISOString();
      env.today = dateIn(recorded!.happened_at, t.config.cityTimeZone);

      // The outcome, answered and recorded (R9).
      expect({ outcome: o.outcome, reason: o.reason }).toEqual({ outcome: e.outcome, reason: e.reason });
      expect({ outcome: recorded!.outcome, reason: recorded!.reason }).toEqual({
        outcome: e.outcome,
        reason: e.reason,
      });
      expect(o.landedOnCaseId).toBe(landedOn);
      expect(recorded!.landed).toBe(landedOn);

      // The case afterwards: the row's changes, every other field as it was, the version moved or not.
      const after = await readCase(landedOn);
      const want = expectedCase(r, env);
      if (e.route) {
        const [{ n } = { n: 0 }] = await t.db.sql<{ n: number }[]>`
          select count(*)::int as n from cases
          where assigned_crew_id = ${e.route.crewId} and assigned_day = ${e.route.day}::date
            and state in ('assigned', 'in_progress', 'on_hold')`;
        want.routePosition = e.route.position === null ? n : Math.min(e.route.position, n);
      }
      expect(after).toEqual(want);
      expect(o.caseVersion).toBe(want.version);
      expect(recorded!.version).toBe(want.version);
      // The other cases of the row are as they were.
      for (const [name, was] of before) if (name !== landing) expect(await readCase(ids[name]), name).toEqual(was);

      // R9: one history entry on each case the change touched (the redirect notes of R6, then
      // where it landed); a change that did not take keeps its payload and says why.
      const events = await t.db.sql<
        { case_id: string; kind: string; outcome: string; data: Record<string, unknown> }[]
      >`
        select case_id::text, kind, outcome, data from case_events where mutation_id = ${m.id} order by id`;
      expect(events.map((ev) => ev.case_id)).toEqual(chain);
      events.slice(0, -1).forEach((ev, i) => {
        expect(ev).toMatchObject({ outcome: 'merged', data: { redirectedTo: chain[i + 1] } });
      });
      const last = events.at(-1)!;
      expect(last.outcome).toBe(e.outcome);
      if (e.event) expect(last).toMatchObject(resolve(e.event, env));
      if (e.outcome === 'superseded' || e.outcome === 'rejected') {
        expect(last.kind).toBe(r.kind);
        expect(last.data).toMatchObject({ ...resolve(r.payload, env), outcome: e.outcome, reason: e.reason });
      }

      // R10: the resident notices, once each, on the case the change landed on.
      const notices = await t.db.sql<{ template: string; case_id: string }[]>`
        select template, case_id::text from notification_outbox where mutation_id = ${m.id} order by id`;
      expect(notices.map((n) => n.template)).toEqual(e.notices);
      for (const n of notices) expect(n.case_id).toBe(landedOn);

      // The lead inbox of the case's department.
      const inbox = await t.db.sql<{ kind: string; department_id: string; case_id: string }[]>`
        select kind, department_id, case_id::text from lead_notices where mutation_id = ${m.id}`;
      expect(inbox.map((n) => n.kind)).toEqual(e.lead === 'none' ? [] : [e.lead]);
      const department = TYPES[caseStart(r, landing).type].departmentId;
      for (const n of inbox)
        expect({ department: n.department_id, case: n.case_id }).toEqual({ department, case: landedOn });

      // R4: a photo is recorded on the case it landed on, once; a refused one changes nothing.
      if (m.kind === 'attach_photo') {
        const photos = await t.db.sql<{ case_id: string }[]>`
          select case_id::text from photos where id = ${m.payload.photoId}`;
        const known = r.photos?.find((p) => resolve<string>(p.name, env) === m.payload.photoId);
        const on = e.outcome === 'applied' || e.outcome === 'merged' ? landedOn : known ? ids[known.on] : null;
        expect(photos.map((p) => p.case_id)).toEqual(on ? [on] : []);
      }
    });
  }

  it('made no request fail on the server', () => {
    expect(quietLogger.errors).toEqual([]);
  });
});
