import { redirect } from '@sveltejs/kit';
import { inboxScope, staffCaller } from '@fieldfix/shared';
import { getSession } from '#lib/db/index.ts';
import type { PageLoad } from './$types';

/** The inbox is the leads' (and admins'), as the access model says; others are sent to their day. */
export const load: PageLoad = async () => {
  const session = await getSession();
  if (!session) redirect(307, '/login');
  if (!inboxScope(staffCaller(session.user))) redirect(307, '/day');
  return { session };
};
