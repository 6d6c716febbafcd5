import { redirect } from '@sveltejs/kit';
import { getSession } from '#lib/db/index.ts';
import type { PageLoad } from './$types';

/** The inbox is the leads' (and admins'); others are sent to their day. */
export const load: PageLoad = async () => {
  const session = await getSession();
  if (!session) redirect(307, '/login');
  if (session.user.role === 'worker') redirect(307, '/day');
  return { session };
};
