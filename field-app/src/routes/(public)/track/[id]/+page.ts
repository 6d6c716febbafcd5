import type { PageLoad } from './$types';

/** The case number from the path; the page loads the case (it must also say when it cannot). */
export const load: PageLoad = ({ params }) => ({ id: params.id });
