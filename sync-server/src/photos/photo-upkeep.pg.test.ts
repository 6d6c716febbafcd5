import { mkdtemp, rm } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Config } from '../config.ts';
import { connectPostgres } from '../db/database.ts';
import { createTestApp, quietLogger, type TestApp } from '../../test/test-app.ts';
import { listen, photoOnNewCase, TestDevice } from '../../test/sync-client.ts';
import { startLoopbackS3, type LoopbackS3 } from './loopback-s3.ts';
import { photoKeys, type PhotoStore } from './photo-store.ts';
import { photoStoreFor } from './photo-store-for.ts';
import { PhotoUpkeep, type PhotoUpkeepOptions } from './photo-upkeep.ts';

// Photo retention (PHOTO_RETENTION_DAYS) and the sweep of abandoned uploads, on real
// PostgreSQL, over the real upload and download routes, with the file store and with a bucket
// on a loopback S3 server.

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

let s3: LoopbackS3;
let photo: Uint8Array; // a JPEG of a few tens of KiB
beforeAll(async () => {
  s3 = await startLoopbackS3('fieldfix-upkeep', 'riverton/');
  const noise = Buffer.alloc(200 * 150 * 3);
  for (let i = 0; i < noise.length; i++) noise[i] = (i * 7919) % 251;
  photo = new Uint8Array(
    await sharp(noise, { raw: { width: 200, height: 150, channels: 3 } })
      .jpeg({ quality: 95 })
      .toBuffer(),
  );
});
afterAll(async () => {
  await s3?.close();
});

const storeKinds: [string, () => Promise<{ overrides: Partial<Config>; cleanup(): Promise<void> }>][] = [
  [
    'files under PHOTOS_DIR',
    async () => {
      const photosDir = await mkdtemp(join(tmpdir(), 'fieldfix-upkeep-'));
      return { overrides: { photosDir }, cleanup: () => rm(photosDir, { recursive: true, force: true }) };
    },
  ],
  ['a bucket (PHOTO_STORE=s3://…)', async () => ({ overrides: { photoS3: s3.config }, cleanup: async () => {} })],
];

describe.each(storeKinds)('photo upkeep on %s', (_name, setUp) => {
  let t: TestApp;
  let server: { url: string; close(): Promise<void> };
  let cleanup: () => Promise<void>;
  let store: PhotoStore;
  let worker: Record<string, string>; // Streets Crew A: takes and uploads the photos
  let lead: Record<string, string>; // Streets lead: looks at them
  let device: TestDevice;

  beforeAll(async () => {
    const s = await setUp();
    cleanup = s.cleanup;
    t = await createTestApp({ ...s.overrides, uploadTimings: { leaseSeconds: 30, renewMs: 200, idleMs: 10_000 } });
    server = await listen(t);
    store = photoStoreFor(t.config);
    worker = await t.login('worker@riverton.example');
    lead = await t.login('lead@riverton.example');
    device = new TestDevice(server.url, worker, 'tablet-upkeep');
  });
  afterAll(async () => {
    if (quietLogger.errors.length) console.error('server errors:', quietLogger.errors);
    await server?.close();
    await t?.close();
    await cleanup?.();
  });

  const upkeep = (
    opts: Partial<PhotoUpkeepOptions> = {},
    over: Partial<{ store: PhotoStore; sql: TestApp['db']['sql'] }> = {},
  ) =>
    new PhotoUpkeep(
      { sql: over.sql ?? t.db.sql, store: over.store ?? store, log: quietLogger },
      { retentionDays: 365, abandonHours: 72, ...opts },
    );

  /** A case of Crew A with a photo attached (synced, no bytes yet). */
  async function attachPhoto(): Promise<{ caseId: string; photoId: string }> {
    return photoOnNewCase(t.db.sql, device, { byteSize: photo.length, width: 200, height: 150 }, 'Upkeep test');
  }

  const url = (id: string, rest = '') => `${server.url}/api/photos/${id}${rest}`;

  async function stored(id: string): Promise<number> {
    const res = await fetch(url(id, '/upload'), { method: 'HEAD', headers: worker });
    expect(res.status).toBe(200);
    return Number(res.headers.get('upload-offset'));
  }

  function patch(id: string, offset: number, end: number) {
    return fetch(url(id, '/upload'), {
      method: 'PATCH',
      headers: { ...worker, 'content-type': 'application/offset+octet-stream', 'upload-offset': String(offset) },
      body: photo.subarray(offset, end) as Uint8Array<ArrayBuffer>,
    });
  }

  async function uploadAll(id: string): Promise<void> {
    const from = await stored(id);
    const res = await patch(id, from, photo.length);
    expect(res.status).toBe(204);
    expect(res.headers.get('upload-offset')).toBe(String(photo.length));
  }

  /** A case with a complete photo, then closed (or not) at `closedAt`. */
  async function photoOfCase(state: 'fixed' | 'closed_not_fixed' | 'cancelled' | 'in_progress', closedAt: Date | null) {
    const p = await attachPhoto();
    await uploadAll(p.photoId);
    const cancelled = state === 'cancelled';
    await t.db.sql`
      update cases set state = ${cancelled ? 'closed_not_fixed' : state}, cancelled = ${cancelled}, closed_at = ${closedAt}
      where id = ${p.caseId}`;
    // The photo itself is old too: only the case's closing counts.
    await t.db
      .sql`update photos set created_at = now() - interval '3 years', completed_at = now() - interval '3 years' where id = ${p.photoId}`;
    return p;
  }

  async function row(id: string) {
    const [r] = await t.db.sql<{ removed_at: Date | null; removed_reason: string | null; complete: boolean }[]>`
      select removed_at, removed_reason, complete from photos where id = ${id}`;
    return r!;
  }

  const daysAgo = (n: number) => new Date(Date.now() - n * DAY);

  describe('retention', () => {
    it('the photos of a case closed longer ago than the retention are deleted from the store, and answer 410 Gone; the record stays', async () => {
      const fixed = await photoOfCase('fixed', daysAgo(400));
      const cancelled = await photoOfCase('cancelled', daysAgo(500));
      const notFixed = await photoOfCase('closed_not_fixed', daysAgo(366));
      const before = await fetch(url(fixed.photoId), { headers: lead });
      expect(before.status).toBe(200);

      const pass = await upkeep().runOnce();
      expect(pass.removed).toBeGreaterThanOrEqual(3);
      for (const p of [fixed, cancelled, notFixed]) {
        const keys = photoKeys(p.photoId);
        expect(await store.read(keys.final)).toBeNull();
        expect(await store.read(keys.thumb)).toBeNull();
        const r = await row(p.photoId);
        expect(r.complete).toBe(true);
        expect(r.removed_reason).toBe('retention');
        expect(r.removed_at).toBeInstanceOf(Date);
        for (const rest of ['', '/thumb']) {
          const res = await fetch(url(p.photoId, rest), { headers: lead });
          expect(res.status).toBe(410);
          const body = (await res.json()) as { error: { message: string; details: { reason: string } } };
          expect(body.error.message).toMatch(/deleted on \d{4}-\d{2}-\d{2} under the city's photo retention policy/);
          expect(body.error.details.reason).toBe('retention');
        }
        // The device is told the upload is done: it does not send the photo again.
        expect(await stored(p.photoId)).toBe(photo.length);
      }
      // The case history still shows the photo was taken.
      const [event] = await t.db.sql<{ n: number }[]>`
        select count(*)::int as n from case_events
        where case_id = ${fixed.caseId} and kind = 'photo' and data->>'photoId' = ${fixed.photoId}`;
      expect(event!.n).toBe(1);
    });

    it('an open case’s old photos and a recently closed case’s photos stay', async () => {
      const open = await photoOfCase('in_progress', null);
      const recent = await photoOfCase('fixed', daysAgo(30));
      const justInside = await photoOfCase('closed_not_fixed', daysAgo(364));
      await upkeep().runOnce();
      for (const p of [open, recent, justInside]) {
        expect((await row(p.photoId)).removed_at).toBeNull();
        const res = await fetch(url(p.photoId), { headers: lead });
        expect(res.status).toBe(200);
        expect(new Uint8Array(await res.arrayBuffer())).toEqual(photo);
        expect(await store.read(photoKeys(p.photoId).thumb)).not.toBeNull();
      }
    });

    it('unset (the default), nothing is ever deleted', async () => {
      const old = await photoOfCase('fixed', daysAgo(4000));
      expect((await upkeep({ retentionDays: undefined }).runOnce()).removed).toBe(0);
      expect((await row(old.photoId)).removed_at).toBeNull();
      expect(await store.read(photoKeys(old.photoId).final)).toEqual(expect.any(Uint8Array));
      // Leave no photo due for the tests after this one.
      await upkeep().runOnce();
    });

    it('two instances at once, and then again: each photo is deleted once, and nothing fails', async () => {
      const due = [];
      for (let i = 0; i < 7; i++) due.push(await photoOfCase(i % 2 ? 'fixed' : 'cancelled', daysAgo(400 + i)));
      const ids = new Set(due.map((p) => p.photoId));
      const removals = new Map<string, number>();
      const counting: PhotoStore = new Proxy(store, {
        get(target, prop, receiver) {
          if (prop === 'remove') {
            return async (key: string) => {
              if (ids.has(key.split('/')[1]!.replace('.jpg', ''))) removals.set(key, (removals.get(key) ?? 0) + 1);
              return target.remove(key);
            };
          }
          const v = Reflect.get(target, prop, receiver) as unknown;
          return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
        },
      });
      // A second instance has its own connections to the database.
      const other = t.db.url ? connectPostgres(t.db.url, 4) : null;
      try {
        const errorsBefore = quietLogger.errors.length;
        const a = upkeep({ batchSize: 2 }, { store: counting });
        const b = upkeep({ batchSize: 2 }, { store: counting, ...(other ? { sql: other.sql } : {}) });
        const [pa, pb] = await Promise.all([a.runOnce(), b.runOnce()]);
        const [again1, again2] = await Promise.all([a.runOnce(), b.runOnce()]);
        // A pass may stop early while the other instance holds the rest: a later pass takes them.
        let rest = 0;
        for (let i = 0; i < 5 && pa.removed + pb.removed + again1.removed + again2.removed + rest < 7; i++) {
          rest += (await a.runOnce()).removed;
        }
        expect(pa.removed + pb.removed + again1.removed + again2.removed + rest).toBe(7);
        expect((await a.runOnce()).removed + (await b.runOnce()).removed).toBe(0);
        expect(quietLogger.errors.length).toBe(errorsBefore);
        for (const p of due) {
          const keys = photoKeys(p.photoId);
          expect(removals.get(keys.final), keys.final).toBe(1);
          expect(removals.get(keys.thumb), keys.thumb).toBe(1);
          expect((await row(p.photoId)).removed_reason).toBe('retention');
        }
      } finally {
        await other?.close();
      }
    });
  });

  describe('the sweep of abandoned uploads', () => {
    const later = (hours: number) => new Date(Date.now() + hours * HOUR);
    // Retention off here: these passes run hours ahead of the clock.
    const sweeper = (over: Parameters<typeof upkeep>[1] = {}) => upkeep({ retentionDays: undefined }, over);

    it('an abandoned half upload is removed; HEAD then says 0, and the photo uploaded again arrives byte-exact', async () => {
      const { photoId } = await attachPhoto();
      const half = Math.floor(photo.length / 2);
      expect((await patch(photoId, 0, half)).status).toBe(204);
      expect(await stored(photoId)).toBe(half);

      // Not yet: 71 hours without a byte is not abandoned.
      await sweeper().runOnce(later(71));
      expect(await stored(photoId)).toBe(half);

      const pass = await sweeper().runOnce(later(73));
      expect(pass.swept).toBeGreaterThanOrEqual(1);
      expect(await store.pendingUpload(photoId)).toBeNull();
      expect(await stored(photoId)).toBe(0);
      // The device still has the photo: a resume from its old offset is told where to start.
      const stale = await patch(photoId, half, photo.length);
      expect(stale.status).toBe(409);
      expect(stale.headers.get('upload-offset')).toBe('0');
      await uploadAll(photoId);
      const got = await fetch(url(photoId), { headers: lead });
      expect(got.status).toBe(200);
      expect(new Uint8Array(await got.arrayBuffer())).toEqual(photo);
      expect((await row(photoId)).removed_at).toBeNull();
    });

    it('an upload being sent right now is not swept, however long its bytes look untouched', async () => {
      const { photoId } = await attachPhoto();
      const half = Math.floor(photo.length / 2);
      expect((await patch(photoId, 0, half)).status).toBe(204);
      // A PATCH that goes on from there, holding the photo's upload lease while it sends.
      const req = request(url(photoId, '/upload'), {
        method: 'PATCH',
        agent: false,
        headers: {
          ...worker,
          'content-type': 'application/offset+octet-stream',
          'upload-offset': String(half),
          'content-length': photo.length - half,
        },
      });
      const answer = new Promise<{ status: number; offset: string | undefined }>((resolve, reject) => {
        req.on('response', (res) => {
          res.resume();
          res.on('end', () => resolve({ status: res.statusCode!, offset: res.headers['upload-offset'] as string }));
        });
        req.on('error', reject);
      });
      req.write(photo.subarray(half, half + 100));
      await expect
        .poll(
          async () => (await t.db.sql`select 1 from photos where id = ${photoId} and upload_lease is not null`).length,
        )
        .toBe(1);

      await sweeper().runOnce(later(73));
      expect((await store.pendingUpload(photoId))?.bytes).toBeGreaterThanOrEqual(half);

      req.end(photo.subarray(half + 100));
      expect(await answer).toEqual({ status: 204, offset: String(photo.length) });
      const got = await fetch(url(photoId), { headers: lead });
      expect(new Uint8Array(await got.arrayBuffer())).toEqual(photo);
    });

    it('bytes left under an upload key after the photo completed are swept; the photo stays', async () => {
      const { photoId } = await attachPhoto();
      await uploadAll(photoId);
      const keys = photoKeys(photoId);
      await store.append(keys.pending, 0, photo.subarray(0, 1000)); // as an interrupted finalize may leave
      expect((await sweeper().runOnce(later(73))).swept).toBeGreaterThanOrEqual(1);
      expect(await store.pendingUpload(photoId)).toBeNull();
      const got = await fetch(url(photoId), { headers: lead });
      expect(new Uint8Array(await got.arrayBuffer())).toEqual(photo);
      // Its thumbnail is the complete photo's: it stays.
      expect(await store.size(keys.thumb)).toBeGreaterThan(0);
      expect((await fetch(url(photoId, '/thumb'), { headers: lead })).status).toBe(200);
    });

    it('a thumbnail that a failed completion left goes with the abandoned bytes; the photo sent again gets its own', async () => {
      const { photoId } = await attachPhoto();
      const keys = photoKeys(photoId);
      const half = Math.floor(photo.length / 2);
      expect((await patch(photoId, 0, half)).status).toBe(204);
      const leftOver = new Uint8Array([0xff, 0xd8, 0xff, 0xd9]); // what a failed completion stored
      await store.put(keys.thumb, leftOver);

      expect((await sweeper().runOnce(later(73))).swept).toBeGreaterThanOrEqual(1);
      expect(await store.pendingUpload(photoId)).toBeNull();
      expect(await store.size(keys.thumb)).toBe(0);

      await uploadAll(photoId);
      const thumb = await fetch(url(photoId, '/thumb'), { headers: lead });
      expect(thumb.status).toBe(200);
      expect((await thumb.arrayBuffer()).byteLength).toBeGreaterThan(leftOver.length);
    });

    it('two instances sweeping at once remove each upload once, and nothing fails', async () => {
      const ids: string[] = [];
      for (let i = 0; i < 4; i++) {
        const { photoId } = await attachPhoto();
        expect((await patch(photoId, 0, 5000 + i)).status).toBe(204);
        ids.push(photoId);
      }
      const removals = new Map<string, number>();
      const counting: PhotoStore = new Proxy(store, {
        get(target, prop, receiver) {
          if (prop === 'remove') {
            return async (key: string) => {
              removals.set(key, (removals.get(key) ?? 0) + 1);
              return target.remove(key);
            };
          }
          const v = Reflect.get(target, prop, receiver) as unknown;
          return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
        },
      });
      const other = t.db.url ? connectPostgres(t.db.url, 4) : null;
      try {
        const errorsBefore = quietLogger.errors.length;
        const a = sweeper({ store: counting });
        const b = sweeper({ store: counting, ...(other ? { sql: other.sql } : {}) });
        await Promise.all([a.runOnce(later(73)), b.runOnce(later(73))]);
        expect(quietLogger.errors.length).toBe(errorsBefore);
        for (const id of ids) {
          expect(removals.get(photoKeys(id).pending), id).toBe(1);
          expect(await stored(id)).toBe(0);
        }
      } finally {
        await other?.close();
      }
    });
  });
});
