#!/usr/bin/env node
// Draws the app icons (a white map pin with a yellow centre on the brand blue) and writes them
// to static/icons/: PNGs for the web manifest and iOS, plus the same drawing as SVG.
// Node built-ins only: shapes are tested per pixel with 4×4 supersampling, PNGs encoded with zlib.
//   node scripts/make-icons.mjs
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { crc32, deflateSync } from 'node:zlib';

const outDir = join(dirname(dirname(fileURLToPath(import.meta.url))), 'static', 'icons');

const BLUE = [0x0b, 0x3d, 0x91];
const WHITE = [0xff, 0xff, 0xff];
const YELLOW = [0xff, 0xbf, 0x00];

/**
 * The drawing in a unit square (0..1). `scale` shrinks the pin towards the centre (maskable
 * icons keep everything inside the central 80% circle); `corner` rounds the background.
 */
function shapes({ scale = 1, corner = 0 }) {
  const cx = 0.5;
  const s = (v) => 0.5 + (v - 0.5) * scale;
  const cy = s(0.4);
  const r = 0.24 * scale;
  const tipY = s(0.86);
  const hole = 0.1 * scale;
  const d = tipY - cy;
  const ty = cy + (r * r) / d;
  const tx = r * Math.sqrt(1 - (r / d) ** 2);

  const inRoundedSquare = (x, y) => {
    if (corner === 0) return true;
    const qx = Math.max(Math.abs(x - 0.5) - (0.5 - corner), 0);
    const qy = Math.max(Math.abs(y - 0.5) - (0.5 - corner), 0);
    return qx * qx + qy * qy <= corner * corner;
  };
  const inCircle = (x, y, ccx, ccy, rr) => (x - ccx) ** 2 + (y - ccy) ** 2 <= rr * rr;
  const inTriangle = (x, y) => {
    if (y < ty || y > tipY) return false;
    const half = (tx * (tipY - y)) / (tipY - ty);
    return Math.abs(x - cx) <= half;
  };

  return (x, y) => {
    if (!inRoundedSquare(x, y)) return null;
    if (inCircle(x, y, cx, cy, hole)) return YELLOW;
    if (inCircle(x, y, cx, cy, r) || inTriangle(x, y)) return WHITE;
    return BLUE;
  };
}

function render(size, opts) {
  const paint = shapes(opts);
  const N = 4;
  const rgba = Buffer.alloc(size * size * 4);
  for (let py = 0; py < size; py++) {
    for (let px = 0; px < size; px++) {
      let r = 0,
        g = 0,
        b = 0,
        a = 0;
      for (let sy = 0; sy < N; sy++) {
        for (let sx = 0; sx < N; sx++) {
          const c = paint((px + (sx + 0.5) / N) / size, (py + (sy + 0.5) / N) / size);
          if (!c) continue;
          r += c[0];
          g += c[1];
          b += c[2];
          a += 1;
        }
      }
      const i = (py * size + px) * 4;
      if (a > 0) {
        rgba[i] = Math.round(r / a);
        rgba[i + 1] = Math.round(g / a);
        rgba[i + 2] = Math.round(b / a);
      }
      rgba[i + 3] = Math.round((a / (N * N)) * 255);
    }
  }
  return encodePng(size, size, rgba);
}

function chunk(type, data) {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body) >>> 0);
  return Buffer.concat([len, body, crc]);
}

function encodePng(width, height, rgba) {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 6; // RGBA
  ihdr[10] = 0;
  ihdr[11] = 0;
  ihdr[12] = 0;
  const raw = Buffer.alloc((width * 4 + 1) * height);
  for (let y = 0; y < height; y++) {
    raw[y * (width * 4 + 1)] = 0; // filter: none
    rgba.copy(raw, y * (width * 4 + 1) + 1, y * width * 4, (y + 1) * width * 4);
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw, { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

function svg() {
  // Same geometry as `shapes({ corner: 0.2 })`, in a 100×100 box.
  const cy = 40,
    r = 24,
    tipY = 86,
    d = tipY - cy;
  const ty = cy + (r * r) / d;
  const tx = r * Math.sqrt(1 - (r / d) ** 2);
  const f = (n) => Number(n.toFixed(2));
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 100 100">
  <rect width="100" height="100" rx="20" fill="#0b3d91"/>
  <path d="M${f(50 - tx)} ${f(ty)} A${r} ${r} 0 1 1 ${f(50 + tx)} ${f(ty)} L50 ${tipY} Z" fill="#fff"/>
  <circle cx="50" cy="${cy}" r="10" fill="#ffbf00"/>
</svg>
`;
}

mkdirSync(outDir, { recursive: true });
const files = {
  'icon-192.png': render(192, { corner: 0.2 }),
  'icon-512.png': render(512, { corner: 0.2 }),
  'icon-maskable-512.png': render(512, { scale: 0.72 }),
  'icon-maskable-192.png': render(192, { scale: 0.72 }),
  'apple-touch-icon.png': render(180, { scale: 0.85 }),
  'icon.svg': svg(),
};
for (const [name, data] of Object.entries(files)) {
  writeFileSync(join(outDir, name), data);
  console.log(`wrote static/icons/${name} (${data.length} bytes)`);
}
