import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { validateStyleMin, type StyleSpecification } from '@maplibre/maplibre-gl-style-spec';
import { afterAll, describe, expect, it } from 'vitest';
import { createApp } from '../app.ts';
import { loadConfig } from '../config.ts';
import { quietLogger } from '../../test/test-app.ts';
import { DEMO_LAYERS } from './demo-tiles.ts';
import { writePmtiles } from './pmtiles-writer.ts';
import type { TileMeta } from './provider.ts';
import { basemapStyle, styleSchema } from './style.ts';

type Layer = {
  id: string;
  type: string;
  source?: string;
  'source-layer'?: string;
  layout?: Record<string, unknown>;
  paint?: Record<string, unknown>;
};
type Style = {
  glyphs?: unknown;
  sprite?: unknown;
  metadata?: Record<string, unknown>;
  sources: Record<string, { tiles?: string[]; attribution?: string }>;
  layers: Layer[];
};

/** The layers of a Protomaps basemap build (v4 schema), as `pmtiles show` lists them. */
const PROTOMAPS_LAYERS = [
  'boundaries',
  'buildings',
  'earth',
  'landcover',
  'landuse',
  'places',
  'pois',
  'roads',
  'transit',
  'water',
];
const TILES_URL = 'https://fieldfix.example/tiles/0123456789abcdef/{z}/{x}/{y}.pbf';
const DEVICE_FONTS = ['Noto Sans Regular', 'Noto Sans Bold'];

function meta(layers: string[]): TileMeta {
  return {
    version: '0123456789abcdef',
    minzoom: 0,
    maxzoom: 15,
    bounds: [-122.5, 37.7, -122.3, 37.85],
    center: [-122.4, 37.78],
    attribution:
      '<a href="https://github.com/protomaps/basemaps">Protomaps</a> © <a href="https://openstreetmap.org">OpenStreetMap</a>',
    layers,
  };
}

const styleFor = (layers: string[]) => basemapStyle(meta(layers), TILES_URL) as unknown as Style;

/** MapLibre's own validation: the messages of every error (none for a valid style). */
const validationErrors = (style: Style) =>
  validateStyleMin(style as unknown as StyleSpecification).map((e) => e.message);

/** Every font a layer names: in its `text-font` (a stack, or `literal` stacks in an expression) and in `format` sections. */
function fontsOf(layer: Layer): string[] {
  const fonts: string[] = [];
  const fromValue = (v: unknown, top: boolean): void => {
    if (!Array.isArray(v)) return;
    if (v[0] === 'literal' && Array.isArray(v[1])) fonts.push(...(v[1] as string[]));
    else if (top && v.every((s) => typeof s === 'string')) fonts.push(...(v as string[]));
    else v.forEach((x) => fromValue(x, false));
  };
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object')
      for (const [k, x] of Object.entries(v)) {
        if (k === 'text-font') fromValue(x, true);
        else walk(x);
      }
  };
  walk(layer.layout);
  return fonts;
}

/** Every string in the style that looks like an address (has a scheme), leaving out the attribution's links. */
function addresses(style: Style): string[] {
  const found: string[] = [];
  const walk = (v: unknown, key?: string): void => {
    if (key === 'attribution') return;
    if (typeof v === 'string' && /^[a-z][\w+.-]*:\/\/|^\/\//i.test(v)) found.push(v);
    else if (Array.isArray(v)) v.forEach((x) => walk(x));
    else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) walk(x, k);
  };
  walk(style);
  return found;
}

/** The checks every style we serve must pass to work offline on the device. */
function expectOfflineStyle(style: Style, layers: string[]) {
  expect(validationErrors(style)).toEqual([]);
  expect(style).not.toHaveProperty('glyphs');
  expect(style).not.toHaveProperty('sprite');
  expect(Object.keys(style.sources)).toEqual(['basemap']);
  expect(addresses(style)).toEqual([TILES_URL]);
  for (const l of style.layers) {
    if (l.type !== 'background') expect(l.source, l.id).toBe('basemap');
    if (l['source-layer'] !== undefined) expect(layers, l.id).toContain(l['source-layer']);
    for (const props of [l.layout ?? {}, l.paint ?? {}]) {
      const spriteProps = Object.keys(props).filter((k) => k.startsWith('icon-') || k.endsWith('-pattern'));
      expect(spriteProps, l.id).toEqual([]);
    }
    for (const f of fontsOf(l)) expect(DEVICE_FONTS, `${l.id}: ${f}`).toContain(f);
  }
}

describe('the style for a Protomaps basemap archive', () => {
  const style = styleFor(PROTOMAPS_LAYERS);

  it('is recognised by its layers', () => {
    expect(styleSchema(PROTOMAPS_LAYERS)).toBe('protomaps');
    expect(style.metadata?.['fieldfix:schema']).toBe('protomaps');
  });

  it('is a valid MapLibre style that works offline: no glyphs, sprite, icons or other hosts; device fonts only', () => {
    expectOfflineStyle(style, PROTOMAPS_LAYERS);
  });

  it('draws land, water, roads, buildings and boundaries, and labels streets and places', () => {
    const byId = new Map(style.layers.map((l) => [l.id, l]));
    const sourceLayers = new Set(style.layers.map((l) => l['source-layer']));
    for (const l of ['earth', 'water', 'landuse', 'roads', 'buildings', 'boundaries', 'places'])
      expect(sourceLayers).toContain(l);
    expect(byId.get('roads_labels_minor')).toMatchObject({
      type: 'symbol',
      layout: { 'symbol-placement': 'line', 'text-font': ['Noto Sans Regular'] },
    });
    expect(byId.get('places_locality')?.layout?.['text-field']).toBeDefined();
    // Points of interest keep their names, without the icons.
    expect(byId.get('pois')?.layout).toMatchObject({ 'text-field': expect.anything() });
    // Bold labels stay bold.
    expect(style.layers.flatMap(fontsOf)).toContain('Noto Sans Bold');
  });

  it('drops what needs sprite images: one-way arrows and route shields', () => {
    const ids = style.layers.map((l) => l.id);
    expect(ids).not.toContain('roads_oneway');
    expect(ids).not.toContain('roads_shields');
  });

  it("uses only the archive's layers", () => {
    const fewer = PROTOMAPS_LAYERS.filter((l) => l !== 'buildings' && l !== 'pois');
    const s = styleFor(fewer);
    expectOfflineStyle(s, fewer);
    expect(s.layers.some((l) => l.id === 'roads_major')).toBe(true);
  });

  it('credits OpenStreetMap even when the archive names no attribution', () => {
    const s = basemapStyle({ ...meta(PROTOMAPS_LAYERS), attribution: '' }, TILES_URL) as unknown as Style;
    expect(s.sources.basemap?.attribution).toMatch(/OpenStreetMap/);
  });
});

describe('the style for the demo schema', () => {
  it('is the demo style, unchanged', () => {
    const style = styleFor([...DEMO_LAYERS]);
    expect(styleSchema([...DEMO_LAYERS])).toBe('demo');
    expect(style.layers.map((l) => l.id)).toEqual([
      'background',
      'block',
      'park',
      'water',
      'district-boundary',
      'street-casing',
      'street',
      'street-name',
      'park-name',
      'district-name',
    ]);
    expect(style.metadata).toEqual({ 'fieldfix:version': '0123456789abcdef' });
    expectOfflineStyle(style, [...DEMO_LAYERS]);
  });

  it('is also used for an archive that lists no layers, or only some of ours', () => {
    expect(styleSchema([])).toBe('demo');
    expect(styleSchema(['street', 'water'])).toBe('demo');
    expect(styleSchema(['water'])).toBe('generic');
  });
});

describe('the style for an unknown schema', () => {
  const layers = ['city_streets', 'parcels', 'hydrants'];

  it('draws every layer plainly, without failing', () => {
    expect(styleSchema(layers)).toBe('generic');
    const style = styleFor(layers);
    expect(style.metadata?.['fieldfix:schema']).toBe('generic');
    expectOfflineStyle(style, layers);
    expect(new Set(style.layers.map((l) => l['source-layer']).filter(Boolean))).toEqual(new Set(layers));
    expect(style.layers.map((l) => l.type)).toEqual(expect.arrayContaining(['fill', 'line', 'circle', 'symbol']));
  });
});

describe('style.json for a Protomaps archive (TILES_PMTILES)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'fieldfix-protomaps-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('is the Protomaps style over our tile URL', async () => {
    const file = join(dir, 'city.pmtiles');
    const m = meta(PROTOMAPS_LAYERS);
    // One placeholder tile: the style only depends on the header and metadata.
    const archive = writePmtiles([{ z: 0, x: 0, y: 0, data: new Uint8Array([0x1a, 0x00]) }], {
      minzoom: m.minzoom,
      maxzoom: m.maxzoom,
      bounds: m.bounds,
      center: m.center,
      metadata: { attribution: m.attribution, vector_layers: PROTOMAPS_LAYERS.map((id) => ({ id, fields: {} })) },
    });
    writeFileSync(file, archive);
    const config = { ...loadConfig({}), tilesPmtiles: file };
    const app = createApp({ sql: undefined as never, config, dbKind: 'postgres', version: 'test', log: quietLogger });

    const served = (await (await app.request('http://fieldfix.example:8080/tiles/meta.json')).json()) as TileMeta;
    expect(served.layers).toEqual(PROTOMAPS_LAYERS);
    const res = await app.request('http://fieldfix.example:8080/tiles/style.json');
    expect(res.status).toBe(200);
    const style = (await res.json()) as Style;
    expect(style.sources.basemap?.tiles).toEqual([
      `http://fieldfix.example:8080/tiles/${served.version}/{z}/{x}/{y}.pbf`,
    ]);
    expect(style.metadata?.['fieldfix:schema']).toBe('protomaps');
    expect(style.layers.map((l) => l.id)).toEqual(
      expect.arrayContaining(['earth', 'roads_major', 'roads_labels_major']),
    );
    expect(validationErrors(style)).toEqual([]);
  });
});
