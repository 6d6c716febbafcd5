import { redirect } from '@sveltejs/kit';
import { getSession } from '#lib/db/index.ts';
import type { PageLoad } from './$types';

/**
 * The day needs to know whose it is. An expired session still opens it (the cases are on the
 * device); the status bar asks the person to sign in again.
 */
export const load: PageLoad = async () => {
  const session = await getSession();
  if (!session) redirect(307, '/login');
  return { session };
};
