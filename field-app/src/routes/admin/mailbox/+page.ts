import { redirect } from '@sveltejs/kit';
import { canManageResidentNoticeDelivery, staffCaller } from '@fieldfix/shared';
import { getSession } from '#lib/db/index.ts';
import type { PageLoad } from './$types';

/** Resident notice delivery is for admins; others are sent home (the layout signs people in). */
export const load: PageLoad = async () => {
  const session = await getSession();
  if (!session || !canManageResidentNoticeDelivery(staffCaller(session.user))) redirect(307, '/');
  return { session };
};
