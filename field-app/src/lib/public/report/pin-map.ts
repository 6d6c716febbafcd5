/**
 * The report form's map, loaded only when the resident opens it (MapLibre is most of a
 * megabyte; the form's first load stays small). The basemap comes straight from the server's
 * style (`/tiles/style.json`, same origin); labels are drawn on the phone from the app's own
 * web fonts, as in the crew app, but none of the crew app's tile cache or database is used.
 */
import { Map as MapLibreMap, NavigationControl, setWorkerUrl, type StyleSpecification } from 'maplibre-gl';
import 'maplibre-gl/dist/maplibre-gl.css';
import '#lib/map/map-controls.css';
import workerUrl from 'maplibre-gl/dist/maplibre-gl-worker.mjs?url';
import notoRegular from '@fontsource/noto-sans/files/noto-sans-latin-400-normal.woff2?url';
import notoBold from '@fontsource/noto-sans/files/noto-sans-latin-700-normal.woff2?url';
import { fontNames, type BasemapStyle } from '#lib/tiles/basemap.ts';
import { mapLocale, type MapControlWords } from '#lib/map/locale.ts';

export { MapLibreMap };

let ready = false;

function provideFonts(style: BasemapStyle): void {
  if (!('fonts' in document)) return;
  for (const name of fontNames(style)) {
    const bold = /\b(bold|black|heavy|semibold)\b/i.test(name);
    document.fonts.add(
      new FontFace(name, `url(${bold ? notoBold : notoRegular}) format('woff2')`, { weight: bold ? '700' : '400' }),
    );
  }
}

/**
 * A map in `container` around `center` (the city's centre when null), its controls (zoom,
 * credits) and itself named in the page's language.
 */
export async function createPinMap(
  container: HTMLElement,
  center: { lat: number; long: number } | null,
  words: MapControlWords,
): Promise<MapLibreMap> {
  if (!ready) {
    setWorkerUrl(workerUrl);
    ready = true;
  }
  const res = await fetch('/tiles/style.json', { credentials: 'omit' });
  if (!res.ok) throw new Error(`style: ${res.status}`);
  const style = (await res.json()) as BasemapStyle & { center?: [number, number]; zoom?: number };
  provideFonts(style);
  const map = new MapLibreMap({
    container,
    style: style as unknown as StyleSpecification,
    center: center ? [center.long, center.lat] : style.center,
    zoom: center ? 17 : (style.zoom ?? 14),
    attributionControl: { compact: true },
    fadeDuration: 0,
    locale: mapLocale(words),
  });
  map.addControl(new NavigationControl({ showCompass: false }), 'top-right');
  return map;
}
