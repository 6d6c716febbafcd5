import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { v7 as uuidv7 } from 'uuid';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi, type MockInstance } from 'vitest';
import type { Config } from '../config.ts';
import { createTestApp, quietLogger, type TestApp } from '../../test/test-app.ts';
import { listen, photoOnNewCase, TestDevice } from '../../test/sync-client.ts';
import { startLoopbackS3, type LoopbackS3 } from './loopback-s3.ts';
import { photoKeys, type PhotoStore } from './photo-store.ts';
import { photoStoreFor } from './photo-store-for.ts';
import { PhotoStoreUnavailableError, S3PhotoStore } from './s3-photo-store.ts';

// Photo downloads through the server, on both stores (files, and an S3 bucket: s3rver on
// loopback through the AWS SDK), over real HTTP against PostgreSQL: the bytes are streamed
// from the store as they are read, never loaded whole first; and a photo's thumbnail is made
// and stored once, whatever the device does after (retries, HEADs, downloads).

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

/** The sha256 of the bytes of every thumbnail made, in the order made (see `makeThumbnail`). */
const thumbnailsMadeOf = vi.hoisted(() => [] as string[]);
vi.mock(import('./thumbnail.ts'), async (importOriginal) => {
  const real = await importOriginal();
  const { createHash: hash } = await import('node:crypto');
  return {
    ...real,
    makeThumbnail: (bytes: Uint8Array, onMissing: (err: unknown) => void) => {
      thumbnailsMadeOf.push(hash('sha256').update(bytes).digest('hex'));
      return real.makeThumbnail(bytes, onMissing);
    },
  };
});

const MiB = 1024 * 1024;
const IMMUTABLE = 'private, max-age=31536000, immutable';
let s3: LoopbackS3;
let photosDir: string;
let large: Uint8Array; // a 1600×1200 JPEG of noise: more than 5 MiB
let small: Uint8Array; // a 640×480 JPEG of noise: a few hundred KiB, several 256 KiB bucket parts

async function noiseJpeg(width: number, height: number): Promise<Uint8Array> {
  return new Uint8Array(
    await sharp(randomBytes(width * height * 3), { raw: { width, height, channels: 3 } })
      .jpeg({ quality: 100, chromaSubsampling: '4:4:4' })
      .toBuffer(),
  );
}

beforeAll(async () => {
  s3 = await startLoopbackS3('fieldfix-downloads', 'riverton/');
  photosDir = await mkdtemp(join(tmpdir(), 'fieldfix-downloads-'));
  large = await noiseJpeg(1600, 1200);
  small = await noiseJpeg(640, 480);
  expect(large.length).toBeGreaterThan(5 * MiB);
  expect(small.length).toBeGreaterThan(300 * 1024);
});
afterAll(async () => {
  if (quietLogger.errors.length) console.error('server errors:', quietLogger.errors);
  await s3?.close();
  if (photosDir) await rm(photosDir, { recursive: true, force: true });
});

type Opened = { key: string; given: number; ended: boolean; cancelled: boolean };

/**
 * Watches the store's `openRead`: each stream it opens is passed on piece by piece as asked
 * for, counting the bytes the store has given. With `holdAfter`, the store's stream gives no
 * more once that many bytes are given, until `release` is called.
 */
function watchOpenRead(store: PhotoStore, holdAfter = Infinity) {
  const opened: Opened[] = [];
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  const openRead = store.openRead.bind(store);
  const spy = vi.spyOn(store, 'openRead').mockImplementation(async (key) => {
    const got = await openRead(key);
    if (!got) return got;
    const seen: Opened = { key, given: 0, ended: false, cancelled: false };
    opened.push(seen);
    const reader = got.body.getReader();
    const body = new ReadableStream<Uint8Array>(
      {
        async pull(controller) {
          if (seen.given >= holdAfter) await released;
          if (seen.cancelled) return;
          const r = await reader.read();
          // A read under way when the stream was cancelled answers done: not read to its end.
          if (seen.cancelled) return;
          if (r.done) {
            seen.ended = true;
            controller.close();
          } else {
            seen.given += r.value.length;
            controller.enqueue(r.value);
          }
        },
        async cancel(reason) {
          seen.cancelled = true;
          await reader.cancel(reason);
        },
      },
      { highWaterMark: 0 },
    );
    return { ...got, body };
  });
  return { opened, spy, release };
}

describe.each<[string, () => Partial<Config>]>([
  ['files', () => ({ photosDir })],
  ['an S3 bucket', () => ({ photoS3: s3.config })],
])('photo downloads from %s', (storeName, storeConfig) => {
  let t: TestApp;
  let server: { url: string; close(): Promise<void> };
  let worker: Record<string, string>;
  let crewA: TestDevice;
  let store: PhotoStore;
  const spies: MockInstance[] = [];

  beforeAll(async () => {
    t = await createTestApp({
      ...storeConfig(),
      photoMaxBytes: 16 * MiB,
      uploadTimings: { leaseSeconds: 30, renewMs: 200, idleMs: 1_500 },
    });
    server = await listen(t);
    worker = await t.login('worker@riverton.example');
    crewA = new TestDevice(server.url, worker, `tablet-downloads-${storeName.length}`);
    store = photoStoreFor(t.config);
    expect(store instanceof S3PhotoStore).toBe(storeName !== 'files');
  });
  afterAll(async () => {
    await server?.close();
    await t?.close();
  });
  afterEach(() => {
    for (const spy of spies.splice(0)) spy.mockRestore();
  });

  async function attachPhoto(bytes: Uint8Array, [width, height]: [number, number]): Promise<string> {
    const attached = { byteSize: bytes.length, width, height };
    return (await photoOnNewCase(t.db.sql, crewA, attached, 'Photo download test')).photoId;
  }

  const url = (id: string, rest = '') => `${server.url}/api/photos/${id}${rest}`;

  function patch(id: string, offset: number, bytes: Uint8Array) {
    return fetch(url(id, '/upload'), {
      method: 'PATCH',
      headers: { ...worker, 'content-type': 'application/offset+octet-stream', 'upload-offset': String(offset) },
      body: bytes as Uint8Array<ArrayBuffer>,
    });
  }

  async function uploaded(bytes: Uint8Array, size: [number, number]): Promise<string> {
    const id = await attachPhoto(bytes, size);
    for (let at = 0; at < bytes.length; at += 2 * MiB) {
      const res = await patch(id, at, bytes.subarray(at, at + 2 * MiB));
      expect(res.status).toBe(204);
    }
    return id;
  }

  async function readAll(reader: ReadableStreamDefaultReader<Uint8Array>, pieces: Uint8Array[] = []) {
    for (;;) {
      const r = await reader.read();
      if (r.done) return new Uint8Array(Buffer.concat(pieces));
      pieces.push(r.value);
    }
  }

  it('a photo of more than 5 MiB is streamed: its first MiB reaches the client before the store has given the rest, the bytes are exact, and it is never read whole', async () => {
    const id = await uploaded(large, [1600, 1200]);
    const read = vi.spyOn(store, 'read');
    // The store gives 1 MiB, then nothing until released: a server that loaded the whole
    // photo before answering would never answer.
    const watched = watchOpenRead(store, MiB);
    spies.push(read, watched.spy);

    const res = await fetch(url(id), { headers: worker });
    expect(res.status).toBe(200);
    expect(watched.opened.map((o) => o.key)).toEqual([photoKeys(id).final]);
    expect(res.headers.get('content-length')).toBe(String(large.length));
    expect(res.headers.get('content-type')).toBe('image/jpeg');
    expect(res.headers.get('cache-control')).toBe(IMMUTABLE);
    expect(res.headers.get('etag')).toBe(`"${sha256(large)}"`);
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('cross-origin-resource-policy')).toBe('same-origin');
    expect(res.headers.get('x-request-id')).toBeTruthy();
    expect(res.headers.get('transfer-encoding')).toBeNull();

    const reader = res.body!.getReader();
    const pieces: Uint8Array[] = [];
    let received = 0;
    while (received < MiB) {
      const r = await reader.read();
      expect(r.done).toBe(false);
      pieces.push(r.value!);
      received += r.value!.length;
    }
    // The client holds the first MiB while the store has given little more than that.
    const given = watched.opened[0]!.given;
    expect(given).toBeGreaterThanOrEqual(received);
    expect(given).toBeLessThan(large.length / 2);
    expect(watched.opened[0]!.ended).toBe(false);

    watched.release();
    const body = await readAll(reader, pieces);
    expect(body.length).toBe(large.length);
    expect(sha256(body)).toBe(sha256(large));
    // The client may have every byte before the server reads the stream's end (the file closed).
    await expect.poll(() => watched.opened[0]!.ended).toBe(true);
    expect(read).not.toHaveBeenCalled();
  });

  it('the thumbnail is streamed too, byte for byte what is stored, with its length', async () => {
    const id = await uploaded(small, [640, 480]);
    const stored = (await store.read(photoKeys(id).thumb))!;
    expect((await sharp(stored).metadata()).width).toBe(320);
    const read = vi.spyOn(store, 'read');
    const watched = watchOpenRead(store);
    spies.push(read, watched.spy);

    const thumb = await fetch(url(id, '/thumb'), { headers: worker });
    expect(thumb.status).toBe(200);
    expect(thumb.headers.get('content-type')).toBe('image/jpeg');
    expect(thumb.headers.get('content-length')).toBe(String(stored.length));
    expect(thumb.headers.get('cache-control')).toBe(IMMUTABLE);
    expect(thumb.headers.get('etag')).toBe(`"${sha256(small)}"`);
    expect(sha256(new Uint8Array(await thumb.arrayBuffer()))).toBe(sha256(stored));
    const photo = await fetch(url(id), { headers: worker });
    expect(photo.headers.get('content-length')).toBe(String(small.length));
    expect(sha256(new Uint8Array(await photo.arrayBuffer()))).toBe(sha256(small));

    await expect
      .poll(() => watched.opened.map((o) => [o.key, o.ended]))
      .toEqual([
        [photoKeys(id).thumb, true],
        [photoKeys(id).final, true],
      ]);
    expect(read).not.toHaveBeenCalled();
  });

  it('HEAD gives the same headers and no body, and closes what it opened; a revalidation (304) opens nothing', async () => {
    const id = await uploaded(small, [640, 480]);
    const watched = watchOpenRead(store);
    spies.push(watched.spy);
    for (const rest of ['', '/thumb']) {
      const res = await fetch(url(id, rest), { method: 'HEAD', headers: worker });
      expect(res.status).toBe(200);
      expect(res.headers.get('etag')).toBe(`"${sha256(small)}"`);
      expect(res.headers.get('cache-control')).toBe(IMMUTABLE);
      expect(Number(res.headers.get('content-length'))).toBe(
        rest ? await store.size(photoKeys(id).thumb) : small.length,
      );
      expect((await res.arrayBuffer()).byteLength).toBe(0);
    }
    expect(watched.opened.map((o) => [o.key, o.cancelled, o.given])).toEqual([
      [photoKeys(id).final, true, 0],
      [photoKeys(id).thumb, true, 0],
    ]);
    const cached = await fetch(url(id), { headers: { ...worker, 'if-none-match': `"${sha256(small)}"` } });
    expect(cached.status).toBe(304);
    expect(watched.opened).toHaveLength(2);
  });

  it('a client that goes away mid-download: the store’s stream is cancelled, not left open', async () => {
    const id = await uploaded(large, [1600, 1200]);
    const watched = watchOpenRead(store, MiB);
    spies.push(watched.spy);
    const abort = new AbortController();
    const res = await fetch(url(id), { headers: worker, signal: abort.signal });
    expect(res.status).toBe(200);
    const reader = res.body!.getReader();
    expect((await reader.read()).done).toBe(false);
    abort.abort();
    await expect.poll(() => watched.opened[0]?.cancelled, { timeout: 10_000 }).toBe(true);
    watched.release();
    expect(watched.opened[0]!.ended).toBe(false);
    expect(watched.opened[0]!.given).toBeLessThan(large.length / 2);
  });

  it('an unknown photo and one still uploading are 404s, and nothing is opened', async () => {
    const watched = watchOpenRead(store);
    spies.push(watched.spy);
    expect((await fetch(url(uuidv7()), { headers: worker })).status).toBe(404);
    const id = await attachPhoto(small, [640, 480]);
    expect((await patch(id, 0, small.subarray(0, 1000))).status).toBe(204);
    for (const rest of ['', '/thumb']) {
      const res = await fetch(url(id, rest), { headers: worker });
      expect(res.status).toBe(404);
      expect(((await res.json()) as { error: { message: string } }).error.message).toMatch(/not finished uploading/);
    }
    expect(watched.opened).toEqual([]);
  });

  // A bucket only: files have no server to be down (and a test defined only here is not
  // counted as skipped for files).
  if (storeName !== 'files')
    it('while the bucket is down a download is a 503 with Retry-After, before any byte; back up, it downloads', async () => {
      const id = await uploaded(small, [640, 480]);
      await s3.stop();
      try {
        for (const rest of ['', '/thumb']) {
          const res = await fetch(url(id, rest), { headers: worker });
          expect(res.status).toBe(503);
          expect(res.headers.get('retry-after')).toBe('30');
          expect(res.headers.get('content-type')).toMatch(/^application\/json/);
          const body = (await res.json()) as { error: { code: string; message: string } };
          expect(body.error.code).toBe('unavailable');
          expect(body.error.message).toMatch(/photo storage cannot be reached/i);
        }
      } finally {
        await s3.start();
      }
      const res = await fetch(url(id), { headers: worker });
      expect(res.status).toBe(200);
      expect(sha256(new Uint8Array(await res.arrayBuffer()))).toBe(sha256(small));
    });

  it('a completion that fails after storing the thumbnail leaves it to the next: made once, written once', async () => {
    const photo = await noiseJpeg(320, 240);
    const id = await attachPhoto(photo, [320, 240]);
    const keys = photoKeys(id);
    const made = () => thumbnailsMadeOf.filter((h) => h === sha256(photo)).length;
    const puts: string[] = [];
    const put = store.put.bind(store);
    spies.push(
      vi.spyOn(store, 'put').mockImplementation((key, bytes) => {
        puts.push(key);
        return put(key, bytes);
      }),
    );
    // The store refuses the move to the final key once, after the thumbnail is stored.
    const finalize = store.finalize.bind(store);
    let refusals = 0;
    spies.push(
      vi
        .spyOn(store, 'finalize')
        .mockImplementation((from, to) =>
          from === keys.pending && refusals++ === 0
            ? Promise.reject(new PhotoStoreUnavailableError(new Error('the bucket went away')))
            : finalize(from, to),
        ),
    );

    const first = await patch(id, 0, photo);
    expect(first.status).toBe(503);
    expect(made()).toBe(1);
    expect(await store.size(keys.thumb)).toBeGreaterThan(0);
    const thumbBytes = (await store.read(keys.thumb))!;

    // The device asks where it is: every byte is in, and that HEAD finishes the photo.
    const head = await fetch(url(id, '/upload'), { method: 'HEAD', headers: worker });
    expect(head.status).toBe(200);
    expect(head.headers.get('upload-offset')).toBe(String(photo.length));
    const full = await fetch(url(id), { headers: worker });
    expect(full.status).toBe(200);
    expect(sha256(new Uint8Array(await full.arrayBuffer()))).toBe(sha256(photo));
    const thumb = await fetch(url(id, '/thumb'), { headers: worker });
    expect(thumb.status).toBe(200);
    expect(sha256(new Uint8Array(await thumb.arrayBuffer()))).toBe(sha256(thumbBytes));

    expect(refusals).toBe(2);
    expect(made()).toBe(1);
    expect(puts.filter((k) => k === keys.thumb)).toEqual([keys.thumb]);
  });

  it('a thumbnail is made and stored once: not again by a resumed upload’s end, a retried last PATCH, HEADs or downloads', async () => {
    const photo = await noiseJpeg(640, 480); // its own bytes: its thumbnails are told apart by their input
    const id = await attachPhoto(photo, [640, 480]);
    const thumbKey = photoKeys(id).thumb;
    const made = () => thumbnailsMadeOf.filter((h) => h === sha256(photo)).length;
    // Every write the store is asked for, by key written.
    const written: string[] = [];
    for (const method of ['put', 'append', 'openAppend'] as const) {
      const real = store[method].bind(store) as (key: string, ...rest: never[]) => Promise<never>;
      const spy = vi.spyOn(store, method).mockImplementation(((key: string, ...rest: never[]) => {
        written.push(key);
        return real(key, ...rest);
      }) as never);
      spies.push(spy);
    }
    const finalize = store.finalize.bind(store);
    const spy = vi.spyOn(store, 'finalize').mockImplementation((from, to) => {
      written.push(to);
      return finalize(from, to);
    });
    spies.push(spy);
    // And in the bucket: every request that writes an object, by its key.
    const bucketWrites: string[] = [];
    if (store instanceof S3PhotoStore) {
      store.client.middlewareStack.add(
        (next, context) => async (args) => {
          if (/^(PutObject|CopyObject|CreateMultipartUpload|UploadPart)Command$/.test(context.commandName ?? '')) {
            bucketWrites.push((args.input as { Key: string }).Key);
          }
          return next(args);
        },
        { step: 'initialize', name: 'countThumbnailWrites' },
      );
    }
    const thumbFile = join(photosDir, thumbKey);
    try {
      // Half the photo, then the device comes back and resumes from what HEAD says.
      const half = Math.floor(photo.length / 2);
      expect((await patch(id, 0, photo.subarray(0, half))).status).toBe(204);
      const resumeAt = await fetch(url(id, '/upload'), { method: 'HEAD', headers: worker });
      expect(resumeAt.headers.get('upload-offset')).toBe(String(half));
      expect(made()).toBe(0);
      expect(written.filter((k) => k === thumbKey)).toEqual([]);
      const last = await patch(id, half, photo.subarray(half));
      expect(last.status).toBe(204);
      expect(last.headers.get('upload-offset')).toBe(String(photo.length));
      expect(made()).toBe(1);
      expect(written.filter((k) => k === thumbKey)).toEqual([thumbKey]);
      const thumbBytes = (await store.read(thumbKey))!;
      const fileBefore = store instanceof S3PhotoStore ? null : await stat(thumbFile);

      // The device did not hear the answer to its last PATCH: it sends it again, and again
      // with nothing left to send; it asks HEAD where it is, more than once.
      const again = await patch(id, half, photo.subarray(half));
      expect(again.status).toBe(409);
      expect(again.headers.get('upload-offset')).toBe(String(photo.length));
      const empty = await patch(id, photo.length, new Uint8Array());
      expect(empty.status).toBe(204);
      for (let i = 0; i < 3; i++) {
        const head = await fetch(url(id, '/upload'), { method: 'HEAD', headers: worker });
        expect(head.headers.get('upload-offset')).toBe(String(photo.length));
      }
      // Downloads of the thumbnail and the photo, plain, HEAD and conditional.
      for (let i = 0; i < 3; i++) {
        const thumb = await fetch(url(id, '/thumb'), { headers: worker });
        expect(thumb.status).toBe(200);
        expect(sha256(new Uint8Array(await thumb.arrayBuffer()))).toBe(sha256(thumbBytes));
      }
      expect((await fetch(url(id, '/thumb'), { method: 'HEAD', headers: worker })).status).toBe(200);
      const cached = await fetch(url(id, '/thumb'), { headers: { ...worker, 'if-none-match': `"${sha256(photo)}"` } });
      expect(cached.status).toBe(304);
      for (let i = 0; i < 2; i++) {
        const full = await fetch(url(id), { headers: worker });
        expect(sha256(new Uint8Array(await full.arrayBuffer()))).toBe(sha256(photo));
      }

      expect(made()).toBe(1);
      expect(written.filter((k) => k === thumbKey)).toEqual([thumbKey]);
      expect(await store.read(thumbKey)).toEqual(thumbBytes);
      if (store instanceof S3PhotoStore) {
        const object = `${store.prefix}${thumbKey}`;
        expect(bucketWrites.filter((k) => k === object)).toEqual([object]);
      } else {
        // The same file, never replaced (a `put` renames a new one into place).
        const fileAfter = await stat(thumbFile);
        expect([fileAfter.ino, fileAfter.mtimeMs]).toEqual([fileBefore!.ino, fileBefore!.mtimeMs]);
      }
    } finally {
      if (store instanceof S3PhotoStore) store.client.middlewareStack.remove('countThumbnailWrites');
    }
  });
});
