import { expect, test, type Page } from '@playwright/test';
import {
  ADMIN,
  LEAD,
  WORKER,
  deviceCases,
  deviceHistories,
  forgetDeviceCase,
  offlineReady,
  openCase,
  serverDay,
  signIn,
  submitSignIn,
  synced,
} from '../support/app.ts';

// One access model, seen from the field app: a case link survives signing in; leads open any
// case of their department but leave its field work to the crew; every case of the device
// has its history with no signal; and every role reads crews by name, never by id.

const caseButtons = (page: Page, name: string) =>
  page.getByTestId('case-actions').getByRole('button', { name, exact: true });

/** Waits until the device keeps the history of every case it holds, at the case's version. */
async function historiesKept(page: Page, timeout = 30_000): Promise<void> {
  await expect
    .poll(
      async () => {
        const [cases, histories] = await Promise.all([deviceCases(page), deviceHistories(page)]);
        const kept = new Map(histories.map((h) => [h.caseId, h.version ?? 0]));
        return cases.filter((c) => (kept.get(c.id) ?? 0) < c.version).length;
      },
      { timeout, message: 'cases on the device without their history' },
    )
    .toBe(0);
}

test('a case link opened signed out leads to sign-in, then back to that case; nowhere else', async ({ page }) => {
  await signIn(page);
  await synced(page);
  await offlineReady(page);
  const [target] = await serverDay(page.request);
  expect(target, 'the demo crew has cases today').toBeTruthy();
  await page.getByRole('button', { name: 'Sign out' }).click();
  await expect(page).toHaveURL(/\/login$/);

  // A bookmark, or a link from a notice.
  await page.goto(`/cases/${target!.id}`);
  await expect(page).toHaveURL(new RegExp(`/login\\?next=%2Fcases%2F${target!.id}$`));
  await expect(page.getByText(/not on this device/)).toHaveCount(0);
  await submitSignIn(page, WORKER);
  await expect(page).toHaveURL(new RegExp(`/cases/${target!.id}$`));
  await expect(page.getByTestId('case-detail')).toBeVisible();

  // `next` only ever leads to a page of this app.
  for (const next of ['//evil.example/cases/1', 'https://evil.example/', '/\\evil.example', 'javascript:alert(1)']) {
    await page.getByRole('button', { name: 'Sign out' }).click();
    await expect(page).toHaveURL(/\/login$/);
    await page.goto(`/login?${new URLSearchParams({ next })}`);
    await submitSignIn(page, WORKER);
    await expect(page, `next=${next}`).toHaveURL(/^http:\/\/localhost:\d+\/day$/);
  }
});

test('a lead opens an unassigned case of the department: no field status actions, and a note goes through', async ({
  page,
}) => {
  await signIn(page, LEAD);
  await synced(page);
  const unassigned = (await deviceCases(page)).find((c) => c.crewId === null && c.state === 'new');
  expect(unassigned, 'the lead’s device holds the department’s unassigned reports').toBeTruthy();

  await page.goto(`/cases/${unassigned!.id}`);
  await expect(page.getByTestId('case-detail')).toBeVisible();
  for (const name of ['Start', 'Resume', 'Hold', 'Fix', 'Close, not fixed', 'Transfer'])
    await expect(caseButtons(page, name), name).toHaveCount(0);
  await expect(page.getByTestId('crew-only')).toContainText('for the case’s crew');

  await caseButtons(page, 'Add note').click();
  const text = `Lead note ${Date.now()}`;
  await page.getByLabel('Note').fill(text);
  await page.getByRole('button', { name: 'Save note' }).click();
  await expect(page.getByTestId('action-saved')).toContainText('Note saved');
  await synced(page);
  // Applied, not refused: the history (from the server) has it, and nothing needs attention.
  await page.reload();
  await expect(page.getByTestId('history-entry').filter({ hasText: 'Added a note' })).toContainText(text);
  await expect(page.getByTestId('case-detail')).not.toContainText(/refused|not applied/i);
});

test('a lead opens a case of the department that is not on the device: it comes from the server', async ({ page }) => {
  await signIn(page, LEAD);
  await synced(page);
  const unassigned = (await deviceCases(page)).find((c) => c.crewId === null && c.state === 'new');
  expect(unassigned).toBeTruthy();
  await forgetDeviceCase(page, unassigned!.id);

  await page.goto(`/cases/${unassigned!.id}`);
  await expect(page.getByTestId('case-detail')).toBeVisible();
  await expect(page.getByTestId('case-from-server')).toBeVisible();
  await expect(page.getByTestId('case-missing')).toHaveCount(0);
  await expect(page.getByTestId('history-entry').first()).toBeVisible();
  await expect(caseButtons(page, 'Start')).toHaveCount(0);
  await expect(caseButtons(page, 'Add note')).toBeVisible();
});

test('an admin opening a crew’s case is offered notes, not the crew’s field work', async ({ page }) => {
  await page.goto('/login');
  await submitSignIn(page, ADMIN);
  await expect(page).toHaveURL(/\/inbox$/);
  await synced(page, 60_000);
  const crewCase = (await deviceCases(page)).find((c) => c.crewId === 'streets-a' && c.state === 'assigned');
  expect(crewCase).toBeTruthy();
  await page.goto(`/cases/${crewCase!.id}`);
  await expect(page.getByTestId('case-detail')).toBeVisible();
  await expect(caseButtons(page, 'Start')).toHaveCount(0);
  await expect(caseButtons(page, 'Fix')).toHaveCount(0);
  await expect(caseButtons(page, 'Add note')).toBeVisible();
});

test('a case’s history shows with no signal, though the case was never opened online', async ({ page, context }) => {
  await signIn(page);
  await synced(page);
  await offlineReady(page);
  // Kept by the sync itself, for every case of the day.
  await historiesKept(page);
  const [target] = await serverDay(page.request);

  await context.setOffline(true);
  await page.reload();
  await expect(page.getByTestId('offline-indicator')).toBeVisible();
  await openCase(page, target!.id);
  const entries = page.getByTestId('history-entry');
  await expect(entries.first()).toBeVisible();
  await expect(entries.filter({ hasText: /Reported/ })).toHaveCount(1);
  await expect(entries.filter({ hasText: 'Assigned to Streets Crew A' }).first()).toBeVisible();
  await expect(page.getByTestId('history-as-of')).toContainText('As of');
});

test('a lead reads crews by name in a case’s history, not by id, offline too', async ({ page, context }) => {
  await signIn(page, LEAD);
  await synced(page);
  await offlineReady(page);
  await historiesKept(page);
  const crewCase = (await deviceCases(page)).find((c) => c.crewId === 'streets-a');
  expect(crewCase).toBeTruthy();
  const names = (await deviceHistories(page)).find((h) => h.caseId === crewCase!.id)?.names;
  expect(names?.crews['streets-a']).toBe('Streets Crew A');

  for (const offline of [false, true]) {
    await context.setOffline(offline);
    await page.goto(`/cases/${crewCase!.id}`);
    const history = page.getByTestId('case-history');
    await expect(history.getByTestId('history-entry').filter({ hasText: 'Streets Crew A' }).first()).toBeVisible();
    await expect(history).not.toContainText(/crew streets-/);
  }
});
