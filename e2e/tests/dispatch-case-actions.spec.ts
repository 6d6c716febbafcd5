import { expect, test, type APIRequestContext, type Locator, type Page } from '@playwright/test';
import { addDays, dateIn } from '@fieldfix/shared';
import { LEAD, apiSession, pushOne, serverCase, synced } from '../support/app.ts';
import { card, openBoard } from '../support/board.ts';

// A lead's "Change…" dialog on the board, against the real server: a due date is a day of
// the city (the browsers here are set to a zone 19 hours ahead of it), a case merged into a
// nearby duplicate and one cancelled with a reason leave the board and are so on the server.
// The cases are the test's own, reported through Open311 beside each other.

const CITY = 'America/Detroit';

async function report(request: APIRequestContext, n: number): Promise<string> {
  const res = await request.post('/open311/v2/requests.json', {
    form: {
      api_key: 'fieldfix-demo-open311-key',
      service_code: 'SIDEWALK',
      lat: String(42.3561 + n * 0.0001),
      long: '-86.9744',
      description: `Cracked slab ${n}, board actions test`,
      'attribute[hazard]': 'no',
    },
  });
  expect(res.status(), await res.text()).toBe(200);
  const [made] = (await res.json()) as { service_request_id: string }[];
  return made!.service_request_id;
}

async function openActions(lead: Page, id: string) {
  await expect(card(lead, id)).toBeVisible({ timeout: 15_000 });
  await card(lead, id).getByTestId('card-actions').click();
  const dialog = lead.getByTestId('case-actions-dialog');
  await expect(dialog).toBeVisible();
  return dialog;
}

/**
 * Closes the dialog of a case merged or cancelled from it, unless it has gone already: the
 * case leaves the board once the change syncs, and its dialog with it (the board then says
 * what became of it). Either way the dialog is gone after.
 */
async function closeUnlessGone(dialog: Locator) {
  await dialog
    .getByRole('button', { name: 'Close' })
    .click({ timeout: 5_000 })
    .catch(() => undefined);
  await expect(dialog).toBeHidden();
}

/** The day and the time of day an instant is in the city. */
function inCity(iso: string): { day: string; time: string } {
  const time = new Intl.DateTimeFormat('en-GB', { timeZone: CITY, hour: '2-digit', minute: '2-digit' });
  return { day: dateIn(new Date(iso), CITY), time: time.format(new Date(iso)) };
}

test('"Change…": a due date is the end of that day in the city; a merge and a cancel leave the board', async ({
  browser,
  baseURL,
  playwright,
  request,
}) => {
  const [kept, duplicate, cancelled] = [await report(request, 1), await report(request, 2), await report(request, 3)];
  const lead = await openBoard(browser, baseURL);
  await lead.getByRole('button', { name: 'Refresh' }).click();
  const api = await apiSession(playwright, baseURL!, LEAD);

  // Due in three days: the city's day, whatever the lead's computer is set to.
  const day = addDays(dateIn(new Date(), CITY), 3);
  let dialog = await openActions(lead, kept);
  await dialog.getByLabel('Due date').fill(day);
  await dialog.getByRole('button', { name: 'Save due date' }).click();
  await expect(dialog.getByTestId('act-done-due')).toHaveText('Due date saved on this device.');
  await dialog.getByRole('button', { name: 'Close' }).click();
  await synced(lead);
  const due = (await serverCase(api, kept)).case as unknown as { expectedAt: string };
  expect(inCity(due.expectedAt)).toEqual({ day, time: '23:59' });
  // Opened again, the dialog reads the same day back.
  dialog = await openActions(lead, kept);
  await expect(dialog.getByLabel('Due date')).toHaveValue(day);
  await dialog.getByRole('button', { name: 'Close' }).click();

  // The duplicate: the case beside it is offered first, and merged into.
  dialog = await openActions(lead, duplicate);
  await expect(dialog.locator('.hint')).toContainText(`#${kept} (`);
  await dialog.getByLabel('Duplicate of case number').fill(kept);
  await dialog.getByRole('button', { name: 'Merge' }).click();
  await expect(dialog.getByTestId('act-done-merge')).toHaveText(`Merged into case #${kept} on this device.`);
  await closeUnlessGone(dialog);

  // Cancelled, with the type's reason and a note for the record.
  dialog = await openActions(lead, cancelled);
  await dialog.getByRole('button', { name: 'Cancel this case' }).click();
  await expect(dialog.getByTestId('act-error-cancel')).toHaveText('Choose why the case is cancelled.');
  await dialog.getByLabel('Cancel the case because').selectOption({ label: "Not the city's responsibility" });
  await dialog.getByLabel('Note for the record (optional)').fill('Private driveway');
  await dialog.getByRole('button', { name: 'Cancel this case' }).click();
  await expect(dialog.getByTestId('act-done-cancel')).toHaveText('Cancelled on this device.');
  await closeUnlessGone(dialog);

  await synced(lead);
  await expect(card(lead, duplicate)).toHaveCount(0);
  await expect(card(lead, cancelled)).toHaveCount(0);
  await expect(card(lead, kept)).toBeVisible();
  expect((await serverCase(api, duplicate)).case).toMatchObject({ mergedIntoId: kept });
  expect((await serverCase(api, cancelled)).case).toMatchObject({
    state: 'closed_not_fixed',
    cancelled: true,
    closeReason: 'not_city_responsibility',
  });
  // And so after a reload, from the server.
  await lead.reload();
  await expect(card(lead, kept)).toBeVisible({ timeout: 15_000 });
  await expect(card(lead, duplicate)).toHaveCount(0);
  await expect(card(lead, cancelled)).toHaveCount(0);
  // The case page says the same day.
  await lead.goto(`/cases/${kept}`);
  const [y, m, d] = day.split('-').map(Number);
  const named = new Intl.DateTimeFormat('en-US', { weekday: 'long', day: 'numeric', month: 'long', timeZone: 'UTC' });
  await expect(lead.locator('dt', { hasText: /^Due$/ }).locator('xpath=following-sibling::dd[1]')).toHaveText(
    named.format(Date.UTC(y!, m! - 1, d!)),
  );
  // Leaves the city's days as it found them for the tests that follow.
  expect(await pushOne(api, kept, 'cancel', { reason: 'no_action_needed', note: 'Test case' })).toBe('applied');
  await api.dispose();
  await lead.context().close();
});
