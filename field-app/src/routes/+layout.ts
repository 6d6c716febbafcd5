import type { LayoutLoad } from './$types';

// A single-page app: every route renders in the browser from `200.html`, reading the device's
// IndexedDB, so nothing is rendered or prerendered at build time.
export const ssr = false;
export const prerender = false;

/** The residents' pages (report, track, map, stats): no account, and none of the crew app's code. */
const isResidentPage = (routeId: string | null) => routeId?.startsWith('/(public)/') ?? false;

/**
 * Staff pages get the crew app's frame (`StaffShell`), and the error page the staff's way on
 * (`StaffWays`); they are sent to sign-in when nobody is signed in on this device
 * (#lib/ui/staff-frame.ts). All of that is imported here, for those pages only, so a resident
 * never downloads it.
 */
export const load: LayoutLoad = async ({ url, route }) => {
  if (isResidentPage(route.id)) return { shell: null, ways: null };
  const { staffFrame } = await import('#lib/ui/staff-frame.ts');
  return staffFrame(url, route.id);
};
