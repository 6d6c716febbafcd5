import { redirect } from '@sveltejs/kit';
import type { Component, Snippet } from 'svelte';
import { loginHref } from '#lib/state/next-path.ts';
import type { LayoutLoad } from './$types';

// A single-page app: every route renders in the browser from `200.html`, reading the device's
// IndexedDB, so nothing is rendered or prerendered at build time.
export const ssr = false;
export const prerender = false;

/** The residents' pages (report, track, map, stats): no account, and none of the crew app's code. */
const isResidentPage = (routeId: string | null) => routeId?.startsWith('/(public)/') ?? false;

/**
 * Staff pages get the crew app's frame (`StaffShell`), imported here so a resident never
 * downloads it. Nobody signed in on this device: every staff page but sign-in leads there, and
 * back afterwards (`?next=`), so a case link from a bookmark or a notice opens that case once
 * signed in. A session whose shift has ended still opens the pages (the work is on the
 * device); the status bar asks the person to sign in again.
 */
export const load: LayoutLoad = async ({ url, route }) => {
  if (isResidentPage(route.id)) return { shell: null };
  const [{ getSession }, { default: shell }] = await Promise.all([
    import('#lib/db/index.ts'),
    import('#lib/ui/StaffShell.svelte'),
  ]);
  if (route.id !== '/login' && route.id !== null && !(await getSession())) {
    redirect(307, loginHref(`${url.pathname}${url.search}`));
  }
  return { shell: shell as Component<{ children: Snippet }> };
};
