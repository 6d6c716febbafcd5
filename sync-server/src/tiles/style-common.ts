/**
 * What every basemap style we serve shares, whatever the tiles' layer schema: one vector source
 * called `basemap` (the device rewrites it to read through its tile cache) and only the fonts the
 * device has. The device draws labels itself (no `glyphs`): it registers a bold Noto Sans under
 * any `text-font` name containing Bold/Black/Heavy/Semibold and the regular one under any other
 * name, so we name exactly those two.
 */
import type { TileMeta } from './provider.ts';

export const REGULAR_FONT = 'Noto Sans Regular';
export const BOLD_FONT = 'Noto Sans Bold';
/** The font stack for ordinary labels. */
export const LABEL_FONT = [REGULAR_FONT];

/** The device font for any font name. Medium counts as bold: thicker text reads better in sunlight. */
export function deviceFont(name: string): string {
  return /\b(bold|black|heavy|semibold|demibold|extrabold|medium)\b/i.test(name) ? BOLD_FONT : REGULAR_FONT;
}

/** The `basemap` vector source over our tiles. */
export function basemapSource(meta: TileMeta, tilesUrl: string) {
  return {
    type: 'vector',
    tiles: [tilesUrl],
    minzoom: meta.minzoom,
    maxzoom: meta.maxzoom,
    bounds: meta.bounds,
    attribution: meta.attribution,
  };
}

/** Where the map opens: zoom 14, within the tiles' zooms. */
export function openingZoom(meta: TileMeta): number {
  return Math.min(Math.max(meta.minzoom, 14), meta.maxzoom);
}

/** A style document over our tiles: its name, the `basemap` source, where the map opens, and `layers`. */
export function styleDocument<L>(
  meta: TileMeta,
  o: { name: string; schema?: string; source: ReturnType<typeof basemapSource>; layers: L[] },
) {
  return {
    version: 8,
    name: o.name,
    metadata: { 'fieldfix:version': meta.version, ...(o.schema ? { 'fieldfix:schema': o.schema } : {}) },
    center: meta.center,
    zoom: openingZoom(meta),
    sources: { basemap: o.source },
    layers: o.layers,
  };
}
