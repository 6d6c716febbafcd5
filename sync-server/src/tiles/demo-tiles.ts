import { createHash } from 'node:crypto';
import { GeoJSONVT } from '@maplibre/geojson-vt';
import type { GeoJSONVTTile } from '@maplibre/geojson-vt';
import { fromGeojsonVt } from '@maplibre/vt-pbf';
import { riverton, districtCentre, type CityModel, type LngLat, type Polygon } from '../demo/city.ts';
import type { TileMeta, TileProvider } from './provider.ts';

/** Bump when the way the demo basemap is drawn changes, so clients drop old tiles. */
const GENERATOR = 'riverton-basemap/1';

export const DEMO_MINZOOM = 12;
export const DEMO_LAYERS = ['block', 'water', 'park', 'street', 'district', 'place'] as const;
export type DemoLayer = (typeof DEMO_LAYERS)[number];

type Props = Record<string, string | number>;
// Just the GeoJSON this module makes (the `geojson` types are not a dependency here).
type Geometry =
  | { type: 'Point'; coordinates: LngLat }
  | { type: 'LineString'; coordinates: LngLat[] }
  | { type: 'Polygon'; coordinates: Polygon };
type Feature = { type: 'Feature'; geometry: Geometry; properties: Props };

const feature = (geometry: Geometry, properties: Props): Feature => ({ type: 'Feature', geometry, properties });
const poly = (coordinates: Polygon): Geometry => ({ type: 'Polygon', coordinates });

/**
 * The city's blocks: the land between streets, each grid cell shrunk a little so the street
 * shows between blocks even before street lines are wide. Derived from the street lines
 * (avenues are the vertical lines, streets the horizontal ones).
 */
function blocks(city: CityModel): Feature[] {
  const xs = city.streets
    .filter((s) => s.kind === 'avenue')
    .map((s) => s.coords[0]![0])
    .sort((a, b) => a - b);
  const ys = [...new Set(city.streets.filter((s) => s.kind !== 'avenue').map((s) => s.coords[0]![1]))].sort(
    (a, b) => a - b,
  );
  const out: Feature[] = [];
  for (let i = 0; i + 1 < xs.length; i++) {
    for (let j = 0; j + 1 < ys.length; j++) {
      const dx = (xs[i + 1]! - xs[i]!) * 0.1;
      const dy = (ys[j + 1]! - ys[j]!) * 0.1;
      const [w, e, s, n] = [xs[i]! + dx, xs[i + 1]! - dx, ys[j]! + dy, ys[j + 1]! - dy];
      out.push(
        feature(
          poly([
            [
              [w, s],
              [e, s],
              [e, n],
              [w, n],
              [w, s],
            ],
          ]),
          {},
        ),
      );
    }
  }
  return out;
}

function centroid(polygon: Polygon): LngLat {
  const ring = polygon[0]!.slice(0, -1);
  return [ring.reduce((a, p) => a + p[0], 0) / ring.length, ring.reduce((a, p) => a + p[1], 0) / ring.length];
}

/** The demo basemap as GeoJSON, one collection per tile layer. */
export function demoLayers(city: CityModel = riverton()): Record<DemoLayer, Feature[]> {
  return {
    block: blocks(city),
    water: [feature(poly(city.river.polygon), { name: city.river.name })],
    park: city.parks.map((p) => feature(poly(p.polygon), { name: p.name })),
    street: city.streets.map((s) =>
      feature({ type: 'LineString', coordinates: s.coords }, { name: s.name, kind: s.kind }),
    ),
    district: city.districts.map((d) => feature(poly(d.polygon), { name: d.name, id: d.id, zipcode: d.zipcode })),
    place: [
      ...city.districts.map((d) =>
        feature({ type: 'Point', coordinates: districtCentre(d.id) }, { name: d.name, kind: 'district' }),
      ),
      ...city.parks.map((p) =>
        feature({ type: 'Point', coordinates: centroid(p.polygon) }, { name: p.name, kind: 'park' }),
      ),
    ],
  };
}

/** Number of slippy-map tiles covering a bbox at zoom z. */
export function tileRange(bbox: readonly [number, number, number, number], z: number) {
  const n = 2 ** z;
  const x = (lon: number) => Math.floor(((lon + 180) / 360) * n);
  const y = (lat: number) => {
    const r = (lat * Math.PI) / 180;
    return Math.floor(((1 - Math.log(Math.tan(r) + 1 / Math.cos(r)) / Math.PI) / 2) * n);
  };
  return { minX: x(bbox[0]), maxX: x(bbox[2]), minY: y(bbox[3]), maxY: y(bbox[1]) };
}

/**
 * The embedded basemap: vector tiles cut on demand from Riverton's geometry, no files or
 * network needed. Tiles are encoded lazily and kept by the caller's cache.
 */
export function demoTileProvider(opts: { maxzoom: number; city?: CityModel }): TileProvider {
  const city = opts.city ?? riverton();
  const layers = demoLayers(city);
  const version = createHash('sha256')
    .update(JSON.stringify({ GENERATOR, layers, maxzoom: opts.maxzoom }))
    .digest('hex')
    .slice(0, 16);
  // Streets carry labels; a wider buffer keeps label lines continuous across tile edges.
  const indexes = Object.fromEntries(
    DEMO_LAYERS.map((name) => [
      name,
      new GeoJSONVT(
        { type: 'FeatureCollection', features: layers[name] },
        { maxZoom: opts.maxzoom, buffer: 128, tolerance: 2 },
      ),
    ]),
  ) as Record<DemoLayer, GeoJSONVT>;
  const meta: TileMeta = {
    version,
    minzoom: DEMO_MINZOOM,
    maxzoom: opts.maxzoom,
    bounds: city.bbox,
    center: city.center,
    attribution: `${city.name} demo basemap, generated by Fieldfix`,
    layers: [...DEMO_LAYERS],
  };
  return {
    kind: 'demo',
    meta: async () => meta,
    async tile(z, x, y) {
      const found: Record<string, GeoJSONVTTile> = {};
      for (const name of DEMO_LAYERS) {
        const t = indexes[name].getTile(z, x, y);
        if (t && t.features.length > 0) found[name] = t;
      }
      if (Object.keys(found).length === 0) return null;
      return { data: fromGeojsonVt(found, { version: 2, extent: 4096 }), compressed: false };
    },
  };
}
