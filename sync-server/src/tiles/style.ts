/**
 * `/tiles/style.json`: the map style, chosen by the layer schema of the tiles being served
 * (`meta.layers`, an archive's vector_layers), since a style only draws layers it names:
 * - the demo schema (block, water, park, street, district, place), also what a city builds
 *   with our layer names, or an archive that lists no layers: our own style below;
 * - the Protomaps basemap schema (earth, roads, …; `pmtiles extract` of a Protomaps build):
 *   the Protomaps style, adapted for offline use (`protomaps-style.ts`);
 * - any other schema: a plain style that draws every layer's polygons, lines, points and
 *   names, so the map is not blank; such a city should bring a style of its own (README.md).
 * No style has `glyphs` or a `sprite`, and only the tiles' own URL is referenced.
 */
import { DEMO_LAYERS } from './demo-tiles.ts';
import type { TileMeta } from './provider.ts';
import { PROTOMAPS_MARKERS, protomapsStyle } from './protomaps-style.ts';
import { LABEL_FONT, basemapSource, styleDocument } from './style-common.ts';

export { LABEL_FONT };

export type StyleSchema = 'demo' | 'protomaps' | 'generic';

/** Which style fits tiles with these layers. */
export function styleSchema(layers: readonly string[]): StyleSchema {
  const present = new Set(layers);
  if (PROTOMAPS_MARKERS.every((l) => present.has(l))) return 'protomaps';
  // `water` is in both schemas, so it does not tell them apart.
  if (layers.length === 0 || DEMO_LAYERS.some((l) => l !== 'water' && present.has(l))) return 'demo';
  return 'generic';
}

/** The basemap style for the tiles at `tilesUrl`, described by `meta`. */
export function basemapStyle(meta: TileMeta, tilesUrl: string) {
  switch (styleSchema(meta.layers)) {
    case 'demo':
      return demoStyle(meta, tilesUrl);
    case 'protomaps':
      return protomapsStyle(meta, tilesUrl);
    case 'generic':
      return genericStyle(meta, tilesUrl);
  }
}

const kindWidth = (main: number, avenue: number, street: number) => [
  'match',
  ['get', 'kind'],
  'main',
  main,
  'avenue',
  avenue,
  street,
];

/** Street width in pixels by kind and zoom; `extra` widens it for the casing. */
function streetWidth(extra: number) {
  return [
    'interpolate',
    ['exponential', 1.6],
    ['zoom'],
    12,
    kindWidth(1.6 + extra / 2, 1.2 + extra / 2, 0.6 + extra / 2),
    15,
    kindWidth(6 + extra, 5 + extra, 3.5 + extra),
    17,
    kindWidth(16 + extra, 13 + extra, 10 + extra),
  ];
}

/**
 * The basemap style for the demo layer schema (block, water, park, street, district, place).
 * Strong contrast for use outdoors: light land, white streets with dark casings, dark text
 * with a white halo. No `glyphs` and no `sprite`, so it works offline.
 */
export function demoStyle(meta: TileMeta, tilesUrl: string) {
  return styleDocument(meta, {
    name: 'Fieldfix basemap',
    source: basemapSource(meta, tilesUrl),
    layers: [
      { id: 'background', type: 'background', paint: { 'background-color': '#f4f1ea' } },
      { id: 'block', type: 'fill', source: 'basemap', 'source-layer': 'block', paint: { 'fill-color': '#e2ddd2' } },
      {
        id: 'park',
        type: 'fill',
        source: 'basemap',
        'source-layer': 'park',
        paint: { 'fill-color': '#8fcf7a', 'fill-outline-color': '#3f7f2e' },
      },
      { id: 'water', type: 'fill', source: 'basemap', 'source-layer': 'water', paint: { 'fill-color': '#4a90d9' } },
      {
        id: 'district-boundary',
        type: 'line',
        source: 'basemap',
        'source-layer': 'district',
        paint: { 'line-color': '#7a2e8c', 'line-width': 2, 'line-dasharray': [3, 2], 'line-opacity': 0.8 },
      },
      {
        id: 'street-casing',
        type: 'line',
        source: 'basemap',
        'source-layer': 'street',
        layout: { 'line-cap': 'round', 'line-join': 'round' },
        paint: { 'line-color': '#4a4a4a', 'line-width': streetWidth(2) },
      },
      {
        id: 'street',
        type: 'line',
        source: 'basemap',
        'source-layer': 'street',
        layout: { 'line-cap': 'round', 'line-join': 'round' },
        paint: { 'line-color': ['match', ['get', 'kind'], 'main', '#ffd24d', '#ffffff'], 'line-width': streetWidth(0) },
      },
      {
        id: 'street-name',
        type: 'symbol',
        source: 'basemap',
        'source-layer': 'street',
        minzoom: 14,
        layout: {
          'symbol-placement': 'line',
          'text-field': ['get', 'name'],
          'text-font': LABEL_FONT,
          'text-size': ['interpolate', ['linear'], ['zoom'], 14, 11, 17, 15],
          'symbol-spacing': 300,
          'text-max-angle': 30,
        },
        paint: { 'text-color': '#111111', 'text-halo-color': '#ffffff', 'text-halo-width': 2 },
      },
      {
        id: 'park-name',
        type: 'symbol',
        source: 'basemap',
        'source-layer': 'place',
        minzoom: 14,
        filter: ['==', ['get', 'kind'], 'park'],
        layout: { 'text-field': ['get', 'name'], 'text-font': LABEL_FONT, 'text-size': 13 },
        paint: { 'text-color': '#1f4f14', 'text-halo-color': '#ffffff', 'text-halo-width': 2 },
      },
      {
        id: 'district-name',
        type: 'symbol',
        source: 'basemap',
        'source-layer': 'place',
        maxzoom: 15,
        filter: ['==', ['get', 'kind'], 'district'],
        layout: {
          'text-field': ['get', 'name'],
          'text-font': LABEL_FONT,
          'text-size': ['interpolate', ['linear'], ['zoom'], 12, 13, 15, 18],
          'text-transform': 'uppercase',
          'text-letter-spacing': 0.1,
        },
        paint: { 'text-color': '#5a1f6a', 'text-halo-color': '#ffffff', 'text-halo-width': 2.5 },
      },
    ],
  });
}

/** Matches features of these geometry types (vector tiles say Point, LineString or Polygon). */
const geometryIs = (...types: string[]) => ['match', ['geometry-type'], types, true, false];

/**
 * For a schema we do not know: each layer's polygons, lines and points in neutral colours, with
 * the features' `name` on lines and points. Enough to find one's way; not a designed map.
 */
export function genericStyle(meta: TileMeta, tilesUrl: string) {
  const source = (id: string) => ({ source: 'basemap', 'source-layer': id });
  const polygons = geometryIs('Polygon', 'MultiPolygon');
  const lines = geometryIs('LineString', 'MultiLineString');
  const points = geometryIs('Point', 'MultiPoint');
  const label = { 'text-field': ['get', 'name'], 'text-font': LABEL_FONT, 'text-size': 12 };
  const labelPaint = { 'text-color': '#111111', 'text-halo-color': '#ffffff', 'text-halo-width': 2 };
  return styleDocument(meta, {
    name: 'Fieldfix basemap (generic)',
    schema: 'generic',
    source: basemapSource(meta, tilesUrl),
    layers: [
      { id: 'background', type: 'background', paint: { 'background-color': '#f4f1ea' } },
      ...meta.layers.map((id) => ({
        id: `${id}-fill`,
        type: 'fill',
        ...source(id),
        filter: polygons,
        paint: { 'fill-color': '#e2ddd2', 'fill-outline-color': '#8a8578', 'fill-opacity': 0.6 },
      })),
      ...meta.layers.map((id) => ({
        id: `${id}-line`,
        type: 'line',
        ...source(id),
        filter: lines,
        layout: { 'line-cap': 'round', 'line-join': 'round' },
        paint: { 'line-color': '#4a4a4a', 'line-width': ['interpolate', ['linear'], ['zoom'], 12, 1, 17, 4] },
      })),
      ...meta.layers.map((id) => ({
        id: `${id}-point`,
        type: 'circle',
        ...source(id),
        filter: points,
        paint: {
          'circle-color': '#4a4a4a',
          'circle-radius': 3,
          'circle-stroke-color': '#ffffff',
          'circle-stroke-width': 1,
        },
      })),
      ...meta.layers.map((id) => ({
        id: `${id}-line-name`,
        type: 'symbol',
        ...source(id),
        filter: lines,
        layout: { ...label, 'symbol-placement': 'line' },
        paint: labelPaint,
      })),
      ...meta.layers.map((id) => ({
        id: `${id}-point-name`,
        type: 'symbol',
        ...source(id),
        filter: points,
        layout: { ...label, 'text-offset': [0, 0.8], 'text-anchor': 'top' },
        paint: labelPaint,
      })),
    ],
  });
}
