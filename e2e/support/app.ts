// What the browser tests share: signing in, waiting for sync, reading the server's view of a
// case, finding things on the page, and camera-sized test photos.
import { expect, type APIRequestContext, type BrowserContext, type Page } from '@playwright/test';

export const WORKER = { email: 'worker@riverton.example', password: 'fieldfix' };
/** A worker of another crew (Streets Crew B), for tests that must not share a crew's cases. */
export const WORKER_B = { email: 'worker.b@riverton.example', password: 'fieldfix' };
export const LEAD = { email: 'lead@riverton.example', password: 'fieldfix' };
/** Streets types a crew may fix without an after-photo (POTHOLE needs one). */
export const FIXABLE = ['SIDEWALK', 'DEBRIS'];

export interface ServerCase {
  id: string;
  serviceCode: string;
  state: string;
  version: number;
  holdReason: string | null;
  resolutionCode: string | null;
  priority: string;
  cancelled: boolean;
  crewId: string | null;
}
export interface ServerEvent {
  kind: string;
  actorName: string | null;
  data: Record<string, unknown>;
}

export async function signIn(page: Page, who = WORKER): Promise<void> {
  await page.goto('/login');
  await page.getByLabel('Email').fill(who.email);
  await page.getByLabel('Password').fill(who.password);
  await page.getByRole('button', { name: /sign in/i }).click();
  // A crew member lands on the day, a lead or an administrator (no crew) on the inbox.
  await expect(page).toHaveURL(who === LEAD || who === ADMIN ? /\/inbox$/ : /\/day$/);
}

/** Waits until the device has synced: nothing pending, the loop idle, a sync time shown. */
export async function synced(page: Page, timeout = 30_000): Promise<void> {
  await expect(page.getByTestId('pending-count')).toHaveAttribute('data-count', '0', { timeout });
  await expect(page.getByTestId('sync-status')).toHaveAttribute('data-running', 'false', { timeout });
  await expect(page.getByTestId('last-synced')).toContainText('Last synced', { timeout });
}

/** The service worker must control the page before the signal goes. */
export async function offlineReady(page: Page): Promise<void> {
  await page.evaluate(async () => {
    await navigator.serviceWorker.ready;
  });
  if (!(await page.evaluate(() => !!navigator.serviceWorker.controller))) await page.reload();
  await expect.poll(() => page.evaluate(() => !!navigator.serviceWorker.controller)).toBe(true);
}

/** The crew's day as the server has it (the page's cookie). */
export async function serverDay(api: APIRequestContext): Promise<ServerCase[]> {
  const res = await api.get('/api/day');
  expect(res.status()).toBe(200);
  return ((await res.json()) as { cases: ServerCase[] }).cases;
}

export async function serverCase(
  api: APIRequestContext,
  id: string,
): Promise<{ case: ServerCase; events: ServerEvent[] }> {
  const res = await api.get(`/api/cases/${id}`);
  expect(res.status()).toBe(200);
  return (await res.json()) as { case: ServerCase; events: ServerEvent[] };
}

/** Signs in through the API with a cookie of its own (a desk, or a device other than the page). */
export async function apiSession(
  playwright: { request: { newContext: (o: object) => Promise<APIRequestContext> } },
  baseURL: string,
  who: { email: string; password: string },
): Promise<APIRequestContext> {
  const api = await playwright.request.newContext({ baseURL, extraHTTPHeaders: { origin: baseURL } });
  expect((await api.post('/api/auth/login', { data: who })).status()).toBe(200);
  return api;
}

/**
 * One change pushed to a case at its version on the server, as a device of its own would send
 * it (a lead's desk, a crew's other tablet): the server's outcome ("applied", "rejected"…).
 */
export async function pushOne(
  api: APIRequestContext,
  caseId: string,
  kind: string,
  payload: object,
  device = 'e2e-device',
): Promise<string> {
  const { case: current } = await serverCase(api, caseId);
  const clientId = `${device}-${uuidv7().slice(-12)}`;
  const res = await api.post('/api/sync/push', {
    headers: { 'fieldfix-protocol': '4' },
    data: {
      clientId,
      sentAt: new Date().toISOString(),
      mutations: [
        {
          id: uuidv7(),
          clientId,
          seq: 0,
          caseId,
          baseVersion: current.version,
          deviceTime: new Date().toISOString(),
          kind,
          payload,
        },
      ],
    },
  });
  expect(res.status(), await res.text()).toBe(200);
  return ((await res.json()) as { outcomes: { outcome: string }[] }).outcomes[0]!.outcome;
}

export const count = (events: ServerEvent[], pred: (e: ServerEvent) => boolean) => events.filter(pred).length;

/** Opens a case from the day list, as a person would. */
export async function openCase(page: Page, id: string): Promise<void> {
  if (!/\/day$/.test(page.url())) await page.getByRole('link', { name: /back to my day/i }).click();
  await page.locator(`[data-testid="case-row"][data-case-id="${id}"] a`).click();
  await expect(page).toHaveURL(new RegExp(`/cases/${id}$`));
  await expect(page.getByTestId('case-detail')).toBeVisible();
}

export function stateBadge(page: Page) {
  return page.getByTestId('case-detail').locator('header .badge.state');
}

export function row(page: Page, id: string) {
  return page.locator(`[data-testid="case-row"][data-case-id="${id}"]`);
}

/** A UUIDv7 (the lead's desk below is a plain HTTP client). */
export function uuidv7(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  const ms = BigInt(Date.now());
  for (let i = 0; i < 6; i++) bytes[i] = Number((ms >> BigInt(8 * (5 - i))) & 0xffn);
  bytes[6] = (bytes[6]! & 0x0f) | 0x70;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = [...bytes].map((b) => b.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

export interface DevicePhoto {
  id: string;
  caseId: string;
  tag: string;
  width: number;
  height: number;
  byteSize: number;
  uploadedBytes: number;
  state: string;
  sha256: string;
}

/**
 * A real 4000×3000 camera-sized JPEG, drawn in the page: noise (so it does not compress to
 * nothing) under shapes. Returned as bytes for `setInputFiles`.
 */
export async function bigJpeg(page: Page, seed: number): Promise<Buffer> {
  const b64 = await page.evaluate(async (seed) => {
    const canvas = document.createElement('canvas');
    canvas.width = 4000;
    canvas.height = 3000;
    const ctx = canvas.getContext('2d')!;
    const img = ctx.createImageData(4000, 3000);
    let x = seed * 2654435761;
    for (let i = 0; i < img.data.length; i += 4) {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      img.data[i] = x & 0xff;
      img.data[i + 1] = (x >>> 8) & 0xff;
      img.data[i + 2] = (x >>> 16) & 0xff;
      img.data[i + 3] = 255;
    }
    ctx.putImageData(img, 0, 0);
    ctx.fillStyle = 'rgba(40, 40, 40, 0.6)';
    ctx.beginPath();
    ctx.ellipse(2000, 1500, 1200, 700, 0, 0, Math.PI * 2);
    ctx.fill();
    const blob = await new Promise<Blob>((r) => canvas.toBlob((b) => r(b!), 'image/jpeg', 0.85));
    const bytes = new Uint8Array(await blob.arrayBuffer());
    let s = '';
    for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
    return btoa(s);
  }, seed);
  return Buffer.from(b64, 'base64');
}

/** The photos as stored on the device (read straight from IndexedDB), with their SHA-256. */
export async function devicePhotos(page: Page): Promise<DevicePhoto[]> {
  return page.evaluate(async () => {
    const rows = await new Promise<Record<string, unknown>[]>((resolve, reject) => {
      const open = indexedDB.open('fieldfix');
      open.onerror = () => reject(open.error);
      open.onsuccess = () => {
        const db = open.result;
        const q = db.transaction('photos').objectStore('photos').getAll();
        q.onsuccess = () => {
          resolve(q.result as Record<string, unknown>[]);
          db.close();
        };
        q.onerror = () => reject(q.error);
      };
    });
    const hex = (buf: ArrayBuffer) => [...new Uint8Array(buf)].map((b) => b.toString(16).padStart(2, '0')).join('');
    return Promise.all(
      rows.map(async (r) => ({
        id: r.id as string,
        caseId: r.caseId as string,
        tag: r.tag as string,
        width: r.width as number,
        height: r.height as number,
        byteSize: r.byteSize as number,
        uploadedBytes: r.uploadedBytes as number,
        state: r.state as string,
        sha256: hex(await crypto.subtle.digest('SHA-256', r.bytes as ArrayBuffer)),
      })),
    );
  });
}

/** The photo as the server serves it: decoded in the page, hashed, with its ETag. */
export async function serverPhoto(page: Page, id: string) {
  return page.evaluate(async (id) => {
    const res = await fetch(`/api/photos/${id}`, { cache: 'no-store' });
    if (!res.ok) return { status: res.status, etag: null, type: null, sha256: null, width: 0, height: 0 };
    const buf = await res.arrayBuffer();
    const bitmap = await createImageBitmap(new Blob([buf], { type: res.headers.get('content-type') ?? 'image/jpeg' }));
    const sha = [...new Uint8Array(await crypto.subtle.digest('SHA-256', buf))]
      .map((b) => b.toString(16).padStart(2, '0'))
      .join('');
    return {
      status: res.status,
      etag: res.headers.get('etag'),
      type: res.headers.get('content-type'),
      sha256: sha,
      width: bitmap.width,
      height: bitmap.height,
    };
  }, id);
}

export const ADMIN = { email: 'admin@riverton.example', password: 'fieldfix' };

/** Fills in and sends the sign-in form already on the page (wherever it then leads). */
export async function submitSignIn(page: Page, who = WORKER): Promise<void> {
  await page.getByLabel('Email').fill(who.email);
  await page.getByLabel('Password').fill(who.password);
  await page.getByRole('button', { name: /sign in/i }).click();
}

/** Every row of one IndexedDB store of the app's database, read in the page. */
export async function deviceRows<T = Record<string, unknown>>(page: Page, store: string): Promise<T[]> {
  return page.evaluate(
    (store) =>
      new Promise<T[]>((resolve, reject) => {
        const open = indexedDB.open('fieldfix');
        open.onerror = () => reject(open.error);
        open.onsuccess = () => {
          const db = open.result;
          const q = db.transaction(store).objectStore(store).getAll();
          q.onsuccess = () => {
            resolve(q.result as T[]);
            db.close();
          };
          q.onerror = () => reject(q.error);
        };
      }),
    store,
  );
}

/** The cases on the device as the app stored them. */
export interface DeviceCase {
  id: string;
  serviceCode: string;
  state: string;
  crewId: string | null;
  version: number;
}

/** A case's history as the device keeps it. */
export interface DeviceHistory {
  caseId: string;
  version?: number;
  events: { kind: string; data: Record<string, unknown> }[];
  names?: { crews: Record<string, string>; departments: Record<string, string> };
}

export const deviceCases = (page: Page) => deviceRows<DeviceCase>(page, 'cases');
export const deviceHistories = (page: Page) => deviceRows<DeviceHistory>(page, 'caseHistory');

/** Removes a case (and its kept history) from the device, as if it had never been pulled. */
export async function forgetDeviceCase(page: Page, id: string): Promise<void> {
  await page.evaluate(
    (id) =>
      new Promise<void>((resolve, reject) => {
        const open = indexedDB.open('fieldfix');
        open.onerror = () => reject(open.error);
        open.onsuccess = () => {
          const db = open.result;
          const tx = db.transaction(['cases', 'caseHistory'], 'readwrite');
          tx.objectStore('cases').delete(id);
          tx.objectStore('caseHistory').delete(id);
          tx.oncomplete = () => {
            db.close();
            resolve();
          };
          tx.onerror = () => reject(tx.error);
        };
      }),
    id,
  );
}

/**
 * The signal, for the service worker too: Chromium's offline switch covers the pages, but the
 * worker's own requests (Background Sync) may still reach the server, so those are cut as well.
 */
export async function setSignal(context: BrowserContext, on: boolean): Promise<void> {
  await context.setOffline(!on);
  if (on) await context.unroute('**/api/**');
  else await context.route('**/api/**', (route) => route.abort('internetdisconnected'));
}

/** A phone-camera-sized JPEG (3000×2000) of a pothole, drawn in the page. */
export async function potholeJpeg(page: Page): Promise<Buffer> {
  const b64 = await page.evaluate(async () => {
    const canvas = document.createElement('canvas');
    canvas.width = 3000;
    canvas.height = 2000;
    const ctx = canvas.getContext('2d')!;
    ctx.fillStyle = '#6b6b6e';
    ctx.fillRect(0, 0, 3000, 2000);
    ctx.fillStyle = '#2b2724';
    ctx.beginPath();
    ctx.ellipse(1500, 1000, 700, 380, 0.2, 0, Math.PI * 2);
    ctx.fill();
    const blob = await new Promise<Blob>((r) => canvas.toBlob((b) => r(b!), 'image/jpeg', 0.9));
    const bytes = new Uint8Array(await blob.arrayBuffer());
    let s = '';
    for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
    return btoa(s);
  });
  return Buffer.from(b64, 'base64');
}
