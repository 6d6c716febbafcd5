import { expect, test, type APIRequestContext, type Page } from '@playwright/test';
import { WORKER, WORKER_B, potholeJpeg } from '../support/app.ts';
import { gzippedScriptsKb } from '../support/budget.ts';
import { axeClean } from '../support/axe.ts';

// `/report`: a resident on a phone, in Spanish, with no signal, reports a pothole with a photo.
// The report waits on the phone ("waiting to send"), goes when the signal returns, and lands
// with Streets Crew A (the crew of the pothole's district), photo and all. The page is
// accessible at phone and desktop sizes and downloads none of the crew app's code.

// Old Town, on Cedar Ave: Streets Crew A's district.
const OLD_TOWN = { latitude: 42.35595, longitude: -86.9808 };

/** `/report` in English with a pothole up to a car tyre chosen: what is left is the place. */
async function potholeForm(page: Page): Promise<void> {
  await page.goto('/report');
  await page.getByText('Pothole', { exact: true }).click();
  await page.getByText('Up to a car tyre').click();
}

/** The case number, once the page says the report was sent. */
async function sentCase(page: Page): Promise<string> {
  const sent = page.getByTestId('report-status').getByRole('heading');
  await expect(sent).toHaveText(/^Sent\. Your case number is #\d+\.$/, { timeout: 30_000 });
  return /#(\d+)/.exec((await sent.textContent()) ?? '')![1]!;
}

async function bearer(request: APIRequestContext, who: { email: string; password: string }) {
  const res = await request.post('/api/auth/login?bearer=1', { data: who });
  expect(res.status()).toBe(200);
  return { authorization: `Bearer ${((await res.json()) as { token: string }).token}` };
}

test('a resident reports a pothole in Spanish with a photo while offline; it is sent when the signal returns and reaches the crew', async ({
  browser,
  request,
}) => {
  test.setTimeout(120_000);
  const context = await browser.newContext({
    locale: 'es-MX',
    viewport: { width: 390, height: 844 },
    isMobile: true,
    hasTouch: true,
    serviceWorkers: 'block',
    geolocation: OLD_TOWN,
    permissions: ['geolocation'],
  });
  const page = await context.newPage();
  const scripts: string[] = [];
  page.on('request', (r) => {
    if (r.resourceType() === 'script') scripts.push(new URL(r.url()).pathname);
  });
  await page.goto('/report');
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Reportar un problema');
  await expect(page.getByRole('group', { name: 'Calles y aceras' })).toBeVisible();
  await expect(page.locator('html')).toHaveAttribute('lang', 'es');
  await axeClean(page);
  // The budget: at most 100 KB of JavaScript, gzipped, before the map is opened.
  expect(await gzippedScriptsKb(request, scripts)).toBeLessThanOrEqual(100);
  const photo = await potholeJpeg(page);

  // No signal from here on.
  await context.setOffline(true);
  await page.getByLabel('Buscar el tipo de problema').fill('bache');
  await expect(page.getByRole('radio', { name: 'Bache' })).toBeVisible();
  await expect(page.getByRole('radio', { name: 'Grafiti' })).toHaveCount(0);
  await page.getByText('Bache', { exact: true }).click();
  await expect(page.getByRole('radio', { name: 'Bache' })).toBeChecked();
  await page.getByText('Más grande que una llanta').click();
  await page.getByRole('button', { name: 'Usar mi ubicación' }).click();
  await expect(page.getByTestId('report-place')).toContainText('Lugar: su ubicación');
  await page
    .getByLabel('¿Qué pasa y qué debe buscar la cuadrilla?')
    .fill('Bache hondo en el carril derecho. Llámeme al 612 345 678.');
  await page
    .getByTestId('report-photo-input')
    .setInputFiles({ name: 'bache.jpg', mimeType: 'image/jpeg', buffer: photo });
  await expect(page.getByRole('img', { name: 'Foto 1 del problema' })).toBeVisible({ timeout: 20_000 });
  const email = `vecina-${Date.now()}@example.org`;
  await page.getByLabel('Su correo electrónico').fill(email);
  await expect(page.getByRole('radio', { name: 'Español' })).toBeChecked();
  await page.setViewportSize({ width: 1280, height: 800 });
  await axeClean(page);
  await page.setViewportSize({ width: 390, height: 844 });

  await page.getByRole('button', { name: 'Enviar el reporte' }).click();
  const status = page.getByTestId('report-status');
  await expect(status.getByRole('heading')).toHaveText('En espera de envío');
  await expect(status).toContainText('se enviará cuando vuelva la señal');
  await axeClean(page);
  // Kept on the phone, photo included, in the residents' own database.
  const kept = await page.evaluate(
    () =>
      new Promise<{ state: string; photos: number }[]>((resolve) => {
        const req = indexedDB.open('fieldfix-resident');
        req.onsuccess = () => {
          const all = req.result.transaction('reports').objectStore('reports').getAll();
          all.onsuccess = () =>
            resolve(
              (all.result as { state: string; photos: { bytes: ArrayBuffer }[] }[]).map((r) => ({
                state: r.state,
                photos: r.photos.filter((p) => p.bytes.byteLength > 0).length,
              })),
            );
        };
      }),
  );
  expect(kept).toEqual([{ state: 'waiting', photos: 1 }]);

  // The signal returns: the report goes by itself.
  await context.setOffline(false);
  await expect(status.getByRole('heading')).toHaveText(/^Enviado\. Su número de caso es #\d+\.$/, { timeout: 45_000 });
  const caseId = /#(\d+)/.exec((await status.getByRole('heading').textContent()) ?? '')![1]!;

  // Routed to the crew of the district and type: Streets Crew A reads it, Crew B may not.
  const crewA = await request.get(`/api/cases/${caseId}`, { headers: await bearer(request, WORKER) });
  expect(crewA.status()).toBe(200);
  const { case: c } = (await crewA.json()) as {
    case: { crewId: string; address: string; description: string; reportPhotoIds: string[] };
  };
  expect(c.crewId).toBe('streets-a');
  expect(c.description).toBe('Bache hondo en el carril derecho. Llámeme al 612 345 678.'); // staff: as written
  expect(c.address).toMatch(/Cedar Ave/);
  expect(c.reportPhotoIds).toHaveLength(1);
  const crewB = await request.get(`/api/cases/${caseId}`, { headers: await bearer(request, WORKER_B) });
  expect(crewB.status()).toBe(403);
  // Sending it again (a lost answer) makes no second case.
  const publicView = (await (await request.get(`/api/public/cases/${caseId}`)).json()) as {
    reportPhotoUrl: string | null;
  };
  expect(publicView.reportPhotoUrl).not.toBeNull();
  expect(JSON.stringify(publicView)).not.toContain(email);

  await status.getByRole('link', { name: `Ver el caso #${caseId} y lo que pasa con él` }).click();
  await expect(page.getByRole('heading', { level: 1 })).toContainText(`Caso #${caseId}`);
  // The public reads the description without the phone number, and why.
  await expect(page.getByText('Bache hondo en el carril derecho. Llámeme al […].')).toBeVisible();
  await expect(page.getByText('Los teléfonos y correos electrónicos no se muestran al público')).toBeVisible();
  await axeClean(page);

  // None of the crew app: no sync protocol, no crew database, no staff frame.
  const bodies = await Promise.all(
    [...new Set(scripts)].map(async (p) => (await (await request.get(p)).text()).slice(0, 400_000)),
  );
  for (const body of bodies) {
    expect(body).not.toContain('fieldfix-protocol');
    expect(body).not.toMatch(/Dexie|Sign out|My day/);
  }
  await context.close();
});

test('a report the city refuses keeps what was written: in Spanish, the resident changes the place and sends it again', async ({
  browser,
}) => {
  test.setTimeout(90_000);
  // The phone's location is far outside the city: the server refuses the point.
  const context = await browser.newContext({
    locale: 'es-MX',
    serviceWorkers: 'block',
    geolocation: { latitude: 40.0, longitude: -100.0 },
    permissions: ['geolocation'],
  });
  const page = await context.newPage();
  await page.goto('/report');
  await page.getByText('Bache', { exact: true }).click();
  await page.getByText('Más grande que una llanta').click();
  await page.getByRole('button', { name: 'Usar mi ubicación' }).click();
  await expect(page.getByTestId('report-place')).toContainText('Lugar: su ubicación');
  const words = `Bache frente a la escuela (${Date.now()})`;
  const description = page.getByLabel('¿Qué pasa y qué debe buscar la cuadrilla?');
  await description.fill(words);
  await page.getByRole('button', { name: 'Enviar el reporte' }).click();

  const status = page.getByTestId('report-status');
  await expect(status.getByRole('heading')).toHaveText('No aceptado', { timeout: 30_000 });
  await expect(status).toContainText(
    'La ciudad no aceptó este reporte: el lugar está fuera de la ciudad. Revise el lugar y vuelva a reportar.',
  );
  await expect(status).not.toContainText('outside');
  await axeClean(page);

  // Back to the form with everything as written, at the place.
  await status.getByRole('button', { name: 'Cambiar el reporte y enviarlo de nuevo' }).click();
  const address = page.getByRole('combobox', { name: 'O escriba la dirección' });
  await expect(address).toBeFocused();
  await expect(description).toHaveValue(words);
  await expect(page.getByRole('radio', { name: 'Bache' })).toBeChecked();
  await expect(page.getByRole('radio', { name: 'Más grande que una llanta' })).toBeChecked();
  await address.fill('1410 ced');
  await page.getByRole('option', { name: '1410 Cedar Ave' }).click();
  await page.getByRole('button', { name: 'Enviar el reporte' }).click();
  await expect(status.getByRole('heading')).toHaveText(/^Enviado\. Su número de caso es #\d+\.$/, { timeout: 30_000 });
  // The refused report is not kept beside it: it was changed and sent.
  await expect(page.getByRole('heading', { name: 'Sus reportes en este teléfono' })).toHaveCount(0);
  await context.close();
});

test('address suggestions come from the city streets, and open reports nearby can be followed instead', async ({
  browser,
  request,
}) => {
  const context = await browser.newContext({ locale: 'en-US', serviceWorkers: 'block' });
  const page = await context.newPage();
  await potholeForm(page);
  const address = page.getByRole('combobox', { name: 'Or type the address' });
  await address.fill('1410 ced');
  await expect(page.getByRole('option', { name: '1410 Cedar Ave' })).toBeVisible();
  await address.press('ArrowDown');
  await address.press('Enter');
  await expect(page.getByTestId('report-place')).toHaveText('Place: 1410 Cedar Ave');
  // The first report there is sent; a second resident is offered to follow it instead.
  await page.getByRole('button', { name: 'Send the report' }).click();
  const first = await sentCase(page);
  await page.getByRole('button', { name: 'Report another problem' }).click();
  await page.getByText('Pothole', { exact: true }).click();
  await page.getByRole('combobox', { name: 'Or type the address' }).fill('1410 cedar');
  await page.getByRole('option', { name: '1410 Cedar Ave' }).click();
  const nearby = page.getByTestId('report-nearby');
  await expect(nearby.getByRole('link', { name: new RegExp(`Case #${first}:`) })).toBeVisible();
  await nearby.getByRole('button', { name: 'Follow this one instead' }).first().click();
  await expect(nearby).toContainText('Type your email under “Updates by email” first');
  await page.getByLabel('Your email').fill('neighbour@example.org');
  await nearby.getByRole('button', { name: 'Follow this one instead' }).first().click();
  await expect(nearby.getByRole('status')).toContainText('Check neighbour@example.org');
  await axeClean(page);
  // A missing answer is named before anything is sent.
  await page.getByRole('button', { name: 'Send the report' }).click();
  await expect(page.getByRole('alert').filter({ hasText: 'Before sending' })).toContainText('How big is it?');
  expect((await request.get('/api/public/services')).status()).toBe(200);
  await context.close();
});

test('an address typed and not picked is not taken for the place: the resident is asked to pick, and one typed exactly as suggested is that one', async ({
  browser,
  request,
}) => {
  const context = await browser.newContext({ locale: 'en-US', serviceWorkers: 'block' });
  const page = await context.newPage();
  await potholeForm(page);
  const address = page.getByRole('combobox', { name: 'Or type the address' });
  const send = page.getByRole('button', { name: 'Send the report' });
  const problems = page.getByRole('alert').filter({ hasText: 'Before sending' });

  // Typed, not picked: nothing is sent, and the resident reads what to do.
  await address.fill('2210 ced');
  await expect(page.getByRole('option', { name: '2210 Cedar Ave' })).toBeVisible();
  await send.click();
  await expect(problems).toContainText('Pick an address from the list, or use your location or the map.');
  await expect(page.getByTestId('report-status')).toHaveCount(0);

  // Picked, then changed by hand: the picked place is dropped with it.
  await page.getByRole('option', { name: '2210 Cedar Ave' }).click();
  await expect(page.getByTestId('report-place')).toHaveText('Place: 2210 Cedar Ave');
  await address.fill('2212 Cedar');
  await expect(page.getByTestId('report-place')).toHaveCount(0);
  await send.click();
  await expect(problems).toContainText('Pick an address from the list');

  // Typed exactly as a suggestion reads: that address, sent.
  await address.fill('2210 cedar ave');
  await expect(page.getByRole('option', { name: '2210 Cedar Ave' })).toBeVisible();
  await send.click();
  const id = await sentCase(page);
  const tracked = (await (await request.get(`/api/public/cases/${id}`)).json()) as { case: { address: string } };
  expect(tracked.case.address).toBe('2210 Cedar Ave');
  await axeClean(page);
  await context.close();
});

test('a photo the city will not add is said under "Sent", not passed over', async ({ browser }) => {
  const context = await browser.newContext({ locale: 'en-US', serviceWorkers: 'block' });
  const page = await context.newPage();
  // The server takes the report and refuses its photo (as it does one sent too late).
  await page.route('**/api/public/reports/*/photos/*', (route) =>
    route.fulfill({
      status: 409,
      contentType: 'application/json',
      body: JSON.stringify({ error: { code: 'conflict', message: 'Photos are added within 7 days of the report.' } }),
    }),
  );
  await potholeForm(page);
  await page.getByRole('combobox', { name: 'Or type the address' }).fill('2210 ced');
  await page.getByRole('option', { name: '2210 Cedar Ave' }).click();
  await page
    .getByTestId('report-photo-input')
    .setInputFiles({ name: 'pothole.jpg', mimeType: 'image/jpeg', buffer: await potholeJpeg(page) });
  await expect(page.getByRole('img', { name: 'Photo 1 of the problem' })).toBeVisible({ timeout: 20_000 });
  await page.getByRole('button', { name: 'Send the report' }).click();
  await sentCase(page);
  await expect(page.getByTestId('report-photo-refused')).toHaveText(
    'Your report was sent, but the city could not add one of its photos.',
  );
  await axeClean(page);
  await context.close();
});

test('a phone that cannot keep the report says so, and what to do, instead of doing nothing', async ({ browser }) => {
  const context = await browser.newContext({ locale: 'en-US', serviceWorkers: 'block' });
  // The phone's storage refuses the report (full), as a browser does with QuotaExceededError.
  await context.addInitScript(() => {
    const put = IDBObjectStore.prototype.put;
    IDBObjectStore.prototype.put = function (this: IDBObjectStore, ...args: Parameters<IDBObjectStore['put']>) {
      if (this.name === 'reports' && (window as unknown as { storageFull?: boolean }).storageFull) {
        throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
      }
      return put.apply(this, args);
    };
  });
  const page = await context.newPage();
  await potholeForm(page);
  await page.getByRole('combobox', { name: 'Or type the address' }).fill('2210 ced');
  await page.getByRole('option', { name: '2210 Cedar Ave' }).click();
  await page.evaluate(() => ((window as unknown as { storageFull?: boolean }).storageFull = true));
  await page.getByRole('button', { name: 'Send the report' }).click();
  const alert = page.getByRole('alert').filter({ hasText: 'Before sending' });
  await expect(alert).toContainText('This phone could not keep the report, so it was not sent');
  await expect(alert).toBeFocused();
  await expect(page.getByTestId('report-status')).toHaveCount(0);
  // Space freed: sent.
  await page.evaluate(() => ((window as unknown as { storageFull?: boolean }).storageFull = false));
  await page.getByRole('button', { name: 'Send the report' }).click();
  await sentCase(page);
  await context.close();
});

test('a phone that cannot send in the background (Safari, Firefox) says to keep the page open; a photo still being prepared waits', async ({
  browser,
}) => {
  const context = await browser.newContext({ locale: 'en-US', serviceWorkers: 'block' });
  const page = await context.newPage();
  await potholeForm(page);
  await page.getByRole('combobox', { name: 'Or type the address' }).fill('2210 ced');
  await page.getByRole('option', { name: '2210 Cedar Ave' }).click();
  // A photo still being prepared (its worker slow to come) when Send is pressed: asked to wait.
  let release!: () => void;
  const held = new Promise<void>((r) => (release = r));
  await page.route('**/*.worker*.js', async (route) => {
    await held;
    await route.continue();
  });
  await page.getByTestId('report-photo-input').setInputFiles({
    name: 'pothole.jpg',
    mimeType: 'image/jpeg',
    buffer: await potholeJpeg(page),
  });
  await page.getByRole('button', { name: 'Send the report' }).click();
  await expect(page.getByRole('alert').filter({ hasText: 'Before sending' })).toContainText(
    'A photo is still being prepared: wait until it shows, then send.',
  );
  release();
  await expect(page.locator('#report-photo-remove-0')).toBeVisible({ timeout: 20_000 });
  // A photo taken earlier can be chosen too (the camera's button opens only the camera on most phones).
  await expect(page.getByTestId('report-photo-choose')).not.toHaveAttribute('capture');
  await expect(page.getByTestId('report-photo-input')).toHaveAttribute('capture', 'environment');
  // No signal: the report waits, and the page says it goes only while the page is open.
  await context.setOffline(true);
  await page.getByRole('button', { name: 'Send the report' }).click();
  await expect(page.getByTestId('report-waiting')).toContainText(
    'Keep it open, or open it again when you have a signal.',
  );
  await expect(page.getByTestId('report-waiting')).not.toContainText('You can close this page');
  // The signal back, with the page open: sent.
  await context.setOffline(false);
  await sentCase(page);
  await context.close();
});

test('a resident who opens the city’s address, where staff sign in, finds the way to report in English or Spanish', async ({
  browser,
}) => {
  const context = await browser.newContext({ locale: 'en-US' });
  const page = await context.newPage();
  await page.goto('/');
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Sign in');
  // Nobody has signed in on this phone: the crew app does not store itself here.
  await page.waitForTimeout(1500);
  expect(await page.evaluate(async () => (await navigator.serviceWorker.getRegistrations()).length)).toBe(0);
  const residents = page.getByRole('complementary', { name: 'Not city staff?' });
  await residents.getByRole('link', { name: 'Report a problem' }).click();
  await expect(page).toHaveURL(/\/report$/);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Report a problem');
  await axeClean(page);
  await page.goto('/login');
  await residents.getByRole('link', { name: 'Buscar un caso' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Buscar un caso');
  await expect(page.locator('html')).toHaveAttribute('lang', 'es');
  await page.getByRole('link', { name: 'Reportar un problema' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Reportar un problema');
  await page.goto('/login');
  await axeClean(page);
  await context.close();
});

test('switching the language keeps the report being written', async ({ browser }) => {
  const phone = await browser.newContext({
    locale: 'en-US',
    viewport: { width: 390, height: 844 },
    serviceWorkers: 'block',
  });
  const page = await phone.newPage();
  await page.goto('/report');
  await page.getByText('Pothole', { exact: true }).click();
  await page.getByText('Up to a car tyre').click();
  await page.getByLabel('What is wrong, and what should the crew look for?').fill('Deep hole by the bus stop');
  await page.getByLabel('Your email').fill('keeps@example.org');
  await page.getByRole('button', { name: 'Ver esta página en español' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Reportar un problema');
  await expect(page.getByLabel('¿Qué pasa y qué debe buscar la cuadrilla?')).toHaveValue('Deep hole by the bus stop');
  await expect(page.getByLabel('Su correo electrónico')).toHaveValue('keeps@example.org');
  await expect(page.getByRole('radio', { name: 'Bache' })).toBeChecked();
  // And back again, still there.
  await page.getByRole('button', { name: 'View this page in English' }).click();
  await expect(page.getByLabel('Your email')).toHaveValue('keeps@example.org');
  await expect(page.getByRole('radio', { name: 'Pothole' })).toBeChecked();
  await phone.close();
});
