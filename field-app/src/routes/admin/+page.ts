import { redirect } from '@sveltejs/kit';
import { getSession } from '#lib/db/index.ts';
import { adminAreasFor } from '#lib/ui/admin-areas.ts';
import type { PageLoad } from './$types';

/** The administrators' areas this person may open; with none, they are sent home. */
export const load: PageLoad = async () => {
  const session = await getSession();
  const areas = session ? adminAreasFor(session.user) : [];
  if (areas.length === 0) redirect(307, '/');
  return { areas };
};
