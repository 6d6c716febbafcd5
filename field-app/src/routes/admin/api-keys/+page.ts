import { redirect } from '@sveltejs/kit';
import { canManageApiKeys, staffCaller } from '@fieldfix/shared';
import { getSession } from '#lib/db/index.ts';
import type { PageLoad } from './$types';

/** Open311 keys are for admins; others are sent home (the layout signs people in). */
export const load: PageLoad = async () => {
  const session = await getSession();
  if (!session || !canManageApiKeys(staffCaller(session.user))) redirect(307, '/');
  return { session };
};
