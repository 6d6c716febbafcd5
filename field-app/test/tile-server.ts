/**
 * A real HTTP tile server on the loopback interface for the download tests: it serves
 * `/tiles/<version>/<z>/<x>/<y>.pbf` with bytes that name the tile, so a stored tile can be
 * checked against what was served, and it records every request it gets.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface TileServerOptions {
  /** Versions it serves (others answer 404, as the sync server does for an old archive). */
  versions: string[];
  /** Milliseconds before each tile is answered, so a download can be stopped mid-way. */
  delayMs?: number;
  /** Tiles (`version/z/x/y`) answered with this status instead of bytes. */
  statuses?: Record<string, number>;
}

export interface TileServer {
  /** The style's tile URL template for a version. */
  template(version: string): string;
  /** Every tile requested so far (`version/z/x/y`), in order of arrival. */
  requests: string[];
  close(): Promise<void>;
}

/** The bytes served for a tile: its key, so each tile's bytes differ. */
export function tileBytes(key: string): Uint8Array {
  return new TextEncoder().encode(`tile ${key}`);
}

export async function startTileServer(options: TileServerOptions): Promise<TileServer> {
  const requests: string[] = [];
  const server: Server = createServer((req, res) => {
    const m = /^\/tiles\/([\w.-]+)\/(\d+)\/(\d+)\/(\d+)\.pbf$/.exec(req.url ?? '');
    if (!m) {
      res.writeHead(404).end();
      return;
    }
    const key = `${m[1]}/${m[2]}/${m[3]}/${m[4]}`;
    requests.push(key);
    const answer = () => {
      if (res.destroyed) return;
      const status = options.statuses?.[key] ?? (options.versions.includes(m[1]!) ? 200 : 404);
      if (status !== 200) {
        res.writeHead(status).end();
        return;
      }
      res.writeHead(200, { 'Content-Type': 'application/x-protobuf' }).end(tileBytes(key));
    };
    if (options.delayMs) setTimeout(answer, options.delayMs);
    else answer();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    template: (version) => `http://127.0.0.1:${port}/tiles/${version}/{z}/{x}/{y}.pbf`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
