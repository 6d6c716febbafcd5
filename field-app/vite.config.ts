import adapter from '@sveltejs/adapter-static';
import { paraglideVitePlugin } from '@inlang/paraglide-js';
import { sveltekit } from '@sveltejs/kit/vite';
import { defineConfig } from 'vite';
import { precachePlan } from './tools/precache-plan.ts';
import { RESIDENT_LOCALE_KEY } from './src/lib/public/locale-key.ts';

/** Where `vite dev` forwards `/api` (the sync server; `pnpm --filter @fieldfix/sync-server dev`). */
const apiTarget = process.env.FIELDFIX_API_URL ?? 'http://localhost:8080';

export default defineConfig({
  plugins: [
    // The residents' pages in English and Spanish: messages compiled to functions from
    // messages/{locale}.json (no parsing at run time). The locale is the one the person chose
    // (kept in localStorage), else the browser's, else English. Works offline: the message
    // format plugin is loaded from node_modules (project.inlang/settings.json).
    paraglideVitePlugin({
      project: './project.inlang',
      outdir: './src/lib/public/paraglide',
      strategy: ['localStorage', 'preferredLanguage', 'baseLocale'],
      localStorageKey: RESIDENT_LOCALE_KEY,
    }),
    sveltekit({
      // SPA: every route is rendered in the browser from one fallback page. The sync server
      // serves `200.html` for any path it does not know (sync-server/src/http/static.ts).
      adapter: adapter({ pages: 'build', assets: 'build', fallback: '200.html' }),
      // Registered by hand with workbox-window (src/lib/state/app-update.svelte.ts), so the
      // app can tell a person when a new version is waiting.
      serviceWorker: { register: false },
      // The service worker decides when a new version takes over; no need to poll.
      version: { pollInterval: 0 },
      // Not `window.__svelte.v`: bytes every resident's page would load for no one's use.
      compilerOptions: { discloseVersion: false },
    }),
    // What the service worker leaves out of a crew's precache: the files only the residents'
    // pages and the dispatch board use (tools/precache-plan.ts).
    precachePlan(),
  ],
  build: {
    // terser rather than the bundler's own minifier: the residents' /track page 50.06 KB →
    // 49.35 KB gzipped (its budget is 50), a few seconds more per build.
    minify: 'terser',
    terserOptions: { compress: { passes: 2 }, module: true },
    // Svelte's and SvelteKit's client runtime in one file instead of a dozen small ones that
    // every page loads anyway: gzip does better on one (the residents' /track page 51.5 KB →
    // 49.6 KB; its budget is 50). SvelteKit's entry files stay apart: it looks for them.
    rolldownOptions: {
      output: {
        codeSplitting: {
          groups: [
            {
              name: 'framework',
              test: (id: string) =>
                /[\\/]node_modules[\\/](svelte|@sveltejs[\\/]kit|esm-env|devalue)[\\/]|vite[\\/]preload-helper/.test(
                  id,
                ) && !/[\\/]runtime[\\/]client[\\/](entry|client-entry|payload)\.js$/.test(id),
            },
          ],
        },
      },
    },
  },
  server: {
    proxy: { '/api': { target: apiTarget, changeOrigin: false } },
  },
});
