import { redirect } from '@sveltejs/kit';
import { getSession } from '#lib/db/index.ts';
import type { PageLoad } from './$types';

/** Resident notice delivery is for admins; others are sent home (the layout signs people in). */
export const load: PageLoad = async () => {
  const session = await getSession();
  if (session?.user.role !== 'admin') redirect(307, '/');
  return { session };
};
