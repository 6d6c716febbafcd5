import { getSession } from '#lib/db/index.ts';
import type { PageLoad } from './$types';

/** The case itself is read from the device by the page (it stays live); the person decides what it may do. */
export const load: PageLoad = async ({ params }) => ({ id: params.id, session: (await getSession()) ?? null });
