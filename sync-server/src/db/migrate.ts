import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import type { Sql } from './database.ts';

const MIGRATIONS_DIR = fileURLToPath(new URL('./migrations/', import.meta.url));
/** Any fixed number: every server instance takes the same lock before migrating. */
const MIGRATION_LOCK = 7_311_2026;

export type Migration = { version: number; name: string; sql: string };

/** The numbered SQL files (`0001_init.sql`, …) in order. */
export function loadMigrations(dir = MIGRATIONS_DIR): Migration[] {
  return readdirSync(dir)
    .filter((f) => /^\d{4}_[a-z0-9_]+\.sql$/.test(f))
    .sort()
    .map((file) => ({
      version: Number(file.slice(0, 4)),
      name: file.slice(5, -4),
      sql: readFileSync(join(dir, file), 'utf8'),
    }));
}

/**
 * Applies the pending migrations, forward only, in one transaction under an advisory lock,
 * so two instances starting together apply each migration once. Returns what it applied.
 */
export async function migrate(sql: Sql, migrations = loadMigrations()): Promise<Migration[]> {
  return sql.begin(async (tx) => {
    await tx`select pg_advisory_xact_lock(${MIGRATION_LOCK})`;
    await tx`
      create table if not exists schema_migrations (
        version integer primary key,
        name text not null,
        applied_at timestamptz not null default now()
      )`;
    const done = new Set(
      (await tx<{ version: number }[]>`select version from schema_migrations`).map((r) => r.version),
    );
    const pending = migrations.filter((m) => !done.has(m.version));
    for (const m of pending) {
      // The file is the project's own code, not input: it runs as one simple-protocol script.
      await tx.unsafe(m.sql);
      await tx`insert into schema_migrations (version, name) values (${m.version}, ${m.name})`;
    }
    return pending;
  });
}
