/**
 * How the map reads basemap tiles: `fftiles://<version>/{z}/{x}/{y}` answered from IndexedDB
 * first, then the network (and kept). With no network, a tile the device lacks is answered
 * empty, quietly: the map shows what it has instead of an error, and `missedOffline` tells the
 * map to ask again when the signal returns.
 */
import type { AddProtocolAction } from 'maplibre-gl';
import { fetchTile } from '#lib/api/tiles.ts';
import { BROWSE_AREA, getBasemap, readTile, storeTile } from '#lib/db/tiles.ts';
import { tileKey } from './tile-math.ts';
import { parseTileUrl, tileTemplate, tileUrl } from './basemap.ts';

/** The server's tile URL template for a version (from the stored style; read once per version). */
const templates = new Map<string, Promise<string>>();
function templateFor(version: string): Promise<string> {
  let t = templates.get(version);
  if (!t) {
    t = getBasemap()
      .then((b) => (b && b.meta.version === version ? tileTemplate(b.style, version) : `/tiles/${version}/{z}/{x}/{y}.pbf`))
      .catch(() => `/tiles/${version}/{z}/{x}/{y}.pbf`);
    templates.set(version, t);
  }
  return t;
}

let missed = 0;
/** How many tiles were answered empty for want of a network since the last call; resets. */
export function missedOffline(): number {
  const n = missed;
  missed = 0;
  return n;
}

export const tileProtocol: AddProtocolAction = async (params, abort) => {
  const t = parseTileUrl(params.url);
  if (!t) return { data: new ArrayBuffer(0) };
  const key = tileKey(t.version, t);
  try {
    const cached = await readTile(key);
    if (cached) return { data: cached };
  } catch {
    // IndexedDB unavailable: the network may still answer.
  }
  if (typeof navigator !== 'undefined' && !navigator.onLine) {
    missed++;
    return { data: new ArrayBuffer(0) };
  }
  const res = await fetchTile(tileUrl(await templateFor(t.version), t), abort.signal);
  if (!res.ok) {
    if (res.kind === 'aborted') throw new DOMException('Aborted', 'AbortError');
    if (res.kind === 'network') missed++;
    return { data: new ArrayBuffer(0) };
  }
  void storeTile({ key, version: t.version, z: t.z, x: t.x, y: t.y, bytes: res.bytes, area: BROWSE_AREA }).catch(() => {});
  // The map's worker takes the buffer over; keep the stored copy separate.
  return { data: res.bytes.slice(0) };
};
