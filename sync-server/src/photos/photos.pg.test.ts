import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { v7 as uuidv7 } from 'uuid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, quietLogger, type TestApp } from '../../test/test-app.ts';
import { listen, photoOnNewCase, TestDevice } from '../../test/sync-client.ts';
import type { CaseRecord } from '@fieldfix/shared';
import { seedReportPhotos } from '../demo/report-photos.ts';
import { FilePhotoStore } from './photo-store.ts';

// Resumable photo uploads over real HTTP against PostgreSQL (or PGlite): the device syncs an
// attach_photo mutation, then sends the bytes with HEAD/PATCH …/upload.

const MiB = 1024 * 1024;
let t: TestApp;
let server: { url: string; close(): Promise<void> };
let photosDir: string;
let worker: Record<string, string>; // Streets Crew A, the uploader
let crewA: TestDevice;
let otherCrew: Record<string, string>; // Streets Crew B
let lead: Record<string, string>; // Streets lead
let otherLead: Record<string, string>; // Sanitation lead
let gradient: Uint8Array; // a 1600×1200 JPEG

beforeAll(async () => {
  photosDir = await mkdtemp(join(tmpdir(), 'fieldfix-photos-'));
  // Short lease times: a silent upload is ended after 1.5 s here (15 s in production).
  t = await createTestApp({
    photosDir,
    photoMaxBytes: 6 * MiB,
    uploadTimings: { leaseSeconds: 30, renewMs: 200, idleMs: 1_500 },
  });
  server = await listen(t);
  const [b] = await t.db.sql<
    { email: string }[]
  >`select email from users where crew_id = 'streets-b' order by id limit 1`;
  worker = await t.login('worker@riverton.example');
  otherCrew = await t.login(b!.email);
  lead = await t.login('lead@riverton.example');
  otherLead = await t.login('lead.sanitation@riverton.example');
  crewA = new TestDevice(server.url, worker, 'tablet-a');
  gradient = await gradientJpeg(1600, 1200);
});
afterAll(async () => {
  if (quietLogger.errors.length) console.error('server errors:', quietLogger.errors);
  await server?.close();
  await t?.close();
  if (photosDir) await rm(photosDir, { recursive: true, force: true });
});

async function gradientJpeg(width: number, height: number): Promise<Uint8Array> {
  const raw = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 3;
      raw[i] = Math.round((x / width) * 255);
      raw[i + 1] = Math.round((y / height) * 255);
      raw[i + 2] = 128;
    }
  }
  return sharp(raw, { raw: { width, height, channels: 3 } })
    .jpeg({ quality: 90 })
    .toBuffer();
}

/** A case of Crew A and an attach_photo for it, synced: the row the upload fills. */
async function attachPhoto(byteSize: number, contentType: 'image/jpeg' | 'image/webp' = 'image/jpeg'): Promise<string> {
  return (await photoOnNewCase(t.db.sql, crewA, { byteSize, width: 1600, height: 1200, contentType })).photoId;
}

const url = (id: string, rest = '') => `${server.url}/api/photos/${id}${rest}`;

function head(id: string, headers: Record<string, string> = worker) {
  return fetch(url(id, '/upload'), { method: 'HEAD', headers });
}

function patch(id: string, offset: number, bytes: Uint8Array, headers: Record<string, string> = worker) {
  return fetch(url(id, '/upload'), {
    method: 'PATCH',
    headers: { ...headers, 'content-type': 'application/offset+octet-stream', 'upload-offset': String(offset) },
    body: bytes as Uint8Array<ArrayBuffer>,
  });
}

/**
 * A PATCH on a connection of its own. A request refused before its body is read may leave the
 * server closing the connection: pooled, the next request on it would fail.
 */
function patchAlone(id: string, offset: number, bytes: Uint8Array): Promise<{ status: number; code: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url(id, '/upload'), {
      method: 'PATCH',
      agent: false,
      headers: {
        ...worker,
        'content-type': 'application/offset+octet-stream',
        'upload-offset': String(offset),
        'content-length': bytes.length,
      },
    });
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({ status: res.statusCode!, code: JSON.parse(Buffer.concat(chunks).toString()).error.code }),
      );
    });
    req.on('error', reject);
    req.end(bytes);
  });
}

async function errorCode(res: Response): Promise<string> {
  return ((await res.json()) as { error: { code: string } }).error.code;
}

/** Sends `bytes` in `n` pieces, each at the offset the previous answer gave. */
async function upload(id: string, bytes: Uint8Array, n: number): Promise<Response> {
  const size = Math.ceil(bytes.length / n);
  let offset = 0;
  let res: Response | undefined;
  while (offset < bytes.length) {
    res = await patch(id, offset, bytes.subarray(offset, offset + size));
    expect(res.status).toBe(204);
    offset = Number(res.headers.get('upload-offset'));
  }
  return res!;
}

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

describe('resumable photo upload', () => {
  it('an upload in three chunks completes: the same bytes come back, with a JPEG thumbnail, ETag the SHA-256', async () => {
    const id = await attachPhoto(gradient.length);
    const third = Math.ceil(gradient.length / 3);
    for (const [i, from] of [0, third, 2 * third].entries()) {
      const res = await patch(id, from, gradient.subarray(from, from + third));
      expect(res.status).toBe(204);
      expect(Number(res.headers.get('upload-offset'))).toBe(Math.min(from + third, gradient.length));
      if (i < 2) expect((await fetch(url(id), { headers: worker })).status).toBe(404); // not before the last byte
    }

    const photo = await fetch(url(id), { headers: worker });
    expect(photo.status).toBe(200);
    expect(photo.headers.get('content-type')).toBe('image/jpeg');
    expect(photo.headers.get('cache-control')).toBe('private, max-age=31536000, immutable');
    expect(photo.headers.get('etag')).toBe(`"${sha256(gradient)}"`);
    expect(Buffer.from(await photo.arrayBuffer()).equals(gradient)).toBe(true);

    const thumb = await fetch(url(id, '/thumb'), { headers: worker });
    expect(thumb.status).toBe(200);
    expect(thumb.headers.get('content-type')).toBe('image/jpeg');
    const meta = await sharp(Buffer.from(await thumb.arrayBuffer())).metadata();
    expect(meta.format).toBe('jpeg');
    expect([meta.width, meta.height]).toEqual([320, 240]);

    const [row] = await t.db.sql<
      { complete: boolean; sha256: string; storage_key: string; completed_at: Date | null }[]
    >`
      select complete, sha256, storage_key, completed_at from photos where id = ${id}`;
    expect(row).toMatchObject({ complete: true, sha256: sha256(gradient), storage_key: `photos/${id}` });
    expect(row!.completed_at).toBeInstanceOf(Date);

    // Idempotent once complete: HEAD says all is there; the last PATCH retried is a 204.
    const done = await head(id);
    expect(done.headers.get('upload-offset')).toBe(String(gradient.length));
    expect(done.headers.get('upload-length')).toBe(String(gradient.length));
    const again = await patch(id, gradient.length, new Uint8Array());
    expect(again.status).toBe(204);
    expect(again.headers.get('upload-offset')).toBe(String(gradient.length));
    // A cached copy is revalidated by its ETag.
    const cached = await fetch(url(id), { headers: { ...worker, 'if-none-match': `"${sha256(gradient)}"` } });
    expect(cached.status).toBe(304);
  });

  it('an interrupted upload resumes from the offset HEAD reports, into one intact photo', async () => {
    const id = await attachPhoto(gradient.length);
    const fresh = await head(id);
    expect(fresh.status).toBe(200);
    expect(fresh.headers.get('upload-offset')).toBe('0');
    expect(fresh.headers.get('upload-length')).toBe(String(gradient.length));
    expect(fresh.headers.get('cache-control')).toBe('no-store');

    const cut = 12_345;
    expect((await patch(id, 0, gradient.subarray(0, cut))).status).toBe(204);
    // The connection drops here; later the device asks where to go on.
    const resumed = Number((await head(id)).headers.get('upload-offset'));
    expect(resumed).toBe(cut);
    const last = await patch(id, resumed, gradient.subarray(resumed));
    expect(last.status).toBe(204);
    expect(last.headers.get('upload-offset')).toBe(String(gradient.length));
    const photo = await fetch(url(id), { headers: worker });
    expect(Buffer.from(await photo.arrayBuffer()).equals(gradient)).toBe(true);
  });

  it('a retried chunk with a stale offset gets 409 and the stored offset, and writes nothing', async () => {
    const id = await attachPhoto(gradient.length);
    expect((await patch(id, 0, gradient.subarray(0, 1000))).status).toBe(204);
    expect((await patch(id, 1000, gradient.subarray(1000, 2000))).status).toBe(204);
    const stale = await patch(id, 1000, gradient.subarray(1000, 2000)); // the answer to the second was lost
    expect(stale.status).toBe(409);
    expect(stale.headers.get('upload-offset')).toBe('2000');
    expect(await errorCode(stale)).toBe('upload-offset-mismatch');
    const ahead = await patch(id, 5000, gradient.subarray(5000, 6000));
    expect(ahead.status).toBe(409);
    expect(ahead.headers.get('upload-offset')).toBe('2000');
    const stored = await readFile(join(photosDir, 'pending', id));
    expect(stored.equals(gradient.subarray(0, 2000))).toBe(true);
  });

  it('two PATCHes racing at the same offset: one is written, the other gets 409', async () => {
    const id = await attachPhoto(gradient.length);
    const a = gradient.subarray(0, 50_000);
    const b = Buffer.alloc(50_000, 0xab);
    const [ra, rb] = await Promise.all([patch(id, 0, a), patch(id, 0, b)]);
    expect([ra.status, rb.status].sort()).toEqual([204, 409]);
    const stored = await readFile(join(photosDir, 'pending', id));
    expect(stored.length).toBe(50_000);
    expect(stored.equals(ra.status === 204 ? a : b)).toBe(true);
  });

  it('a PNG declared as JPEG is refused with 415 when complete, and the upload starts again at 0', async () => {
    const png = await sharp({ create: { width: 64, height: 48, channels: 3, background: '#3366aa' } })
      .png()
      .toBuffer();
    const id = await attachPhoto(png.length);
    const half = Math.floor(png.length / 2);
    expect((await patch(id, 0, png.subarray(0, half))).status).toBe(204);
    const res = await patch(id, half, png.subarray(half));
    expect(res.status).toBe(415);
    const body = (await res.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe('bad-request');
    expect(body.error.message).toMatch(/PNG.*image\/jpeg/);
    expect((await head(id)).headers.get('upload-offset')).toBe('0');
    expect((await fetch(url(id), { headers: worker })).status).toBe(404);
    const [row] = await t.db.sql<{ complete: boolean }[]>`select complete from photos where id = ${id}`;
    expect(row!.complete).toBe(false);
  });

  it('garbage that only starts like a JPEG is refused with 415, offset back to 0; a real JPEG then completes', async () => {
    const fake = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), randomBytes(gradient.length - 4)]);
    const id = await attachPhoto(gradient.length);
    const res = await patch(id, 0, fake);
    expect(res.status).toBe(415);
    expect(await errorCode(res)).toBe('bad-request');
    expect((await head(id)).headers.get('upload-offset')).toBe('0');
    await upload(id, gradient, 2);
    const photo = await fetch(url(id), { headers: worker });
    expect(photo.status).toBe(200);
    expect(Buffer.from(await photo.arrayBuffer()).equals(gradient)).toBe(true);
  });

  it('a 3 MiB chunk passes (past /api’s 2 MiB limit); more than 4 MiB in one request is 413', async () => {
    // Noise does not compress: a JPEG of a few MiB.
    const noise = await sharp(randomBytes(1800 * 1300 * 3), { raw: { width: 1800, height: 1300, channels: 3 } })
      .jpeg({ quality: 100 })
      .toBuffer();
    expect(noise.length).toBeGreaterThan(2.5 * MiB);
    expect(noise.length).toBeLessThan(4 * MiB);
    const id = await attachPhoto(noise.length);
    const res = await patch(id, 0, noise);
    expect(res.status).toBe(204);
    expect(Buffer.from(await (await fetch(url(id), { headers: worker })).arrayBuffer()).equals(noise)).toBe(true);

    const big = await attachPhoto(5 * MiB);
    const tooMuch = await patchAlone(big, 0, Buffer.alloc(4 * MiB + 1));
    expect(tooMuch).toEqual({ status: 413, code: 'payload-too-large' });
    expect((await head(big)).headers.get('upload-offset')).toBe('0');
  });

  it('a photo over PHOTO_MAX_BYTES is refused with 413, and no chunk may pass its declared length', async () => {
    // Small bodies: these are refused by the headers alone, before the body is read.
    const huge = await attachPhoto(7 * MiB); // the cap here is 6 MiB
    const res = await patch(huge, 0, gradient.subarray(0, 100));
    expect(res.status).toBe(413);
    expect(await errorCode(res)).toBe('payload-too-large');
    expect((await head(huge)).headers.get('upload-offset')).toBe('0');

    const id = await attachPhoto(100);
    expect((await patch(id, 0, gradient.subarray(0, 60))).status).toBe(204);
    const past = await patch(id, 60, gradient.subarray(60, 101));
    expect(past.status).toBe(413);
    expect(await errorCode(past)).toBe('payload-too-large');
    expect((await head(id)).headers.get('upload-offset')).toBe('60');
  });
});

/**
 * A PATCH of `bytes` at `offset` whose body is sent by hand: `send(n)` writes the next `n`
 * bytes, `cut()` drops the connection, `end()` sends the rest. `answer` settles with the
 * status and headers (or the error when the connection was cut first).
 */
function slowPatch(id: string, offset: number, bytes: Uint8Array) {
  let sent = 0;
  const req = request(url(id, '/upload'), {
    method: 'PATCH',
    agent: false,
    headers: {
      ...worker,
      'content-type': 'application/offset+octet-stream',
      'upload-offset': String(offset),
      'content-length': bytes.length,
    },
  });
  const answer = new Promise<{ status: number; headers: Record<string, unknown>; body: string } | Error>((resolve) => {
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks).toString() }),
      );
    });
    req.on('error', resolve);
  });
  req.flushHeaders();
  return {
    answer,
    send(n: number) {
      req.write(bytes.subarray(sent, sent + n));
      sent += n;
    },
    end() {
      req.end(bytes.subarray(sent));
    },
    cut() {
      req.destroy();
    },
  };
}

async function storedBytes(id: string): Promise<number> {
  return Number((await head(id)).headers.get('upload-offset'));
}

/** PATCHes from `offset` until the server takes it (the cut request's lease may take a moment to go). */
async function resume(id: string, bytes: Uint8Array): Promise<Response> {
  for (let i = 0; i < 50; i++) {
    const offset = await storedBytes(id);
    const res = await patch(id, offset, bytes.subarray(offset));
    if (res.status !== 409) return res;
    expect(await errorCode(res)).toBe('upload-in-progress');
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('the upload lease was never given back');
}

describe('streamed uploads on a weak link', () => {
  it('a PATCH cut halfway keeps every byte that arrived, and the upload resumes from there', async () => {
    const id = await attachPhoto(gradient.length);
    const p = slowPatch(id, 0, gradient);
    const half = Math.floor(gradient.length / 2);
    p.send(half);
    // Stored as they arrive: HEAD sees them while the request is still open.
    await expect.poll(() => storedBytes(id), { timeout: 5_000 }).toBe(half);
    p.cut();
    expect(await p.answer).toBeInstanceOf(Error);
    expect(await storedBytes(id)).toBe(half);
    const rest = await resume(id, gradient);
    expect(rest.status).toBe(204);
    expect(rest.headers.get('upload-offset')).toBe(String(gradient.length));
    const photo = await fetch(url(id), { headers: worker });
    expect(Buffer.from(await photo.arrayBuffer()).equals(gradient)).toBe(true);
    const [row] = await t.db.sql<{ upload_lease: string | null }[]>`select upload_lease from photos where id = ${id}`;
    expect(row!.upload_lease).toBeNull();
  });

  it('a PATCH that goes silent is ended after the idle time: its bytes are kept and another request may write', async () => {
    const id = await attachPhoto(gradient.length);
    const p = slowPatch(id, 0, gradient);
    p.send(10_000);
    await expect.poll(() => storedBytes(id), { timeout: 5_000 }).toBe(10_000);
    // Lie-fi: the connection stays open and nothing comes. The server gives up after 1.5 s.
    const answer = await p.answer;
    expect(answer).not.toBeInstanceOf(Error);
    // Answered with what was kept, and the connection closed (no one reads the rest).
    expect(answer).toMatchObject({ status: 204, headers: { 'upload-offset': '10000', connection: 'close' } });
    p.cut();
    const rest = await patch(id, 10_000, gradient.subarray(10_000));
    expect(rest.status).toBe(204);
    expect(rest.headers.get('upload-offset')).toBe(String(gradient.length));
  });

  it('while one PATCH streams, a second one gets 409 upload-in-progress and writes nothing', async () => {
    const id = await attachPhoto(gradient.length);
    const p = slowPatch(id, 0, gradient);
    p.send(5_000);
    await expect.poll(() => storedBytes(id), { timeout: 5_000 }).toBe(5_000);
    const second = await patch(id, 5_000, Buffer.alloc(1_000, 0xab));
    expect(second.status).toBe(409);
    expect(second.headers.get('upload-offset')).toBe('5000');
    expect(Number(second.headers.get('retry-after'))).toBeGreaterThan(0);
    const body = (await second.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe('upload-in-progress');
    expect(body.error.message).toMatch(/another request/);
    p.send(5_000);
    p.end();
    expect(await p.answer).toMatchObject({ status: 204, headers: { 'upload-offset': String(gradient.length) } });
    const photo = await fetch(url(id), { headers: worker });
    expect(Buffer.from(await photo.arrayBuffer()).equals(gradient)).toBe(true);
  });

  it('no transaction stays open while uploads stream: the lease is a row, not a lock', async () => {
    if (t.db.kind !== 'postgres') return;
    const ids = await Promise.all([1, 2, 3].map(() => attachPhoto(gradient.length)));
    const slow = ids.map((id) => slowPatch(id, 0, gradient));
    for (const p of slow) p.send(20_000);
    for (const id of ids) await expect.poll(() => storedBytes(id), { timeout: 5_000 }).toBe(20_000);
    const open = await t.db.sql<{ n: number }[]>`
      select count(*)::int as n from pg_stat_activity
      where datname = current_database() and state like 'idle in transaction%'`;
    expect(open[0]!.n).toBe(0);
    const leased = await t.db.sql<{ n: number }[]>`
      select count(*)::int as n from photos where id in ${t.db.sql(ids)} and upload_lease is not null`;
    expect(leased[0]!.n).toBe(3);
    for (const p of slow) p.end();
    for (const p of slow) expect(await p.answer).toMatchObject({ status: 204 });
  });
});

describe('who may upload and see photos', () => {
  let id: string; // 100 bytes uploaded
  let done: string; // complete
  beforeAll(async () => {
    id = await attachPhoto(gradient.length);
    expect((await patch(id, 0, gradient.subarray(0, 100))).status).toBe(204);
    done = await attachPhoto(gradient.length);
    await upload(done, gradient, 1);
  });

  it('another crew’s worker cannot HEAD, PATCH or GET', async () => {
    expect((await head(id, otherCrew)).status).toBe(403);
    const write = await patch(id, 100, gradient.subarray(100, 200), otherCrew);
    expect(write.status).toBe(403);
    expect((await fetch(url(done), { headers: otherCrew })).status).toBe(403);
    expect((await fetch(url(done, '/thumb'), { headers: otherCrew })).status).toBe(403);
    expect((await fetch(url(done), { headers: worker })).status).toBe(200);
    expect((await head(id)).headers.get('upload-offset')).toBe('100');
  });

  it('the department’s lead may look but not write; another department’s lead may not look', async () => {
    expect((await head(id, lead)).status).toBe(200);
    expect((await patch(id, 100, gradient.subarray(100, 200), lead)).status).toBe(403);
    expect((await head(id, otherLead)).status).toBe(403);
    expect((await fetch(url(done), { headers: lead })).status).toBe(200);
    expect((await fetch(url(done, '/thumb'), { headers: lead })).status).toBe(200);
    expect((await fetch(url(done), { headers: otherLead })).status).toBe(403);
  });

  it('without a session: 401', async () => {
    expect((await head(id, {})).status).toBe(401);
    const res = await patch(id, 100, gradient.subarray(100, 200), {});
    expect(res.status).toBe(401);
    expect(await errorCode(res)).toBe('not-authenticated');
    expect((await fetch(url(done))).status).toBe(401);
  });

  it('an unknown photo id: 404 for HEAD, PATCH and GET; a malformed one: 400', async () => {
    const unknown = uuidv7();
    expect((await head(unknown)).status).toBe(404);
    const res = await patch(unknown, 0, gradient.subarray(0, 10));
    expect(res.status).toBe(404);
    expect(await errorCode(res)).toBe('not-found');
    expect((await fetch(url(unknown), { headers: worker })).status).toBe(404);
    expect((await fetch(url(unknown, '/thumb'), { headers: worker })).status).toBe(404);
    expect((await fetch(url('../../etc/passwd', '/upload'), { headers: worker })).status).toBeGreaterThanOrEqual(400);
    expect((await fetch(url('not-a-uuid'), { headers: worker })).status).toBe(400);
  });
});

describe('the resident’s report photos', () => {
  let seeded: number;
  let cases: CaseRecord[];
  beforeAll(async () => {
    seeded = await seedReportPhotos(t.db.sql, new FilePhotoStore(photosDir), quietLogger);
    const pulled = await crewA.pullAll();
    cases = pulled.pages.flatMap((p) => p.cases);
  });

  it('reports sent from the app or the web come with a photo; phoned-in ones without', async () => {
    expect(seeded).toBeGreaterThan(20);
    const channels = new Map(
      (
        await t.db.sql<
          { case_id: string; channel: string }[]
        >`select case_id::text, data->>'channel' as channel from case_events where kind = 'reported'`
      ).map((r) => [r.case_id, r.channel]),
    );
    const withPhoto = cases.filter((c) => c.reportPhotoIds.length > 0);
    expect(withPhoto.length).toBeGreaterThan(0);
    for (const c of withPhoto) expect(['app', 'web']).toContain(channels.get(c.id));
    const phoned = cases.filter((c) => channels.get(c.id) === 'phone');
    expect(phoned.length).toBeGreaterThan(0);
    for (const c of phoned) expect(c.reportPhotoIds).toEqual([]);
  });

  it('the crew gets each photo and its thumbnail, byte for byte what is stored; another crew may not', async () => {
    const c = cases.find((x) => x.reportPhotoIds.length > 0)!;
    const id = c.reportPhotoIds[0]!;
    const full = await fetch(url(id), { headers: worker });
    expect(full.status).toBe(200);
    expect(full.headers.get('content-type')).toBe('image/jpeg');
    const bytes = new Uint8Array(await full.arrayBuffer());
    expect(full.headers.get('etag')).toBe(`"${sha256(bytes)}"`);
    expect(bytes).toEqual(new Uint8Array(await readFile(join(photosDir, 'photos', id))));
    const meta = await sharp(bytes).metadata();
    expect([meta.width, meta.height]).toEqual([1024, 768]);
    const thumb = await fetch(url(id, '/thumb'), { headers: worker });
    expect(thumb.status).toBe(200);
    expect((await sharp(new Uint8Array(await thumb.arrayBuffer())).metadata()).width).toBe(320);
    expect((await fetch(url(id), { headers: otherCrew })).status).toBe(403);
    expect((await fetch(url(id))).status).toBe(401);
  });

  it('seeding again adds nothing and keeps the same ids', async () => {
    const before = await t.db.sql<{ id: string }[]>`select id::text from photos where kind = 'report' order by id`;
    await seedReportPhotos(t.db.sql, new FilePhotoStore(photosDir), quietLogger);
    const after = await t.db.sql<{ id: string }[]>`select id::text from photos where kind = 'report' order by id`;
    expect(after).toEqual(before);
    expect(before.length).toBe(seeded);
  });
});

describe('the "fixed" notice and its photo', () => {
  it('[R10] the outbox lists the fix’s after-photo with the notice it queued', async () => {
    const photoId = await attachPhoto(gradient.length);
    await upload(photoId, gradient, 1);
    const [row] = await t.db.sql<{ case_id: string }[]>`select case_id::text from photos where id = ${photoId}`;
    const [outcome] = await crewA.send(
      crewA.make('fix', row!.case_id, { resolutionCode: 'ground_down', note: 'Ground down.', photoIds: [photoId] }),
    );
    expect(outcome!.outcome).toBe('applied');
    const admin = await t.login('admin@riverton.example');
    const res = await fetch(`${server.url}/api/admin/outbox?caseId=${row!.case_id}`, { headers: admin });
    const body = (await res.json()) as { notices: { template: string; photoIds: string[] }[] };
    expect(body.notices).toEqual([expect.objectContaining({ template: 'fixed', photoIds: [photoId] })]);
  });
});
