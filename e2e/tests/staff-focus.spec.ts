import { expect, test, type Locator, type Page } from '@playwright/test';
import {
  ADMIN,
  WORKER,
  apiSession,
  bigJpeg,
  offlineReady,
  openCase,
  pushOne,
  serverDay,
  setSignal,
  signIn,
  submitSignIn,
  synced,
} from '../support/app.ts';
import { CREW_A, CREW_B, card, cardIds, column, openBoard } from '../support/board.ts';
import { axeClean } from '../support/axe.ts';

// The staff side for a keyboard, a screen reader and a phone in the field: the keyboard keeps
// its place when what it was on is busy, moves or goes (photos, the board's moves, undo and
// plans, marking notices as read); a "saved" message follows what the server then did; going
// offline is said on a phone too; the lead's case dialog says how it went where it is seen;
// small things (a word run into the next, a pick-up left hanging, the move dialog's first
// focus, a spinning icon for those who asked for less motion, a stored map deleted on one
// tap, the admins' header on a phone, the mail preview's focus ring).

const focused = (locator: Locator) => locator.evaluate((el) => el === document.activeElement);
const activeText = (page: Page) =>
  page.evaluate(() => {
    const a = document.activeElement;
    return a ? `${a.tagName.toLowerCase()}: ${(a.textContent ?? '').trim().slice(0, 60)}` : 'none';
  });

test('a photo being prepared keeps the keyboard on its button, which works again after', async ({ page }) => {
  test.setTimeout(90_000);
  await signIn(page);
  await synced(page);
  const target = (await serverDay(page.request)).find((c) => c.state === 'assigned' || c.state === 'in_progress');
  expect(target).toBeTruthy();
  await openCase(page, target!.id);

  const gallery = page.getByRole('button', { name: 'Choose from gallery' });
  const status = page.getByTestId('photo-status');
  const jpeg = await bigJpeg(page, 7);
  await gallery.focus();
  // As the file chooser would: the picture arrives while the keyboard is on the button.
  await page.getByTestId('photo-gallery').setInputFiles({ name: 'wall.jpg', mimeType: 'image/jpeg', buffer: jpeg });
  await expect(status).toContainText('Preparing the photo');
  await expect(gallery).toHaveAttribute('aria-disabled', 'true');
  expect(await focused(gallery), `focus while preparing: ${await activeText(page)}`).toBe(true);
  await expect(status).toContainText('Photo saved on this device', { timeout: 30_000 });
  await expect(gallery).toHaveAttribute('aria-disabled', 'false');
  await expect(gallery).toBeFocused();
});

test('a form cancelled gives the keyboard back to the button that opened it', async ({ page }) => {
  await signIn(page);
  await synced(page);
  const target = (await serverDay(page.request)).find((c) => c.state === 'assigned' || c.state === 'in_progress');
  await openCase(page, target!.id);
  for (const [opener, first] of [
    ['Add note', 'Note'],
    ['Fix', 'What was done?'],
  ] as const) {
    const button = page.getByRole('button', { name: new RegExp(`^${opener}\\b`) }); // "Add note ▾" when open
    await button.focus();
    await page.keyboard.press('Enter');
    await expect(button).toHaveAttribute('aria-expanded', 'true');
    await expect(page.locator('#action-form')).toContainText(first);
    await page.locator('#action-form').getByRole('button', { name: 'Cancel' }).focus();
    await page.keyboard.press('Enter');
    await expect(button).toHaveAttribute('aria-expanded', 'false');
    await expect(button, `focus after Cancel: ${await activeText(page)}`).toBeFocused();
  }
});

test('"Start saved on this device" gives way to the refusal once the server did not apply it', async ({
  page,
  context,
  playwright,
  baseURL,
}) => {
  await signIn(page);
  await synced(page);
  await offlineReady(page);
  await synced(page);
  const target = (await serverDay(page.request)).find((c) => c.state === 'assigned');
  expect(target, 'the demo crew has an assigned case').toBeTruthy();
  await openCase(page, target!.id);

  await setSignal(context, false);
  await expect(page.getByTestId('offline-indicator')).toBeVisible();
  await page.getByRole('button', { name: 'Start', exact: true }).click();
  const saved = page.getByTestId('action-saved');
  await expect(saved).toContainText('Start saved on this device. It will sync when there is signal.');

  // Meanwhile the crew's other tablet started it: this device's start is not applied.
  const other = await apiSession(playwright, baseURL!, WORKER);
  try {
    expect(await pushOne(other, target!.id, 'start', {})).toBe('applied');
  } finally {
    await other.dispose();
  }

  await setSignal(context, true);
  await synced(page);
  await expect(page.getByTestId('case-outcomes')).toContainText('Not applied');
  await expect(saved).not.toContainText('saved on this device');
  await expect(saved).toContainText('Not applied');
  await expect(saved).toHaveAttribute('role', 'status');
  await expect(saved).toHaveAttribute('data-tone', /warn|bad/);
});

test('on a phone, going offline is said in the live region, and the sync icon does not spin for less motion', async ({
  browser,
  baseURL,
}) => {
  const context = await browser.newContext({
    baseURL,
    viewport: { width: 390, height: 844 },
    hasTouch: true,
    reducedMotion: 'reduce',
  });
  const page = await context.newPage();
  await signIn(page);
  await synced(page);
  await expect(page.getByTestId('status-more')).toBeVisible(); // the phone's one-line bar

  await context.setOffline(true);
  await expect(page.getByTestId('offline-indicator')).toBeVisible();
  // What a screen reader gets from the live region: the offline message, details folded or not.
  const said = page.getByRole('status').getByText('Offline — showing what is on this device');
  await expect(said).toBeVisible(); // rendered (a display: none note is never read out)
  await expect(page.getByTestId('status-more')).toHaveAttribute('aria-expanded', 'false');
  await context.setOffline(false);
  await synced(page);

  // A slow pull keeps the sync running long enough to look at the icon.
  await page.route('**/api/sync/pull**', async (route) => {
    await new Promise((r) => setTimeout(r, 2500));
    await route.continue().catch(() => {});
  });
  await page.getByTestId('sync-now').click();
  await expect(page.getByTestId('sync-now')).toHaveAttribute('data-running', 'true');
  const icon = page.getByTestId('sync-now').locator('.sync-icon');
  expect(await icon.evaluate((el) => getComputedStyle(el).animationName)).toBe('none');
  await page.unroute('**/api/sync/pull**');
  await synced(page);
  await context.close();
});

test('the board keeps the keyboard: undo, "Move to…", a pick-up left, and its words', async ({ browser, baseURL }) => {
  test.setTimeout(120_000);
  const lead = await openBoard(browser, baseURL);
  const before = await cardIds(lead, CREW_B);
  expect(before.length).toBeGreaterThanOrEqual(3);
  const first = before[0]!;
  const grip = card(lead, first).getByTestId('card-grip');

  // A keyboard pick-up that the focus leaves is put back, and said so.
  await grip.focus();
  await lead.keyboard.press('Enter');
  await expect(grip).toHaveAttribute('aria-pressed', 'true');
  await lead.keyboard.press('Tab');
  await expect(grip).toHaveAttribute('aria-pressed', 'false');
  await expect(lead.getByTestId('board-announcement')).toContainText('Move cancelled');
  expect(await cardIds(lead, CREW_B)).toEqual(before);

  // A keyboard move, then Undo pressed from its button: the keyboard stays on Undo, even with
  // nothing left to undo.
  await grip.focus();
  await lead.keyboard.press('Enter');
  await lead.keyboard.press('ArrowDown');
  await lead.keyboard.press('Space');
  await expect.poll(async () => (await cardIds(lead, CREW_B)).indexOf(first)).toBe(1);
  await expect(grip).toBeFocused();
  const undo = lead.getByTestId('undo');
  await undo.focus();
  await lead.keyboard.press('Enter');
  await expect(lead.getByTestId('board-announcement')).toContainText('Undone');
  await expect.poll(() => cardIds(lead, CREW_B)).toEqual(before);
  await expect(undo).toHaveAttribute('aria-disabled', 'true');
  expect(await focused(undo), `focus after undo: ${await activeText(lead)}`).toBe(true);
  await synced(lead);

  // "Move to…": the dialog starts on the crew the case is with; after the move the keyboard is
  // on the card's "Move to…" again, in its new place; Ctrl+Z from there follows it back.
  const dialog = lead.getByTestId('move-dialog');
  await card(lead, first).getByTestId('card-move').focus();
  await lead.keyboard.press('Enter');
  await expect(dialog).toBeVisible();
  await expect(dialog.getByRole('radio', { name: /Streets Crew B/ })).toBeFocused();
  await dialog.getByRole('radio', { name: 'Unassigned' }).check();
  await dialog.getByRole('button', { name: 'Move' }).focus();
  await lead.keyboard.press('Enter');
  await expect(dialog).toHaveCount(0);
  await expect(column(lead, 'queue').locator(`[data-case-id="${first}"]`)).toBeVisible();
  await expect(card(lead, first).getByTestId('card-move')).toBeFocused();
  await lead.keyboard.press('Control+z');
  await expect(column(lead, CREW_B).locator(`[data-case-id="${first}"]`)).toBeVisible();
  await expect(card(lead, first).getByTestId('card-move')).toBeFocused();
  await synced(lead);

  // The load line of a crew over its hours: a space after its colon.
  const over = lead.locator('[data-testid="crew-load"][data-over="true"]');
  const n = await over.count();
  for (let i = 0; i < n; i++) {
    const text = (await over.nth(i).textContent()) ?? '';
    expect(text).toMatch(/Over capacity by [^:]+: \d/);
  }
  const words = await lead.getByTestId('board').evaluate((el) => (el as HTMLElement).innerText);
  expect(words).not.toMatch(/:\d+ h/);
  await axeClean(lead);
  await lead.context().close();
});

test('"Balance the day" by keyboard: the keyboard goes to the plan, and back to the button after', async ({
  browser,
  baseURL,
}) => {
  const lead = await openBoard(browser, baseURL);
  const balance = lead.getByTestId('balance');
  await balance.focus();
  await lead.keyboard.press('Enter');
  const preview = lead.getByTestId('balance-preview');
  await expect(preview).toBeVisible({ timeout: 20_000 });
  await expect(preview.getByRole('heading', { name: 'Suggested balance for the day' })).toBeFocused();
  await preview.getByTestId('plan-discard').focus();
  await lead.keyboard.press('Enter');
  await expect(preview).toHaveCount(0);
  await expect(lead.getByTestId('board-announcement')).toContainText('Suggestion put aside');
  await expect(balance).toBeFocused();
  await lead.context().close();
});

test('the "Change…" dialog says how it went beside the button, in sight and in a live region', async ({
  browser,
  baseURL,
}) => {
  // A short desk screen: the dialog scrolls.
  const lead = await openBoard(browser, baseURL, 560);
  const id = (await cardIds(lead, CREW_A))[0]!;
  await card(lead, id).getByTestId('card-actions').click();
  const dialog = lead.getByTestId('case-actions-dialog');
  await expect(dialog).toBeVisible();
  // The date left empty: the error is beside "Save due date".
  const saveDue = dialog.getByRole('button', { name: 'Save due date' });
  await dialog.getByLabel('Due date').fill('');
  await saveDue.focus();
  await lead.keyboard.press('Enter');
  const error = dialog.getByTestId('act-error-due');
  await expect(error).toHaveText('Choose a date first.');
  await expect(error).toHaveAttribute('role', 'alert');
  await expect(error).toBeInViewport();
  // The priority kept as it is, saved: said beside its button, which keeps the keyboard.
  const save = dialog.getByRole('button', { name: 'Save priority' });
  await save.focus();
  await lead.keyboard.press('Enter');
  const done = dialog.getByTestId('act-done-priority');
  await expect(done).toHaveText('Priority saved on this device.');
  await expect(done).toHaveAttribute('role', 'status');
  await expect(done).toBeInViewport();
  await expect(save).toBeFocused();
  await dialog.getByRole('button', { name: 'Close' }).click();
  await synced(lead);
  await lead.context().close();
});

test('marking notices as read keeps the keyboard in the list, on the board and in the inbox', async ({
  browser,
  baseURL,
  playwright,
}) => {
  test.setTimeout(90_000);
  // Three transfer requests from a crew: three notices for the lead.
  const crew = await apiSession(playwright, baseURL!, WORKER);
  const reason = `Focus check ${Date.now()}`;
  try {
    const open = (await serverDay(crew)).filter((c) => ['assigned', 'in_progress', 'on_hold'].includes(c.state));
    expect(open.length).toBeGreaterThanOrEqual(3);
    for (const c of open.slice(0, 3)) {
      expect(await pushOne(crew, c.id, 'transfer_request', { departmentId: null, reason })).toBe('applied');
    }
  } finally {
    await crew.dispose();
  }

  // On the board: the next crossed path's button takes the keyboard.
  const lead = await openBoard(browser, baseURL);
  const crossings = lead.getByTestId('board-crossing').filter({ hasText: reason });
  await expect(crossings).toHaveCount(3);
  await crossings.first().getByTestId('board-crossing-ack').focus();
  await lead.keyboard.press('Enter');
  await expect(crossings).toHaveCount(2);
  await expect(lead.getByTestId('board-announcement')).toContainText('Marked as read');
  await expect(lead.locator('[data-testid="board-crossings"] button:focus')).toHaveCount(1);

  // In the inbox: the next notice's button, and what happened said.
  await lead.getByRole('link', { name: 'Inbox' }).click();
  const mine = lead.getByTestId('inbox-notice').filter({ hasText: reason });
  await expect(mine).toHaveCount(2);
  await mine.first().getByTestId('inbox-read').focus();
  // The first try is lost on the way (a blip): said; the second goes, and the failure with it.
  await lead.route('**/api/notices/*/ack', (route) => route.abort(), { times: 1 });
  await lead.keyboard.press('Enter');
  await expect(lead.getByRole('alert').filter({ hasText: 'Could not mark it as read' })).toBeVisible();
  await mine.first().getByTestId('inbox-read').focus();
  await lead.keyboard.press('Enter');
  await expect(mine).toHaveCount(1);
  await expect(lead.getByTestId('inbox-said')).toContainText('Marked as read');
  await expect(lead.getByRole('alert').filter({ hasText: 'Could not mark it as read' })).toHaveCount(0);
  await expect(lead.getByTestId('inbox-read').first()).toBeVisible();
  expect(
    await lead.evaluate(() => document.activeElement?.getAttribute('data-testid')),
    `focus after marking as read: ${await activeText(lead)}`,
  ).toBe('inbox-read');
  // The rest, one by one, down to an empty list: then the page's title.
  while ((await lead.getByTestId('inbox-read').count()) > 0) {
    const left = await lead.getByTestId('inbox-read').count();
    await lead.keyboard.press('Enter');
    await expect(lead.getByTestId('inbox-read')).toHaveCount(left - 1);
  }
  await expect(lead.getByRole('heading', { name: 'Crossed paths', level: 1 })).toBeFocused();
  await lead.context().close();
});

test('"Delete the stored map" asks first', async ({ page }) => {
  await signIn(page);
  await page.getByRole('link', { name: 'Settings' }).click();
  await page.getByRole('button', { name: /Delete the stored map/ }).click();
  const confirm = page.getByTestId('delete-map-confirm');
  await expect(confirm).toContainText('Delete the map stored on this device?');
  await expect(confirm.getByRole('button', { name: 'Keep it' })).toBeFocused();
  await axeClean(page);
  await page.keyboard.press('Enter');
  await expect(confirm).toHaveCount(0);
  await expect(page.getByRole('button', { name: /Delete the stored map/ })).toBeFocused();
  await page.getByRole('button', { name: /Delete the stored map/ }).click();
  await confirm.getByRole('button', { name: 'Delete the map' }).click();
  await expect(page.getByTestId('delete-map-status')).toHaveText('The stored map was deleted from this device.');
});

test("an admin's header on a phone: one or two rows, nothing overlapping", async ({ browser, baseURL }) => {
  const context = await browser.newContext({ baseURL, viewport: { width: 360, height: 740 }, hasTouch: true });
  const page = await context.newPage();
  await page.goto('/login');
  await submitSignIn(page, ADMIN);
  await expect(page).toHaveURL(/\/inbox$/);
  const bar = page.locator('.app-header .bar');
  const boxes = await bar
    .locator('a, button')
    .evaluateAll((els) =>
      els
        .filter((e) => (e as HTMLElement).offsetParent !== null)
        .map((e) => ({ text: e.textContent?.trim() ?? '', ...e.getBoundingClientRect().toJSON() })),
    );
  for (const [i, a] of boxes.entries()) {
    expect(a.height, `${a.text} is a 44 px target`).toBeGreaterThanOrEqual(44);
    for (const b of boxes.slice(i + 1)) {
      const overlap = a.left < b.right - 1 && b.left < a.right - 1 && a.top < b.bottom - 1 && b.top < a.bottom - 1;
      expect(overlap, `${a.text} overlaps ${b.text}`).toBe(false);
    }
  }
  // The work comes first: the menu leaves most of the screen (the status below it grows for
  // a while with the progress of priming the device, thousands of cases late in a full run).
  const menu = (await bar.boundingBox())!;
  expect(menu.height).toBeLessThanOrEqual(740 * 0.3);
  await context.close();
});

test('the mail preview shows the focus ring when the keyboard is in it', async ({ page }) => {
  await page.route('**/api/admin/mailbox', (route) =>
    route.fulfill({
      json: {
        transport: 'mailbox',
        messages: [
          {
            id: 'm1',
            messageId: '<m1@fieldfix.example>',
            outboxId: '1',
            caseId: '1',
            template: 'received',
            to: 'resident@example.org',
            subject: 'We received your report (case #1)',
            date: new Date().toISOString(),
            // Long enough to scroll in its frame, as a real message does: the frame is then a tab stop.
            html: `<!doctype html><html><body>${'<p>Thank you for your report.</p>'.repeat(80)}</body></html>`,
            text: 'Thank you.',
            headers: {},
          },
        ],
      },
    }),
  );
  await page.goto('/login');
  await submitSignIn(page, ADMIN);
  await expect(page).toHaveURL(/\/inbox$/);
  await page.getByRole('link', { name: 'Notices' }).click();
  await page.getByRole('button', { name: /We received your report/ }).click();
  const frame = page.getByTitle('The message as sent');
  await expect(frame).toBeVisible();
  // In the frame (as after a tap in it to scroll): the ring shows, whatever put the focus there.
  await frame.focus();
  await expect.poll(() => frame.evaluate((el) => el === document.activeElement)).toBe(true);
  await expect
    .poll(() =>
      frame.evaluate((el) => {
        const s = getComputedStyle(el);
        return { style: s.outlineStyle, width: s.outlineWidth };
      }),
    )
    .toEqual({ style: 'solid', width: '3px' });
});
