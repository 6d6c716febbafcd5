import { redirect } from '@sveltejs/kit';
import { canManageRouting, staffCaller } from '@fieldfix/shared';
import { getSession } from '#lib/db/index.ts';
import type { PageLoad } from './$types';

/** The routing table is for admins; others are sent home (the layout signs people in). */
export const load: PageLoad = async () => {
  const session = await getSession();
  if (!session || !canManageRouting(staffCaller(session.user))) redirect(307, '/');
  return { session };
};
