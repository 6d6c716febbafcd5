import { createHash } from 'node:crypto';
import { open, type FileHandle } from 'node:fs/promises';
import { gunzipSync } from 'node:zlib';
import { Compression, FetchSource, PMTiles, TileType, type RangeResponse, type Source } from 'pmtiles';
import type { TileMeta, TileProvider } from './provider.ts';

/** A PMTiles `Source` reading byte ranges from a local file. */
export class NodeFileSource implements Source {
  readonly path: string;
  private handle: Promise<FileHandle> | undefined;
  constructor(path: string) {
    this.path = path;
  }
  getKey(): string {
    return this.path;
  }
  async getBytes(offset: number, length: number): Promise<RangeResponse> {
    this.handle ??= open(this.path, 'r');
    const fh = await this.handle;
    const buf = Buffer.alloc(length);
    const { bytesRead } = await fh.read(buf, 0, length, offset);
    const data = buf.buffer.slice(buf.byteOffset, buf.byteOffset + bytesRead) as ArrayBuffer;
    return { data };
  }
  async close(): Promise<void> {
    const h = this.handle;
    this.handle = undefined;
    if (h) await (await h).close();
  }
}

/** Node's zlib instead of the library's default (DecompressionStream/fflate). */
async function decompress(buf: ArrayBuffer, compression: Compression): Promise<ArrayBuffer> {
  if (compression === Compression.None || compression === Compression.Unknown) return buf;
  if (compression === Compression.Gzip) {
    const out = gunzipSync(new Uint8Array(buf));
    return out.buffer.slice(out.byteOffset, out.byteOffset + out.byteLength) as ArrayBuffer;
  }
  throw new Error(`PMTiles compression ${compression} is not supported; use gzip or none`);
}

type ArchiveMetadata = { attribution?: string; vector_layers?: { id: string }[] };

/**
 * Tiles from a PMTiles archive: a local path or an http(s) URL (read with range requests).
 * The version is a hash of the archive's header and root directory (and the server's ETag for a
 * URL), so a new archive gives new tile URLs. Replacing a local file needs a server restart.
 */
export function pmtilesProvider(location: string): TileProvider & { close(): Promise<void> } {
  const remote = /^https?:\/\//i.test(location);
  const source: Source = remote ? new FetchSource(location) : new NodeFileSource(location);
  const archive = new PMTiles(source, undefined, decompress);
  let meta: Promise<TileMeta> | undefined;

  async function loadMeta(): Promise<TileMeta> {
    const h = await archive.getHeader();
    if (h.tileType !== TileType.Mvt)
      throw new Error(`${location}: not a vector (MVT) PMTiles archive (tile type ${h.tileType})`);
    const head = await source.getBytes(0, Math.min(16384, h.rootDirectoryOffset + h.rootDirectoryLength));
    const version = createHash('sha256')
      .update(new Uint8Array(head.data))
      .update(h.etag ?? '')
      .digest('hex')
      .slice(0, 16);
    const md = ((await archive.getMetadata()) ?? {}) as ArchiveMetadata;
    return {
      version,
      minzoom: h.minZoom,
      maxzoom: h.maxZoom,
      bounds: [h.minLon, h.minLat, h.maxLon, h.maxLat],
      center: [h.centerLon, h.centerLat],
      attribution: typeof md.attribution === 'string' ? md.attribution : '',
      layers: Array.isArray(md.vector_layers) ? md.vector_layers.map((l) => l.id) : [],
    };
  }

  return {
    kind: 'pmtiles',
    meta() {
      meta ??= loadMeta().catch((err: unknown) => {
        meta = undefined; // try again on the next request
        throw err;
      });
      return meta;
    },
    async tile(z, x, y) {
      const r = await archive.getZxy(z, x, y);
      if (!r || r.data.byteLength === 0) return null;
      return { data: new Uint8Array(r.data), compressed: false };
    },
    async close() {
      if (source instanceof NodeFileSource) await source.close();
    },
  };
}
