import { redirect } from '@sveltejs/kit';
import { getSession, sessionIsActive } from '#lib/db/index.ts';
import type { PageLoad } from './$types';

/** `/`: a crew member's day, a lead's inbox, or sign-in when nobody is signed in here. */
export const load: PageLoad = async () => {
  const session = await getSession();
  if (!sessionIsActive(session)) redirect(307, '/login');
  redirect(307, session.user.crewId ? '/day' : '/inbox');
};
