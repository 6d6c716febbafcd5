import { redirect } from '@sveltejs/kit';
import { getSession, sessionIsActive } from '#lib/db/index.ts';
import type { PageLoad } from './$types';

/** `/`: straight to the day when someone is signed in on this device, else to sign-in. */
export const load: PageLoad = async () => {
  redirect(307, sessionIsActive(await getSession()) ? '/day' : '/login');
};
