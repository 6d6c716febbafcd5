import { createHash } from 'node:crypto';
import { gunzipSync, gzipSync } from 'node:zlib';
import { Hono, type Context } from 'hono';
import type { AppDeps } from '../http/deps.ts';
import { ApiError } from '../http/errors.ts';
import { answerBase } from '../notices-delivery/signed-links.ts';
import { demoTileProvider } from './demo-tiles.ts';
import { pmtilesProvider } from './pmtiles-provider.ts';
import type { TileMeta, TileProvider } from './provider.ts';
import { basemapStyle } from './style.ts';

const IMMUTABLE = 'public, max-age=31536000, immutable';
const NO_CACHE = 'no-cache';

/** Keeps the most recently used gzipped tiles up to a byte budget. */
class TileCache {
  private readonly map = new Map<string, Promise<Uint8Array | null>>();
  private readonly sizes = new Map<string, number>();
  private bytes = 0;
  private readonly maxBytes: number;
  constructor(maxBytes: number) {
    this.maxBytes = maxBytes;
  }
  get(key: string, make: () => Promise<Uint8Array | null>): Promise<Uint8Array | null> {
    const hit = this.map.get(key);
    if (hit) {
      this.map.delete(key);
      this.map.set(key, hit);
      return hit;
    }
    const p = make();
    this.map.set(key, p);
    p.then(
      (v) => {
        if (this.map.get(key) !== p) return;
        const size = (v?.byteLength ?? 0) + 64;
        this.sizes.set(key, size);
        this.bytes += size;
        for (const k of this.map.keys()) {
          if (this.bytes <= this.maxBytes) break;
          if (k === key) continue;
          this.bytes -= this.sizes.get(k) ?? 0;
          this.sizes.delete(k);
          this.map.delete(k);
        }
      },
      () => this.map.delete(key), // a failed read is retried next time
    );
    return p;
  }
}

/** Picks the tile source from configuration: a PMTiles archive, else the embedded demo city. */
export function createTileProvider(config: AppDeps['config']): TileProvider {
  return config.tilesPmtiles
    ? pmtilesProvider(config.tilesPmtiles)
    : demoTileProvider({ maxzoom: config.tilesMaxZoom });
}

/**
 * Public basemap resources, same origin as the app:
 *   GET /tiles/meta.json, GET /tiles/style.json (no-cache; the route `/tiles/:document`),
 *   GET /tiles/<version>/<z>/<x>/<y>.pbf (immutable: the version is in the path).
 */
export function tileRoutes(deps: AppDeps, opts: { provider?: TileProvider; cacheBytes?: number } = {}) {
  let provider = opts.provider;
  const getProvider = () => (provider ??= createTileProvider(deps.config));
  const cache = new TileCache(opts.cacheBytes ?? 64 * 1024 * 1024);
  const externalUrl = deps.config.tilesUrl;

  /** The provider's meta; with an external tile URL the version also covers that URL. */
  async function meta(): Promise<TileMeta> {
    const m = await getProvider().meta();
    if (!externalUrl) return m;
    const version = createHash('sha256').update(`${m.version}\n${externalUrl}`).digest('hex').slice(0, 16);
    return { ...m, version };
  }

  function tilesUrl(c: Context, m: TileMeta): string {
    if (externalUrl) return externalUrl.replaceAll('{version}', m.version);
    // Behind a TLS proxy the request arrives as plain http: the public origin is configured.
    return `${answerBase(deps.config, c.req.url)}/tiles/${m.version}/{z}/{x}/{y}.pbf`;
  }

  const notFound = (c: Context): never => {
    throw new ApiError(404, 'not-found', `No such tile resource: ${c.req.method} ${c.req.path}`);
  };

  return (
    new Hono()
      // meta.json and style.json by a parameter, not as two literal paths: Hono's RegExpRouter
      // takes no literal beside a parameter at the same place (the tiles' version), and one
      // such route sent the whole app to its TrieRouter, whose match costs every request (a
      // device's poll is the busiest) a few µs and about 5 KB of garbage.
      .get('/:document', async (c) => {
        const document = c.req.param('document');
        if (document !== 'meta.json' && document !== 'style.json') return notFound(c);
        const m = await meta();
        c.header('Cache-Control', NO_CACHE);
        return c.json(document === 'meta.json' ? m : basemapStyle(m, tilesUrl(c, m)));
      })
      .get('/:version/:z/:x/:file', async (c) => {
        const { version, z: zs, x: xs, file } = c.req.param();
        const ys = file.endsWith('.pbf') ? file.slice(0, -4) : file;
        const int = /^\d{1,8}$/;
        if (!int.test(zs) || !int.test(xs) || !int.test(ys) || !file.endsWith('.pbf')) {
          throw new ApiError(
            400,
            'bad-request',
            'Tile coordinates must be whole numbers: /tiles/<version>/<z>/<x>/<y>.pbf',
          );
        }
        const [z, x, y] = [Number(zs), Number(xs), Number(ys)];
        const m = await meta();
        if (version !== m.version) throw new ApiError(404, 'not-found', 'No such basemap version.');
        if (z < m.minzoom || z > m.maxzoom) {
          throw new ApiError(404, 'not-found', `This basemap has zoom levels ${m.minzoom}–${m.maxzoom} only.`);
        }
        if (x >= 2 ** z || y >= 2 ** z) {
          throw new ApiError(400, 'bad-request', `Tile x and y must be below ${2 ** z} at zoom ${z}.`);
        }

        const gz = await cache.get(`${version}/${z}/${x}/${y}`, async () => {
          const t = await getProvider().tile(z, x, y);
          if (!t) return null;
          return t.compressed ? t.data : new Uint8Array(gzipSync(t.data));
        });
        c.header('Cache-Control', IMMUTABLE);
        c.header('Vary', 'Accept-Encoding');
        if (!gz) return c.body(null, 204);
        c.header('Content-Type', 'application/x-protobuf');
        if (/\bgzip\b/i.test(c.req.header('accept-encoding') ?? '')) {
          c.header('Content-Encoding', 'gzip');
          return c.body(gz as Uint8Array<ArrayBuffer>);
        }
        return c.body(new Uint8Array(gunzipSync(gz)));
      })
      // Anything else under /tiles is a 404, not the field-app's HTML fallback.
      .all('*', notFound)
  );
}
