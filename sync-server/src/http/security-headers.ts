import type { Context } from 'hono';
import { createMiddleware } from 'hono/factory';
import type { secureHeaders } from 'hono/secure-headers';
import type { Config } from '../config.ts';
import { bucketOrigin } from '../photos/bucket-origin.ts';
import { inlineScriptHashes } from './static.ts';

type SecureHeadersOptions = NonNullable<Parameters<typeof secureHeaders>[0]>;

/**
 * Security headers for every response, pages and API alike, with a strict Content Security
 * Policy for the field-app:
 * - scripts only from this origin, plus SvelteKit's inline bootstrap script by its hash
 *   (read from the HTML being served, so a new build is allowed as soon as it is in place);
 * - workers from this origin and `blob:` (MapLibre, photo downscaling);
 * - styles may be inline: Svelte writes `style` attributes and the build has some;
 * - images from this origin, `blob:` (photos taken on the device) and `data:`;
 * - requests only to this origin, and to the external tile server when TILES_URL names one;
 * - with presigned photo downloads (PHOTO_DOWNLOADS=presigned), images and requests also to
 *   the bucket's origin, where a photo download is redirected;
 * - no plugins, no framing by any site, no `<base>` or form posts elsewhere.
 */
export function securityHeaders(
  config: Pick<Config, 'tilesUrl' | 'photoS3' | 'photoDownloads'>,
  staticDir?: string,
): SecureHeadersOptions {
  const scriptHashes = staticDir ? inlineScriptHashes(staticDir) : () => [];
  const connectSrc = ["'self'"];
  const imgSrc = ["'self'", 'blob:', 'data:'];
  if (config.tilesUrl) connectSrc.push(new URL(config.tilesUrl.replace(/[{}]/g, '')).origin);
  if (config.photoDownloads === 'presigned' && config.photoS3) {
    const bucket = bucketOrigin(config.photoS3);
    imgSrc.push(bucket);
    connectSrc.push(bucket);
  }
  return {
    crossOriginEmbedderPolicy: false,
    // Set per path by `resourcePolicy` below: Open311's public media may be shown by any site.
    crossOriginResourcePolicy: false,
    xFrameOptions: 'DENY',
    contentSecurityPolicy: {
      defaultSrc: ["'self'"],
      // The build's inline script hashes only where a page may be served: an API answer is
      // JSON, runs no script, and needs no look at the build folder on every request.
      scriptSrc: ["'self'", (c) => (c.req.path.startsWith('/api/') ? '' : scriptHashes().join(' '))],
      styleSrc: ["'self'", "'unsafe-inline'"],
      imgSrc,
      fontSrc: ["'self'", 'data:'],
      connectSrc,
      workerSrc: ["'self'", 'blob:'],
      manifestSrc: ["'self'"],
      objectSrc: ["'none'"],
      baseUri: ["'self'"],
      formAction: ["'self'"],
      frameAncestors: ["'none'"],
    },
  };
}

/**
 * Security headers for the devices' sync API (`/api/sync/*`): JSON and one event stream,
 * never a page, so a page's policy means nothing there. What stays: a policy that lets such
 * an answer load nothing and be framed by no one, no MIME sniffing, no framing, no referrer,
 * HSTS. What goes: the page's long policy and the headers only documents or old browsers read
 * (COOP, Origin-Agent-Cluster, X-DNS-Prefetch-Control, X-Download-Options,
 * X-Permitted-Cross-Domain-Policies, X-XSS-Protection). A device's poll is the busiest
 * request there is: this is most of its header bytes.
 */
export const SYNC_API_HEADERS: SecureHeadersOptions = {
  contentSecurityPolicy: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] },
  crossOriginEmbedderPolicy: false,
  crossOriginOpenerPolicy: false,
  crossOriginResourcePolicy: false, // `resourcePolicy` below
  originAgentCluster: false,
  xDnsPrefetchControl: false,
  xDownloadOptions: false,
  xPermittedCrossDomainPolicies: false,
  xXssProtection: false,
  xFrameOptions: 'DENY',
};

/**
 * `Cross-Origin-Resource-Policy`: `same-origin` for everything, except the Open311 API,
 * whose public responses (a request's `media_url` photo among them) other sites may load.
 */
export const resourcePolicy = createMiddleware(async (c, next) => {
  await next();
  const open = c.req.path.startsWith('/open311/');
  setOnAnswer(c, 'Cross-Origin-Resource-Policy', open ? 'cross-origin' : 'same-origin');
});

/**
 * Sets a header on the answer a handler has already made, as Hono's own `secureHeaders` and
 * `timing` do. `c.header()` at that point would copy the answer into a new Response whose
 * body is a stream (on Node, the whole answer built again as a web Response and sent through
 * a stream reader): measured at about a fifth of a device's poll.
 */
export function setOnAnswer(c: Context, name: string, value: string): void {
  c.res.headers.set(name, value);
}
