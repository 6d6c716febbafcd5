/**
 * The public map's MapLibre, loaded only by `/map` (dynamically, after the page's first
 * paint), with none of the crew app's code: no device tile cache, no IndexedDB. The basemap
 * comes straight from the server's `/tiles/style.json`; labels are drawn on the device from
 * self-hosted fonts (the style has no glyphs); the worker from its own bundled file (Vite
 * breaks MapLibre's default worker URL).
 *
 * The record's cases arrive as grid cells from `/api/public/map`; MapLibre's built-in
 * clustering (supercluster) groups neighbouring cells further, summing their counts and ages.
 */
import {
  Map as MapLibreMap,
  NavigationControl,
  setWorkerUrl,
  type GeoJSONSource,
  type StyleSpecification,
} from 'maplibre-gl';
import 'maplibre-gl/dist/maplibre-gl.css';
import '#lib/map/map-controls.css';
import workerUrl from 'maplibre-gl/dist/maplibre-gl-worker.mjs?url';
import notoRegular from '@fontsource/noto-sans/files/noto-sans-latin-400-normal.woff2?url';
import notoBold from '@fontsource/noto-sans/files/noto-sans-latin-700-normal.woff2?url';
import type { PublicMapCell } from '@fieldfix/shared';
import { mapLocale, type MapControlWords } from '#lib/map/locale.ts';
import { BAND_COLOURS, CLOSED_COLOUR, bandOf } from './record.ts';

export { MapLibreMap };
export const SOURCE = 'record';
export const CLUSTER_LAYER = 'record-clusters';
export const CASE_LAYER = 'record-cases';
const LABEL_FONT = 'Noto Sans Bold';

const PLAIN: StyleSpecification = {
  version: 8,
  sources: {},
  layers: [{ id: 'background', type: 'background', paint: { 'background-color': '#eef0ec' } }],
};

const fontsAdded = new Set<string>();
function provideFont(name: string): void {
  if (fontsAdded.has(name) || typeof document === 'undefined' || !('fonts' in document)) return;
  fontsAdded.add(name);
  const bold = /\b(bold|black|heavy|semibold)\b/i.test(name);
  document.fonts.add(
    new FontFace(name, `url(${bold ? notoBold : notoRegular}) format('woff2')`, { weight: bold ? '700' : '400' }),
  );
}

function fontsOf(value: unknown, out: Set<string>): void {
  if (typeof value === 'string') out.add(value);
  else if (Array.isArray(value)) value.forEach((v) => fontsOf(v, out));
}

async function basemap(): Promise<StyleSpecification> {
  try {
    const res = await fetch('/tiles/style.json', { signal: AbortSignal.timeout(15_000) });
    if (!res.ok) return PLAIN;
    const style = (await res.json()) as StyleSpecification;
    const names = new Set<string>();
    for (const l of style.layers) {
      if (l.type === 'symbol') fontsOf(l.layout?.['text-font'], names);
    }
    // Only names a text-font stack gives (not expression operators).
    for (const n of names) if (/\s/.test(n)) provideFont(n);
    delete style.glyphs;
    return style;
  } catch {
    return PLAIN;
  }
}

/** Features for the map's source: one per cell, its age band for a single case. */
export function cellFeatures(cells: PublicMapCell[]) {
  return {
    type: 'FeatureCollection' as const,
    features: cells.map((c) => ({
      type: 'Feature' as const,
      geometry: { type: 'Point' as const, coordinates: [c.long, c.lat] },
      properties: {
        n: c.n,
        open: c.open,
        ageSum: c.ageSum,
        id: c.id ?? '',
        band: c.n === 1 ? bandOf(c.state ?? 'new', c.age ?? 0) : -1,
      },
    })),
  };
}

/** The mean age of a cluster's open cases, as a colour (closed-only clusters: the closed colour). */
const meanAgeColour = [
  'case',
  ['==', ['get', 'open'], 0],
  CLOSED_COLOUR,
  [
    'step',
    ['/', ['get', 'ageSum'], ['max', ['get', 'open'], 1]],
    BAND_COLOURS[0],
    8,
    BAND_COLOURS[1],
    31,
    BAND_COLOURS[2],
    91,
    BAND_COLOURS[3],
  ],
] as const;

export async function createRecordMap(
  container: HTMLElement,
  opts: {
    bounds: [number, number, number, number] | null;
    /** Where to open instead of the whole city (a link to a place). */
    view?: { center: [number, number]; zoom: number } | null;
    /** Its controls' words, in the page's language. */
    words: MapControlWords;
  },
): Promise<MapLibreMap> {
  setWorkerUrl(workerUrl);
  provideFont(LABEL_FONT);
  const style = await basemap();
  const map = new MapLibreMap({
    container,
    style: {
      ...style,
      sources: {
        ...style.sources,
        [SOURCE]: {
          type: 'geojson',
          data: { type: 'FeatureCollection', features: [] },
          cluster: true,
          clusterRadius: 44,
          clusterMaxZoom: 15,
          clusterProperties: {
            n: ['+', ['get', 'n']],
            open: ['+', ['get', 'open']],
            ageSum: ['+', ['get', 'ageSum']],
          },
        },
      },
      layers: [
        ...style.layers,
        {
          id: CLUSTER_LAYER,
          type: 'circle',
          source: SOURCE,
          filter: ['>', ['get', 'n'], 1],
          paint: {
            'circle-color': meanAgeColour as never,
            'circle-radius': ['step', ['get', 'n'], 14, 10, 18, 100, 23, 1000, 29, 10000, 35],
            'circle-stroke-color': '#ffffff',
            'circle-stroke-width': 2,
            'circle-opacity': 0.92,
          },
        },
        {
          id: `${CLUSTER_LAYER}-count`,
          type: 'symbol',
          source: SOURCE,
          filter: ['>', ['get', 'n'], 1],
          layout: {
            'text-field': ['to-string', ['get', 'n']],
            'text-font': [LABEL_FONT],
            'text-size': 13,
            'text-allow-overlap': true,
          },
          paint: { 'text-color': '#ffffff', 'text-halo-color': '#1f2933', 'text-halo-width': 1.2 },
        },
        {
          id: CASE_LAYER,
          type: 'circle',
          source: SOURCE,
          filter: ['==', ['get', 'n'], 1],
          paint: {
            'circle-color': [
              'match',
              ['get', 'band'],
              0,
              BAND_COLOURS[0],
              1,
              BAND_COLOURS[1],
              2,
              BAND_COLOURS[2],
              3,
              BAND_COLOURS[3],
              CLOSED_COLOUR,
            ],
            'circle-radius': 7,
            'circle-stroke-color': '#ffffff',
            'circle-stroke-width': 2,
          },
        },
      ],
    },
    ...(opts.view ? { center: opts.view.center, zoom: opts.view.zoom } : { bounds: opts.bounds ?? undefined }),
    fitBoundsOptions: { padding: 16 },
    attributionControl: { compact: true },
    fadeDuration: 0,
    locale: mapLocale(opts.words),
  });
  map.addControl(new NavigationControl({ showCompass: false }), 'top-right');
  return map;
}

export function setCells(map: MapLibreMap, cells: PublicMapCell[]): void {
  (map.getSource(SOURCE) as GeoJSONSource | undefined)?.setData(cellFeatures(cells));
}
