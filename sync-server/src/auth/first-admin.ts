/**
 * The city's first administrator, from the environment (`FIRST_ADMIN_EMAIL`,
 * `FIRST_ADMIN_PASSWORD`, `FIRST_ADMIN_NAME`): made at start when the database has no active
 * administrator, so a city that runs without the demo data can sign in and add everyone else
 * on the People page. Never changes an existing account; instances starting together make it
 * once (the email is unique).
 */
import { randomBytes } from 'node:crypto';
import type { Queryable } from '../db/database.ts';
import { hashPassword } from './password.ts';

export type FirstAdmin = { email: string; password: string; name: string };

/**
 * `created`: the account was made; `not-needed`: an active administrator exists; `email-taken`:
 * nobody administers the city yet, but the email is another account's (nothing made).
 */
export type FirstAdminResult = 'created' | 'not-needed' | 'email-taken';

export async function ensureFirstAdmin(sql: Queryable, a: FirstAdmin): Promise<FirstAdminResult> {
  const needed = async () => (await sql`select 1 from users where role = 'admin' and active limit 1`).length === 0;
  if (!(await needed())) return 'not-needed';
  const made = await sql`
    insert into users (id, email, name, role, crew_id, department_id, password_hash)
    select ${`u_${randomBytes(8).toString('hex')}`}, ${a.email}, ${a.name}, 'admin', null, null, ${await hashPassword(a.password)}
    where not exists (select 1 from users where role = 'admin' and active)
    on conflict (lower(email)) do nothing
    returning 1`;
  if (made.length > 0) return 'created';
  return (await needed()) ? 'email-taken' : 'not-needed';
}
