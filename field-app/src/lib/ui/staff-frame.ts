/**
 * What the root layout needs for a staff page, in one module it imports only for those pages
 * (src/routes/+layout.ts), so none of it is in a resident's download: the crew app's frame
 * (`StaffShell`), and the way to sign-in for a device where nobody is signed in.
 */
import { redirect } from '@sveltejs/kit';
import type { Component, Snippet } from 'svelte';
import { getSession } from '#lib/db/index.ts';
import { loginHref } from '#lib/state/next-path.ts';
import StaffShell from './StaffShell.svelte';
import StaffWays from './StaffWays.svelte';

/**
 * The frame for the staff page at `url` (route `routeId`), and the error page's way on for
 * whoever is signed in on this device (`StaffWays`). Nobody signed in on this device:
 * every staff page but sign-in leads there, and back afterwards (`?next=`), so a case link from
 * a bookmark or a notice opens that case once signed in. A session whose shift has ended still
 * opens the pages (the work is on the device); the status bar asks the person to sign in again.
 */
export async function staffFrame(
  url: URL,
  routeId: string | null,
): Promise<{ shell: Component<{ children: Snippet }>; ways: Component<{ residents: Snippet }> }> {
  if (routeId !== '/login' && routeId !== null && !(await getSession())) {
    redirect(307, loginHref(`${url.pathname}${url.search}`));
  }
  return { shell: StaffShell as Component<{ children: Snippet }>, ways: StaffWays };
}
