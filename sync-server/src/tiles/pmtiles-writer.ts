import { gzipSync } from 'node:zlib';
import { zxyToTileId } from 'pmtiles';

/**
 * A minimal PMTiles v3 writer (the `pmtiles` npm package only reads). Enough to package the
 * generated demo basemap as an archive and to test the PMTiles path; for real city basemaps use
 * the go-pmtiles CLI (see README.md). Tiles are stored gzipped, directories gzipped, clustered.
 */
export type WriterTile = { z: number; x: number; y: number; data: Uint8Array };
export type WriterOptions = {
  minzoom: number;
  maxzoom: number;
  bounds: [number, number, number, number];
  center: [number, number];
  centerZoom?: number;
  /** JSON metadata: name, attribution, vector_layers… */
  metadata: Record<string, unknown>;
  /** Whether `data` is already gzipped. */
  gzipped?: boolean;
};

type Entry = { tileId: number; offset: number; length: number; runLength: number };

function writeVarint(out: number[], n: number) {
  while (n >= 0x80) {
    out.push((n % 0x80) | 0x80);
    n = Math.floor(n / 0x80);
  }
  out.push(n);
}

function serializeDirectory(entries: Entry[]): Uint8Array {
  const out: number[] = [];
  writeVarint(out, entries.length);
  let last = 0;
  for (const e of entries) {
    writeVarint(out, e.tileId - last);
    last = e.tileId;
  }
  for (const e of entries) writeVarint(out, e.runLength);
  for (const e of entries) writeVarint(out, e.length);
  entries.forEach((e, i) => {
    const prev = entries[i - 1];
    writeVarint(out, i > 0 && prev && e.offset === prev.offset + prev.length ? 0 : e.offset + 1);
  });
  return new Uint8Array(gzipSync(new Uint8Array(out)));
}

const HEADER = 127;
const ROOT_MAX = 16384 - HEADER;

/** Root directory, plus leaf directories when the root would not fit in the first 16 KiB. */
function buildDirectories(entries: Entry[]): { root: Uint8Array; leaves: Uint8Array } {
  const root = serializeDirectory(entries);
  if (root.length <= ROOT_MAX) return { root, leaves: new Uint8Array() };
  for (let leafSize = 4096; ; leafSize *= 2) {
    const rootEntries: Entry[] = [];
    const leafParts: Uint8Array[] = [];
    let offset = 0;
    for (let i = 0; i < entries.length; i += leafSize) {
      const chunk = entries.slice(i, i + leafSize);
      const leaf = serializeDirectory(chunk);
      rootEntries.push({ tileId: chunk[0]!.tileId, offset, length: leaf.length, runLength: 0 });
      leafParts.push(leaf);
      offset += leaf.length;
    }
    const r = serializeDirectory(rootEntries);
    if (r.length <= ROOT_MAX) return { root: r, leaves: Buffer.concat(leafParts) };
  }
}

/** Builds a complete PMTiles v3 archive of MVT tiles in memory. */
export function writePmtiles(tiles: WriterTile[], opts: WriterOptions): Uint8Array {
  const sorted = tiles
    .map((t) => ({ id: zxyToTileId(t.z, t.x, t.y), data: opts.gzipped ? t.data : new Uint8Array(gzipSync(t.data)) }))
    .sort((a, b) => a.id - b.id);
  const entries: Entry[] = [];
  let offset = 0;
  for (const t of sorted) {
    entries.push({ tileId: t.id, offset, length: t.data.length, runLength: 1 });
    offset += t.data.length;
  }
  const tileData = Buffer.concat(sorted.map((t) => t.data));
  const { root, leaves } = buildDirectories(entries);
  const metadata = new Uint8Array(gzipSync(Buffer.from(JSON.stringify(opts.metadata))));

  const rootOffset = HEADER;
  const metadataOffset = rootOffset + root.length;
  const leavesOffset = metadataOffset + metadata.length;
  const tilesOffset = leavesOffset + leaves.length;

  const h = Buffer.alloc(HEADER);
  h.write('PMTiles', 0, 'ascii');
  h.writeUInt8(3, 7);
  const u64 = (pos: number, v: number) => h.writeBigUInt64LE(BigInt(v), pos);
  u64(8, rootOffset);
  u64(16, root.length);
  u64(24, metadataOffset);
  u64(32, metadata.length);
  u64(40, leavesOffset);
  u64(48, leaves.length);
  u64(56, tilesOffset);
  u64(64, tileData.length);
  u64(72, entries.length); // addressed tiles
  u64(80, entries.length); // tile entries
  u64(88, entries.length); // tile contents
  h.writeUInt8(1, 96); // clustered
  h.writeUInt8(2, 97); // internal compression: gzip
  h.writeUInt8(2, 98); // tile compression: gzip
  h.writeUInt8(1, 99); // tile type: MVT
  h.writeUInt8(opts.minzoom, 100);
  h.writeUInt8(opts.maxzoom, 101);
  const e7 = (pos: number, v: number) => h.writeInt32LE(Math.round(v * 1e7), pos);
  e7(102, opts.bounds[0]);
  e7(106, opts.bounds[1]);
  e7(110, opts.bounds[2]);
  e7(114, opts.bounds[3]);
  h.writeUInt8(opts.centerZoom ?? opts.minzoom, 118);
  e7(119, opts.center[0]);
  e7(123, opts.center[1]);
  return new Uint8Array(Buffer.concat([h, root, metadata, leaves, tileData]));
}
