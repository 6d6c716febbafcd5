import { redirect } from '@sveltejs/kit';
import { getSession } from '#lib/db/index.ts';
import { loginHref } from '#lib/state/next-path.ts';
import type { LayoutLoad } from './$types';

// A single-page app: every route renders in the browser from `200.html`, reading the device's
// IndexedDB, so nothing is rendered or prerendered at build time.
export const ssr = false;
export const prerender = false;

/**
 * Nobody signed in on this device: every page but sign-in leads there, and back afterwards
 * (`?next=`), so a case link from a bookmark or a notice opens that case once signed in. A
 * session whose shift has ended still opens the pages (the work is on the device); the status
 * bar asks the person to sign in again.
 */
export const load: LayoutLoad = async ({ url, route }) => {
  if (route.id === '/login' || route.id === null) return;
  if (!(await getSession())) redirect(307, loginHref(`${url.pathname}${url.search}`));
};
