import type { TileMeta } from './provider.ts';

/** Labels are drawn locally by MapLibre (no `glyphs`): the client supplies this font. */
export const LABEL_FONT = ['Noto Sans Regular'];

const kindWidth = (main: number, avenue: number, street: number) => ['match', ['get', 'kind'], 'main', main, 'avenue', avenue, street];

/** Street width in pixels by kind and zoom; `extra` widens it for the casing. */
function streetWidth(extra: number) {
  return [
    'interpolate',
    ['exponential', 1.6],
    ['zoom'],
    12, kindWidth(1.6 + extra / 2, 1.2 + extra / 2, 0.6 + extra / 2),
    15, kindWidth(6 + extra, 5 + extra, 3.5 + extra),
    17, kindWidth(16 + extra, 13 + extra, 10 + extra),
  ];
}

/**
 * The basemap style for the demo layer schema (block, water, park, street, district, place).
 * Strong contrast for use outdoors: light land, white streets with dark casings, dark text
 * with a white halo. No `glyphs` and no `sprite`, so it works offline.
 */
export function basemapStyle(meta: TileMeta, tilesUrl: string) {
  return {
    version: 8,
    name: 'Fieldfix basemap',
    metadata: { 'fieldfix:version': meta.version },
    center: meta.center,
    zoom: Math.min(Math.max(meta.minzoom, 14), meta.maxzoom),
    sources: {
      basemap: {
        type: 'vector',
        tiles: [tilesUrl],
        minzoom: meta.minzoom,
        maxzoom: meta.maxzoom,
        bounds: meta.bounds,
        attribution: meta.attribution,
      },
    },
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
  };
}
