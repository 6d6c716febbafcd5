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
import { insertPerson } from './user.repo.ts';

export type FirstAdmin = { email: string; password: string; name: string };

/**
 * `created`: the account was made; `not-needed`: an active administrator exists; `email-taken`:
 * nobody administers the city yet, but the email is another account's (nothing made).
 */
export type FirstAdminResult = 'created' | 'not-needed' | 'email-taken';

export async function ensureFirstAdmin(sql: Queryable, a: FirstAdmin): Promise<FirstAdminResult> {
  const needed = async () => (await sql`select 1 from users where role = 'admin' and active limit 1`).length === 0;
  if (!(await needed())) return 'not-needed';
  const made = await insertPerson(sql, {
    id: `u_${randomBytes(8).toString('hex')}`,
    name: a.name,
    email: a.email,
    passwordHash: await hashPassword(a.password),
    placement: { role: 'admin', crew_id: null, department_id: null },
  });
  if (made) return 'created';
  // Taken: by another instance making the same administrator just now, or by someone else.
  return (await needed()) ? 'email-taken' : 'not-needed';
}
