import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Staff } from '../access/caller.ts';
import { createTestApp, quietLogger, type TestApp } from '../../test/test-app.ts';
import { listen, photoOnNewCase, TestDevice } from '../../test/sync-client.ts';
import { FilePhotoStore, photoKeys, type PhotoAppender, type PhotoStore } from './photo-store.ts';
import { receiveUpload, UploadInProgress } from './upload.service.ts';

// One writer per photo while a piece is slow to store: a bucket that takes longer than the
// upload lease to take one part must not let a retry take the lease and write beside it (the
// parts would overlap). The lease is renewed on a timer for as long as the request writes.

let t: TestApp;
let server: { url: string; close(): Promise<void> };
let crewA: TestDevice;
let staff: Staff;
let dir: string;

beforeAll(async () => {
  t = await createTestApp();
  server = await listen(t);
  crewA = new TestDevice(server.url, await t.login('worker@riverton.example'), 'tablet-lease');
  const [u] = await t.db.sql<Staff[]>`
    select id, name, email, role, crew_id as "crewId", department_id as "departmentId" from users where id = 'u-w01'`;
  staff = u!;
  dir = mkdtempSync(join(tmpdir(), 'fieldfix-lease-'));
});
afterAll(async () => {
  await server?.close();
  await t?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** A store whose first piece takes `ms` to write (a bucket slow to take a part). */
function slowFirstWrite(inner: PhotoStore, ms: number): PhotoStore {
  let first = true;
  return new Proxy(inner, {
    get(target, prop) {
      if (prop !== 'openAppend') {
        const value = Reflect.get(target, prop, target) as unknown;
        return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
      }
      return async (key: string, offset: number): Promise<PhotoAppender> => {
        const w = await target.openAppend(key, offset);
        return {
          write: async (bytes) => {
            if (first) {
              first = false;
              await new Promise((r) => setTimeout(r, ms));
            }
            await w.write(bytes);
          },
          truncate: (size) => w.truncate(size),
          close: () => w.close(),
        };
      };
    },
  });
}

describe('a piece slower to store than the upload lease', () => {
  it('keeps the lease: a retry meanwhile is told the upload is in progress, and writes nothing', async () => {
    const { photoId } = await photoOnNewCase(t.db.sql, crewA, { byteSize: 1000, width: 10, height: 10 }, 'Lease test');
    const timings = { leaseSeconds: 1, renewMs: 200, idleMs: 10_000 };
    const deps = {
      sql: t.db.sql,
      store: slowFirstWrite(new FilePhotoStore(dir), 2_500),
      maxBytes: 10_000_000,
      log: quietLogger,
    };
    const piece = new Uint8Array(300).fill(7);
    const body = () =>
      new ReadableStream<Uint8Array>({
        start(c) {
          c.enqueue(piece);
          c.close();
        },
      });
    const first = receiveUpload(deps, staff, photoId, 0, body(), timings);
    // Past the lease's second, while the first piece is still being stored: a retry from 0.
    await new Promise((r) => setTimeout(r, 1_600));
    await expect(receiveUpload(deps, staff, photoId, 0, body(), timings)).rejects.toBeInstanceOf(UploadInProgress);
    expect(await first).toEqual({ offset: 300, cut: false });
    expect(await deps.store.size(photoKeys(photoId).pending)).toBe(300);
  }, 20_000);
});
