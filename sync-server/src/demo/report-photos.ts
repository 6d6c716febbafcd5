/**
 * The demo residents' photos: many real reports arrive with a picture, and the crew looks at
 * it before driving out. The demo city has no real photos, so each drawable problem gets a
 * simple generated scene (a pothole in asphalt, a dumped mattress, graffiti on brick…) drawn
 * as SVG and encoded as JPEG, once per service type. A report sent from the app or the web
 * form gets one; phoned-in reports have none. Deterministic: the same cases and photo ids on
 * every seed.
 */
import { createHash } from 'node:crypto';
import type { Sql } from '../db/database.ts';
import type { Logger } from '../http/deps.ts';
import { photoKeys, type PhotoStore } from '../photos/photo-store.ts';
import { makeThumbnail } from '../photos/thumbnail.ts';

const W = 1024;
const H = 768;

/** Road surface: grey with a few darker patches (an SVG noise filter would cost ~0.3 s a picture). */
const asphalt = `
  <rect width="${W}" height="${H}" fill="#6b6b6e"/>
  <g fill="#5d5d60"><circle cx="140" cy="620" r="70"/><circle cx="880" cy="240" r="90"/><circle cx="760" cy="660" r="50"/></g>`;

/** One scene per service type a resident is likely to photograph. */
const SCENES: Record<string, string> = {
  POTHOLE: `${asphalt}
    <path d="M0 120 L${W} 150" stroke="#f2f2f2" stroke-width="14" stroke-dasharray="90 60"/>
    <path d="M330 420 C 360 300, 640 290, 700 380 C 760 470, 650 560, 500 555 C 360 550, 300 510, 330 420 Z" fill="#2b2724"/>
    <path d="M360 430 C 390 340, 610 330, 660 395 C 700 455, 620 520, 505 515 C 400 512, 345 490, 360 430 Z" fill="#3f3a35"/>
    <ellipse cx="520" cy="470" rx="90" ry="28" fill="#556b7a" opacity="0.8"/>`,
  SIDEWALK: `<rect width="${W}" height="${H}" fill="#bdbab3"/>
    <g stroke="#8d8a83" stroke-width="6">
      <path d="M0 256 H${W}"/><path d="M0 512 H${W}"/><path d="M256 0 V${H}"/><path d="M512 0 V${H}"/><path d="M768 0 V${H}"/>
    </g>
    <path d="M256 512 L512 470 L512 768 L256 768 Z" fill="#a9a59d"/>
    <path d="M256 512 L512 470" stroke="#4d4a45" stroke-width="10"/>
    <path d="M300 600 L360 640 L350 700 L420 740" stroke="#4d4a45" stroke-width="5" fill="none"/>`,
  DEBRIS: `${asphalt}
    <g fill="#8a5a2b"><rect x="220" y="380" width="260" height="40" transform="rotate(-12 350 400)"/>
      <rect x="540" y="300" width="180" height="34" transform="rotate(20 630 317)"/></g>
    <g fill="#d8d4cc"><circle cx="470" cy="520" r="26"/><circle cx="610" cy="470" r="18"/><circle cx="380" cy="300" r="14"/></g>
    <path d="M700 520 l60 -30 l40 50 l-70 30 z" fill="#2f5d8a"/>`,
  DUMPING: `<rect width="${W}" height="${H}" fill="#6f9f4f"/><rect y="560" width="${W}" height="208" fill="#9a9893"/>
    <rect x="180" y="330" width="420" height="140" rx="24" fill="#efe9dc" stroke="#b9b1a0" stroke-width="8" transform="rotate(-8 390 400)"/>
    <g fill="#a4773f" stroke="#6e4e27" stroke-width="6"><rect x="630" y="360" width="150" height="130"/><rect x="660" y="250" width="120" height="110"/></g>
    <ellipse cx="470" cy="520" rx="110" ry="55" fill="#1e1e1e"/>`,
  GRAFFITI: `<rect width="${W}" height="${H}" fill="#9c4a37"/>
    <g stroke="#c9b8a8" stroke-width="6">${Array.from({ length: 12 }, (_, i) => `<path d="M0 ${i * 64} H${W}"/>`).join('')}
      ${Array.from({ length: 12 * 8 }, (_, i) => `<path d="M${(i % 8) * 128 + (Math.floor(i / 8) % 2) * 64} ${Math.floor(i / 8) * 64} v64"/>`).join('')}</g>
    <path d="M150 420 C 250 250, 350 550, 450 330 S 650 520, 820 300" stroke="#2bd1c4" stroke-width="34" fill="none" stroke-linecap="round"/>
    <path d="M200 560 C 320 470, 420 640, 560 520 S 760 600, 860 500" stroke="#f0e442" stroke-width="22" fill="none" stroke-linecap="round"/>`,
  FALLEN_LIMB: `${asphalt}<rect y="0" width="${W}" height="180" fill="#6f9f4f"/>
    <g stroke="#5b3a1e" stroke-linecap="round" fill="none"><path d="M120 240 L880 520" stroke-width="46"/>
      <path d="M420 350 L520 220" stroke-width="22"/><path d="M640 440 L760 330" stroke-width="18"/><path d="M300 300 L260 420" stroke-width="16"/></g>
    <g fill="#3f7a2e"><circle cx="520" cy="210" r="50"/><circle cx="770" cy="320" r="44"/><circle cx="255" cy="430" r="38"/></g>`,
  SIGN: `<rect width="${W}" height="${H}" fill="#a7c7e7"/><rect y="560" width="${W}" height="208" fill="#9a9893"/>
    <rect x="470" y="300" width="22" height="420" fill="#777" transform="rotate(18 481 710)"/>
    <g transform="rotate(18 481 710)"><rect x="330" y="190" width="330" height="110" fill="#1f6f3f" stroke="#fff" stroke-width="8"/></g>`,
};

/** The demo's own UUIDs (version 8, "custom"): stable for the same case on every seed. */
function demoPhotoId(caseId: string): string {
  const h = createHash('sha256').update(`fieldfix-demo-report-photo:${caseId}`).digest('hex');
  const variant = ((parseInt(h[16]!, 16) & 0x3) | 0x8).toString(16);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-8${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/**
 * Gives the seeded reports sent from the app or the web their photo. Call after the demo
 * city is seeded, with the store the server serves photos from. Answers how many.
 */
export async function seedReportPhotos(sql: Sql, store: PhotoStore, log: Logger): Promise<number> {
  let sharp: (typeof import('sharp'))['default'];
  try {
    sharp = (await import('sharp')).default;
  } catch (err) {
    log.warn(`The demo reports have no photos: the image library did not load (${String(err)}).`);
    return 0;
  }
  const cases = await sql<{ id: string; service_code: string; requested_at: Date; lat: number; long: number }[]>`
    select c.id::text, c.service_code, c.requested_at, c.lat, c.long
    from cases c join case_events e on e.case_id = c.id and e.kind = 'reported'
    where e.data->>'channel' in ('app', 'web') and c.service_code in ${sql(Object.keys(SCENES))}
    order by c.id`;
  if (cases.length === 0) return 0;

  const codes = [...new Set(cases.map((c) => c.service_code))];
  const images = new Map(
    await Promise.all(
      codes.map(async (code) => {
        const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}">${SCENES[code]}</svg>`;
        const bytes = new Uint8Array(await sharp(Buffer.from(svg)).jpeg({ quality: 80 }).toBuffer());
        const thumb = await makeThumbnail(bytes, () => {});
        return [code, { bytes, thumb, sha256: createHash('sha256').update(bytes).digest('hex') }] as const;
      }),
    ),
  );

  const rows = cases.map((c) => {
    const image = images.get(c.service_code)!;
    const id = demoPhotoId(c.id);
    const keys = photoKeys(id);
    return {
      image,
      keys,
      row: {
        id,
        case_id: c.id,
        kind: 'report',
        content_type: 'image/jpeg',
        byte_size: image.bytes.length,
        width: W,
        height: H,
        storage_key: keys.final,
        thumb_key: image.thumb ? keys.thumb : null,
        sha256: image.sha256,
        taken_at: new Date(c.requested_at.getTime() - 5 * 60_000),
        lat: c.lat,
        long: c.long,
        complete: true,
        created_at: c.requested_at,
        completed_at: c.requested_at,
      },
    };
  });
  // The bytes first: a row never points at a file that is not there.
  await Promise.all(
    rows.flatMap(({ image, keys }) => [
      store.put(keys.final, image.bytes),
      ...(image.thumb ? [store.put(keys.thumb, image.thumb)] : []),
    ]),
  );
  await sql`insert into photos ${sql(rows.map((r) => r.row))} on conflict (id) do nothing`;
  return rows.length;
}
