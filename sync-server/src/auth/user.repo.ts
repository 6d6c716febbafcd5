import type { Crew, StaffUser } from '@fieldfix/shared';
import type { Sql } from '../db/database.ts';

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
