import { expect, test, type APIRequestContext, type Browser, type Page } from '@playwright/test';
import { potholeJpeg } from '../support/app.ts';
import { axeClean } from '../support/axe.ts';

// The residents' pages by keyboard and screen reader: what a button did is said where the
// person is and announced, the focus never falls to the page's start when the control used
// is disabled or gone, a case number that is not one is called so, and the maps' controls are
// named in the page's language.

const PHONE = { width: 390, height: 844 };
// Old Town, on Cedar Ave, inside the city.
const OLD_TOWN = { latitude: 42.35595, longitude: -86.9808 };

/** A fixed case of the demo city with a history: a long page on a phone, the follow box at its end. */
async function fixedCase(request: APIRequestContext): Promise<string> {
  for (let id = 1; id <= 300; id++) {
    const res = await request.get(`/api/public/cases/${id}`);
    if (!res.ok()) continue;
    const t = (await res.json()) as { case: { state: string }; timeline: unknown[] };
    if (t.case.state === 'fixed' && t.timeline.length > 1) return String(id);
  }
  throw new Error('the demo city has no fixed case');
}

/** What has the focus, for a failure's message: the page's start (`body`) is what must not. */
const focused = (page: Page) =>
  page.evaluate(() => {
    const e = document.activeElement;
    return e
      ? `${e.tagName.toLowerCase()}${e.id ? `#${e.id}` : ''} “${(e.textContent ?? '').trim().slice(0, 40)}”`
      : '';
  });

/** A fixed case's page on a phone, with no service worker, and its follow box. */
async function trackOnPhone(browser: Browser, request: APIRequestContext) {
  const id = await fixedCase(request);
  const context = await browser.newContext({ locale: 'en-US', viewport: PHONE, serviceWorkers: 'block' });
  const page = await context.newPage();
  await page.goto(`/track/${id}`);
  return { id, context, page, box: page.getByRole('region', { name: 'Get updates by email' }) };
}

test('asking for updates on a phone: the answer shows by the form, takes the focus, and is announced', async ({
  browser,
  request,
}) => {
  const { id, context, page, box } = await trackOnPhone(browser, request);
  const send = box.getByRole('button', { name: 'Send me updates' });
  const email = box.getByLabel('Your email');

  // Not an address: the error is announced and the field takes the focus to fix it.
  await email.fill('not an email');
  await send.press('Enter');
  await expect(page.getByRole('alert')).toContainText('Type a full email address');
  await expect(email).toBeFocused();

  // Sent: the confirmation is under the button, in sight, focused, and a status.
  await email.fill(`keyboard.${Date.now()}@example.org`);
  await send.press('Enter');
  const status = box.getByRole('status');
  await expect(status).toContainText('we sent a link to keyboard.');
  await expect(status).toBeInViewport();
  await expect(page.getByRole('status')).toHaveCount(1);
  await expect(status, await focused(page)).toBeFocused();
  await axeClean(page);

  // The server fails: said as an alert, in the same place.
  await page.route('**/api/public/cases/*/follow', (route) =>
    route.fulfill({
      status: 500,
      contentType: 'application/json',
      body: '{"error":{"code":"internal","message":"x"}}',
    }),
  );
  await send.press('Enter');
  const alert = box.getByRole('alert');
  await expect(alert).toContainText('Something went wrong on our side');
  await expect(alert).toBeInViewport();
  await expect(alert, await focused(page)).toBeFocused();
  await expect(page.getByRole('status')).toHaveCount(0);
  await page.unroute('**/api/public/cases/*/follow');

  // Stopping the updates (the button goes): the answer takes the focus where the button was.
  await page.evaluate(
    (caseId) =>
      localStorage.setItem(
        'fieldfix-follows',
        JSON.stringify({ [caseId]: { email: 'stop@example.org', unfollowToken: 'not-a-token' } }),
      ),
    id,
  );
  await page.reload();
  await box.getByRole('button', { name: 'Stop the updates' }).press('Enter');
  await expect(box.getByRole('status')).toContainText('stop@example.org will get no more updates');
  await expect(box.getByRole('status')).toBeInViewport();
  await expect(box.getByRole('status'), await focused(page)).toBeFocused();
  await context.close();
});

test('with no signal before the first answer, "No connection" by the form takes the focus too', async ({
  browser,
  request,
}) => {
  const { context, page, box } = await trackOnPhone(browser, request);
  await box.getByLabel('Your email').fill(`offline.${Date.now()}@example.org`);
  // The page's actions come with the first press: with no signal they cannot, and the page
  // says so itself, where the person is.
  await context.setOffline(true);
  await box.getByRole('button', { name: 'Send me updates' }).press('Enter');
  const alert = box.getByRole('alert');
  await expect(alert).toHaveText('No connection. Check your signal and try again.');
  await expect(alert, await focused(page)).toBeFocused();
  await context.close();
});

test('a case number that is not one is called so, with where to find the number, in Spanish and English', async ({
  browser,
}) => {
  const context = await browser.newContext({ locale: 'es-MX', serviceWorkers: 'block' });
  const page = await context.newPage();
  await page.goto('/track/abc');
  await expect(page.getByRole('alert')).toHaveText(
    '«abc» no es un número de caso. Un número de caso lleva solo cifras, como 1042, y aparece en el correo que recibió al reportar el problema. Escríbalo en «Buscar un caso».',
  );
  await expect(page.getByText('Algo falló')).toHaveCount(0);
  await axeClean(page);

  await page.getByRole('button', { name: 'View this page in English' }).click();
  await page.reload();
  await expect(page.getByRole('alert')).toContainText('“abc” is not a case number. A case number is digits only');
  await expect(page.getByRole('alert')).toContainText('the email you got when you reported');
  await page.getByRole('main').getByRole('link', { name: 'Find a case' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Find a case');
  await context.close();
});

test('the maps’ controls, credits included, are named in the page’s language', async ({ browser }) => {
  test.setTimeout(90_000);
  const context = await browser.newContext({
    locale: 'es-MX',
    serviceWorkers: 'block',
    geolocation: OLD_TOWN,
    permissions: ['geolocation'],
  });
  const page = await context.newPage();
  const credits = page.locator('.maplibregl-ctrl-attrib-button');

  await page.goto('/map');
  await expect(credits).toHaveAttribute('aria-label', 'Mostrar u ocultar los créditos del mapa', { timeout: 30_000 });
  await expect(credits).toHaveAttribute('title', 'Mostrar u ocultar los créditos del mapa');
  await expect(page.getByRole('button', { name: 'Acercar' })).toBeVisible();
  await expect(page.getByTestId('record-map').locator('canvas')).toHaveAttribute('aria-label', 'Mapa de casos');

  // The report's map too.
  await page.goto('/report');
  await page.getByRole('button', { name: 'Elegir el lugar en un mapa' }).click();
  await expect(page.getByTestId('report-map')).toHaveAttribute('data-state', 'ready', { timeout: 30_000 });
  await expect(page.getByTestId('report-map').locator('.maplibregl-ctrl-attrib-button')).toHaveAttribute(
    'aria-label',
    'Mostrar u ocultar los créditos del mapa',
  );
  await expect(page.getByTestId('report-map').locator('canvas')).toHaveAttribute(
    'aria-label',
    'Mapa. Muévalo hasta que la cruz quede sobre el problema.',
  );

  // And in English, the residents' own words.
  await page.getByRole('button', { name: 'View this page in English' }).click();
  await page.goto('/map');
  await expect(credits).toHaveAttribute('aria-label', 'Show or hide the map credits', { timeout: 30_000 });
  await context.close();
});

test('reporting by keyboard: each step’s control that goes or waits hands the focus on, never to the page’s start', async ({
  browser,
}) => {
  test.setTimeout(120_000);
  const context = await browser.newContext({
    locale: 'en-US',
    viewport: PHONE,
    serviceWorkers: 'block',
    geolocation: OLD_TOWN,
    permissions: ['geolocation'],
  });
  const page = await context.newPage();
  const expectFocus = async (locator: ReturnType<Page['locator']>) =>
    expect(locator, `focus is on ${await focused(page)}`).toBeFocused();

  // The types could not be loaded: "Try again" goes as they come, and the search takes the focus.
  await page.route('**/api/public/services', (route) => route.abort());
  await page.goto('/report');
  await expect(page.getByRole('alert')).toBeVisible();
  await page.unroute('**/api/public/services');
  await page.getByRole('button', { name: 'Try again' }).press('Enter');
  await expectFocus(page.getByLabel('Search the problem types'));

  // The type: searched for, then chosen with the keyboard.
  const search = page.getByLabel('Search the problem types');
  await search.fill('pothole');
  await search.press('Tab');
  await page.keyboard.press('Space');
  await expect(page.getByRole('radio', { name: 'Pothole' })).toBeChecked();
  await expectFocus(page.getByRole('radio', { name: 'Pothole' }));
  await page.getByText('Up to a car tyre').click();

  // The place: the location found takes the focus (the button stays, and is not disabled).
  await page.getByRole('button', { name: 'Use my location' }).press('Enter');
  await expect(page.getByTestId('report-place')).toContainText('Place:');
  await expectFocus(page.getByTestId('report-place'));

  // The map: opening it moves the focus into it, closing it back to the button that opened it…
  await page.getByRole('button', { name: 'Pick the place on a map' }).press('Enter');
  await expectFocus(page.getByText('Move the map until the cross is on the problem'));
  await page.getByRole('button', { name: 'Close the map' }).press('Enter');
  await expectFocus(page.getByRole('button', { name: 'Pick the place on a map' }));
  // …and using it, to the place chosen.
  await page.getByRole('button', { name: 'Pick the place on a map' }).press('Enter');
  await expect(page.getByTestId('report-map')).toHaveAttribute('data-state', 'ready', { timeout: 30_000 });
  await page.getByRole('button', { name: 'Use this place' }).press('Enter');
  await expect(page.getByTestId('report-place')).toContainText('Place:');
  await expectFocus(page.getByTestId('report-place'));

  // Photos: three, the most (the button to add one goes); removing one hands the focus to the
  // next photo's button, the last one's, then "Take a photo".
  const photo = await potholeJpeg(page);
  const input = page.getByTestId('report-photo-input');
  const choose = page.getByTestId('report-photo-choose');
  await choose.focus();
  await choose.setInputFiles([1, 2, 3].map((n) => ({ name: `hole-${n}.jpg`, mimeType: 'image/jpeg', buffer: photo })));
  await expect(page.getByRole('img', { name: 'Photo 3 of the problem' })).toBeVisible({ timeout: 30_000 });
  await expectFocus(page.getByText('You have added 3 photos'));
  await page.getByRole('button', { name: 'Remove photo 2' }).press('Enter');
  await expect(page.getByRole('img', { name: 'Photo 3 of the problem' })).toHaveCount(0);
  await expectFocus(page.getByRole('button', { name: 'Remove photo 2' }));
  await page.getByRole('button', { name: 'Remove photo 2' }).press('Enter');
  await expectFocus(page.getByRole('button', { name: 'Remove photo 1' }));
  await page.getByRole('button', { name: 'Remove photo 1' }).press('Enter');
  await expect(page.getByRole('img', { name: 'Photo 1 of the problem' })).toHaveCount(0);
  await expectFocus(input);

  // Sending with no signal: the status takes the focus; "Try to send now" keeps it while it tries.
  await context.setOffline(true);
  await page.getByRole('button', { name: 'Send the report' }).press('Enter');
  const status = page.getByTestId('report-status');
  await expect(status.getByRole('heading')).toHaveText('Waiting to send');
  await expectFocus(status.getByRole('heading'));
  const sendNow = page.getByRole('button', { name: 'Try to send now' });
  await sendNow.press('Enter');
  await expect(sendNow).toHaveAttribute('aria-disabled', 'false');
  await expect(status).toContainText('will be sent when the signal returns');
  await expectFocus(sendNow);
  // The signal is back: sent, the button goes, and the focus goes to what the heading now says.
  await context.setOffline(false);
  // The signal's return sends the report by itself, and it may win the race to the press: the
  // button is then gone, and the focus must reach the heading all the same.
  await sendNow.press('Enter', { timeout: 3_000 }).catch(() => {});
  await expect(status.getByRole('heading')).toHaveText(/^Sent\. Your case number is #\d+\.$/, { timeout: 30_000 });
  await expectFocus(status.getByRole('heading'));
  await axeClean(page);

  // Another report: the page's heading takes the focus.
  await page.getByRole('button', { name: 'Report another problem' }).press('Enter');
  await expectFocus(page.getByRole('heading', { level: 1, name: 'Report a problem' }));
  await context.close();
});
