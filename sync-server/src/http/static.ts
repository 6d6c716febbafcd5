import { existsSync, readFileSync } from 'node:fs';
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
