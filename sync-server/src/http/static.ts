import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Env, Hono } from 'hono';
import { serveStatic } from '@hono/node-server/serve-static';

/** The SPA's fallback page (adapter-static `fallback`), served for every app route. */
export const FALLBACK_PAGE = '200.html';

/**
 * Serves the built field-app on the same origin as the API. Hashed files under
 * `_app/immutable` are cached for a year; everything else (pages, the service worker,
 * the manifest) is revalidated, so a new version is seen at once.
 */
export function mountFieldApp<E extends Env>(app: Hono<E>, staticDir: string): void {
  const fallback = join(staticDir, FALLBACK_PAGE);
  // Not served: the app learns of a new version from its service worker, not from this file.
  // SvelteKit's client asks for it after a navigation that failed (a 404) and reloads when it
  // differs from its own version, which this build reads before the page sets it: every wrong
  // address then loaded itself again, about 13 times a second. Without the file it shows its
  // "not found" page.
  app.get('/_app/version.json', (c) => c.text('Not found', 404));
  app.use(
    '*',
    serveStatic({
      root: staticDir,
      onFound: (path, c) => {
        c.header(
          'Cache-Control',
          path.includes('/_app/immutable/') ? 'public, max-age=31536000, immutable' : 'no-cache',
        );
        if (path.endsWith('.webmanifest')) c.header('Content-Type', 'application/manifest+json');
      },
    }),
  );
  app.get('*', (c) => {
    if (!existsSync(fallback)) {
      return c.text('The field app is not built yet. Run `npm start` (it builds it) or `pnpm build`.', 503);
    }
    c.header('Cache-Control', 'no-cache');
    return c.html(readFileSync(fallback, 'utf8'));
  });
}

/**
 * CSP sources (`'sha256-…'`) for the inline scripts of the app's HTML pages: SvelteKit puts
 * its bootstrap in one, and it changes with every build. Read from the files served, again
 * whenever the fallback page changes, so a new build dropped in place is allowed at once.
 */
export function inlineScriptHashes(staticDir: string): () => string[] {
  const fallback = join(staticDir, FALLBACK_PAGE);
  let seen = '';
  let hashes: string[] = [];
  return () => {
    let stamp: string;
    try {
      const st = statSync(fallback);
      stamp = `${st.mtimeMs}:${st.size}:${st.ino}`;
    } catch {
      return []; // not built (yet)
    }
    if (stamp === seen) return hashes;
    try {
      const found = new Set<string>();
      for (const file of htmlFiles(staticDir)) {
        for (const script of inlineScripts(readFileSync(file, 'utf8'))) {
          found.add(`'sha256-${createHash('sha256').update(script, 'utf8').digest('base64')}'`);
        }
      }
      hashes = [...found];
      seen = stamp;
    } catch {
      // A build being replaced right now: keep the last hashes and read again next time.
    }
    return hashes;
  };
}

/** The HTML files of a build, outside `_app` (hashed JS and CSS only). */
function htmlFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith('.html'))
    .map((e) => join(e.parentPath, e.name))
    .filter((path) => !path.slice(dir.length).split(/[\\/]/).includes('_app'));
}

/**
 * The text of each `<script>` without a `src`, as a browser hashes it: raw, but with line
 * breaks made `\n` as the HTML parser does.
 */
export function inlineScripts(html: string): string[] {
  const scripts: string[] = [];
  for (const m of html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script\s*>/gi)) {
    if (!/\ssrc\s*=/i.test(` ${m[1]}`)) scripts.push(m[2]!.replace(/\r\n?/g, '\n'));
  }
  return scripts;
}
