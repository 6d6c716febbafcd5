import { createHash } from 'node:crypto';
import { request } from 'node:http';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, quietLogger, type TestApp } from '../../test/test-app.ts';
import { listen, photoOnNewCase, TestDevice } from '../../test/sync-client.ts';
import { startLoopbackS3, type LoopbackS3 } from './loopback-s3.ts';
import { photoStoreFor } from './photo-store-for.ts';
import { S3PhotoStore } from './s3-photo-store.ts';

// The real upload routes (HEAD/PATCH …/upload, GET) on photos kept in an S3 bucket: s3rver
// on loopback, reached through the AWS SDK as PHOTO_STORE=s3://… would.

let s3: LoopbackS3;
let t: TestApp;
let server: { url: string; close(): Promise<void> };
let worker: Record<string, string>;
let crewA: TestDevice;
let photo: Uint8Array; // a JPEG of a few hundred KiB: more than one 256 KiB part

beforeAll(async () => {
  s3 = await startLoopbackS3('fieldfix-uploads', 'riverton/');
  t = await createTestApp({
    photoS3: s3.config,
    uploadTimings: { leaseSeconds: 30, renewMs: 200, idleMs: 1_500 },
  });
  server = await listen(t);
  worker = await t.login('worker@riverton.example');
  crewA = new TestDevice(server.url, worker, 'tablet-s3');
  const noise = Buffer.alloc(400 * 300 * 3);
  for (let i = 0; i < noise.length; i++) noise[i] = (i * 7919) % 251;
  photo = new Uint8Array(
    await sharp(noise, { raw: { width: 400, height: 300, channels: 3 } })
      .resize(1200, 900)
      .jpeg({ quality: 100 })
      .toBuffer(),
  );
});
afterAll(async () => {
  if (quietLogger.errors.length) console.error('server errors:', quietLogger.errors);
  await server?.close();
  await t?.close();
  await s3?.close();
});

async function attachPhoto(byteSize: number): Promise<string> {
  return (await photoOnNewCase(t.db.sql, crewA, { byteSize, width: 1200, height: 900 }, 'S3 photo test')).photoId;
}

const url = (id: string, rest = '') => `${server.url}/api/photos/${id}${rest}`;

async function stored(id: string): Promise<number> {
  const res = await fetch(url(id, '/upload'), { method: 'HEAD', headers: worker });
  expect(res.status).toBe(200);
  return Number(res.headers.get('upload-offset'));
}

/** A PATCH on a connection of its own whose body is sent by hand (`send`, `cut`, `end`). */
function slowPatch(id: string, offset: number, bytes: Uint8Array) {
  let sent = 0;
  const req = request(url(id, '/upload'), {
    method: 'PATCH',
    agent: false,
    headers: {
      ...worker,
      'content-type': 'application/offset+octet-stream',
      'upload-offset': String(offset),
      'content-length': bytes.length - offset,
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
  sent = offset;
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

/** The rest of the photo from where HEAD says, in 256 KiB pieces as the app sends them. */
async function resume(id: string): Promise<Response> {
  let res: Response | undefined;
  for (let tries = 0; tries < 100; tries++) {
    const offset = await stored(id);
    res = await fetch(url(id, '/upload'), {
      method: 'PATCH',
      headers: { ...worker, 'content-type': 'application/offset+octet-stream', 'upload-offset': String(offset) },
      body: photo.subarray(offset, offset + 256 * 1024) as Uint8Array<ArrayBuffer>,
    });
    if (res.status === 409) {
      await new Promise((r) => setTimeout(r, 100)); // the cut request still holds the lease
      continue;
    }
    expect(res.status).toBe(204);
    if (Number(res.headers.get('upload-offset')) === photo.length) return res;
  }
  throw new Error(`the upload did not finish: last answer ${res?.status}`);
}

async function objects(): Promise<string[]> {
  const store = photoStoreFor(t.config) as S3PhotoStore;
  const res = await store.client.send(new ListObjectsV2Command({ Bucket: s3.config.bucket, Prefix: 'riverton/' }));
  return (res.Contents ?? []).map((o) => o.Key!);
}

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

describe('photo uploads into an S3 bucket', () => {
  it('the configured store is the bucket', () => {
    expect(photoStoreFor(t.config)).toBeInstanceOf(S3PhotoStore);
    expect(photo.length).toBeGreaterThan(300 * 1024);
  });

  it('a PATCH cut mid-piece keeps every byte that arrived; the upload resumes into one intact photo and thumbnail', async () => {
    const id = await attachPhoto(photo.length);
    const p = slowPatch(id, 0, photo);
    const cut = 100_003; // less than one 256 KiB part: stored when the request ends
    p.send(cut);
    await new Promise((r) => setTimeout(r, 300));
    p.cut();
    expect(await p.answer).toBeInstanceOf(Error);
    await expect.poll(() => stored(id), { timeout: 10_000 }).toBe(cut);
    expect(await objects()).toContain(`riverton/pending/${id}/000000000000000`);

    const last = await resume(id);
    expect(last.headers.get('upload-offset')).toBe(String(photo.length));
    const got = await fetch(url(id), { headers: worker });
    expect(got.status).toBe(200);
    expect(got.headers.get('etag')).toBe(`"${sha256(photo)}"`);
    expect(new Uint8Array(await got.arrayBuffer())).toEqual(photo);
    const thumb = await fetch(url(id, '/thumb'), { headers: worker });
    expect(thumb.status).toBe(200);
    expect((await sharp(new Uint8Array(await thumb.arrayBuffer())).metadata()).width).toBe(320);
    // One object per photo and thumbnail; the parts are gone.
    const names = (await objects()).filter((n) => n.includes(id));
    expect(names.sort()).toEqual([`riverton/photos/${id}`, `riverton/thumbs/${id}.jpg`]);
  });

  it('while the bucket is down an upload gets a 503 with a clear JSON error and Retry-After; back up, it resumes', async () => {
    const id = await attachPhoto(photo.length);
    const first = await fetch(url(id, '/upload'), {
      method: 'PATCH',
      headers: { ...worker, 'content-type': 'application/offset+octet-stream', 'upload-offset': '0' },
      body: photo.subarray(0, 50_000) as Uint8Array<ArrayBuffer>,
    });
    expect(first.status).toBe(204);
    await s3.stop();
    try {
      const res = await fetch(url(id, '/upload'), {
        method: 'PATCH',
        headers: { ...worker, 'content-type': 'application/offset+octet-stream', 'upload-offset': '50000' },
        body: photo.subarray(50_000, 90_000) as Uint8Array<ArrayBuffer>,
      });
      expect(res.status).toBe(503);
      expect(res.headers.get('retry-after')).toBe('30');
      const text = await res.text();
      expect(text).not.toMatch(/\bat \S+:\d+|ECONNREFUSED|s3rver|stack/i);
      const body = JSON.parse(text) as { error: { code: string; message: string } };
      expect(body.error.code).toBe('unavailable');
      expect(body.error.message).toMatch(/photo storage cannot be reached.*try again/i);
      const head = await fetch(url(id, '/upload'), { method: 'HEAD', headers: worker });
      expect(head.status).toBe(503);
      // The lease was given back: nothing blocks the retry once the bucket answers.
      const [row] = await t.db.sql<{ upload_lease: string | null }[]>`select upload_lease from photos where id = ${id}`;
      expect(row!.upload_lease).toBeNull();
    } finally {
      await s3.start();
    }
    expect(await stored(id)).toBe(50_000);
    await resume(id);
    const got = await fetch(url(id), { headers: worker });
    expect(new Uint8Array(await got.arrayBuffer())).toEqual(photo);
  });
});
