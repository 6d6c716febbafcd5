import { expect, request, test, type APIRequestContext, type Page } from '@playwright/test';
import {
  ADMIN,
  WORKER,
  WORKER_B,
  count,
  deviceRows,
  openCase,
  serverCase,
  serverDay,
  setSignal,
  signIn,
  submitSignIn,
  synced,
} from '../support/app.ts';

// A worker's session ends while the tablet is out of signal (it expired, or an administrator
// ended it). Nothing made on the tablet is lost: the changes stay, the worker is asked to sign
// in again and they go as the same device; if someone else signs in on that tablet meanwhile,
// the first worker's changes wait, visibly, and are not sent in the other person's name.

type Session = { session: { user: { id: string } } };

async function signedInApi(who: typeof ADMIN) {
  const api = await request.newContext({ baseURL: test.info().project.use.baseURL });
  expect((await api.post('/api/auth/login', { data: who })).status()).toBe(200);
  return api;
}

async function addNote(page: Page, caseId: string, text: string) {
  await openCase(page, caseId);
  await page.getByRole('button', { name: 'Add note' }).click();
  await page.getByLabel('Note', { exact: true }).fill(text);
  await page.getByRole('button', { name: 'Save note' }).click();
  await expect(page.getByTestId('case-pending')).toContainText(text);
}

const notesOn = async (api: APIRequestContext, caseId: string, text: string) =>
  count((await serverCase(api, caseId)).events, (e) => e.kind === 'note' && e.data.text === text);

test('a session that ends offline keeps every change; they go after the worker signs in again, never under someone else', async ({
  page,
  context,
}) => {
  test.setTimeout(120_000);
  await signIn(page);
  await synced(page);
  const day = await serverDay(page.request);
  const [first, second] = day.filter((c) => c.state === 'assigned' || c.state === 'in_progress');
  expect(second, 'the demo crew has two open cases').toBeTruthy();
  const [stored] = await deviceRows<Session>(page, 'session');
  const workerId = stored!.session.user.id;
  const clientIdBefore = (await deviceRows<{ key: string; value: string }>(page, 'meta')).find(
    (m) => m.key === 'clientId',
  )?.value;
  const admin = await signedInApi(ADMIN);

  // Out of signal: two notes. Meanwhile the administrator ends the worker's sessions.
  await setSignal(context, false);
  const stamp = Date.now();
  const noteA = `Barrier moved to the kerb (${stamp})`;
  const noteB = `Resident says it floods here (${stamp})`;
  await addNote(page, first!.id, noteA);
  await addNote(page, second!.id, noteB);
  await expect(page.getByTestId('pending-count')).toHaveAttribute('data-count', '2');
  const revoked = await admin.post(`/api/auth/users/${workerId}/revoke-sessions`, { data: {} });
  expect(revoked.status(), await revoked.text()).toBe(200);

  // Signal back: the server refuses the session; the tablet keeps both notes and says so.
  await setSignal(context, true);
  await page.getByTestId('sync-now').click();
  const message = page.locator('#sync-message');
  await expect(message).toContainText('Your session ended', { timeout: 20_000 });
  await expect(message).toContainText('Your 2 changes stay on this device and sync after you sign in.');
  await expect(page.getByTestId('pending-count')).toHaveAttribute('data-count', '2');
  expect(await notesOn(admin, first!.id, noteA)).toBe(0);

  // Someone else signs in on this tablet: the first worker's changes wait, named, unsent.
  await message.getByRole('link', { name: 'sign in again' }).click();
  await submitSignIn(page, WORKER_B);
  await expect(page).not.toHaveURL(/\/login/);
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'My day' }).click();
  await expect(page.getByText('Streets Crew B')).toBeVisible();
  // B's own sync runs (B has nothing to send); A's changes are not among what it sends.
  await expect(page.getByTestId('last-synced')).toContainText('Last synced', { timeout: 30_000 });
  await expect(page.getByTestId('sync-status')).toHaveAttribute('data-running', 'false');
  await expect(message).toContainText('2 changes were made by Sam Ortega on this device');
  await expect(page.getByTestId('pending-count')).toHaveAttribute('data-count', '2');
  expect(await notesOn(admin, first!.id, noteA)).toBe(0);
  expect(await notesOn(admin, second!.id, noteB)).toBe(0);

  // The first worker signs in again: both notes go, once each, from the same device.
  await page.getByRole('button', { name: /sign out/i }).click();
  await submitSignIn(page, WORKER);
  await expect(page).toHaveURL(/\/day$/);
  await synced(page);
  expect(await notesOn(admin, first!.id, noteA)).toBe(1);
  expect(await notesOn(admin, second!.id, noteB)).toBe(1);
  // In the first worker's name, as made: not the name of whoever was signed in meanwhile.
  for (const [caseId, text] of [
    [first!.id, noteA],
    [second!.id, noteB],
  ] as const) {
    const note = (await serverCase(admin, caseId)).events.find((e) => e.kind === 'note' && e.data.text === text);
    expect(note?.actorName).toBe('Sam Ortega');
  }
  const clientIdAfter = (await deviceRows<{ key: string; value: string }>(page, 'meta')).find(
    (m) => m.key === 'clientId',
  )?.value;
  expect(clientIdAfter).toBe(clientIdBefore);
  await admin.dispose();
});

test('signing out with changes not yet sent asks first; signed out anyway, they go at the next sign-in', async ({
  page,
  context,
}) => {
  test.setTimeout(90_000);
  await signIn(page);
  await synced(page);
  const [open] = (await serverDay(page.request)).filter((c) => c.state === 'assigned' || c.state === 'in_progress');
  expect(open, 'the demo crew has an open case').toBeTruthy();

  await setSignal(context, false);
  const text = `Cones left at the corner (${Date.now()})`;
  await addNote(page, open!.id, text);
  const signOut = page.getByRole('button', { name: 'Sign out', exact: true });
  await signOut.click();
  const ask = page.getByTestId('sign-out-confirm');
  await expect(ask).toContainText(
    '1 change has not reached the server yet. It stays on this device, and goes only when Sam Ortega signs in here again.',
  );
  const stay = ask.getByRole('button', { name: 'Stay signed in' });
  await expect(stay).toBeFocused();
  await stay.click();
  await expect(ask).toHaveCount(0);
  await expect(page).toHaveURL(new RegExp(`/cases/${open!.id}$`));

  await signOut.click();
  await ask.getByRole('button', { name: 'Sign out anyway' }).click();
  await expect(page).toHaveURL(/\/login/);

  await setSignal(context, true);
  await submitSignIn(page, WORKER);
  await expect(page).not.toHaveURL(/\/login/);
  await synced(page);
  expect(await notesOn(page.request, open!.id, text)).toBe(1);
});
