import type { Crew, PeopleResponse, PersonInfo, Placement, StaffUser } from '@fieldfix/shared';
import type { Queryable, Sql } from '../db/database.ts';

type UserRow = {
  id: string;
  email: string;
  name: string;
  role: StaffUser['role'];
  crew_id: string | null;
  department_id: string | null;
  password_hash: string;
  active: boolean;
};

export type UserWithSecret = StaffUser & { passwordHash: string; active: boolean };

function toUser(r: UserRow): UserWithSecret {
  return {
    id: r.id,
    email: r.email,
    name: r.name,
    role: r.role,
    crewId: r.crew_id,
    departmentId: r.department_id,
    passwordHash: r.password_hash,
    active: r.active,
  };
}

export async function findUserByEmail(sql: Sql, email: string): Promise<UserWithSecret | undefined> {
  const [row] = await sql<UserRow[]>`select * from users where lower(email) = lower(${email})`;
  return row && toUser(row);
}

export async function findCrew(sql: Sql, crewId: string): Promise<Crew | undefined> {
  const [row] = await sql<{ id: string; name: string; department_id: string; capacity: number }[]>`
    select id, name, department_id, capacity from crews where id = ${crewId}`;
  return row && { id: row.id, name: row.name, departmentId: row.department_id, capacity: row.capacity };
}

export function publicStaff(u: UserWithSecret): StaffUser {
  return { id: u.id, name: u.name, email: u.email, role: u.role, crewId: u.crewId, departmentId: u.departmentId };
}

// ---- the administrators' list of people (`people.routes.ts`) ------------------------------

type PersonRow = {
  id: string;
  name: string;
  email: string;
  role: StaffUser['role'];
  crew_id: string | null;
  department_id: string | null;
  active: boolean;
  created_at: Date;
};

const toPerson = (r: PersonRow): PersonInfo => ({
  id: r.id,
  name: r.name,
  email: r.email,
  role: r.role,
  crewId: r.crew_id,
  departmentId: r.department_id,
  active: r.active,
  createdAt: r.created_at.toISOString(),
});

const personColumns = (sql: Queryable) => sql`id, name, email, role, crew_id, department_id, active, created_at`;

/** Everyone, by name; with the crews and departments a person may be put in. */
export async function listPeople(sql: Queryable): Promise<PeopleResponse> {
  const [people, crews, departments] = await Promise.all([
    sql<PersonRow[]>`select ${personColumns(sql)} from users order by lower(name), id`,
    sql<{ id: string; name: string; department_id: string }[]>`
      select id, name, department_id from crews order by name, id`,
    sql<{ id: string; name: string }[]>`select id, name from departments order by name, id`,
  ]);
  return {
    people: people.map(toPerson),
    crews: crews.map((c) => ({ id: c.id, name: c.name, departmentId: c.department_id })),
    departments: departments.map((d) => ({ id: d.id, name: d.name })),
  };
}

export async function findPerson(sql: Queryable, id: string): Promise<PersonInfo | undefined> {
  const [row] = await sql<PersonRow[]>`select ${personColumns(sql)} from users where id = ${id}`;
  return row && toPerson(row);
}

/**
 * The crew and department columns a placement stands for: a crew member's department is
 * their crew's. `null` when the crew or department named does not exist (nothing to store).
 */
export async function placementColumns(
  sql: Queryable,
  p: Placement,
): Promise<{ role: Placement['role']; crew_id: string | null; department_id: string | null } | null> {
  if (p.role === 'admin') return { role: 'admin', crew_id: null, department_id: null };
  if (p.role === 'worker') {
    const [crew] = await sql<{ department_id: string }[]>`select department_id from crews where id = ${p.crewId}`;
    return crew ? { role: 'worker', crew_id: p.crewId, department_id: crew.department_id } : null;
  }
  const [dept] = await sql<{ id: string }[]>`select id from departments where id = ${p.departmentId}`;
  return dept ? { role: 'lead', crew_id: null, department_id: p.departmentId } : null;
}

/** A new account; `undefined` when another one has that email already (the unique index). */
export async function insertPerson(
  sql: Queryable,
  p: {
    id: string;
    name: string;
    email: string;
    passwordHash: string;
    placement: { role: Placement['role']; crew_id: string | null; department_id: string | null };
  },
): Promise<PersonInfo | undefined> {
  const [row] = await sql<PersonRow[]>`
    insert into users (id, email, name, role, crew_id, department_id, password_hash)
    values (${p.id}, ${p.email}, ${p.name}, ${p.placement.role}, ${p.placement.crew_id},
            ${p.placement.department_id}, ${p.passwordHash})
    on conflict (lower(email)) do nothing
    returning ${personColumns(sql)}`;
  return row && toPerson(row);
}

/** Changes an account; each field left out stays as it is. `undefined`: no such account. */
export async function updatePerson(
  sql: Queryable,
  id: string,
  u: {
    name?: string;
    email?: string;
    placement?: { role: Placement['role']; crew_id: string | null; department_id: string | null };
    passwordHash?: string;
    active?: boolean;
  },
): Promise<PersonInfo | undefined> {
  const p = u.placement;
  const [row] = await sql<PersonRow[]>`
    update users set
      name = coalesce(${u.name ?? null}::text, name),
      email = coalesce(${u.email ?? null}::text, email),
      role = ${p ? p.role : sql`role`},
      crew_id = ${p ? p.crew_id : sql`crew_id`},
      department_id = ${p ? p.department_id : sql`department_id`},
      password_hash = coalesce(${u.passwordHash ?? null}::text, password_hash),
      active = coalesce(${u.active ?? null}::boolean, active)
    where id = ${id}
    returning ${personColumns(sql)}`;
  return row && toPerson(row);
}
