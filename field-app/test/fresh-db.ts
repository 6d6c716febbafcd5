/**
 * Gives each test an empty device database: the app's Dexie instance is a singleton, so it is
 * deleted (and left able to reopen on its next use) rather than replaced.
 */
import { db } from '#lib/db/database.ts';

export async function freshDb(): Promise<void> {
  await db().delete({ disableAutoOpen: false });
}
