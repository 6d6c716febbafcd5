/**
 * The basemap as the server describes it (`/tiles/meta.json`, `/tiles/style.json`) and how the
 * device rewrites it to read tiles through its own cache (pure; no I/O).
 *
 * The style's `basemap` source points at `<origin>/tiles/<version>/{z}/{x}/{y}.pbf`; on the
 * device it becomes `fftiles://<version>/{z}/{x}/{y}`, a protocol the map component registers
 * (`protocol.ts`): IndexedDB first, then the network.
 */

export interface BasemapMeta {
  version: string;
  minzoom: number;
  maxzoom: number;
  /** [west, south, east, north]. */
  bounds: [number, number, number, number];
  center: [number, number];
  attribution: string;
  layers: unknown;
  /** Average bytes per tile, when the server says. */
  avgTileBytes?: number;
}

/** A MapLibre style (v8) — only what the device reads or rewrites is typed. */
export interface BasemapStyle {
  version: 8;
  sources: Record<string, { type: string; tiles?: string[]; url?: string; [k: string]: unknown }>;
  layers: { id: string; type: string; layout?: Record<string, unknown>; [k: string]: unknown }[];
  glyphs?: string;
  sprite?: unknown;
  [k: string]: unknown;
}

export interface MapSettings {
  /** Zooms downloaded for offline use (inclusive). */
  minZoom: number;
  maxZoom: number;
  /** The most the map's tiles may take on the device, in bytes. */
  budgetBytes: number;
}

export const DEFAULT_MAP_SETTINGS: MapSettings = { minZoom: 12, maxZoom: 17, budgetBytes: 100 * 1024 * 1024 };

/** Used for the estimate before any tile was measured (a city vector tile is typically 5–30 kB). */
export const FALLBACK_TILE_BYTES = 12 * 1024;

export const TILE_PROTOCOL = 'fftiles';
export const BASEMAP_SOURCE = 'basemap';

export function isBasemapMeta(v: unknown): v is BasemapMeta {
  const m = v as Partial<BasemapMeta> | null;
  return (
    !!m &&
    typeof m.version === 'string' &&
    /^[\w.-]+$/.test(m.version) &&
    typeof m.minzoom === 'number' &&
    typeof m.maxzoom === 'number' &&
    Array.isArray(m.bounds) &&
    m.bounds.length === 4 &&
    Array.isArray(m.center)
  );
}

export function isBasemapStyle(v: unknown): v is BasemapStyle {
  const s = v as Partial<BasemapStyle> | null;
  return !!s && s.version === 8 && typeof s.sources === 'object' && s.sources !== null && Array.isArray(s.layers);
}

/** The style with its basemap source read through the device's tile cache. */
export function deviceStyle(style: BasemapStyle, version: string): BasemapStyle {
  const sources = { ...style.sources };
  const basemap = sources[BASEMAP_SOURCE];
  if (basemap) {
    const { url: _url, ...rest } = basemap;
    sources[BASEMAP_SOURCE] = { ...rest, tiles: [`${TILE_PROTOCOL}://${version}/{z}/{x}/{y}`] };
  }
  // No glyphs: labels are drawn on the device from local fonts (TinySDF), which works offline.
  const { glyphs: _glyphs, ...rest } = style;
  return { ...rest, sources };
}

/** Where the server serves tiles, as the style says (`…/{z}/{x}/{y}.pbf`). */
export function tileTemplate(style: BasemapStyle, version: string): string {
  const t = style.sources[BASEMAP_SOURCE]?.tiles?.[0];
  return typeof t === 'string' && t.includes('{z}') ? t : `/tiles/${version}/{z}/{x}/{y}.pbf`;
}

/** The template with a tile's coordinates filled in. */
export function tileUrl(template: string, t: { z: number; x: number; y: number }): string {
  return template.replaceAll('{z}', String(t.z)).replaceAll('{x}', String(t.x)).replaceAll('{y}', String(t.y));
}

/** `fftiles://v1/14/4500/6000` → its parts, or null. */
export function parseTileUrl(url: string): { version: string; z: number; x: number; y: number } | null {
  const m = /^fftiles:\/\/([\w.-]+)\/(\d+)\/(\d+)\/(\d+)/.exec(url);
  if (!m) return null;
  return { version: m[1]!, z: Number(m[2]), x: Number(m[3]), y: Number(m[4]) };
}

const EXPRESSION_WORDS = new Set([
  'literal',
  'get',
  'coalesce',
  'match',
  'case',
  'step',
  'interpolate',
  'zoom',
  'linear',
  'exponential',
  'has',
  '==',
  '!=',
]);

/** Every font the style's labels name (e.g. "Noto Sans Regular"), from lists or expressions. */
export function fontNames(style: BasemapStyle): string[] {
  const names = new Set<string>();
  const visit = (v: unknown): void => {
    if (typeof v === 'string') names.add(v);
    else if (Array.isArray(v)) v.forEach(visit);
  };
  for (const layer of style.layers) visit(layer.layout?.['text-font']);
  return [...names].filter((n) => !EXPRESSION_WORDS.has(n));
}
