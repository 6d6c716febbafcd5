/**
 * How the map reads basemap tiles: `fftiles://<version>/{z}/{x}/{y}` answered from IndexedDB
 * first, then the network (and kept). With no network, a tile the device lacks is answered
 * empty, quietly: the map shows what it has instead of an error, and `missedOffline` tells the
 * map to ask again when the signal returns. A map opened before a new basemap became active
 * still asks for the old version, whose tiles are gone from the device and the server: it gets
 * the active version's tile at the same place instead.
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
      .then((b) =>
        b && b.meta.version === version ? tileTemplate(b.style, version) : `/tiles/${version}/{z}/{x}/{y}.pbf`,
      )
      .catch(() => `/tiles/${version}/{z}/{x}/{y}.pbf`);
    templates.set(version, t);
  }
  return t;
}

/** The active basemap's version, read again at most every few seconds. */
let active: { version: string | null; at: number } = { version: null, at: 0 };
async function activeVersion(): Promise<string | null> {
  if (Date.now() - active.at > 5_000) {
    const version = (await getBasemap().catch(() => undefined))?.meta.version ?? null;
    active = { version, at: Date.now() };
  }
  return active.version;
}

let missed = 0;
/** How many tiles were answered empty for want of a network since the last call; resets. */
export function missedOffline(): number {
  const n = missed;
  missed = 0;
  return n;
}

export const tileProtocol: AddProtocolAction = async (params, abort) => {
  const asked = parseTileUrl(params.url);
  if (!asked) return { data: new ArrayBuffer(0) };
  let t = asked;
  let key = tileKey(t.version, t);
  try {
    const cached = await readTile(key);
    if (cached) return { data: cached };
    // Asked for a version that is no longer active: the same place in the active one.
    const current = await activeVersion();
    if (current && current !== t.version) {
      t = { ...t, version: current };
      key = tileKey(current, t);
      const replaced = await readTile(key);
      if (replaced) return { data: replaced };
    }
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
  void storeTile({ key, version: t.version, z: t.z, x: t.x, y: t.y, bytes: res.bytes, area: BROWSE_AREA }).catch(
    () => {},
  );
  // The map's worker takes the buffer over; keep the stored copy separate.
  return { data: res.bytes.slice(0) };
};
