// A big city's year in the test database: 100,000 generated cases put straight into PostgreSQL
// (one insert … select generate_series), once per run, by whichever spec needs them first.
import { readFileSync } from 'node:fs';
import postgres from 'postgres';
import { generateCases } from '@fieldfix/sync-server/generate-cases';
import { e2eDatabaseUrlFile } from './paths.ts';

export const GENERATED = 100_000;

/** Makes sure the city has its 100,000 cases; false when the run has no PostgreSQL to put them in. */
export async function ensureBigCity(): Promise<boolean> {
  const ready = await onCityDatabase(async (sql) => {
    const [row] = await sql<{ n: number }[]>`select count(*)::int as n from cases`;
    if ((row?.n ?? 0) < GENERATED) await generateCases(sql, { count: GENERATED, now: new Date() });
    return true;
  });
  return ready ?? false;
}

/** Runs `query` on the test database (null when the run has none). */
export async function onCityDatabase<T>(query: (sql: postgres.Sql) => Promise<T>): Promise<T | null> {
  let url: string;
  try {
    url = readFileSync(e2eDatabaseUrlFile(), 'utf8');
  } catch {
    return null;
  }
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    return await query(sql);
  } finally {
    await sql.end();
  }
}
