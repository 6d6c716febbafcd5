/**
 * Writes the generated demo basemap (Riverton) as a PMTiles archive:
 *   node src/tiles/export-demo.ts riverton.pmtiles [maxzoom]
 * Serve it with TILES_PMTILES=riverton.pmtiles, or host it anywhere that answers range requests.
 */
import { writeFile } from 'node:fs/promises';
import { demoTileProvider, tileRange } from './demo-tiles.ts';
import { writePmtiles, type WriterTile } from './pmtiles-writer.ts';

/** Every tile of the demo city from minzoom to maxzoom, generated once. */
export async function demoArchive(maxzoom: number): Promise<{ archive: Uint8Array; tiles: number; ms: number }> {
  const provider = demoTileProvider({ maxzoom });
  const meta = await provider.meta();
  const started = performance.now();
  const tiles: WriterTile[] = [];
  for (let z = meta.minzoom; z <= meta.maxzoom; z++) {
    const r = tileRange(meta.bounds, z);
    for (let x = r.minX; x <= r.maxX; x++) {
      for (let y = r.minY; y <= r.maxY; y++) {
        const t = await provider.tile(z, x, y);
        if (t) tiles.push({ z, x, y, data: t.data });
      }
    }
  }
  const ms = performance.now() - started;
  const archive = writePmtiles(tiles, {
    minzoom: meta.minzoom,
    maxzoom: meta.maxzoom,
    bounds: meta.bounds,
    center: meta.center,
    centerZoom: 14,
    metadata: {
      name: 'Riverton demo basemap',
      attribution: meta.attribution,
      vector_layers: meta.layers.map((id) => ({ id, fields: {}, minzoom: meta.minzoom, maxzoom: meta.maxzoom })),
    },
  });
  return { archive, tiles: tiles.length, ms };
}

if (import.meta.main) {
  const out = process.argv[2];
  if (!out) {
    console.error('usage: node src/tiles/export-demo.ts <out.pmtiles> [maxzoom]');
    process.exit(2);
  }
  const { archive, tiles, ms } = await demoArchive(Number(process.argv[3] ?? 17));
  await writeFile(out, archive);
  console.log(`${out}: ${tiles} tiles, ${archive.length} bytes, generated in ${Math.round(ms)} ms`);
}
