import { expect, test, type Browser } from '@playwright/test';
import { ADMIN, WORKER, signIn, submitSignIn } from '../support/app.ts';
import { acceptMailTo, refuseMailTo, waitForMail } from '../support/mail.ts';
import { axeClean } from '../support/axe.ts';

// The administrators' page of resident notices (`/admin/mailbox`), against the real server and
// its real SMTP server on loopback: a resident's report sends "we received your report", and
// the admin sees that notice sent, to one person, in the delivery table, filters it by state
// (a filter with nothing in it says so), and opens its case. Crew members are sent home. A
// notice to a mailbox the mail server refuses shows failed with the server's reason, and is
// sent once an admin retries it after the mailbox exists.

/** A resident reports a pothole with the email address `email`; the case's number. */
async function reportPothole(browser: Browser, email: string): Promise<string> {
  const resident = await browser.newContext({ locale: 'en-US', serviceWorkers: 'block' });
  const form = await resident.newPage();
  await form.goto('/report');
  await form.getByText('Pothole', { exact: true }).click();
  await form.getByText('Up to a car tyre').click();
  await form.getByRole('combobox', { name: 'Or type the address' }).fill('2210 ced');
  await form.getByRole('option', { name: '2210 Cedar Ave' }).click();
  await form.getByLabel('Your email').fill(email);
  await form.getByRole('button', { name: 'Send the report' }).click();
  const sent = form.getByTestId('report-status').getByRole('heading');
  await expect(sent).toHaveText(/^Sent\. Your case number is #\d+\.$/, { timeout: 30_000 });
  const caseId = /#(\d+)/.exec((await sent.textContent()) ?? '')![1]!;
  await resident.close();
  return caseId;
}

test("an admin sees a resident's notice sent, filters the delivery table by state, and opens the case", async ({
  browser,
}) => {
  test.setTimeout(90_000);
  const email = `resident-${Date.now()}@example.org`;
  const caseId = await reportPothole(browser, email);
  // Its "received" notice reaches the mail server: only then is it counted as sent.
  const mail = await waitForMail(email);
  expect(mail.subject).toBe(`We received your report (case #${caseId})`);

  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto('/login');
  await submitSignIn(page, ADMIN);
  await expect(page).toHaveURL(/\/inbox$/);
  await page.getByRole('link', { name: 'Notices' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Resident notices');
  await expect(page.getByText('Notices go to residents through the mail server in SMTP_URL.')).toBeVisible();
  const table = page.getByTestId('outbox-table');
  // Every column is named, the retry buttons' too (for a screen reader).
  await expect(table.getByRole('columnheader')).toHaveText(['Notice', 'Case', 'Queued', 'State', 'Retry']);
  const notice = table.getByRole('row').filter({ has: page.getByRole('link', { name: `#${caseId}`, exact: true }) });
  await expect(notice).toHaveCount(1);
  await expect(notice).toContainText('received');
  await expect(notice).toContainText('Sent to 1 person');
  await expect(notice.getByRole('button', { name: /Retry/ })).toHaveCount(0); // sent: nothing to retry
  await axeClean(page);

  // By state: "Failed" has none, and says so; "Sent" has it; "All" again has it.
  const failed = page.getByRole('button', { name: 'Failed', exact: true });
  await failed.click();
  await expect(failed).toHaveAttribute('aria-pressed', 'true');
  await expect(table.getByTestId('outbox-empty')).toHaveText('No notice has failed.');
  await expect(notice).toHaveCount(0);
  await axeClean(page);
  await page.getByRole('button', { name: 'Sent', exact: true }).click();
  await expect(notice).toHaveCount(1);
  await expect(table.getByTestId('outbox-empty')).toHaveCount(0);
  await expect(table.locator('tbody tr')).not.toHaveCount(0);
  for (const state of await table.locator('tbody tr').evaluateAll((rows) => rows.map((r) => r.dataset.status)))
    expect(state).toBe('sent');
  // With the keyboard, as with a pointer.
  await page.getByRole('button', { name: 'All', exact: true }).focus();
  await page.keyboard.press('Enter');
  await expect(page.getByRole('button', { name: 'All', exact: true })).toHaveAttribute('aria-pressed', 'true');
  await expect(notice).toHaveCount(1);

  // Without a connection a filter shows nothing rather than the rows of the one before, and says why.
  await context.setOffline(true);
  await page.getByRole('button', { name: 'Pending', exact: true }).click();
  await expect(page.getByRole('alert')).toHaveText('The mailbox needs a connection. Connect, then press Refresh.');
  await expect(table.getByTestId('outbox-empty')).toHaveText('Could not read the notices.');
  await expect(notice).toHaveCount(0);
  await context.setOffline(false);
  await page.getByRole('button', { name: 'All', exact: true }).click();
  await expect(notice).toHaveCount(1);

  // "Failed" answered slowly, "All" pressed meanwhile: the table shows All's answer, as pressed.
  let release = () => {};
  const held = new Promise<void>((r) => (release = r));
  await page.route('**/api/admin/outbox/status?status=failed', async (route) => {
    const res = await route.fetch();
    await held;
    await route.fulfill({ response: res });
  });
  await failed.click();
  await page.getByRole('button', { name: 'All', exact: true }).click();
  await expect(notice).toHaveCount(1);
  release();
  await page.waitForTimeout(500); // the held answer arrives
  await expect(page.getByRole('button', { name: 'All', exact: true })).toHaveAttribute('aria-pressed', 'true');
  await expect(notice).toHaveCount(1);
  await expect(table.getByTestId('outbox-empty')).toHaveCount(0);
  await page.unroute('**/api/admin/outbox/status?status=failed');

  await notice.getByRole('link', { name: `#${caseId}`, exact: true }).click();
  await expect(page).toHaveURL(new RegExp(`/cases/${caseId}$`));
  await expect(page.getByRole('heading', { level: 1 })).toBeVisible();
  await context.close();

  // A crew member who opens the page is sent home, and never sees a notice.
  const crew = await browser.newContext();
  const tablet = await crew.newPage();
  await signIn(tablet, WORKER);
  await tablet.goto('/admin/mailbox');
  await expect(tablet).not.toHaveURL(/\/admin\//);
  await expect(tablet.getByRole('heading', { name: 'Resident notices' })).toHaveCount(0);
  await crew.close();
});

test('a notice the mail server refused for good: the admin reads why, retries it by keyboard once the mailbox exists, and it is sent', async ({
  browser,
}) => {
  test.setTimeout(90_000);
  // The resident's mailbox does not exist yet: the mail server refuses it (550), and the
  // notice is given up on at once rather than tried for hours.
  const email = `no-mailbox-${Date.now()}@example.org`;
  await refuseMailTo(email);
  const caseId = await reportPothole(browser, email);

  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto('/login');
  await submitSignIn(page, ADMIN);
  await expect(page).toHaveURL(/\/inbox$/);
  await page.goto('/admin/mailbox');
  await page.getByRole('button', { name: 'Failed', exact: true }).click();
  const row = page
    .getByTestId('outbox-table')
    .locator('tbody tr')
    .filter({ has: page.getByRole('link', { name: `#${caseId}`, exact: true }) });
  // The server may not have tried it yet when the page first reads.
  await expect(async () => {
    await page.getByRole('button', { name: 'Refresh' }).click();
    await expect(row).toHaveCount(1, { timeout: 1000 });
  }).toPass({ timeout: 20_000 });
  await expect(row).toContainText('Failed after 1 attempt');
  await expect(row).toContainText(
    `The mail server refused ${email} (550 5.1.1 No mailbox here by that name) for good.`,
  );
  await expect(row).toContainText('Not tried again: press Retry once that mailbox takes mail.');
  await axeClean(page);

  // The mailbox now exists. Retry, by keyboard: while the request is out the button says it is
  // busy and keeps the keyboard.
  await acceptMailTo(email);
  const retry = row.getByRole('button', { name: /^Retry notice #\d+$/ });
  const noticeId = /#(\d+)$/.exec((await retry.textContent())!.trim())?.[1] ?? '';
  let release = () => {};
  const held = new Promise<void>((resolve) => (release = resolve));
  await page.route('**/api/admin/outbox/*/retry', async (route) => {
    await held;
    await route.continue();
  });
  await retry.focus();
  await page.keyboard.press('Enter');
  await expect(retry).toHaveAttribute('aria-disabled', 'true');
  await expect(retry).toBeFocused();
  release();
  // Taken: no longer among the failed, so its button goes; what happened takes the keyboard.
  const said = page.getByTestId('outbox-said');
  await expect(said).toHaveText(`Notice #${noticeId} will be sent again in a moment.`);
  await expect(row).toHaveCount(0);
  await expect(said).toBeFocused();

  // And it is sent: the resident has it, and the table says so.
  const mail = await waitForMail(email);
  expect(mail.subject).toBe(`We received your report (case #${caseId})`);
  await page.getByRole('button', { name: 'Sent', exact: true }).click();
  await expect(row).toContainText('Sent to 1 person');
  await context.close();
});
