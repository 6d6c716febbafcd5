/**
 * MapLibre GL, loaded only when a map is shown: the map components import this module
 * dynamically, so MapLibre never weighs on the day list's first load.
 *
 * - The worker comes from its own bundled file (Vite breaks MapLibre's default worker URL).
 * - Basemap tiles come through `fftiles://` (the device's cache, then the network).
 * - Labels are drawn on the device (the style has no `glyphs`) from the fonts its layers name,
 *   provided here as self-hosted web fonts (precached with the app, so they work offline).
 */
import {
  Map as MapLibreMap,
  addProtocol,
  prewarm,
  setWorkerUrl,
  type LayerSpecification,
  type MapOptions,
  type SourceSpecification,
  type StyleSpecification,
} from 'maplibre-gl';
import 'maplibre-gl/dist/maplibre-gl.css';
import '#lib/map/map-controls.css';
import workerUrl from 'maplibre-gl/dist/maplibre-gl-worker.mjs?url';
import notoRegular from '@fontsource/noto-sans/files/noto-sans-latin-400-normal.woff2?url';
import notoBold from '@fontsource/noto-sans/files/noto-sans-latin-700-normal.woff2?url';
import { fetchBasemapMeta, fetchBasemapStyle } from '#lib/api/tiles.ts';
import { getBasemap, receiveBasemap } from '#lib/db/tiles.ts';
import { BASEMAP_SOURCE, TILE_PROTOCOL, deviceStyle, fontNames, type BasemapMeta } from '#lib/tiles/basemap.ts';
import { missedOffline, tileProtocol } from '#lib/tiles/protocol.ts';

export { MapLibreMap };
export type { GeoJSONSource, MapGeoJSONFeature, LngLatBoundsLike } from 'maplibre-gl';

let ready = false;
function setUp(): void {
  if (ready) return;
  ready = true;
  setWorkerUrl(workerUrl);
  addProtocol(TILE_PROTOCOL, tileProtocol);
}

/** Starts MapLibre's worker before a map is made (a page that will show one soon). */
export function warmUp(): void {
  setUp();
  prewarm();
}

const loadedFonts = new Set<string>();
/** The font the app's own layers (pin numbers) use. */
export const PIN_FONT = 'Noto Sans Bold';
const OWN_FONTS = [[PIN_FONT]];

/** Registers a web font under each font name given (bold names with the bold file). */
function provideFonts(textFonts: unknown[]): void {
  if (typeof document === 'undefined' || !('fonts' in document)) return;
  const names = fontNames({
    version: 8,
    sources: {},
    layers: textFonts.map((f, i) => ({ id: String(i), type: 'symbol', layout: { 'text-font': f } })),
  });
  for (const name of names) {
    if (loadedFonts.has(name)) continue;
    loadedFonts.add(name);
    const bold = /\b(bold|black|heavy|semibold)\b/i.test(name);
    const face = new FontFace(name, `url(${bold ? notoBold : notoRegular}) format('woff2')`, {
      weight: bold ? '700' : '400',
    });
    document.fonts.add(face);
  }
}

/** A style with no basemap: the pins still show on a plain background. */
const PLAIN_STYLE: StyleSpecification = {
  version: 8,
  sources: {},
  layers: [{ id: 'background', type: 'background', paint: { 'background-color': '#eef0ec' } }],
};

export interface DeviceBasemap {
  style: StyleSpecification;
  meta: BasemapMeta | null;
}

/**
 * The style the map opens with: the active stored one (so the map opens offline), fetched from
 * the server when there is none yet. A newer version the server reports waits until its tiles
 * are on the device (`receiveBasemap`), so the map never switches to tiles it does not have.
 */
export async function loadBasemap(): Promise<DeviceBasemap> {
  let stored = await getBasemap().catch(() => undefined);
  if (!stored && navigator.onLine) {
    const [meta, style] = await Promise.all([fetchBasemapMeta(), fetchBasemapStyle()]);
    if (meta.ok && style.ok) {
      // With nothing active, the server's basemap becomes active at once (read back in case
      // another tab stored one meanwhile; as fetched when storage fails).
      await receiveBasemap(meta.data, style.data).catch(() => {});
      stored = (await getBasemap().catch(() => undefined)) ?? {
        meta: meta.data,
        style: style.data,
        fetchedAt: new Date().toISOString(),
      };
    }
  }
  provideFonts(OWN_FONTS);
  if (!stored) return { style: PLAIN_STYLE, meta: null };
  provideFonts(stored.style.layers.map((l) => l.layout?.['text-font']));
  return { style: deviceStyle(stored.style, stored.meta.version) as unknown as StyleSpecification, meta: stored.meta };
}

/** The page's own sources and layers, drawn above the basemap. */
export interface Overlay {
  sources: Record<string, SourceSpecification>;
  layers: LayerSpecification[];
}

/**
 * Creates a map in `container` with the device's basemap and the page's `overlay` in one
 * style, so the first draw already shows everything.
 */
export async function createMap(
  container: HTMLElement,
  options: Omit<MapOptions, 'container' | 'style'> = {},
  overlay?: Overlay,
): Promise<{ map: MapLibreMap; meta: BasemapMeta | null }> {
  setUp();
  const { style, meta } = await loadBasemap();
  const map = new MapLibreMap({
    container,
    style: overlay
      ? { ...style, sources: { ...style.sources, ...overlay.sources }, layers: [...style.layers, ...overlay.layers] }
      : style,
    attributionControl: { compact: true },
    // Labels appear at once instead of fading in over 300 ms: the map is ready sooner, and
    // a crew glancing at it sees the street names straight away.
    fadeDuration: 0,
    ...options,
  });
  // Tiles shown empty while there was no signal are asked for again when it returns.
  const onOnline = () => {
    if (missedOffline() > 0 && map.getSource(BASEMAP_SOURCE)) map.refreshTiles(BASEMAP_SOURCE);
  };
  window.addEventListener('online', onOnline);
  map.once('remove', () => window.removeEventListener('online', onOnline));
  return { map, meta };
}
