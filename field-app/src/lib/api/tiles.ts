/**
 * The basemap's endpoints (public, same origin): meta, style and tiles. Like the rest of
 * `#lib/api/`, these never throw; they answer results. Each is given up when no byte has
 * moved for `STALL_MS` (a tile download on lie-fi must not hang the offline map for ever).
 */
import { fetchWithStall } from './stall.ts';
import { isBasemapMeta, isBasemapStyle, type BasemapMeta, type BasemapStyle } from '#lib/tiles/basemap.ts';

export type TileFetch =
  | { ok: true; bytes: ArrayBuffer }
  | { ok: false; kind: 'network' | 'http' | 'aborted'; status: number; message: string };

export type JsonFetch<T> = { ok: true; data: T } | { ok: false; message: string };

async function getJson<T>(path: string, valid: (v: unknown) => v is T): Promise<JsonFetch<T>> {
  try {
    const res = await fetchWithStall(path, { cache: 'no-cache' });
    if (!res.ok)
      return {
        ok: false,
        message: res.status === 404 ? 'This server has no map.' : `The map server answered ${res.status}.`,
      };
    const body: unknown = await res.json();
    return valid(body)
      ? { ok: true, data: body }
      : { ok: false, message: 'The map server sent something this app does not understand.' };
  } catch {
    return { ok: false, message: 'Cannot reach the map server.' };
  }
}

export function fetchBasemapMeta(): Promise<JsonFetch<BasemapMeta>> {
  return getJson('/tiles/meta.json', isBasemapMeta);
}

export function fetchBasemapStyle(): Promise<JsonFetch<BasemapStyle>> {
  return getJson('/tiles/style.json', isBasemapStyle);
}

/** One tile's bytes (`url` from the style's template); a 204 (nothing there) is an empty buffer. */
export async function fetchTile(url: string, signal?: AbortSignal): Promise<TileFetch> {
  try {
    const res = await fetchWithStall(url, {}, { signal });
    if (res.status === 204) return { ok: true, bytes: new ArrayBuffer(0) };
    if (!res.ok)
      return { ok: false, kind: 'http', status: res.status, message: `The map server answered ${res.status}.` };
    return { ok: true, bytes: await res.arrayBuffer() };
  } catch (err) {
    const aborted = err instanceof DOMException && err.name === 'AbortError';
    return {
      ok: false,
      kind: aborted ? 'aborted' : 'network',
      status: 0,
      message: aborted ? 'Stopped.' : 'Cannot reach the map server.',
    };
  }
}
