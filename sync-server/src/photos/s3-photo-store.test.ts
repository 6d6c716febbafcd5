import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readlink, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { v7 as uuidv7 } from 'uuid';
import { startLoopbackS3, type LoopbackS3 } from './loopback-s3.ts';
import { FilePhotoStore, OffsetMismatchError, photoKeys, type PhotoStore } from './photo-store.ts';
import { PhotoStoreUnavailableError, S3PhotoStore } from './s3-photo-store.ts';

// The PhotoStore contract, run on the file store and on the S3 store against a real S3 API
// server (s3rver) on loopback.

let s3: LoopbackS3;
let dir: string;
beforeAll(async () => {
  s3 = await startLoopbackS3();
  dir = await mkdtemp(join(tmpdir(), 'fieldfix-store-'));
});
afterAll(async () => {
  await s3?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const keys = () => photoKeys(uuidv7());
const bytes = (n: number) => new Uint8Array(randomBytes(n));
const cat = (...parts: Uint8Array[]) => new Uint8Array(Buffer.concat(parts));
/** What `read` gives, as a plain Uint8Array (the file store's is a Buffer). */
async function readBack(store: PhotoStore, key: string): Promise<Uint8Array | null> {
  const got = await store.read(key);
  return got && new Uint8Array(got);
}

/** Everything `openRead` gives: the length it told, and the pieces its stream gave. */
async function openBack(
  store: PhotoStore,
  key: string,
): Promise<{ length: number | undefined; pieces: Uint8Array[]; all: Uint8Array } | null> {
  const opened = await store.openRead(key);
  if (!opened) return null;
  const pieces: Uint8Array[] = [];
  for await (const piece of opened.body) pieces.push(new Uint8Array(piece));
  return { length: opened.length, pieces, all: cat(...pieces) };
}

/** The files this process has open (Linux: /proc/self/fd). */
async function openFiles(): Promise<string[]> {
  const fds = await readdir('/proc/self/fd');
  const targets = await Promise.all(fds.map((fd) => readlink(`/proc/self/fd/${fd}`).catch(() => '')));
  return targets.filter(Boolean);
}

// Small parts: the tests see many part-objects without sending megabytes.
const stores: [string, () => PhotoStore][] = [
  ['FilePhotoStore', () => new FilePhotoStore(dir)],
  ['S3PhotoStore', () => S3PhotoStore.fromConfig(s3.config, { partBytes: 4096 })],
];

describe.each(stores)('the PhotoStore contract: %s', (_name, make) => {
  let store: PhotoStore;
  beforeAll(() => {
    store = make();
  });

  it('nothing stored: size 0, read null, remove is no error', async () => {
    const k = keys();
    expect(await store.size(k.pending)).toBe(0);
    expect(await store.size(k.final)).toBe(0);
    expect(await readBack(store, k.pending)).toBeNull();
    expect(await readBack(store, k.thumb)).toBeNull();
    await store.remove(k.pending);
    await store.remove(k.thumb);
  });

  it('append at the stored size adds bytes; any other offset is refused and writes nothing', async () => {
    const k = keys();
    const a = bytes(1000);
    const b = bytes(5000);
    expect(await store.append(k.pending, 0, a)).toBe(1000);
    expect(await store.append(k.pending, 1000, b)).toBe(6000);
    for (const wrong of [0, 1000, 5999, 7000]) {
      const err = await store.append(k.pending, wrong, bytes(10)).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(OffsetMismatchError);
      expect((err as OffsetMismatchError).actual).toBe(6000);
    }
    expect(await store.size(k.pending)).toBe(6000);
    expect(await readBack(store, k.pending)).toEqual(cat(a, b));
  });

  it('openAppend streams pieces of any size, byte-exact; a wrong offset is refused', async () => {
    const k = keys();
    await store.append(k.pending, 0, bytes(100));
    await expect(store.openAppend(k.pending, 0)).rejects.toBeInstanceOf(OffsetMismatchError);
    const pieces = [1, 4095, 4096, 4097, 3, 10_000, 256].map(bytes);
    const w = await store.openAppend(k.pending, 100);
    for (const p of pieces) await w.write(p);
    await w.close();
    await w.close(); // twice is fine
    const all = cat((await readBack(store, k.pending))!.subarray(0, 100), ...pieces);
    expect(await store.size(k.pending)).toBe(all.length);
    expect(await readBack(store, k.pending)).toEqual(all);
  });

  it('a request cut mid-piece: close keeps every byte that arrived, and the next request goes on from there', async () => {
    const k = keys();
    const photo = bytes(50_000);
    const w = await store.openAppend(k.pending, 0);
    // 256 KiB pieces would be cut anywhere; here the body ends 10,001 bytes in, mid-piece.
    await w.write(photo.subarray(0, 6000));
    await w.write(photo.subarray(6000, 10_001));
    await w.close();
    expect(await store.size(k.pending)).toBe(10_001);
    const next = await store.openAppend(k.pending, 10_001);
    await next.write(photo.subarray(10_001));
    await next.close();
    expect(await readBack(store, k.pending)).toEqual(photo);
  });

  it('truncate drops what this request wrote (also bytes already stored), and the upload goes on', async () => {
    const k = keys();
    const first = bytes(3000);
    await store.append(k.pending, 0, first);
    const w = await store.openAppend(k.pending, 3000);
    await w.write(bytes(9000)); // more than a part: some is stored already
    await w.truncate(3000);
    await w.close();
    expect(await store.size(k.pending)).toBe(3000);
    expect(await readBack(store, k.pending)).toEqual(first);
    // Cut inside a stored part too.
    const w2 = await store.openAppend(k.pending, 3000);
    const more = bytes(5000);
    await w2.write(more);
    await w2.truncate(2000);
    await w2.close();
    expect(await readBack(store, k.pending)).toEqual(first.subarray(0, 2000));
    expect(await store.append(k.pending, 2000, more)).toBe(7000);
    expect(await readBack(store, k.pending)).toEqual(cat(first.subarray(0, 2000), more));
  });

  it('put replaces, read returns it, remove deletes it', async () => {
    const k = keys();
    const one = bytes(2000);
    const two = bytes(700);
    await store.put(k.thumb, one);
    expect(await readBack(store, k.thumb)).toEqual(one);
    expect(await store.size(k.thumb)).toBe(2000);
    await store.put(k.thumb, two);
    expect(await readBack(store, k.thumb)).toEqual(two);
    await store.remove(k.thumb);
    expect(await readBack(store, k.thumb)).toBeNull();
    expect(await store.size(k.thumb)).toBe(0);
  });

  it('finalize moves a finished upload to its final key; moved back, the upload resumes', async () => {
    const k = keys();
    const photo = bytes(20_000);
    for (let at = 0; at < photo.length; at += 3000) {
      await store.append(k.pending, at, photo.subarray(at, at + 3000));
    }
    await store.finalize(k.pending, k.final);
    expect(await readBack(store, k.final)).toEqual(photo);
    expect(await store.size(k.final)).toBe(photo.length);
    expect(await store.size(k.pending)).toBe(0);
    // An undone finalize (the transaction failed): the bytes are pending again.
    await store.finalize(k.final, k.pending);
    expect(await readBack(store, k.final)).toBeNull();
    expect(await store.size(k.pending)).toBe(photo.length);
    expect(await readBack(store, k.pending)).toEqual(photo);
    const extra = bytes(10);
    expect(await store.append(k.pending, photo.length, extra)).toBe(photo.length + 10);
    await store.finalize(k.pending, k.final);
    expect(await readBack(store, k.final)).toEqual(cat(photo, extra));
  });

  it('openRead streams what is stored, in pieces, with its length; nothing stored: null', async () => {
    const k = keys();
    expect(await store.openRead(k.final)).toBeNull();
    expect(await store.openRead(k.thumb)).toBeNull();
    expect(await store.openRead(k.pending)).toBeNull();
    // A photo of a few MiB comes in many pieces, none of them the whole photo.
    const photo = bytes(3 * 1024 * 1024 + 17);
    await store.put(k.final, photo);
    const got = (await openBack(store, k.final))!;
    expect(got.length).toBe(photo.length);
    expect(got.all).toEqual(photo);
    expect(got.pieces.length).toBeGreaterThan(4);
    expect(Math.max(...got.pieces.map((p) => p.length))).toBeLessThanOrEqual(1024 * 1024);
    // An upload in progress: its parts one after another.
    const pending = bytes(10_000);
    for (let at = 0; at < pending.length; at += 3000) {
      await store.append(k.pending, at, pending.subarray(at, at + 3000));
    }
    const partial = (await openBack(store, k.pending))!;
    expect(partial.length).toBe(pending.length);
    expect(partial.all).toEqual(pending);
    await store.put(k.thumb, new Uint8Array());
    expect(await openBack(store, k.thumb)).toEqual({ length: 0, pieces: [], all: new Uint8Array() });
  });

  it('a stream cancelled before its end is closed, and the key reads whole again', async () => {
    const k = keys();
    const photo = bytes(2 * 1024 * 1024);
    await store.put(k.final, photo);
    const opened = (await store.openRead(k.final))!;
    const reader = opened.body.getReader();
    const first = await reader.read();
    expect(first.done).toBe(false);
    expect(first.value!.length).toBeLessThan(photo.length);
    if (store instanceof FilePhotoStore) {
      expect((await openFiles()).filter((f) => f.endsWith(k.final))).toHaveLength(1);
    }
    await reader.cancel();
    if (store instanceof FilePhotoStore) {
      expect((await openFiles()).filter((f) => f.endsWith(k.final))).toEqual([]);
    }
    expect((await openBack(store, k.final))!.all).toEqual(photo);
    // Read to its end, a file is closed too.
    if (store instanceof FilePhotoStore) {
      expect((await openFiles()).filter((f) => f.endsWith(k.final))).toEqual([]);
    }
  });

  it('a removed upload starts again at 0', async () => {
    const k = keys();
    await store.append(k.pending, 0, bytes(9000));
    await store.remove(k.pending);
    expect(await store.size(k.pending)).toBe(0);
    expect(await readBack(store, k.pending)).toBeNull();
    expect(await store.append(k.pending, 0, bytes(5))).toBe(5);
  });

  it('refuses keys it did not make', async () => {
    for (const bad of ['../etc/passwd', 'pending/../../x', '/tmp/x', 'photos/not-a-uuid']) {
      await expect(store.read(bad)).rejects.toThrow(/not a photo store key/);
      await expect(store.put(bad, bytes(1))).rejects.toThrow(/not a photo store key/);
    }
  });

  it('lists the unfinished uploads with their bytes and when they last grew; a finished or removed one is not listed', async () => {
    const [a, b, done, gone] = [uuidv7(), uuidv7(), uuidv7(), uuidv7()];
    const before = Date.now();
    await store.append(photoKeys(a).pending, 0, bytes(10_000)); // several parts in the bucket
    await store.append(photoKeys(b).pending, 0, bytes(20));
    await store.append(photoKeys(done).pending, 0, bytes(30));
    await store.finalize(photoKeys(done).pending, photoKeys(done).final);
    await store.append(photoKeys(gone).pending, 0, bytes(40));
    await store.remove(photoKeys(gone).pending);
    const after = Date.now();
    const listed = new Map<string, { bytes: number; lastModified: Date }>();
    for await (const p of store.pendingUploads()) {
      expect(listed.has(p.photoId), `${p.photoId} listed twice`).toBe(false);
      listed.set(p.photoId, p);
    }
    expect(listed.get(a)?.bytes).toBe(10_000);
    expect(listed.get(b)?.bytes).toBe(20);
    expect(listed.has(done)).toBe(false);
    expect(listed.has(gone)).toBe(false);
    // Stores keep whole seconds at worst.
    const t = listed.get(a)!.lastModified.getTime();
    expect(t).toBeGreaterThanOrEqual(before - 1000);
    expect(t).toBeLessThanOrEqual(after + 1000);
    expect(await store.pendingUpload(a)).toEqual({ photoId: a, ...listed.get(a) });
    expect(await store.pendingUpload(done)).toBeNull();
    expect(await store.pendingUpload(gone)).toBeNull();
  });
});

describe('S3PhotoStore on the bucket', () => {
  let store: S3PhotoStore;
  beforeAll(() => {
    store = S3PhotoStore.fromConfig(s3.config, { partBytes: 4096, multipartFrom: 5 * 1024 * 1024 });
  });

  async function names(under: string): Promise<string[]> {
    const res = await store.client.send(new ListObjectsV2Command({ Bucket: s3.config.bucket, Prefix: under }));
    return (res.Contents ?? []).map((o) => o.Key!);
  }

  it('a pending upload is a series of part-objects named by offset, under the prefix; finalize leaves one object', async () => {
    const k = keys();
    const w = await store.openAppend(k.pending, 0);
    await w.write(bytes(3000)); // held: less than a part
    await w.write(bytes(3000)); // 6000 ≥ 4096: stored
    expect(await store.size(k.pending)).toBe(6000);
    await w.write(bytes(10)); // held until close
    expect(await store.size(k.pending)).toBe(6000);
    await w.close();
    expect(await names(`city/${k.pending}/`)).toEqual([
      `city/${k.pending}/000000000000000`,
      `city/${k.pending}/000000000006000`,
    ]);
    await store.finalize(k.pending, k.final);
    expect(await names(`city/${k.pending}`)).toEqual([]);
    expect(await names(`city/${k.final}`)).toEqual([`city/${k.final}`]);
  });

  it('a photo past 5 MiB is assembled with a multipart upload, byte-exact', async () => {
    const k = keys();
    const photo = bytes(6 * 1024 * 1024 + 123);
    const big = S3PhotoStore.fromConfig(s3.config, { partBytes: 1024 * 1024, multipartFrom: 5 * 1024 * 1024 });
    const w = await big.openAppend(k.pending, 0);
    for (let at = 0; at < photo.length; at += 100_000) await w.write(photo.subarray(at, at + 100_000));
    await w.close();
    expect((await names(`city/${k.pending}/`)).length).toBeGreaterThan(4);
    await big.finalize(k.pending, k.final);
    expect(await big.read(k.final)).toEqual(photo);
    expect(await names(`city/${k.pending}/`)).toEqual([]);
  });

  it('a bucket that does not answer: every call is a PhotoStoreUnavailableError (503); back up, all is there', async () => {
    const k = keys();
    const seen: unknown[] = [];
    const watched = S3PhotoStore.fromConfig(s3.config, { partBytes: 4096, onUnavailable: (e) => seen.push(e) });
    const kept = bytes(5000);
    await watched.append(k.pending, 0, kept);
    await s3.stop();
    try {
      const err = await watched.size(k.pending).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(PhotoStoreUnavailableError);
      expect(err).toMatchObject({ status: 503, code: 'unavailable' });
      await expect(watched.append(k.pending, 5000, bytes(10))).rejects.toBeInstanceOf(PhotoStoreUnavailableError);
      await expect(watched.read(k.thumb)).rejects.toBeInstanceOf(PhotoStoreUnavailableError);
      await expect(watched.openRead(k.thumb)).rejects.toBeInstanceOf(PhotoStoreUnavailableError);
      await expect(watched.openRead(k.pending)).rejects.toBeInstanceOf(PhotoStoreUnavailableError);
      expect(seen.length).toBeGreaterThan(0);
    } finally {
      await s3.start();
    }
    expect(await watched.read(k.pending)).toEqual(kept);
  });

  describe('presigned downloads', () => {
    const photo = bytes(7000);
    let k: ReturnType<typeof keys>;
    beforeAll(async () => {
      k = keys();
      await store.put(k.final, photo);
    });
    const sign = (key: string, signingDate?: Date) =>
      store.presignedUrl(key, {
        expiresIn: 120,
        contentType: 'image/jpeg',
        cacheControl: 'private, max-age=60',
        ...(signingDate ? { signingDate } : {}),
      });

    it('the URL downloads the exact bytes from the bucket, as the type given, until it expires', async () => {
      const url = await sign(k.final);
      expect(url.startsWith(`${s3.config.endpoint}/${s3.config.bucket}/city/${k.final}?`)).toBe(true);
      expect(new URL(url).searchParams.get('X-Amz-Expires')).toBe('120');
      const res = await fetch(url);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('image/jpeg');
      expect(res.headers.get('cache-control')).toBe('private, max-age=60');
      expect(new Uint8Array(await res.arrayBuffer())).toEqual(photo);
    });

    it('an expired URL is refused by the bucket', async () => {
      const url = await sign(k.final, new Date(Date.now() - 10 * 60_000)); // signed 10 min ago, for 2 min
      const res = await fetch(url);
      expect(res.status).toBe(403);
      expect(await res.text()).toMatch(/AccessDenied[\s\S]*Request has expired/);
    });

    it('a tampered URL is refused: another key, another expiry, another signature, or none', async () => {
      const url = new URL(await sign(k.final));
      const other = keys();
      await store.put(other.final, bytes(10));
      const tampered = [
        new URL(url.href.replace(k.final, other.final)),
        new URL(url.href.replace('X-Amz-Expires=120', 'X-Amz-Expires=600')),
        new URL(url.href.replace(/X-Amz-Signature=[0-9a-f]/, (m) => m.slice(0, -1) + (m.endsWith('0') ? '1' : '0'))),
      ];
      for (const t of tampered) {
        expect(t.href).not.toBe(url.href);
        const res = await fetch(t);
        expect(res.status, t.href).toBe(403);
        expect(await res.text()).toMatch(/SignatureDoesNotMatch/);
      }
      // The bucket is private: the bare object URL, without a signature, is refused.
      const bare = await fetch(`${url.origin}${url.pathname}`);
      expect(bare.status).toBe(403);
      expect(await bare.text()).toMatch(/AccessDenied/);
    });

    it('only whole objects are signed, not an upload in progress', async () => {
      await expect(sign(k.pending)).rejects.toThrow(/in progress/);
    });
  });

  it('the loopback bucket lists a prefix as S3 does (it walks only the folder of the prefix)', async () => {
    const top = `list-${uuidv7()}/`;
    const all = ['a/1', 'a/2', 'a/b/1', 'ab', 'a-', 'b/1'].map((k) => top + k);
    for (const Key of all) {
      await store.client.send(new PutObjectCommand({ Bucket: s3.config.bucket, Key, Body: bytes(3) }));
    }
    const list = async (opts: { Prefix: string; Delimiter?: string; StartAfter?: string }) => {
      const res = await store.client.send(new ListObjectsV2Command({ Bucket: s3.config.bucket, ...opts }));
      return {
        keys: (res.Contents ?? []).map((o) => o.Key!.slice(top.length)).sort(),
        prefixes: (res.CommonPrefixes ?? []).map((p) => p.Prefix!.slice(top.length)).sort(),
      };
    };
    expect((await list({ Prefix: top })).keys).toEqual(['a-', 'a/1', 'a/2', 'a/b/1', 'ab', 'b/1']);
    expect((await list({ Prefix: `${top}a` })).keys).toEqual(['a-', 'a/1', 'a/2', 'a/b/1', 'ab']);
    expect((await list({ Prefix: `${top}a/` })).keys).toEqual(['a/1', 'a/2', 'a/b/1']);
    expect((await list({ Prefix: `${top}a/b/` })).keys).toEqual(['a/b/1']);
    expect(await list({ Prefix: `${top}a/`, Delimiter: '/' })).toEqual({ keys: ['a/1', 'a/2'], prefixes: ['a/b/'] });
    expect(await list({ Prefix: top, Delimiter: '/' })).toEqual({ keys: ['a-', 'ab'], prefixes: ['a/', 'b/'] });
    expect((await list({ Prefix: `${top}a/`, StartAfter: `${top}a/1` })).keys).toEqual(['a/2', 'a/b/1']);
    expect((await list({ Prefix: `${top}a/`, StartAfter: `${top}a` })).keys).toEqual(['a/1', 'a/2', 'a/b/1']);
    expect((await list({ Prefix: `${top}a/`, StartAfter: `${top}a0` })).keys).toEqual([]);
    expect((await list({ Prefix: `${top}c/` })).keys).toEqual([]);
    expect((await list({ Prefix: `${top}a/b/1/` })).keys).toEqual([]);
  });

  it('a missing bucket is a 503 too, not an empty store', async () => {
    const wrong = S3PhotoStore.fromConfig({ ...s3.config, bucket: 'no-such-bucket' });
    await expect(wrong.read(keys().final)).rejects.toBeInstanceOf(PhotoStoreUnavailableError);
    await expect(wrong.openRead(keys().final)).rejects.toBeInstanceOf(PhotoStoreUnavailableError);
    await expect(wrong.size(keys().pending)).rejects.toBeInstanceOf(PhotoStoreUnavailableError);
  });
});
