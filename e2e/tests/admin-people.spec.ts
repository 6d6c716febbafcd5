import { expect, test } from '@playwright/test';
import { ADMIN, deviceCases, serverDay, signIn, submitSignIn, synced } from '../support/app.ts';
import { axeClean } from '../support/axe.ts';

// The administrators' list of people (`/admin/people`), against the real server: an admin
// adds a crew member with a first password, who signs in on their crew's day; a second
// account with the same email is refused in words; moved to another crew, or given a new
// password, they are signed out and sign in again; ended, the account is signed out and
// cannot sign in; restored, it can. The account is the test's own.

test('an admin adds a crew member who signs in on their crew; ended, they are signed out; restored, back in', async ({
  page,
  browser,
  baseURL,
}) => {
  const origin = { origin: baseURL! };
  const email = `robin.vega.${Date.now()}@riverton.example`;
  const password = 'curb-and-gutter-42';
  await signIn(page, ADMIN);
  await page.goto('/admin');
  await page.getByTestId('admin-areas').getByRole('link', { name: 'People' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('People');
  await expect(page.getByTestId('people').getByRole('listitem')).not.toHaveCount(0);
  await axeClean(page);

  const add = page.getByRole('form', { name: 'Add a person' });
  await add.getByLabel('Name').fill('Robin Vega');
  await add.getByLabel('Email').fill(email);
  await add.getByRole('radio', { name: 'Crew member' }).check();
  await add.getByLabel('Crew', { exact: true }).selectOption({ label: 'Streets Crew B (Streets)' });
  await add.getByLabel('First password').fill('short');
  await add.getByRole('button', { name: 'Add person' }).click();
  await expect(page.getByTestId('add-error')).toHaveText('The password needs at least 10 characters.');
  await add.getByLabel('First password').fill(password);
  await add.getByRole('button', { name: 'Add person' }).click();
  await expect(page.getByTestId('add-done')).toContainText(`Robin Vega can now sign in with ${email}`);
  const robin = page.getByTestId('people').getByRole('listitem').filter({ hasText: email });
  await expect(robin).toContainText('Crew member · Streets Crew B');
  // Found by a search, among everyone: by name, any case and accents aside, and by crew.
  const find = page.getByLabel('Find a person');
  await find.fill('róbin VEGA');
  await expect(page.getByTestId('people').getByRole('listitem')).toHaveCount(
    await page
      .getByTestId('people')
      .getByRole('listitem')
      .filter({ hasText: /Robin Vega/ })
      .count(),
  );
  await expect(robin).toBeVisible();
  await expect(page.getByTestId('people-found')).toContainText('“róbin VEGA” in their name, email, crew or department');
  await find.fill('zzz-nobody');
  await expect(page.getByTestId('people').getByRole('listitem')).toHaveCount(0);
  await expect(page.getByTestId('people-found')).toContainText('0 people have');
  await find.fill('');
  await expect(robin).toBeVisible();

  // The same email again: refused, in words.
  await add.getByLabel('Name').fill('Robin Again');
  await add.getByLabel('Email').fill(email.toUpperCase());
  await add.getByLabel('Crew', { exact: true }).selectOption({ label: 'Streets Crew B (Streets)' });
  await add.getByLabel('First password').fill(password);
  await add.getByRole('button', { name: 'Add person' }).click();
  await expect(page.getByTestId('add-error')).toContainText('exists already');

  // Robin signs in on a tablet of their own, on crew B's day.
  const tablet = await browser.newContext();
  const theirs = await tablet.newPage();
  await theirs.goto('/login');
  await submitSignIn(theirs, { email, password });
  await expect(theirs).toHaveURL(/\/day$/);
  await expect(theirs.getByText('Streets Crew B').first()).toBeVisible();
  await synced(theirs);
  const crewBDay = (await serverDay(theirs.request)).map((c) => c.id);
  expect((await deviceCases(theirs)).map((c) => c.id)).toEqual(expect.arrayContaining(crewBDay));

  // Moved to crew A: signed out, and signed in again they are on crew A, the tablet with it.
  await robin.getByRole('button', { name: /^Change/ }).click();
  await robin.getByLabel('Crew', { exact: true }).selectOption({ label: 'Streets Crew A (Streets)' });
  await robin.getByRole('button', { name: 'Save', exact: true }).click();
  await expect(robin).toContainText('Robin Vega is signed out on every device');
  await expect(robin).toContainText('Crew member · Streets Crew A');
  expect((await theirs.request.get('/api/auth/session')).status()).toBe(401);
  await theirs.goto('/login');
  await submitSignIn(theirs, { email, password });
  await expect(theirs).toHaveURL(/\/day$/);
  const back = await theirs.request.get('/api/auth/session');
  expect(((await back.json()) as { user: { crewId: string } }).user.crewId).toBe('streets-a');
  // Crew A's whole day is on the tablet (its cases unchanged since the move too), crew B's gone.
  await synced(theirs);
  const crewADay = (await serverDay(theirs.request)).map((c) => c.id);
  expect(crewADay.length).toBeGreaterThan(0);
  const held = await deviceCases(theirs);
  expect(held.map((c) => c.id)).toEqual(expect.arrayContaining(crewADay));
  expect(held.filter((c) => c.crewId !== 'streets-a')).toEqual([]);

  // A new password: the old one is refused, the new one signs in.
  const newPassword = 'storm-drain-season-8';
  await robin.getByRole('button', { name: /^New password/ }).click();
  await robin.getByLabel('New password for Robin Vega').fill(newPassword);
  await robin.getByRole('button', { name: 'Save password' }).click();
  await expect(robin).toContainText('New password saved.');
  expect((await theirs.request.get('/api/auth/session')).status()).toBe(401);
  const old = await theirs.request.post('/api/auth/login', { data: { email, password }, headers: origin });
  expect(old.status()).toBe(401);
  const fresh = await theirs.request.post('/api/auth/login', {
    data: { email, password: newPassword },
    headers: origin,
  });
  expect(fresh.status()).toBe(200);

  // A new email (a typo mended): they stay signed in, and sign in with it from now on.
  const newEmail = email.replace('robin.vega', 'robin.vega2');
  await robin.getByRole('button', { name: /^Change/ }).click();
  await robin.getByLabel(/^Email/).fill(newEmail);
  await robin.getByRole('button', { name: 'Save', exact: true }).click();
  // The list now knows them by the new email.
  const renamed = page.getByTestId('people').getByRole('listitem').filter({ hasText: newEmail });
  await expect(renamed).toContainText(`From now on they sign in with ${newEmail}.`);
  await expect(renamed.getByText(newEmail, { exact: true })).toBeVisible();
  expect((await theirs.request.get('/api/auth/session')).status()).toBe(200);
  const byOld = await theirs.request.post('/api/auth/login', {
    data: { email, password: newPassword },
    headers: origin,
  });
  expect(byOld.status()).toBe(401);

  // Ended: asked first, on "Keep it" (a second Enter keeps the account), then signed out everywhere.
  const endAccount = renamed.getByRole('button', { name: /^End account/ });
  await endAccount.click();
  await expect(renamed.getByRole('button', { name: 'Keep it' })).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(renamed.getByRole('button', { name: 'End the account' })).toHaveCount(0);
  await expect(endAccount).toBeFocused();
  expect((await theirs.request.get('/api/auth/session')).status()).toBe(200);
  await endAccount.click();
  await renamed.getByRole('button', { name: 'End the account' }).click();
  await expect(renamed).toContainText('Account ended: cannot sign in.');
  expect((await theirs.request.get('/api/auth/session')).status()).toBe(401);
  const again = await theirs.request.post('/api/auth/login', {
    data: { email: newEmail, password: newPassword },
    headers: origin,
  });
  expect(again.status()).toBe(401);

  // Restored: they can sign in again.
  await renamed.getByRole('button', { name: /^Restore account/ }).click();
  await expect(renamed).toContainText('Robin Vega can sign in again.');
  const restored = await theirs.request.post('/api/auth/login', {
    data: { email: newEmail, password: newPassword },
    headers: origin,
  });
  expect(restored.status()).toBe(200);
  await tablet.close();
});
