// `pnpm screenshots`: commit-ready pictures of the field app (e2e/screenshots/*.png), taken
// from the built app (field-app/build) served by the real sync-server on a throwaway embedded
// database with the demo city. Tablet (1280×800) and phone (390×844), device scale 1, the
// city's time zone, reduced motion; every shot waits for the sync to settle first.
//   day-*, map-*, case-*, fix-* a crew member's day as a list and as a map, a sidewalk case
//                               (with the resident's photo), its Fix form
//   day-offline-tablet          no signal, two changes waiting (the status bar says so)
//   inbox-tablet                the lead's inbox with a crossed-path notice (fix vs cancel)
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

async function shoot(page, name) {
  await settle(page);
  const file = join(out, `${name}.png`);
  await page.screenshot({ path: file, animations: 'disabled', caret: 'hide' });
  log(`${name}.png  ${(statSync(file).size / 1024).toFixed(0)} KB`);
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

/** A crossed path over the API: the lead cancels a case, then a crew's fix made before it arrives. */
async function crossPaths(base, caseId) {
  const json = { 'content-type': 'application/json' };
  const login = async (who) => {
    const res = await fetch(`${base}/api/auth/login?bearer=1`, {
      method: 'POST',
      headers: json,
      body: JSON.stringify(who),
    });
    if (!res.ok) throw new Error(`login ${who.email}: ${res.status}`);
    return { ...json, ...PROTOCOL, authorization: `Bearer ${(await res.json()).token}` };
  };
  const lead = await login(LEAD);
  const worker = await login(WORKER);
  const current = await (await fetch(`${base}/api/cases/${caseId}`, { headers: lead })).json();
  const push = async (headers, kind, payload) => {
    const clientId = `screenshots-${kind}-${uuidv7().slice(-8)}`;
    const mutation = {
      id: uuidv7(),
      clientId,
      seq: 1,
      caseId,
      baseVersion: current.case.version,
      deviceTime: new Date().toISOString(),
      kind,
      payload,
    };
    const res = await fetch(`${base}/api/sync/push`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ clientId, mutations: [mutation] }),
    });
    if (!res.ok) throw new Error(`push ${kind}: ${res.status} ${await res.text()}`);
    return (await res.json()).outcomes[0]?.outcome;
  };
  const cancelled = await push(lead, 'cancel', {
    reason: 'no_action_needed',
    note: 'The resident withdrew the report.',
  });
  const fixed = await push(worker, 'fix', {
    resolutionCode: 'ground_down',
    note: 'Ground the lip down.',
    photoIds: [],
  });
  if (cancelled !== 'applied' || fixed === 'applied')
    throw new Error(`expected a crossed path, got cancel ${cancelled}, fix ${fixed}`);
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
  log(`\nwrote ${out}`);
} finally {
  await browser.close();
  await server.stop();
}
