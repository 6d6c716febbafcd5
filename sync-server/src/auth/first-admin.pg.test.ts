import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../test/test-db.ts';
import { ensureFirstAdmin } from './first-admin.ts';
import { verifyPassword } from './password.ts';

// A city that starts without the demo data gets its first administrator from the
// environment: made once while nobody administers the city, never over an existing account.

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db?.close();
});

const admins = () =>
  db.sql<{ email: string; name: string; active: boolean; password_hash: string }[]>`
    select email, name, active, password_hash from users where role = 'admin' order by email`;
const first = { email: 'it.desk@city.example', password: 'a-long-first-password', name: 'City IT desk' };

describe('the first administrator', () => {
  it('is made once in an empty city, and signs in with the password given', async () => {
    const [a, b] = await Promise.all([ensureFirstAdmin(db.sql, first), ensureFirstAdmin(db.sql, first)]);
    expect([a, b].sort()).toEqual(['created', 'not-needed']);
    const [made, ...others] = await admins();
    expect(others).toEqual([]);
    expect(made).toMatchObject({ email: first.email, name: 'City IT desk', active: true });
    expect(await verifyPassword(first.password, made!.password_hash)).toBe(true);
  });

  it('is not made again, under another email or a changed password, while an administrator is active', async () => {
    expect(await ensureFirstAdmin(db.sql, { ...first, email: 'someone.else@city.example' })).toBe('not-needed');
    expect(await ensureFirstAdmin(db.sql, { ...first, password: 'another-long-password' })).toBe('not-needed');
    const all = await admins();
    expect(all.map((u) => u.email)).toEqual([first.email]);
    expect(await verifyPassword(first.password, all[0]!.password_hash)).toBe(true);
  });

  it('with every administrator ended, is made again, but never over an existing account', async () => {
    await db.sql`update users set active = false where role = 'admin'`;
    expect(await ensureFirstAdmin(db.sql, first)).toBe('email-taken');
    expect(await ensureFirstAdmin(db.sql, { ...first, email: 'new.desk@city.example' })).toBe('created');
    expect((await admins()).map((u) => [u.email, u.active])).toEqual([
      [first.email, false],
      ['new.desk@city.example', true],
    ]);
  });
});
