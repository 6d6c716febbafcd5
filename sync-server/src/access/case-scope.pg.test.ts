import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { caseScope, inScope, staffCaller, type CaseAccessFacts, type CaseScope } from '@fieldfix/shared';
import { ApiError } from '../http/errors.ts';
import { createTestApp, type TestApp } from '../../test/test-app.ts';
import { caseScopeSql, findCaseAccessFacts, readableCase } from './case-scope.sql.ts';

// The access model's case scope as SQL (case-scope.sql.ts) against PostgreSQL: for every
// scope, the rows the SQL predicate selects are exactly the cases the pure `inScope` holds.

let t: TestApp;
/** One case of each kind: two crews of one department, unassigned, another department. */
const cases: Record<'crewA' | 'crewB' | 'unassigned' | 'bins', string> = {
  crewA: '',
  crewB: '',
  unassigned: '',
  bins: '',
};
const facts: Record<keyof typeof cases, CaseAccessFacts> = {
  crewA: { crewId: 'streets-a', departmentId: 'streets' },
  crewB: { crewId: 'streets-b', departmentId: 'streets' },
  unassigned: { crewId: null, departmentId: 'streets' },
  bins: { crewId: 'sanitation-n', departmentId: 'sanitation' },
};

beforeAll(async () => {
  t = await createTestApp();
  for (const [key, f] of Object.entries(facts) as [keyof typeof cases, CaseAccessFacts][]) {
    const code = f.departmentId === 'streets' ? 'SIDEWALK' : 'MISSED_PICKUP';
    const [row] = await t.db.sql<{ id: string }[]>`
      insert into cases (service_code, description, lat, long, address, state, assigned_crew_id, assigned_day, version)
      values (${code}, 'Scope test', 42.35, -86.97, '1 Scope St', ${f.crewId ? 'assigned' : 'new'}, ${f.crewId},
              ${f.crewId ? '2026-06-10' : null}, 1)
      returning id::text`;
    cases[key] = row!.id;
  }
});
afterAll(async () => {
  await t?.close();
});

const SCOPES: CaseScope[] = [
  { kind: 'city' },
  { kind: 'department', departmentId: 'streets' },
  { kind: 'department', departmentId: 'sanitation' },
  { kind: 'department', departmentId: 'nobody' },
  { kind: 'crew', crewId: 'streets-a' },
  { kind: 'crew', crewId: 'sanitation-n' },
  { kind: 'none' },
];

/** Which of the test's cases the SQL predicate selects, by name. */
async function selected(scope: CaseScope, alias?: string): Promise<string[]> {
  const ours = Object.values(cases);
  const rows = alias
    ? await t.db.sql<{ id: string }[]>`
        select ${t.db.sql(alias)}.id::text from cases ${t.db.sql(alias)}
        where ${caseScopeSql(t.db.sql, scope, alias)} and ${t.db.sql(alias)}.id in ${t.db.sql(ours)}`
    : await t.db.sql<{ id: string }[]>`
        select c.id::text from cases c where ${caseScopeSql(t.db.sql, scope)} and c.id in ${t.db.sql(ours)}`;
  const byId = new Map(Object.entries(cases).map(([name, id]) => [id, name]));
  return rows.map((r) => byId.get(r.id)!).sort();
}

describe('the case scope in SQL', () => {
  it.each(SCOPES.map((s) => [JSON.stringify(s), s] as const))('%s selects what inScope holds', async (_, scope) => {
    const expected = (Object.keys(facts) as (keyof typeof facts)[]).filter((k) => inScope(scope, facts[k])).sort();
    expect(await selected(scope)).toEqual(expected);
    expect(await selected(scope, 'k')).toEqual(expected);
  });

  it('the scopes of the demo accounts, spelled out', async () => {
    const worker = caseScope(
      staffCaller({ id: 'u-w01', role: 'worker', crewId: 'streets-a', departmentId: 'streets' }),
    );
    const lead = caseScope(staffCaller({ id: 'u-lead-streets', role: 'lead', crewId: null, departmentId: 'streets' }));
    expect(await selected(worker)).toEqual(['crewA']);
    expect(await selected(lead)).toEqual(['crewA', 'crewB', 'unassigned']);
    expect(await selected({ kind: 'city' })).toEqual(['bins', 'crewA', 'crewB', 'unassigned']);
    expect(await selected({ kind: 'none' })).toEqual([]);
  });
});

describe('the access facts of one case', () => {
  it('its crew and its service type’s department; nothing for a case that does not exist', async () => {
    expect(await findCaseAccessFacts(t.db.sql, cases.crewA)).toEqual(facts.crewA);
    expect(await findCaseAccessFacts(t.db.sql, cases.unassigned)).toEqual(facts.unassigned);
    expect(await findCaseAccessFacts(t.db.sql, cases.bins)).toEqual(facts.bins);
    expect(await findCaseAccessFacts(t.db.sql, '999999999')).toBeUndefined();
  });

  it('readable: the facts in scope, a 403 naming the case out of scope, a 404 for no case', async () => {
    const worker = staffCaller({ id: 'u-w01', role: 'worker', crewId: 'streets-a', departmentId: 'streets' });
    expect(await readableCase(t.db.sql, worker, cases.crewA)).toEqual(facts.crewA);

    const outside = await readableCase(t.db.sql, worker, cases.crewB).catch((e: unknown) => e);
    expect(outside).toBeInstanceOf(ApiError);
    expect(outside).toMatchObject({
      status: 403,
      code: 'case-not-in-scope',
      message: `Case #${cases.crewB} is not assigned to your crew or department.`,
    });

    const missing = await readableCase(t.db.sql, worker, '999999999').catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(ApiError);
    expect(missing).toMatchObject({ status: 404, code: 'not-found', message: 'No case #999999999.' });
  });
});
