import type { PageLoad } from './$types';

/** The case itself is read from the device by the page (it stays live). */
export const load: PageLoad = ({ params }) => ({ id: params.id });
