import { once } from 'node:events';
import { mkdtempSync, writeFileSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { VectorTile } from '@mapbox/vector-tile';
import { PbfReader } from 'pbf';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorBody } from '@fieldfix/shared';
import { createApp } from '../app.ts';
import { loadConfig, type Config } from '../config.ts';
import { placeOnStreet, riverton } from '../demo/city.ts';
import { quietLogger } from '../../test/test-app.ts';
import { demoTileProvider, tileRange, DEMO_LAYERS } from './demo-tiles.ts';
import { demoArchive } from './export-demo.ts';
import type { TileMeta } from './provider.ts';

type Style = {
  version: number;
  glyphs?: unknown;
  sprite?: unknown;
  sources: Record<string, { type: string; tiles: string[]; minzoom: number; maxzoom: number }>;
  layers: { id: string; type: string; source?: string; 'source-layer'?: string; layout?: Record<string, unknown> }[];
};

function makeApp(overrides: Partial<Config> = {}, staticDir?: string) {
  const config = { ...loadConfig({}), ...overrides };
  // The tile routes never touch the database.
  return createApp(
    { sql: undefined as never, config, dbKind: 'postgres', version: 'test', log: quietLogger },
    { staticDir },
  );
}
type App = ReturnType<typeof makeApp>;

/** Slippy-map tile containing a point. */
function tileAt(lng: number, lat: number, z: number) {
  const r = tileRange([lng, lat, lng, lat], z);
  return { z, x: r.minX, y: r.minY };
}

async function getTile(
  app: App,
  version: string,
  z: number,
  x: number,
  y: number,
  headers: Record<string, string> = { 'accept-encoding': 'gzip' },
) {
  return app.request(`/tiles/${version}/${z}/${x}/${y}.pbf`, { headers });
}

/** An error answer in the one shape every route uses (`ErrorBody`), with its status and code. */
async function expectError(
  pending: Response | Promise<Response>,
  status: number,
  code: string,
  message: RegExp,
  label?: string,
) {
  const res = await pending;
  expect(res.status, label).toBe(status);
  expect(res.headers.get('content-type'), label).toContain('application/json');
  const body: unknown = await res.json();
  expect(ErrorBody.safeParse(body).success, `${label ?? ''} ${JSON.stringify(body)}`).toBe(true);
  expect(body, label).toEqual({ error: { code, message: expect.stringMatching(message) } });
}

async function decode(res: Response): Promise<VectorTile> {
  let buf = Buffer.from(await res.arrayBuffer());
  if (res.headers.get('content-encoding') === 'gzip') buf = gunzipSync(buf);
  return new VectorTile(new PbfReader(buf));
}

function features(tile: VectorTile, layer: string, t: { z: number; x: number; y: number }) {
  const l = tile.layers[layer];
  if (!l) return [];
  return Array.from({ length: l.length }, (_, i) => l.feature(i).toGeoJSON(t.x, t.y, t.z));
}

/** Distance in metres from a point to a polyline (equirectangular; fine at city scale). */
function distanceToLine([lng, lat]: [number, number], line: number[][]): number {
  const k = Math.cos((lat * Math.PI) / 180);
  const P = (p: number[]) => [p[0]! * k * 111_320, p[1]! * 111_320] as const;
  const [px, py] = P([lng, lat]);
  let best = Infinity;
  for (let i = 0; i + 1 < line.length; i++) {
    const [ax, ay] = P(line[i]!);
    const [bx, by] = P(line[i + 1]!);
    const dx = bx - ax,
      dy = by - ay;
    const t = Math.max(0, Math.min(1, ((px - ax) * dx + (py - ay) * dy) / (dx * dx + dy * dy || 1)));
    best = Math.min(best, Math.hypot(px - (ax + t * dx), py - (ay + t * dy)));
  }
  return best;
}

function seededRandom(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

describe('demo basemap tiles', () => {
  const app = makeApp();
  let meta: TileMeta;
  const city = riverton();

  beforeAll(async () => {
    const res = await app.request('/tiles/meta.json');
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-cache');
    meta = (await res.json()) as TileMeta;
  });

  it('describes the basemap in meta.json', () => {
    expect(meta.version).toMatch(/^[0-9a-f]{16}$/);
    expect(meta.minzoom).toBe(12);
    expect(meta.maxzoom).toBe(17);
    expect(meta.bounds).toEqual(city.bbox);
    expect(meta.center).toEqual(city.center);
    expect(meta.attribution).toContain('Riverton');
    expect(meta.layers).toEqual(expect.arrayContaining(['water', 'park', 'street', 'district', 'block']));
  });

  it('behind a TLS proxy, points the style at PUBLIC_URL, not at the plain-http request', async () => {
    const proxied = makeApp({ ...loadConfig({ PUBLIC_URL: 'https://311.riverton.example' }), tilesMaxZoom: 17 });
    const style = (await (await proxied.request('http://10.0.0.5:8080/tiles/style.json')).json()) as Style;
    expect(style.sources.basemap!.tiles).toEqual([
      `https://311.riverton.example/tiles/${meta.version}/{z}/{x}/{y}.pbf`,
    ]);
  });

  it('keeps the version stable for the same geometry and changes it with the basemap', async () => {
    expect((await demoTileProvider({ maxzoom: 17 }).meta()).version).toBe(meta.version);
    expect((await demoTileProvider({ maxzoom: 16 }).meta()).version).not.toBe(meta.version);
    const moved = { ...city, streets: city.streets.map((s, i) => (i === 0 ? { ...s, name: 'Renamed Ave' } : s)) };
    expect((await demoTileProvider({ maxzoom: 17, city: moved }).meta()).version).not.toBe(meta.version);
  });

  it('serves a complete offline MapLibre style pointing at the versioned tiles', async () => {
    const res = await app.request('http://fieldfix.example:8080/tiles/style.json');
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-cache');
    const style = (await res.json()) as Style;
    expect(style.version).toBe(8);
    expect(style).not.toHaveProperty('glyphs');
    expect(style).not.toHaveProperty('sprite');
    expect(Object.keys(style.sources)).toEqual(['basemap']);
    const src = style.sources.basemap!;
    expect(src.type).toBe('vector');
    expect(src.tiles).toEqual([`http://fieldfix.example:8080/tiles/${meta.version}/{z}/{x}/{y}.pbf`]);
    expect([src.minzoom, src.maxzoom]).toEqual([12, 17]);
    const ids = style.layers.map((l) => l.id);
    expect(ids[0]).toBe('background');
    expect(ids).toEqual(
      expect.arrayContaining(['water', 'park', 'block', 'street-casing', 'street', 'street-name', 'district-boundary']),
    );
    const names = style.layers.find((l) => l.id === 'street-name')!;
    expect(names.type).toBe('symbol');
    expect(names.layout).toMatchObject({
      'symbol-placement': 'line',
      'text-field': ['get', 'name'],
      'text-font': ['Noto Sans Regular'],
    });
    for (const l of style.layers) if (l['source-layer']) expect(meta.layers).toContain(l['source-layer']);
  });

  it('serves an MVT tile over the city centre with streets, water and parks', async () => {
    const t = tileAt(city.center[0], city.center[1], 14);
    const res = await getTile(app, meta.version, t.z, t.x, t.y);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/x-protobuf');
    expect(res.headers.get('content-encoding')).toBe('gzip');
    expect(res.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    const tile = await decode(res);
    const streets = features(tile, 'street', t);
    expect(streets.length).toBeGreaterThan(10);
    const names = new Set(streets.map((f) => f.properties!['name']));
    expect(names).toContain('Main St');
    expect(streets.every((f) => ['avenue', 'street', 'main'].includes(f.properties!['kind'] as string))).toBe(true);
    expect(features(tile, 'water', t).length).toBeGreaterThan(0);
    expect(features(tile, 'park', t).length).toBeGreaterThan(0);
    expect(features(tile, 'district', t).length).toBeGreaterThan(0);
  });

  it('puts each park in the tile over it', async () => {
    for (const park of city.parks) {
      const ring = park.polygon[0]!;
      const t = tileAt((ring[0]![0] + ring[2]![0]) / 2, (ring[0]![1] + ring[2]![1]) / 2, 15);
      const tile = await decode(await getTile(app, meta.version, t.z, t.x, t.y));
      expect(features(tile, 'park', t).map((f) => f.properties!['name'])).toContain(park.name);
      expect(features(tile, 'place', t).map((f) => f.properties!['name'])).toContain(park.name);
    }
  });

  it('draws every demo address on its street, within a few metres', async () => {
    const random = seededRandom(42);
    for (let i = 0; i < 25; i++) {
      const place = placeOnStreet(random);
      const street = place.address.replace(/^\d+ /, '');
      const t = tileAt(place.long, place.lat, 16);
      const res = await getTile(app, meta.version, t.z, t.x, t.y);
      expect(res.status).toBe(200);
      const lines = features(await decode(res), 'street', t).filter((f) => f.properties!['name'] === street);
      expect(lines.length, `${place.address} has no "${street}" in its tile`).toBeGreaterThan(0);
      const d = Math.min(
        ...lines.map((f) =>
          distanceToLine([place.long, place.lat], (f.geometry as { coordinates: number[][] }).coordinates),
        ),
      );
      expect(d, place.address).toBeLessThan(25);
    }
  });

  it('serves plain MVT to a client that does not accept gzip', async () => {
    const t = tileAt(city.center[0], city.center[1], 13);
    const res = await getTile(app, meta.version, t.z, t.x, t.y, {});
    expect(res.status).toBe(200);
    expect(res.headers.get('content-encoding')).toBeNull();
    expect(features(await decode(res), 'street', t).length).toBeGreaterThan(0);
  });

  it('answers 204 outside the data, 404 for a wrong version or zoom, 400 for bad coordinates', async () => {
    const empty = await getTile(app, meta.version, 14, 0, 0);
    expect(empty.status).toBe(204);
    expect(empty.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(await empty.text()).toBe('');
    const beside = tileRange(city.bbox, 17);
    expect((await getTile(app, meta.version, 17, beside.maxX + 3, beside.minY)).status).toBe(204);

    const c = tileAt(city.center[0], city.center[1], 12);
    await expectError(getTile(app, 'deadbeefdeadbeef', 12, c.x, c.y), 404, 'not-found', /basemap version/);
    await expectError(getTile(app, meta.version, 11, c.x >> 1, c.y >> 1), 404, 'not-found', /zoom levels 12–17/);
    await expectError(getTile(app, meta.version, 18, c.x << 6, c.y << 6), 404, 'not-found', /zoom levels 12–17/);
    for (const path of [
      `12/${c.x}/abc.pbf`,
      `12/x/${c.y}.pbf`,
      `-1/0/0.pbf`,
      `12/${c.x}/${c.y}.png`,
      `12/${c.x}/1.5.pbf`,
    ]) {
      await expectError(app.request(`/tiles/${meta.version}/${path}`), 400, 'bad-request', /whole numbers/, path);
    }
    await expectError(app.request(`/tiles/${meta.version}/12/4096/0.pbf`), 400, 'bad-request', /below 4096 at zoom 12/);
    await expectError(app.request(`/tiles/${meta.version}/12/${c.x}`), 404, 'not-found', /No such tile resource/);
    await expectError(app.request('/tiles/meta.json', { method: 'DELETE' }), 404, 'not-found', /DELETE \/tiles/);
  });

  it('covers the whole city at every zoom, each tile generated once and cached', async () => {
    const provider = demoTileProvider({ maxzoom: 17 });
    let count = 0;
    let withData = 0;
    const started = performance.now();
    for (let z = 12; z <= 17; z++) {
      const r = tileRange(city.bbox, z);
      for (let x = r.minX; x <= r.maxX; x++) {
        for (let y = r.minY; y <= r.maxY; y++) {
          count++;
          if (await provider.tile(z, x, y)) withData++;
        }
      }
    }
    const ms = performance.now() - started;
    expect(withData).toBe(count); // every tile over the bbox has something in it
    expect(count).toBeGreaterThan(300);
    expect(count).toBeLessThan(600);
    expect(ms).toBeLessThan(10_000);
  });
});

describe('tiles next to the field app', () => {
  const dir = mkdtempSync(join(tmpdir(), 'fieldfix-static-'));
  writeFileSync(join(dir, '200.html'), '<!doctype html><title>app</title>');
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('are not caught by the SPA fallback', async () => {
    const app = makeApp({}, dir);
    const meta = await app.request('/tiles/meta.json');
    expect(meta.headers.get('content-type')).toContain('application/json');
    await expectError(app.request('/tiles/nothing-here'), 404, 'not-found', /No such tile resource/);
    expect((await app.request('/some/app/route')).headers.get('content-type')).toContain('text/html');
  });
});

describe('an external tile URL (TILES_URL)', () => {
  it('goes into the style, with the version filled in', async () => {
    const app = makeApp({ tilesUrl: 'https://tiles.example.org/riverton/{version}/{z}/{x}/{y}.pbf' });
    const meta = (await (await app.request('/tiles/meta.json')).json()) as TileMeta;
    const style = (await (await app.request('/tiles/style.json')).json()) as Style;
    expect(style.sources.basemap!.tiles).toEqual([
      `https://tiles.example.org/riverton/${meta.version}/{z}/{x}/{y}.pbf`,
    ]);
    const demo = (await (await makeApp().request('/tiles/meta.json')).json()) as TileMeta;
    expect(meta.version).not.toBe(demo.version);
  });

  it('is rejected by the configuration without {z}/{x}/{y}', () => {
    expect(() => loadConfig({ TILES_URL: 'https://tiles.example.org/riverton.pmtiles' })).toThrow(/TILES_URL/);
    expect(loadConfig({ TILES_PMTILES: '/srv/city.pmtiles', TILES_MAXZOOM: '16' })).toMatchObject({
      tilesPmtiles: '/srv/city.pmtiles',
      tilesMaxZoom: 16,
    });
  });
});

describe('a PMTiles archive (TILES_PMTILES)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'fieldfix-pmtiles-'));
  const file = join(dir, 'riverton.pmtiles');
  let server: Server;
  let url: string;
  const demo = demoTileProvider({ maxzoom: 17 });
  const city = riverton();

  beforeAll(async () => {
    const { archive } = await demoArchive(15);
    writeFileSync(file, archive);
    // A plain static server with HTTP range requests, as a CDN or object store would answer.
    server = createServer((req, res) => {
      const bytes = readFileSync(file);
      const m = /^bytes=(\d+)-(\d+)$/.exec(req.headers.range ?? '');
      if (!m) return void res.writeHead(200, { 'content-length': bytes.length }).end(bytes);
      const [start, end] = [Number(m[1]), Math.min(Number(m[2]), bytes.length - 1)];
      res.writeHead(206, {
        'content-length': end - start + 1,
        'content-range': `bytes ${start}-${end}/${bytes.length}`,
        etag: '"v1"',
      });
      res.end(bytes.subarray(start, end + 1));
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/riverton.pmtiles`;
  });
  afterAll(async () => {
    server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  for (const where of ['file', 'url'] as const) {
    it(`serves the archive's tiles from a ${where}`, async () => {
      const app = makeApp({ tilesPmtiles: where === 'file' ? file : url });
      const meta = (await (await app.request('/tiles/meta.json')).json()) as TileMeta;
      expect(meta.version).toMatch(/^[0-9a-f]{16}$/);
      expect(meta.version).not.toBe((await demo.meta()).version);
      expect([meta.minzoom, meta.maxzoom]).toEqual([12, 15]);
      expect(meta.layers).toEqual([...DEMO_LAYERS]);
      expect(meta.attribution).toContain('Riverton');
      meta.bounds.forEach((b, i) => expect(b).toBeCloseTo(city.bbox[i]!, 6));

      const style = (await (await app.request('/tiles/style.json')).json()) as Style;
      expect(style.sources.basemap!.tiles[0]).toContain(`/tiles/${meta.version}/`);

      const t = tileAt(city.center[0], city.center[1], 14);
      const res = await getTile(app, meta.version, t.z, t.x, t.y);
      expect(res.status).toBe(200);
      expect(res.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
      const got = gunzipSync(Buffer.from(await res.arrayBuffer()));
      expect(Buffer.compare(got, Buffer.from((await demo.tile(t.z, t.x, t.y))!.data))).toBe(0);
      expect(
        features(await decode(await getTile(app, meta.version, t.z, t.x, t.y)), 'street', t).length,
      ).toBeGreaterThan(10);

      expect((await getTile(app, meta.version, 14, 0, 0)).status).toBe(204);
      expect((await getTile(app, meta.version, 16, t.x * 4, t.y * 4)).status).toBe(404);
      expect((await getTile(app, 'deadbeefdeadbeef', t.z, t.x, t.y)).status).toBe(404);
    });
  }
});
