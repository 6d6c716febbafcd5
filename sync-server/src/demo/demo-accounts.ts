import type { Queryable } from '../db/database.ts';

/** True when the database holds no city yet (no departments): the demo may be seeded. */
export async function isEmpty(sql: Queryable): Promise<boolean> {
  const [row] = await sql<{ empty: boolean }[]>`select not exists (select 1 from departments) as empty`;
  return row!.empty;
}

/** Every demo account signs in with this password. */
export const DEMO_PASSWORD = 'fieldfix';

/** The accounts the README and the start banner list. */
export const DEMO_LOGINS = [
  { email: 'worker@riverton.example', role: 'worker', what: 'Streets Crew A, works the day on a tablet' },
  { email: 'worker.b@riverton.example', role: 'worker', what: 'Streets Crew B' },
  { email: 'lead@riverton.example', role: 'lead', what: 'Streets lead, rebalances the crews' },
  { email: 'lead.sanitation@riverton.example', role: 'lead', what: 'Sanitation lead' },
  { email: 'admin@riverton.example', role: 'admin', what: 'administrator' },
] as const;
