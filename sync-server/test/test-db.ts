import { randomBytes } from 'node:crypto';
import postgres from 'postgres';
import { connectPostgres, openEmbedded, type Database } from '../src/db/database.ts';
import { migrate } from '../src/db/migrate.ts';

export type TestDatabase = Database & { name: string; url: string | undefined };

/**
 * A throwaway database for one test suite, migrated and empty.
 * With TEST_DATABASE_URL (or `adminUrl`): a new database on that server, dropped afterwards.
 * Without it: an in-memory embedded PGlite, gone when closed.
 */
export async function createTestDatabase(opts: { migrate?: boolean; adminUrl?: string } = {}): Promise<TestDatabase> {
  const adminUrl = opts.adminUrl ?? process.env.TEST_DATABASE_URL;
  const name = `fieldfix_test_${randomBytes(6).toString('hex')}`;
  let db: Database;
  let url: string | undefined;
  let dropDatabase = async () => {};
  if (adminUrl) {
    const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
    await admin`create database ${admin(name)}`;
    url = withDatabase(adminUrl, name);
    db = connectPostgres(url, 8);
    dropDatabase = async () => {
      await admin`drop database if exists ${admin(name)} with (force)`;
      await admin.end();
    };
  } else {
    db = await openEmbedded();
  }
  if (opts.migrate !== false) await migrate(db.sql);
  return {
    ...db,
    name,
    url,
    async close() {
      await db.close();
      await dropDatabase();
    },
  };
}

function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

/**
 * A client of its own on a test database that records every statement it sends (its debug
 * hook), to count what a request costs the database.
 */
export function countingClient(url: string, statements: string[], max = 2): postgres.Sql {
  return postgres(url, { max, onnotice: () => {}, types: {}, debug: (_connection, query) => statements.push(query) });
}
