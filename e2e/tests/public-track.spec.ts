import { expect, test, type APIRequestContext } from '@playwright/test';
import { gzippedScriptsKb } from '../support/budget.ts';
import { linkIn, waitForMail } from '../support/mail.ts';
import { axeClean } from '../support/axe.ts';

// `/track/{id}`: a resident with no account reads a case's public timeline in Spanish or
// English (the switch sticks), follows it by email with a confirmation link, stops following,
// and downloads none of the crew app's code.

const SIZES = [
  { name: 'phone', width: 390, height: 844 },
  { name: 'desktop', width: 1280, height: 800 },
];

type Track = {
  case: { id: string; state: string; address: string };
  reopenUntil: string | null;
  timeline: unknown[];
};

/**
 * A fixed case of the demo city, through the public API: one with a history (the /map spec
 * adds 100,000 generated cases that have none).
 */
async function fixedCase(request: APIRequestContext): Promise<Track> {
  // The demo city's own cases (ids 1–300), whatever else the run has added.
  const demo = Array.from({ length: 300 }, (_, i) => i + 1).join(',');
  const res = await request.get(`/open311/v2/requests.json?service_request_id=${demo}`);
  const ids = ((await res.json()) as { service_request_id: string }[]).map((r) => r.service_request_id);
  for (const id of ids) {
    const t = (await (await request.get(`/api/public/cases/${id}`)).json()) as Track;
    if (t.case.state === 'fixed' && t.timeline.length > 0) return t;
  }
  throw new Error('the demo city has no fixed case');
}

test('a Spanish reader sees the timeline, switches to English, and the choice sticks', async ({ browser, request }) => {
  const fixed = await fixedCase(request);
  const context = await browser.newContext({ locale: 'es-MX', serviceWorkers: 'block' });
  const page = await context.newPage();
  const scripts: string[] = [];
  page.on('request', (r) => {
    if (r.resourceType() === 'script') scripts.push(new URL(r.url()).pathname);
  });
  await page.goto(`/track/${fixed.case.id}`);
  await expect(page.getByRole('heading', { level: 1 })).toContainText(`Caso #${fixed.case.id}`);
  await expect(page.getByTestId('case-state')).toHaveText('Estado: Arreglado');
  await expect(page.getByRole('heading', { name: 'Lo que ha pasado' })).toBeVisible();
  await expect(page.getByText('Reporte recibido.')).toBeVisible();
  // The budget: at most 50 KB of JavaScript, gzipped, to read a case.
  expect(await gzippedScriptsKb(request, scripts)).toBeLessThanOrEqual(50);
  await expect(page.locator('html')).toHaveAttribute('lang', 'es');
  // No sign-in: a resident page never sends anyone to /login.
  expect(page.url()).not.toContain('/login');

  for (const size of SIZES) {
    await page.setViewportSize(size);
    await axeClean(page);
  }

  await page.getByRole('button', { name: 'View this page in English' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toContainText(`Case #${fixed.case.id}`);
  await expect(page.locator('html')).toHaveAttribute('lang', 'en');
  await page.reload();
  await expect(page.getByRole('heading', { name: 'What has happened' })).toBeVisible();

  // None of the crew app: no IndexedDB module, no sync loop, no staff frame.
  const bodies = await Promise.all(
    [...new Set(scripts)].map(async (p) => (await (await request.get(p)).text()).slice(0, 400_000)),
  );
  for (const body of bodies) {
    expect(body).not.toContain('fieldfix-protocol');
    expect(body).not.toMatch(/Dexie|Sign out|My day/);
  }
  await context.close();
});

test('following by email needs the link from the confirmation, and can be stopped', async ({ browser, request }) => {
  const fixed = await fixedCase(request);
  const context = await browser.newContext({ locale: 'en-US', serviceWorkers: 'block' });
  const page = await context.newPage();
  await page.goto(`/track/${fixed.case.id}`);
  const email = `follower.${Date.now()}@example.org`;
  await page.getByLabel('Your email').fill('not an email');
  await page.getByRole('button', { name: 'Send me updates' }).click();
  await expect(page.getByText('Type a full email address')).toBeVisible();
  await page.getByLabel('Your email').fill(email);
  await page.getByLabel('Spanish').check();
  await page.getByRole('button', { name: 'Send me updates' }).click();
  await expect(page.getByRole('status')).toContainText(`we sent a link to ${email}`);

  // The confirmation, as the mail server received it, in the emails' language chosen above.
  const mail = await waitForMail(email);
  expect(mail.subject).toBe(`Confirme los avisos del caso #${fixed.case.id} de la ciudad`);
  expect(mail.lang).toBe('es');
  // Its link opens the page in the email's language (`lang=es`), though the browser is English.
  const link = linkIn(mail, /\/track\/\d+\?follow=/);
  expect(new URL(link, 'http://x').searchParams.get('lang')).toBe('es');
  await page.goto(link);
  await expect(page.locator('html')).toHaveAttribute('lang', 'es');
  await expect(page.getByRole('status')).toContainText(`Listo: ${email} recibirá novedades`);
  // The token and the language left the address bar; Spanish stays the page's language.
  await expect.poll(() => page.url()).not.toContain('lang=');
  expect(page.url()).not.toContain('follow=');
  await page.reload();
  await expect(page.getByText(`${email} recibe novedades de este caso.`)).toBeVisible();
  // Back to English with the switch: a reload keeps it (the address no longer says Spanish).
  await page.getByRole('button', { name: 'View this page in English' }).click();
  await page.reload();
  await expect(page.locator('html')).toHaveAttribute('lang', 'en');
  await expect(page.getByText(`${email} gets updates about this case.`)).toBeVisible();

  await page.getByRole('button', { name: 'Stop the updates' }).click();
  await expect(page.getByRole('status')).toContainText(`${email} will get no more updates`);
  await expect(page.getByRole('button', { name: 'Send me updates' })).toBeVisible();
  await context.close();
});

test('a case that does not exist says so, and the lookup form checks the number', async ({ browser }) => {
  const context = await browser.newContext({ locale: 'en-US', serviceWorkers: 'block' });
  const page = await context.newPage();
  await page.goto('/track');
  await page.getByLabel('Case number').fill('12a');
  await page.getByRole('button', { name: 'Show the case' }).click();
  await expect(page.getByText('A case number is digits only')).toBeVisible();
  await page.getByLabel('Case number').fill('99999999');
  await page.getByRole('button', { name: 'Show the case' }).click();
  await expect(page.getByRole('alert')).toContainText('There is no case #99999999');
  await axeClean(page);
  await context.close();
});

test("dates and times are the city's, in the zone the server names, whatever the phone's zone", async ({
  browser,
  request,
}) => {
  const fixed = await fixedCase(request);
  // The phone is in Kiritimati (the projects' browsers); the city is where the server says.
  // The server's zone is set once for the whole run: here its answer names another city's.
  const context = await browser.newContext({ locale: 'en-US', serviceWorkers: 'block' });
  const page = await context.newPage();
  await page.route(`**/api/public/cases/${fixed.case.id}`, async (route) => {
    const answer = await route.fetch();
    const body = (await answer.json()) as Track & { timeZone: string };
    expect(body.timeZone).toBe('America/Detroit');
    await route.fulfill({ response: answer, json: { ...body, timeZone: 'Asia/Tokyo' } });
  });
  await page.goto(`/track/${fixed.case.id}`);
  await expect(page.getByRole('heading', { name: 'What has happened' })).toBeVisible();
  const steps = page.locator('ol.timeline time');
  const first = await steps.first().getAttribute('datetime');
  const inZone = (zone: string) =>
    page.evaluate(
      ([at, tz]) =>
        new Intl.DateTimeFormat('en-US', { dateStyle: 'medium', timeStyle: 'short', timeZone: tz }).format(
          new Date(at),
        ),
      [first!, zone] as const,
    );
  await expect(steps.first()).toHaveText(await inZone('Asia/Tokyo'));
  expect(await inZone('Asia/Tokyo')).not.toBe(await inZone('America/Detroit'));
  await context.close();
});
