import sharp from 'sharp';
import { v7 as uuidv7 } from 'uuid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../app.ts';
import { createTestApp, quietLogger, type TestApp } from '../../test/test-app.ts';
import { listen, photoOnNewCase, TestDevice } from '../../test/sync-client.ts';
import { startLoopbackS3, type LoopbackS3 } from './loopback-s3.ts';
import { photoKeys } from './photo-store.ts';
import { photoStoreFor } from './photo-store-for.ts';

// PHOTO_DOWNLOADS=presigned: a photo download, after the usual access check, is a redirect to
// a short-lived presigned URL of the bucket (s3rver on loopback, behind a front that checks
// signatures as a private bucket does: see loopback-s3.ts).

let s3: LoopbackS3;
let t: TestApp;
let server: { url: string; close(): Promise<void> };
let streamed: ReturnType<typeof createApp>; // the same server streaming, as before
let worker: Record<string, string>; // Streets Crew A: took the photo
let lead: Record<string, string>; // Streets lead: may look
let otherCrew: Record<string, string>; // Streets Crew B: may not
let otherLead: Record<string, string>; // Sanitation lead: may not
let photo: Uint8Array;
let photoId: string;

beforeAll(async () => {
  s3 = await startLoopbackS3('fieldfix-presigned', 'riverton/');
  t = await createTestApp({ photoS3: s3.config, photoDownloads: 'presigned', photoUrlSeconds: 90 });
  streamed = createApp({
    sql: t.db.sql,
    config: { ...t.config, photoDownloads: 'stream' },
    dbKind: t.db.kind,
    version: 'test',
    log: quietLogger,
  });
  server = await listen(t);
  const [b] = await t.db.sql<
    { email: string }[]
  >`select email from users where crew_id = 'streets-b' order by id limit 1`;
  worker = await t.login('worker@riverton.example');
  lead = await t.login('lead@riverton.example');
  otherCrew = await t.login(b!.email);
  otherLead = await t.login('lead.sanitation@riverton.example');
  photo = new Uint8Array(
    await sharp({ create: { width: 640, height: 480, channels: 3, background: { r: 30, g: 120, b: 200 } } })
      .jpeg({ quality: 90 })
      .toBuffer(),
  );
  photoId = await attachPhoto();
  const res = await fetch(url(photoId, '/upload'), {
    method: 'PATCH',
    headers: { ...worker, 'content-type': 'application/offset+octet-stream', 'upload-offset': '0' },
    body: photo as Uint8Array<ArrayBuffer>,
  });
  expect(res.status).toBe(204);
});
afterAll(async () => {
  if (quietLogger.errors.length) console.error('server errors:', quietLogger.errors);
  await server?.close();
  await t?.close();
  await s3?.close();
});

async function attachPhoto(): Promise<string> {
  const device = new TestDevice(server.url, worker, 'tablet-presigned');
  const attached = { byteSize: photo.length, width: 640, height: 480 };
  return (await photoOnNewCase(t.db.sql, device, attached, 'Presigned photo test')).photoId;
}

const url = (id: string, rest = '') => `${server.url}/api/photos/${id}${rest}`;
const get = (path: string, headers: Record<string, string>) => fetch(path, { headers, redirect: 'manual' });

describe('presigned photo downloads', () => {
  it('a GET by someone who may see the photo is a redirect, never cached, to a bucket URL that gives the exact bytes', async () => {
    for (const who of [worker, lead]) {
      const res = await get(url(photoId), who);
      expect(res.status).toBe(302);
      expect(res.headers.get('cache-control')).toBe('private, no-store');
      expect(res.headers.get('etag')).toBeNull();
      const location = new URL(res.headers.get('location')!);
      expect(location.origin).toBe(s3.config.endpoint);
      expect(location.pathname).toBe(`/${s3.config.bucket}/riverton/photos/${photoId}`);
      expect(location.searchParams.get('X-Amz-Expires')).toBe('90');
      const bytes = await fetch(location);
      expect(bytes.status).toBe(200);
      expect(bytes.headers.get('content-type')).toBe('image/jpeg');
      expect(new Uint8Array(await bytes.arrayBuffer())).toEqual(photo);
    }
  });

  it('the thumbnail too; a client that follows redirects simply gets the picture', async () => {
    const res = await get(url(photoId, '/thumb'), lead);
    expect(res.status).toBe(302);
    expect(new URL(res.headers.get('location')!).pathname).toBe(`/${s3.config.bucket}/riverton/thumbs/${photoId}.jpg`);
    const followed = await fetch(url(photoId, '/thumb'), { headers: lead });
    expect(followed.status).toBe(200);
    expect(followed.headers.get('content-type')).toBe('image/jpeg');
    const thumb = await photoStoreFor(t.config).read(photoKeys(photoId).thumb);
    expect(new Uint8Array(await followed.arrayBuffer())).toEqual(new Uint8Array(thumb!));
  });

  it('someone who may not see it gets the same refusal as when the server streams, and no URL', async () => {
    const cases: [string, Record<string, string>][] = [
      [url(photoId), otherCrew],
      [url(photoId, '/thumb'), otherLead],
      [url(photoId), {}], // no session
      [url(uuidv7()), lead], // no such photo
    ];
    for (const [path, who] of cases) {
      const res = await get(path, who);
      const before = await streamed.request(path.slice(server.url.length), { headers: who });
      expect(res.status, path).toBe(before.status);
      expect([401, 403, 404]).toContain(res.status);
      expect(res.headers.get('location')).toBeNull();
      const body = await res.text();
      expect(body).toBe(await before.text());
      expect(body).not.toMatch(/X-Amz|127\.0\.0\.1|riverton\/photos/);
    }
  });

  it('a photo still uploading is a 404 and a photo deleted under retention a 410, neither with a URL', async () => {
    const unfinished = await attachPhoto();
    const res = await get(url(unfinished), worker);
    expect(res.status).toBe(404);
    expect(res.headers.get('location')).toBeNull();

    const removed = await attachPhoto();
    await t.db.sql`update photos set complete = true, sha256 = 'x', thumb_key = ${photoKeys(removed).thumb},
      storage_key = ${photoKeys(removed).final}, removed_at = now(), removed_reason = 'retention' where id = ${removed}`;
    for (const rest of ['', '/thumb']) {
      const gone = await get(url(removed, rest), lead);
      expect(gone.status).toBe(410);
      expect(gone.headers.get('location')).toBeNull();
      expect(((await gone.json()) as { error: { message: string } }).error.message).toMatch(/retention policy/);
    }
  });

  it('the URL of a redirect, tampered with, is refused by the bucket', async () => {
    const location = (await get(url(photoId), lead)).headers.get('location')!;
    const thumbUrl = location.replace(`photos/${photoId}`, `thumbs/${photoId}.jpg`);
    const longer = location.replace('X-Amz-Expires=90', 'X-Amz-Expires=604800');
    for (const tampered of [thumbUrl, longer]) {
      const res = await fetch(tampered);
      expect(res.status).toBe(403);
      expect(await res.text()).toMatch(/SignatureDoesNotMatch/);
    }
  });

  it('a conditional GET for the copy the client holds is still answered 304 by the server', async () => {
    const [r] = await t.db.sql<{ sha256: string }[]>`select sha256 from photos where id = ${photoId}`;
    const res = await get(url(photoId), { ...lead, 'if-none-match': `"${r!.sha256}"` });
    expect(res.status).toBe(304);
    expect(res.headers.get('location')).toBeNull();
  });
});
