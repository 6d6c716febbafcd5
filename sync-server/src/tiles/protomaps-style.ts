/**
 * The style for archives in the Protomaps basemap schema (earth, water, landuse, roads, places,
 * …), which is what `pmtiles extract` from a Protomaps daily build gives a city. The layers come
 * from `@protomaps/basemaps` (light flavour: dark text and roads on light land, good in
 * sunlight), adapted to work offline on the device:
 * - no `glyphs` and no `sprite`: nothing is loaded from another host;
 * - icons and fill/line patterns need the sprite, so they are removed, and a symbol layer left
 *   with no text is dropped (one-way arrows); route shields too, as their text belongs on the
 *   shield image;
 * - every font is one the device provides (Noto Sans Regular or Bold);
 * - layers whose source-layer is not in the archive are dropped.
 */
import { layers as protomapsLayers, namedFlavor } from '@protomaps/basemaps';
import type { TileMeta } from './provider.ts';
import { BOLD_FONT, REGULAR_FONT, basemapSource, deviceFont, styleDocument } from './style-common.ts';

/** The layer ids that identify the schema: every Protomaps basemap archive has them. */
export const PROTOMAPS_MARKERS = ['earth', 'roads'] as const;

/** Route shields: text meant to sit on a shield icon we do not have. */
const DROPPED = new Set(['roads_shields']);

/** Needs a sprite image: icons, and fill/line/background patterns. */
const NEEDS_SPRITE = /^icon-|-pattern$/;

/** A layer as plain JSON, which is all this module reads or changes. */
type JsonLayer = {
  id: string;
  type: string;
  source?: string;
  'source-layer'?: string;
  layout?: Record<string, unknown>;
  paint?: Record<string, unknown>;
  [key: string]: unknown;
};

/** One font stack (a list of font names) as the single device font for its first name. */
const deviceStack = (names: unknown[]): string[] => [deviceFont(typeof names[0] === 'string' ? names[0] : '')];

/**
 * A `text-font` value with the device's fonts: a plain stack, or an expression whose font
 * stacks are `["literal", [...]]` (as Protomaps writes them, e.g. Devanagari names in a `case`).
 */
function deviceTextFont(value: unknown, top = true): unknown {
  if (!Array.isArray(value)) return value;
  if (value[0] === 'literal' && Array.isArray(value[1])) return ['literal', deviceStack(value[1])];
  if (top && value.every((v) => typeof v === 'string')) return deviceStack(value);
  return value.map((v) => deviceTextFont(v, false));
}

/** Rewrites every `text-font`, also the ones inside `format` sections of a `text-field`. */
function withDeviceFonts(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withDeviceFonts);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k, k === 'text-font' ? deviceTextFont(v) : withDeviceFonts(v)]),
    );
  }
  return value;
}

const withoutSprite = (props: Record<string, unknown> | undefined) =>
  props && Object.fromEntries(Object.entries(props).filter(([k]) => !NEEDS_SPRITE.test(k)));

/** The Protomaps layers for our source, adapted for offline use (the same for every archive). */
function offlineLayers(): JsonLayer[] {
  const flavor = { ...namedFlavor('light'), regular: REGULAR_FONT, bold: BOLD_FONT, italic: REGULAR_FONT };
  const generated = protomapsLayers('basemap', flavor, { lang: 'en' }) as unknown as JsonLayer[];
  const out: JsonLayer[] = [];
  for (const generatedLayer of generated) {
    if (DROPPED.has(generatedLayer.id)) continue;
    const layer = withDeviceFonts(generatedLayer) as JsonLayer;
    const layout = withoutSprite(layer.layout);
    const paint = withoutSprite(layer.paint);
    if (layer.type === 'symbol' && layout?.['text-field'] === undefined) continue;
    const { layout: _layout, paint: _paint, ...rest } = layer;
    out.push({ ...rest, ...(layout && { layout }), ...(paint && { paint }) });
  }
  return out;
}

let cached: JsonLayer[] | undefined;

export function protomapsStyle(meta: TileMeta, tilesUrl: string) {
  cached ??= offlineLayers();
  const present = new Set(meta.layers);
  return styleDocument(meta, {
    name: 'Fieldfix basemap (Protomaps)',
    schema: 'protomaps',
    // OpenStreetMap data must be credited; Protomaps builds say so, an archive without it still does.
    source: basemapSource({ ...meta, attribution: meta.attribution || '© OpenStreetMap contributors' }, tilesUrl),
    layers: cached.filter((l) => l['source-layer'] === undefined || present.has(l['source-layer'])),
  });
}
