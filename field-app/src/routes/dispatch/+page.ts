import { redirect } from '@sveltejs/kit';
import { canOpenDispatch, staffCaller } from '@fieldfix/shared';
import { getSession } from '#lib/db/index.ts';
import type { PageLoad } from './$types';

/**
 * The dispatch board is the leads' (and admins'), as the access model says: anyone else is
 * sent to their day. Its code is this route's alone, so no crew or resident page loads it.
 */
export const load: PageLoad = async () => {
  const session = await getSession();
  if (!session) redirect(307, '/login');
  if (!canOpenDispatch(staffCaller(session.user))) redirect(307, '/day');
  return { session };
};
