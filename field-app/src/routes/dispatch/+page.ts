import { redirect } from '@sveltejs/kit';
import { getSession } from '#lib/db/index.ts';
import type { PageLoad } from './$types';

/**
 * The dispatch board is the leads' (and admins'): crew members are sent to their day. Its
 * code is this route's alone, so no crew or resident page loads it.
 */
export const load: PageLoad = async () => {
  const session = await getSession();
  if (!session) redirect(307, '/login');
  if (session.user.role !== 'lead' && session.user.role !== 'admin') redirect(307, '/day');
  return { session };
};
