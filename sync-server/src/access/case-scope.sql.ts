/**
 * The access model's case scope as SQL: the same `CaseScope` data the pure predicate
 * `inScope` reads (`@fieldfix/shared`), turned into a predicate on a `cases` row. Every
 * query that lists or reads cases for a caller filters through this, so SQL and the rules
 * cannot disagree on who sees what.
 */
import { caseScope, inScope, type CaseAccessFacts, type CaseScope, type Caller } from '@fieldfix/shared';
import type { Queryable } from '../db/database.ts';
import { ApiError } from '../http/errors.ts';

/** A SQL predicate from the access model, to put in a `where`. */
export type ScopeSql = ReturnType<Queryable['unsafe']>;

/** `alias.…` columns in scope for `scope`. The department of a case is its service type's. */
export function caseScopeSql(sql: Queryable, scope: CaseScope, alias = 'c'): ScopeSql {
  const a = sql(alias);
  switch (scope.kind) {
    case 'city':
      return sql`true`;
    case 'department':
      return sql`${a}.service_code in (select code from service_types where department_id = ${scope.departmentId})`;
    case 'crew':
      return sql`${a}.assigned_crew_id = ${scope.crewId}`;
    case 'none':
      return sql`false`;
  }
}

/** The access facts of a case (its crew, its service type's department), or undefined. */
export async function findCaseAccessFacts(sql: Queryable, caseId: string): Promise<CaseAccessFacts | undefined> {
  const [row] = await sql<{ crew_id: string | null; department_id: string }[]>`
    select c.assigned_crew_id as crew_id, t.department_id
    from cases c join service_types t on t.code = c.service_code
    where c.id = ${caseId}`;
  return row && { crewId: row.crew_id, departmentId: row.department_id };
}

/**
 * The case's facts when `caller` may read it in full; a 404 when there is no such case, a
 * 403 naming the case when it lies outside their scope.
 */
export async function readableCase(sql: Queryable, caller: Caller, caseId: string): Promise<CaseAccessFacts> {
  const facts = await findCaseAccessFacts(sql, caseId);
  if (!facts) throw new ApiError(404, 'not-found', `No case #${caseId}.`);
  if (!inScope(caseScope(caller), facts)) {
    throw new ApiError(403, 'case-not-in-scope', `Case #${caseId} is not assigned to your crew or department.`);
  }
  return facts;
}
