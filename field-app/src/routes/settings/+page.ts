import { redirect } from '@sveltejs/kit';
import { getSession } from '#lib/db/index.ts';
import type { PageLoad } from './$types';

/**
 * Settings are per device; signing in is still needed to reach them.
 */
export const load: PageLoad = async () => {
  const session = await getSession();
  if (!session) redirect(307, '/login');
  return { session };
};
