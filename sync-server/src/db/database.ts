import { mkdirSync, readFileSync, rmSync, writeFileSync, mkdtempSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import postgres from 'postgres';

export type Sql = postgres.Sql;
/** A connection pool or an open transaction: repositories accept either. */
export type Queryable = postgres.Sql | postgres.TransactionSql;
export type DatabaseKind = 'embedded' | 'postgres';

export type Database = {
  sql: Sql;
  kind: DatabaseKind;
  close(): Promise<void>;
};

/**
 * What this process's connections are called in PostgreSQL (`pg_stat_activity.application_name`):
 * `fieldfix`, its host and its pid, so each instance can count its own connections
 * (`fieldfix_db_connections`) and an administrator can tell instances apart. At most 63
 * bytes, PostgreSQL's limit.
 */
export const CONNECTION_NAME = `fieldfix ${hostname().slice(0, 40)} ${process.pid}`.slice(0, 63);

const clientOptions = {
  onnotice: () => {},
  // Keep bigint ids and cursors exact: they cross the wire as strings.
  types: {},
  connection: { application_name: CONNECTION_NAME },
} satisfies postgres.Options<Record<string, postgres.PostgresType>>;

/**
 * Seconds before the pool tries to connect again after a failed attempt: doubling from about
 * 0.1 s, never more than 1 s (with jitter). The client's default grows to 20 s, and a request
 * that finds no open connection waits for the next attempt: after a 6 s database restart
 * under load, requests were answered 12-14 s after they were sent. Now they fail fast with a
 * retryable 503 while the database is down, and go through within a second of its return.
 */
export function reconnectBackoff(attempt: number): number {
  return (0.5 + Math.random() / 2) * Math.min(0.1 * 2 ** attempt, 1);
}

/** Connects to a real PostgreSQL server. */
export function connectPostgres(url: string, max = 10): Database {
  const sql = postgres(url, {
    ...clientOptions,
    max,
    backoff: reconnectBackoff,
    // A database that does not answer at all (not refusing): the request fails after this.
    connect_timeout: 10,
  });
  return { sql, kind: 'postgres', close: () => sql.end({ timeout: 5 }) };
}

/**
 * Opens embedded PostgreSQL (PGlite, WebAssembly) and talks to it through the same
 * `postgres` client as a real server, over a private Unix socket.
 *
 * PGlite has ONE session shared by every connection (see TOOLCHAIN.md), so the client keeps
 * one connection: a transaction then never waits on another connection of ours.
 * `dataDir` undefined means in memory (tests).
 */
export async function openEmbedded(dataDir?: string): Promise<Database> {
  const { PGlite } = await import('@electric-sql/pglite');
  const { PGLiteSocketServer } = await import('@electric-sql/pglite-socket');

  let releaseLock = () => {};
  if (dataDir) {
    mkdirSync(dataDir, { recursive: true });
    releaseLock = lockDataDir(dataDir);
  }
  const db = await PGlite.create(dataDir ? join(dataDir, 'pglite') : undefined);
  const socketDir = mkdtempSync(join(tmpdir(), 'fieldfix-pg-'));
  const socketPath = join(socketDir, '.s.PGSQL.5432');
  const server = new PGLiteSocketServer({ db, path: socketPath });
  await server.start();
  const sql = postgres({ ...clientOptions, path: socketPath, user: 'postgres', database: 'postgres', max: 1 });
  return {
    sql,
    kind: 'embedded',
    async close() {
      await sql.end({ timeout: 5 });
      await server.stop();
      await db.close();
      rmSync(socketDir, { recursive: true, force: true });
      releaseLock();
    },
  };
}

/**
 * PGlite does not lock its data folder and two processes writing it corrupt it, so we do:
 * a pid file, taken over only when its process is gone.
 */
const openedHere = new Set<string>();

function lockDataDir(dataDir: string): () => void {
  const lockFile = join(dataDir, 'server.pid');
  if (openedHere.has(lockFile)) {
    throw new Error(`The embedded database in ${dataDir} is already open in this process.`);
  }
  let holder: number | undefined;
  try {
    holder = Number(readFileSync(lockFile, 'utf8'));
  } catch {
    holder = undefined;
  }
  if (holder && holder !== process.pid && processIsAlive(holder)) {
    throw new Error(
      `Another Fieldfix server (pid ${holder}) is using the embedded database in ${dataDir}. ` +
        'Stop it first, or set DATA_DIR to another folder.',
    );
  }
  writeFileSync(lockFile, String(process.pid));
  openedHere.add(lockFile);
  return () => {
    openedHere.delete(lockFile);
    rmSync(lockFile, { force: true });
  };
}

function processIsAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
