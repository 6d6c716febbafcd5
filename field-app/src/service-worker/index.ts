/**
 * The service worker: keeps the app shell on the device so the app opens with no network.
 *
 * - Precaches every built file (`immutable`), every file from `static/` (`assets`) and the SPA
 *   fallback page `200.html`.
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
import { installBackgroundSync } from './background-sync.ts';

/** adapter-static `fallback` (vite.config.ts). */
const FALLBACK_PAGE = '200.html';
const WORKER_FILE = 'service-worker.js';

// `$app/manifest` paths are relative to the base path, and the root page is `''`; resolve them
// against the scope, not the worker's own URL, or `''` would precache the worker itself.
const scope = self.registration.scope;
const toUrl = (path: string): string => new URL(path, scope).href;

const entries = new Map<string, PrecacheEntry>();
// Hashed file names: the URL is the revision.
for (const { path } of immutable) entries.set(path, { url: toUrl(path), revision: null });
// Stable names (static/, pages): revised with the build version.
for (const { path } of [...assets, ...prerendered, { path: FALLBACK_PAGE }]) {
  entries.set(path, { url: toUrl(path), revision: version });
}
entries.delete(WORKER_FILE);

cleanupOutdatedCaches();
precacheAndRoute([...entries.values()]);

registerRoute(
  new NavigationRoute(createHandlerBoundToURL(toUrl(FALLBACK_PAGE)), {
    // The API is never answered from a cache, not even a navigation to it.
    denylist: [new RegExp(`^${escapeRegExp(new URL(scope).pathname)}api(/|$)`)],
  }),
);

installBackgroundSync(self);

self.addEventListener('message', (event) => {
  const data: unknown = event.data;
  if (typeof data === 'object' && data !== null && (data as { type?: unknown }).type === 'SKIP_WAITING') {
    void self.skipWaiting();
  }
});

// The first install takes control of open pages at once, so they can load lazily imported
// route code from the cache if the network goes away. Updates still wait (see above).
self.addEventListener('activate', (event) => {
  event.waitUntil(self.clients.claim());
});

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
