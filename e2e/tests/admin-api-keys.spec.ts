import { expect, test, type APIRequestContext } from '@playwright/test';
import { ADMIN, LEAD, signIn, submitSignIn } from '../support/app.ts';
import { axeClean } from '../support/axe.ts';

// The administrators' page of Open311 keys (`/admin/api-keys`), against the real server: an
// admin makes a key for an app, copies its secret (shown once), the app sends a report with
// it over real HTTP, and once the admin revokes it (after saying yes) the same secret is
// refused. Bad input and no connection are said plainly; a lead is sent home.

/** An Open311 report to the sandbox (checked, answered, no work made) with `key`. */
function report(request: APIRequestContext, key: string) {
  return request.post('/open311/v2-test/requests.json', {
    form: { api_key: key, service_code: 'SIDEWALK', lat: '42.3555', long: '-86.975', 'attribute[hazard]': 'no' },
  });
}

test('an admin makes a key, its app reports with it, and once revoked it is refused', async ({ browser, request }) => {
  const name = `Northside Neighbours app ${Date.now()}`;
  const context = await browser.newContext({ permissions: ['clipboard-read', 'clipboard-write'] });
  const page = await context.newPage();
  await page.goto('/login');
  await submitSignIn(page, ADMIN);
  await expect(page).toHaveURL(/\/inbox$/);
  await page.getByRole('link', { name: 'Open311 keys' }).click();
  await expect(page).toHaveURL(/\/admin\/api-keys$/);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Open311 keys');
  // The demo city's documented key is listed, never its secret.
  const keys = page.getByTestId('keys');
  await expect(keys.getByRole('listitem')).not.toHaveCount(0);
  await expect(page.locator('body')).not.toContainText('fieldfix-demo-open311-key');
  await axeClean(page);

  // A name of spaces only: the server says what is wrong, and nothing is made.
  const before = await keys.getByRole('listitem').count();
  await page.getByLabel('Name', { exact: true }).fill('   ');
  await page.getByRole('button', { name: 'Make key' }).click();
  await expect(page.getByRole('alert')).toContainText('Could not make the key:');
  await expect(page.getByRole('alert')).toContainText('name');
  await expect(keys.getByRole('listitem')).toHaveCount(before);

  // Made: the secret is shown once, selected, and copied with one press.
  await page.getByLabel('Name', { exact: true }).fill(name);
  await page.getByLabel('Reports per minute').fill('5');
  await page.getByRole('button', { name: 'Make key' }).click();
  const made = page.getByTestId('new-key');
  await expect(made.getByRole('heading')).toHaveText(`Key made for ${name}`);
  await expect(page.getByRole('alert')).toHaveCount(0);
  const secretField = made.getByLabel(`Secret of ${name}`);
  const secret = await secretField.inputValue();
  expect(secret).toMatch(/^ff311_[A-Za-z0-9_-]{43}$/);
  await expect(secretField).toBeFocused();
  await made.getByRole('button', { name: 'Copy secret' }).click();
  await expect(made.getByRole('button', { name: 'Copied' })).toBeVisible();
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(secret);
  const card = keys.getByRole('listitem').filter({ has: page.getByRole('heading', { name, exact: true }) });
  await expect(card).toContainText('Never used');
  await expect(card).toContainText('Reports per minute 5');
  await expect(card).toContainText('by Jordan Lee');
  await axeClean(page);

  // While its secret shows, no second key replaces it, and leaving the page asks first.
  await page.getByLabel('Name', { exact: true }).fill('Second app');
  await page.getByRole('button', { name: 'Make key' }).click();
  await expect(page.getByRole('alert')).toHaveText(
    `Copy the secret of ${name} and press “Done” first: it is not shown again.`,
  );
  await expect(keys.getByRole('heading', { name: 'Second app' })).toHaveCount(0);
  let asked = '';
  page.once('dialog', (d) => {
    asked = d.message();
    void d.dismiss();
  });
  await page.getByRole('link', { name: 'People' }).click();
  await expect.poll(() => asked).toBe(`The secret of ${name} is not shown again. Leave without it?`);
  await expect(page).toHaveURL(/\/admin\/api-keys$/);
  await expect(secretField).toHaveValue(secret);

  // The app uses it; "Done" forgets the secret, and a reload never shows it again.
  expect((await report(request, secret)).status()).toBe(200);
  await made.getByRole('button', { name: 'Done' }).click();
  await expect(made).toHaveCount(0);
  await page.reload();
  await expect(card).toContainText('In use · last used');
  expect(await page.content()).not.toContain(secret);

  // Revoking asks first; "Keep it" keeps it.
  await card.getByRole('button', { name: `Revoke ${name}` }).click();
  const confirm = card.getByRole('group', { name: `Revoke ${name}?` });
  await expect(confirm).toContainText('cannot be undone');
  await confirm.getByRole('button', { name: 'Keep it' }).click();
  await expect(confirm).toHaveCount(0);
  expect((await report(request, secret)).status()).toBe(200);
  await card.getByRole('button', { name: `Revoke ${name}` }).click();
  await card.getByRole('button', { name: 'Revoke it' }).click();
  await expect(card).toContainText('Revoked');
  await expect(card.getByRole('button')).toHaveCount(0);
  const refused = await report(request, secret);
  expect(refused.status()).toBe(403);

  // Without a connection: said, with what to do, and nothing pretends to be made.
  await context.setOffline(true);
  await page.getByLabel('Name', { exact: true }).fill('Made offline');
  await page.getByRole('button', { name: 'Make key' }).click();
  await expect(page.getByRole('alert')).toHaveText(
    'Could not make the key: this needs a connection. Connect, then try again.',
  );
  await expect(page.getByTestId('new-key')).toHaveCount(0);
  await expect(keys.getByRole('heading', { name: 'Made offline' })).toHaveCount(0);
  await context.close();
});

test('a key is made and revoked on a phone by keyboard alone, and a lead is sent home', async ({ browser }) => {
  const name = `Phone-made key ${Date.now()}`;
  const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
  const page = await phone.newPage();
  await page.goto('/login');
  await submitSignIn(page, ADMIN);
  await expect(page).toHaveURL(/\/inbox$/);
  await page.goto('/admin/api-keys');
  await expect(page.getByTestId('keys')).toBeVisible();
  // Nothing wider than the phone.
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
  // A slow connection: while the key is made, "Make key" says it is busy and keeps the keyboard.
  let release = () => {};
  const held = new Promise<void>((resolve) => (release = resolve));
  await page.route('**/api/admin/api-keys', async (route) => {
    if (route.request().method() === 'POST') await held;
    await route.continue();
  });
  await page.getByLabel('Name', { exact: true }).focus();
  await page.keyboard.type(name);
  await page.getByRole('button', { name: 'Make key' }).focus();
  await page.keyboard.press('Enter');
  const makeButton = page.getByRole('button', { name: 'Making the key…' });
  await expect(makeButton).toHaveAttribute('aria-disabled', 'true');
  await expect(makeButton).toBeFocused();
  await page.keyboard.press('Enter'); // a second press while busy makes no second key
  release();
  await expect(page.getByTestId('new-key').getByRole('heading')).toHaveText(`Key made for ${name}`);
  await page.unroute('**/api/admin/api-keys');
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
  const card = page
    .getByTestId('keys')
    .getByRole('listitem')
    .filter({ has: page.getByRole('heading', { name, exact: true }) });
  await expect(card).toContainText('Reports per minute 60');
  await expect(
    page.getByTestId('keys').getByRole('heading', { name, exact: true }),
    'one key made for two presses',
  ).toHaveCount(1);
  // Revoking by keyboard: the question takes it (on "Keep it"), "Keep it" gives it back to
  // "Revoke", and once revoked it lands on the key's name, with the outcome said.
  const revokeButton = card.getByRole('button', { name: `Revoke ${name}` });
  await revokeButton.focus();
  await page.keyboard.press('Enter');
  await expect(card.getByRole('button', { name: 'Keep it' })).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(revokeButton).toBeFocused();
  await page.keyboard.press('Enter');
  await page.keyboard.press('Shift+Tab');
  await expect(card.getByRole('button', { name: 'Revoke it' })).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(card).toContainText('Revoked');
  await expect(card.getByRole('heading', { name, exact: true })).toBeFocused();
  await expect(page.getByTestId('keys-said')).toHaveText(`${name} is revoked: its app can no longer send reports.`);
  await axeClean(page);
  await phone.close();

  const desk = await browser.newContext();
  const lead = await desk.newPage();
  await signIn(lead, LEAD);
  await expect(lead.getByRole('link', { name: 'Open311 keys' })).toHaveCount(0);
  await lead.goto('/admin/api-keys');
  await expect(lead).not.toHaveURL(/\/admin\//);
  await expect(lead.getByRole('heading', { name: 'Open311 keys' })).toHaveCount(0);
  await desk.close();
});
