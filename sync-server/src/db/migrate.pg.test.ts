import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../test/test-db.ts';
import { loadMigrations, migrate } from './migrate.ts';

describe('migrations', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase({ migrate: false });
  });
  afterAll(() => db.close());

  it('applies every numbered file once, in order, and records it', async () => {
    const all = loadMigrations();
    expect(all.map((m) => m.version)).toEqual([...all.map((m) => m.version)].sort((a, b) => a - b));
    const [first, second] = await Promise.all([migrate(db.sql), migrate(db.sql)]);
    // Two instances starting together: the advisory lock lets one apply, the other finds it done.
    expect(first.length + second.length).toBe(all.length);
    const rows = await db.sql<{ version: number }[]>`select version from schema_migrations order by version`;
    expect(rows.map((r) => r.version)).toEqual(all.map((m) => m.version));
    expect(await migrate(db.sql)).toEqual([]);
  });

  it('rolls back a failing migration whole, leaving nothing half-applied', async () => {
    const broken = [
      ...loadMigrations(),
      { version: 9998, name: 'ok_part', sql: 'create table should_not_exist (id int);' },
      { version: 9999, name: 'broken', sql: 'select * from no_such_table;' },
    ];
    await expect(migrate(db.sql, broken)).rejects.toThrow(/no_such_table/);
    const [row] = await db.sql<{ t: string | null }[]>`select to_regclass('should_not_exist')::text as t`;
    expect(row!.t).toBeNull();
    const versions = await db.sql`select version from schema_migrations where version >= 9998`;
    expect(versions).toHaveLength(0);
  });
});
