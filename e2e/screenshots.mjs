// `pnpm screenshots`: commit-ready pictures of the field app (e2e/screenshots/*.png), taken
// from the built app (field-app/build) served by the real sync-server on a throwaway embedded
// database with the demo city. Tablet (1280×800) and phone (390×844), device scale 1, the
// city's time zone, reduced motion; every shot waits for the sync to settle first.
//   day-*, map-*, case-*, fix-* a crew member's day as a list and as a map, a sidewalk case
//                               (with the resident's photo), its Fix form
//   day-offline-tablet          no signal, two changes waiting (the status bar says so)
//   inbox-tablet                the lead's inbox with a crossed-path notice (fix vs cancel)
// The residents' pages at phone (390×844, isMobile) and desktop (1280×800), in English (en-US)
// and Spanish (es-MX), as resident-{page}-{size}-{en|es}.png:
//   report  the form with a pothole picked, its size answered and an address chosen from the
//           suggestions (not sent); from the top of the page down to the place
//   track   the sidewalk case above once the crew started and fixed it with an after-photo
//           (pushed over the API as the crew's app does: start, attach_photo, fix, then the
//           photo's bytes); from the top of the page down to the end of its timeline
//   map     scrolled to the map once drawn;  stats  the charts drawn (phone: the first one)
// The app is built first when field-app/build is missing or stale; Chromium as for the browser
// tests (support/browser.ts).
import { mkdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  LEAD,
  PROTOCOL,
  TIME_ZONE,
  WORKER,
  launch,
  offlineReady,
  signIn,
  startServer,
  synced,
  uuidv7,
} from '../bench/client/harness.mjs';

const out = join(dirname(fileURLToPath(import.meta.url)), 'screenshots');
mkdirSync(out, { recursive: true });

const SIZES = {
  tablet: { viewport: { width: 1280, height: 800 }, hasTouch: true },
  phone: { viewport: { width: 390, height: 844 }, hasTouch: true, isMobile: true },
};
const FIXABLE = ['SIDEWALK'];
const log = (msg) => process.stdout.write(`${msg}\n`);

function contextFor(browser, base, size) {
  return browser.newContext({
    baseURL: base,
    ...SIZES[size],
    deviceScaleFactor: 1,
    timezoneId: TIME_ZONE,
    locale: 'en-US',
    reducedMotion: 'reduce',
    serviceWorkers: 'allow',
  });
}

/** Fonts loaded, no focus ring left by a click, two frames painted. */
async function settle(page) {
  await page.evaluate(async () => {
    await document.fonts.ready;
    await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
  });
  await page.waitForTimeout(150);
}

/**
 * A viewport picture; or, given `upTo`, the page from its top down to the bottom of that
 * element (for a page whose point is below the fold).
 */
async function shoot(page, name, { upTo } = {}) {
  await settle(page);
  const file = join(out, `${name}.png`);
  let clip;
  if (upTo) {
    const bottom = await page.locator(upTo).evaluate((el) => el.getBoundingClientRect().bottom + window.scrollY);
    clip = { x: 0, y: 0, width: page.viewportSize().width, height: Math.ceil(bottom) + 16 };
  }
  await page.screenshot({ path: file, animations: 'disabled', caret: 'hide', fullPage: !!clip, clip });
  log(`${name}.png  ${(statSync(file).size / 1024).toFixed(0)} KB`);
}

/** Scrolls the page so that an element is at the top of the viewport. */
async function scrollToTop(page, selector) {
  await page
    .locator(selector)
    .evaluate((el) => window.scrollTo(0, el.getBoundingClientRect().top + window.scrollY - 12));
}

async function apiDay(page) {
  const res = await page.request.get('/api/day');
  if (res.status() !== 200) throw new Error(`/api/day answered ${res.status()}`);
  return (await res.json()).cases;
}

async function openCase(page, id) {
  if (!/\/day$/.test(page.url())) await page.goto('/day');
  await page.locator(`[data-testid="case-row"][data-case-id="${id}"] a`).click();
  await page.waitForURL(new RegExp(`/cases/${id}$`));
  await page.getByTestId('case-detail').waitFor();
}

/** The crew's day, a sidewalk case and its Fix form, at one size. */
async function crewShots(browser, base, size, caseId) {
  const context = await contextFor(browser, base, size);
  try {
    const page = await context.newPage();
    await signIn(page, base);
    await synced(page);
    await offlineReady(page);
    await page.goto(`${base}/day`);
    await page.getByTestId('case-row').first().waitFor();
    await synced(page);
    await shoot(page, `day-${size}`);

    // The day's map, from the tiles the device downloaded after its first sync.
    await page.getByTestId('view-map').click();
    await page.locator('[data-testid="offline-map"][data-phase="ready"]').waitFor({ timeout: 60_000 });
    await page.locator('[data-testid="day-map"][data-map-idle="true"]').waitFor({ timeout: 30_000 });
    await page.mouse.move(0, 0);
    await shoot(page, `map-${size}`);
    await page.goto(`${base}/day`);
    await page.getByTestId('case-row').first().waitFor();

    await openCase(page, caseId);
    await synced(page);
    await page.mouse.move(0, 0);
    await shoot(page, `case-${size}`);

    await page.getByRole('button', { name: 'Fix', exact: true }).click();
    const form = page.getByRole('group', { name: 'What was done?' });
    await form.waitFor();
    await form.getByRole('radio').first().check();
    await page.locator('#action-form').scrollIntoViewIfNeeded();
    await page.evaluate(() =>
      document.activeElement instanceof HTMLElement ? document.activeElement.blur() : undefined,
    );
    await shoot(page, `fix-${size}`);
    await page.getByRole('button', { name: 'Cancel' }).click();
    return { context, page };
  } catch (err) {
    await context.close();
    throw err;
  }
}

/** No signal, a case started and a note added: the day list with the status bar saying so. */
async function offlineShot(context, page, base, day, skip) {
  const target = day.find((c) => c.state === 'assigned' && !skip.includes(c.id));
  if (!target) throw new Error('no assigned case to start offline');
  await page.goto(`${base}/day`);
  await synced(page);
  await context.setOffline(true);
  await page.getByTestId('offline-indicator').waitFor();
  await openCase(page, target.id);
  await page.getByRole('button', { name: 'Start', exact: true }).click();
  await page.getByTestId('action-saved').filter({ hasText: 'saved on this device' }).waitFor();
  await page.getByRole('button', { name: 'Add note' }).click();
  await page.getByLabel('Note', { exact: true }).fill('Cones out, lip is 3 cm. Back with the grinder after lunch.');
  await page.getByRole('button', { name: 'Save note' }).click();
  await page.locator('[data-testid="pending-count"][data-count="2"]').waitFor({ state: 'attached' });
  await page.getByRole('link', { name: /back to my day/i }).click();
  await page.waitForURL(/\/day$/);
  await page
    .locator(`[data-testid="case-row"][data-case-id="${target.id}"]`)
    .filter({ hasText: 'Waiting to sync' })
    .waitFor();
  await page.mouse.move(0, 0);
  await shoot(page, 'day-offline-tablet');
  await context.setOffline(false);
  await synced(page);
}

const JSON_TYPE = { 'content-type': 'application/json' };

/** Headers of a staff member's API requests (a bearer token, the sync protocol). */
async function apiLogin(base, who) {
  const res = await fetch(`${base}/api/auth/login?bearer=1`, {
    method: 'POST',
    headers: JSON_TYPE,
    body: JSON.stringify(who),
  });
  if (!res.ok) throw new Error(`login ${who.email}: ${res.status}`);
  return { ...JSON_TYPE, ...PROTOCOL, authorization: `Bearer ${(await res.json()).token}` };
}

async function caseVersion(base, headers, caseId) {
  const res = await fetch(`${base}/api/cases/${caseId}`, { headers });
  if (!res.ok) throw new Error(`case ${caseId}: ${res.status}`);
  return (await res.json()).case.version;
}

/** Pushes one device's changes to a case, made on `baseVersion`; their outcomes. */
async function push(base, headers, caseId, baseVersion, changes) {
  const clientId = `screenshots-${changes[0].kind}-${uuidv7().slice(-8)}`;
  const mutations = changes.map(({ kind, payload }, i) => ({
    id: uuidv7(),
    clientId,
    seq: i + 1,
    caseId,
    baseVersion,
    deviceTime: new Date().toISOString(),
    kind,
    payload,
  }));
  const res = await fetch(`${base}/api/sync/push`, {
    method: 'POST',
    headers,
    body: JSON.stringify({ clientId, mutations }),
  });
  if (!res.ok) throw new Error(`push ${changes[0].kind}: ${res.status} ${await res.text()}`);
  return (await res.json()).outcomes.map((o) => o.outcome);
}

/** A crossed path over the API: the lead cancels a case, then a crew's fix made before it arrives. */
async function crossPaths(base, caseId) {
  const lead = await apiLogin(base, LEAD);
  const worker = await apiLogin(base, WORKER);
  const version = await caseVersion(base, lead, caseId);
  const [cancelled] = await push(base, lead, caseId, version, [
    { kind: 'cancel', payload: { reason: 'no_action_needed', note: 'The resident withdrew the report.' } },
  ]);
  const [fixed] = await push(base, worker, caseId, version, [
    { kind: 'fix', payload: { resolutionCode: 'ground_down', note: 'Ground the lip down.', photoIds: [] } },
  ]);
  if (cancelled !== 'applied' || fixed === 'applied')
    throw new Error(`expected a crossed path, got cancel ${cancelled}, fix ${fixed}`);
}

/**
 * The crew's after-photo of a sidewalk repair, drawn in a blank page (1024×768 JPEG): the
 * slabs of the demo's "before" scene (sync-server/src/demo/report-photos.ts), one replaced.
 */
async function afterPhoto(browser) {
  const page = await browser.newPage();
  try {
    const b64 = await page.evaluate(async () => {
      const canvas = document.createElement('canvas');
      canvas.width = 1024;
      canvas.height = 768;
      const ctx = canvas.getContext('2d');
      ctx.fillStyle = '#bdbab3';
      ctx.fillRect(0, 0, 1024, 768);
      ctx.fillStyle = '#d9d6cf'; // the new slab, lighter
      ctx.fillRect(256, 512, 256, 256);
      ctx.strokeStyle = '#8d8a83';
      ctx.lineWidth = 6;
      ctx.beginPath();
      for (const y of [256, 512]) {
        ctx.moveTo(0, y);
        ctx.lineTo(1024, y);
      }
      for (const x of [256, 512, 768]) {
        ctx.moveTo(x, 0);
        ctx.lineTo(x, 768);
      }
      ctx.stroke();
      const blob = await new Promise((r) => canvas.toBlob(r, 'image/jpeg', 0.85));
      const bytes = new Uint8Array(await blob.arrayBuffer());
      let s = '';
      for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
      return btoa(s);
    });
    return Buffer.from(b64, 'base64');
  } finally {
    await page.close();
  }
}

/**
 * The crew fixes a case with an after-photo, as its app does: `start` (when not started yet),
 * `attach_photo` and `fix` pushed together, then the photo's bytes
 * (`PATCH /api/photos/:id/upload`).
 */
async function fixWithPhoto(browser, base, c) {
  const worker = await apiLogin(base, WORKER);
  const jpeg = await afterPhoto(browser);
  const photoId = crypto.randomUUID();
  const version = await caseVersion(base, worker, c.id);
  const outcomes = await push(base, worker, c.id, version, [
    ...(c.state === 'assigned' ? [{ kind: 'start', payload: {} }] : []),
    {
      kind: 'attach_photo',
      payload: {
        photoId,
        tag: 'after',
        contentType: 'image/jpeg',
        byteSize: jpeg.length,
        width: 1024,
        height: 768,
        takenAt: new Date().toISOString(),
        lat: c.lat,
        long: c.long,
      },
    },
    {
      kind: 'fix',
      payload: { resolutionCode: 'ground_down', note: 'Replaced the lifted slab.', photoIds: [photoId] },
    },
  ]);
  if (outcomes.some((o) => o !== 'applied')) throw new Error(`the fix with a photo: ${outcomes.join(', ')}`);
  const res = await fetch(`${base}/api/photos/${photoId}/upload`, {
    method: 'PATCH',
    headers: {
      authorization: worker.authorization,
      ...PROTOCOL,
      'content-type': 'application/offset+octet-stream',
      'upload-offset': '0',
    },
    body: jpeg,
  });
  if (res.status !== 204 || res.headers.get('upload-offset') !== String(jpeg.length))
    throw new Error(`the after-photo's upload: ${res.status} ${await res.text()}`);
}

// The residents' pages: phone and desktop, English and Spanish.
const RESIDENT_SIZES = {
  phone: { viewport: { width: 390, height: 844 }, hasTouch: true, isMobile: true },
  desktop: { viewport: { width: 1280, height: 800 } },
};
const LOCALES = { en: 'en-US', es: 'es-MX' };
const SEARCH = { en: 'pothole', es: 'bache' };

/**
 * /report filled in: the types searched for a pothole and it picked, its size answered, an
 * address chosen from the suggestions (not sent).
 */
async function reportShot(page, name, lang) {
  await page.goto('/report');
  await page.locator('#type-search').fill(SEARCH[lang]);
  const type = page.locator('label.type', { has: page.locator('input[value="POTHOLE"]') });
  await type.click();
  await page.locator('input[name="attr-size"][value="large"]').check();
  await page.locator('#report-address').pressSequentially('1410 ced');
  await page.getByRole('option', { name: '1410 Cedar Ave' }).click();
  await page.getByTestId('report-place').waitFor();
  await page.evaluate(() => {
    if (document.activeElement instanceof HTMLElement) document.activeElement.blur();
  });
  await page.mouse.move(0, 0);
  await shoot(page, name, { upTo: 'section[aria-labelledby="step-place"]' });
}

/** /track/{id}: the fixed case from its top down to its timeline, with the after-photo. */
async function trackShot(page, name, caseId) {
  await page.goto(`/track/${caseId}`);
  const photos = page.locator('img.photo');
  await page.locator('.step-fixed img.photo').waitFor();
  for (const img of await photos.all()) await img.evaluate((el) => el.decode());
  await shoot(page, name, { upTo: 'ol.timeline' });
}

/**
 * /map drawn, scrolled to the map: from its colour key on a desktop, from its count on a phone
 * (the key and the whole map do not fit).
 */
async function mapShot(page, name, size) {
  await page.goto('/map');
  await page.locator('[data-testid="record-map"][data-drawn="true"]').waitFor({ timeout: 60_000 });
  await scrollToTop(page, size === 'phone' ? '[data-testid="map-count"]' : '.legend');
  await page.mouse.move(0, 0);
  await shoot(page, name);
}

/** /stats with its charts drawn; on a phone, scrolled to the first chart. */
async function statsShot(page, name, size) {
  await page.goto('/stats');
  for (const id of ['chart-open', 'chart-close', 'chart-trend'])
    await page.locator(`[data-testid="${id}"][data-drawn="true"]`).waitFor({ timeout: 30_000 });
  if (size === 'phone') await scrollToTop(page, 'section[aria-labelledby="open-title"]');
  await shoot(page, name);
}

async function residentShots(browser, base, fixedId) {
  for (const lang of Object.keys(LOCALES)) {
    for (const size of Object.keys(RESIDENT_SIZES)) {
      const context = await browser.newContext({
        baseURL: base,
        ...RESIDENT_SIZES[size],
        deviceScaleFactor: 1,
        timezoneId: TIME_ZONE,
        locale: LOCALES[lang],
        reducedMotion: 'reduce',
        serviceWorkers: 'block',
      });
      try {
        const page = await context.newPage();
        const name = (what) => `resident-${what}-${size}-${lang}`;
        await reportShot(page, name('report'), lang);
        await trackShot(page, name('track'), fixedId);
        await mapShot(page, name('map'), size);
        await statsShot(page, name('stats'), size);
      } finally {
        await context.close();
      }
    }
  }
}

async function inboxShot(browser, base, caseId) {
  const context = await contextFor(browser, base, 'tablet');
  try {
    const page = await context.newPage();
    await signIn(page, base, LEAD);
    await page.locator(`[data-testid="inbox-notice"][data-case-id="${caseId}"]`).waitFor();
    await page.locator('[data-testid="sync-status"][data-running="false"]').waitFor({ state: 'attached' });
    await page.mouse.move(0, 0);
    await shoot(page, 'inbox-tablet');
  } finally {
    await context.close();
  }
}

const server = await startServer();
const browser = await launch();
try {
  const base = server.base;
  // Which cases: read once, before any change.
  const probe = await browser.newContext({ baseURL: base });
  const probePage = await probe.newPage();
  await signIn(probePage, base);
  const day = await apiDay(probePage);
  await probe.close();
  const fixable = day.filter(
    (c) => (c.state === 'assigned' || c.state === 'in_progress') && FIXABLE.includes(c.serviceCode),
  );
  if (fixable.length < 2) throw new Error(`the demo crew needs two open sidewalk cases, has ${fixable.length}`);
  // Shown: one the resident sent a photo with, when there is one.
  const shown = fixable.find((c) => c.reportPhotoIds.length > 0) ?? fixable[0];
  const crossed = fixable.findLast((c) => c !== shown);

  const phone = await crewShots(browser, base, 'phone', shown.id);
  await phone.context.close();
  const tablet = await crewShots(browser, base, 'tablet', shown.id);
  await offlineShot(tablet.context, tablet.page, base, day, [shown.id, crossed.id]);
  await tablet.context.close();

  await crossPaths(base, crossed.id);
  await inboxShot(browser, base, crossed.id);

  await fixWithPhoto(browser, base, shown);
  await residentShots(browser, base, shown.id);
  log(`\nwrote ${out}`);
} finally {
  await browser.close();
  await server.stop();
}
