/**
 * The service worker: keeps the app shell on the device so the app opens with no network.
 *
 * - Two audiences, one script. Registered by the crew app (`/service-worker.js`), it precaches
 *   what a crew needs: every built file (`immutable`) but those only the residents' pages and
 *   the lead's dispatch board use (`excluded`, planned at build time by
 *   tools/precache-plan.ts), every file from `static/` (`assets`) and the SPA fallback page
 *   `200.html`. Registered by the residents' pages (`?for=residents`, scope `/report`: a
 *   registration of its own, beside the crew's at `/` on a crew's tablet), it precaches only
 *   what `/report` and `/track` load (`residents`), so a resident's phone opens the report
 *   form with no signal and never downloads the crew app.
 * - Built files left out load from the network when a lead or a resident opens those pages, and
 *   are kept at run time (cache first: hashed names never change), so a board once opened opens
 *   again offline; an update drops those of older builds.
 * - Serves `200.html` from the cache for every navigation (the SPA renders the route).
 * - Never touches `/api/*`: data lives in IndexedDB, not in the HTTP cache.
 * - A new version waits until the page asks it to take over (`{ type: 'SKIP_WAITING' }`).
 * - Background Sync: pushes the outbox and uploads photos with no page open
 *   (`background-sync.ts`, Chromium browsers).
 */
import { assets, immutable, prerendered } from '$app/manifest';
import { version } from '$app/env';
import { self } from '$app/service-worker';
import {
  cleanupOutdatedCaches,
  createHandlerBoundToURL,
  precacheAndRoute,
  type PrecacheEntry,
} from 'workbox-precaching';
import { NavigationRoute, registerRoute } from 'workbox-routing';
import { CacheFirst } from 'workbox-strategies';
import { excluded, residents } from 'virtual:fieldfix/precache-plan';
import { installBackgroundSync } from './background-sync.ts';
import { installReportSync } from './report-sync.ts';

/** adapter-static `fallback` (vite.config.ts). */
const FALLBACK_PAGE = '200.html';
const WORKER_FILE = 'service-worker.js';
/** Built files not precached, kept once fetched (each worker its own: caches are the origin's). */
const RUNTIME_CACHE = forResidentsScript() ? 'fieldfix-resident-runtime' : 'fieldfix-immutable-runtime';

// `$app/manifest` paths are relative to the base path, and the root page is `''`; resolve them
// against the scope, not the worker's own URL, or `''` would precache the worker itself.
// The app's base, whatever the registration's scope (the residents' is `/report`, below it).
const scope = new URL('./', self.registration.scope).href;
const toUrl = (path: string): string => new URL(path, scope).href;

/** Who registered this worker: a resident's phone keeps only the residents' pages. */
const forResidents = forResidentsScript();

const entries = new Map<string, PrecacheEntry>();
const residentFiles = new Set(residents);
const notPrecached = new Set(
  forResidents ? immutable.map((f) => f.path).filter((p) => !residentFiles.has(p)) : excluded,
);
// Hashed file names: the URL is the revision.
for (const { path } of immutable) {
  if (!notPrecached.has(path)) entries.set(path, { url: toUrl(path), revision: null });
}
// Stable names (static/, pages): revised with the build version.
for (const { path } of [...assets, ...prerendered, { path: FALLBACK_PAGE }]) {
  entries.set(path, { url: toUrl(path), revision: version });
}
entries.delete(WORKER_FILE);

cleanupOutdatedCaches();
precacheAndRoute([...entries.values()]);

// This build's files left out of the precache (the precache route above answers the rest).
const runtimeUrls = new Set([...notPrecached].map(toUrl));
registerRoute(({ url }) => runtimeUrls.has(url.href), new CacheFirst({ cacheName: RUNTIME_CACHE }));

registerRoute(
  new NavigationRoute(createHandlerBoundToURL(toUrl(FALLBACK_PAGE)), {
    // The API is never answered from a cache, not even a navigation to it.
    denylist: [new RegExp(`^${escapeRegExp(new URL(scope).pathname)}api(/|$)`)],
  }),
);

installBackgroundSync(self);
installReportSync(self);

self.addEventListener('install', (event) => {
  event.waitUntil(keepWhatTheShellLoads());
});

/**
 * The fallback page names the files every page starts with (the root layout's scripts and
 * styles, some of them shared with staff pages): those not precached are kept now, so the
 * residents' pages open with no signal.
 */
async function keepWhatTheShellLoads(): Promise<void> {
  const res = await fetch(toUrl(FALLBACK_PAGE), { cache: 'no-store' });
  if (!res.ok) throw new Error(`${FALLBACK_PAGE}: ${res.status}`);
  const html = await res.text();
  const named = [...html.matchAll(/\b(?:href|src)="([^"]+)"/g)].map((m) => new URL(m[1]!, scope).href);
  const missing = [...new Set(named)].filter((url) => runtimeUrls.has(url));
  if (missing.length) await (await caches.open(RUNTIME_CACHE)).addAll(missing);
}

self.addEventListener('message', (event) => {
  const data: unknown = event.data;
  if (typeof data === 'object' && data !== null && (data as { type?: unknown }).type === 'SKIP_WAITING') {
    void self.skipWaiting();
  }
});

// The first install takes control of open pages at once, so they can load lazily imported
// route code from the cache if the network goes away. Updates still wait (see above).
self.addEventListener('activate', (event) => {
  event.waitUntil(Promise.all([self.clients.claim(), dropOlderRuntimeFiles()]));
});

/** Files an older build kept at run time: this build's hashed names are the ones to keep. */
async function dropOlderRuntimeFiles(): Promise<void> {
  const cache = await caches.open(RUNTIME_CACHE);
  for (const request of await cache.keys()) {
    if (!runtimeUrls.has(request.url)) await cache.delete(request);
  }
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function forResidentsScript(): boolean {
  return new URL(self.location.href).searchParams.get('for') === 'residents';
}
