import { expect, test } from '@playwright/test';
import AxeBuilder from '@axe-core/playwright';
import {
  FIXABLE,
  LEAD,
  count,
  offlineReady,
  openCase,
  row,
  serverCase,
  serverDay,
  signIn,
  stateBadge,
  synced,
  uuidv7,
} from '../support/app.ts';

// Field work done with no signal: queued on the device, kept through reloads, synced once, and
// accounted for in plain words when it crossed paths with a lead (PRODUCT.md R1, R6, R9).

test('work done offline survives a reload and reaches the server exactly once', async ({ page, context }) => {
  // Priming asks for the day without the closed history (prime=1); pulling on, it is not said.
  const pulls: URL[] = [];
  page.on('request', (r) => {
    if (r.url().includes('/api/sync/pull?')) pulls.push(new URL(r.url()));
  });
  await signIn(page);
  await synced(page);
  expect(pulls.length).toBeGreaterThan(0);
  expect(pulls[0]!.searchParams.get('cursor')).toBe('0');
  expect(pulls[0]!.searchParams.get('prime')).toBe('1');
  const primedPulls = pulls.length;
  await offlineReady(page);
  await page
    .getByRole('button', { name: /sync now/i })
    .first()
    .click();
  await synced(page);
  await expect.poll(() => pulls.length).toBeGreaterThan(primedPulls);
  expect(pulls.slice(primedPulls).map((u) => u.searchParams.get('prime'))).not.toContain('1');

  const day = await serverDay(page.request);
  const assigned = day.filter((c) => c.state === 'assigned');
  const toStart = assigned[0]!;
  const toFix = assigned.find((c) => c.id !== toStart.id && FIXABLE.includes(c.serviceCode));
  const toHold = day.find((c) => c.state === 'in_progress');
  expect(toFix, 'the demo crew has a sidewalk or debris case to fix').toBeTruthy();
  expect(toHold, 'the demo crew has a case in progress').toBeTruthy();
  const heldBefore = count((await serverCase(page.request, toHold!.id)).events, (e) => e.kind === 'held');
  const note = `Cones out, lip is 3 cm (${Date.now()})`;

  await context.setOffline(true);
  await expect(page.getByTestId('offline-indicator')).toBeVisible();

  // Start one case and add a note to it.
  await openCase(page, toStart.id);
  await page.getByRole('button', { name: 'Start', exact: true }).click();
  await expect(page.getByTestId('action-saved')).toContainText('Start saved on this device');
  await expect(stateBadge(page)).toContainText('In progress');
  await page.getByRole('button', { name: 'Add note' }).click();
  await page.getByLabel('Note', { exact: true }).fill(note);
  await page.getByRole('button', { name: 'Save note' }).click();
  await expect(page.getByTestId('case-pending').getByRole('listitem')).toHaveCount(2);
  await expect(page.getByTestId('case-pending')).toContainText(note);

  // Fix another.
  await openCase(page, toFix!.id);
  await page.getByRole('button', { name: 'Fix', exact: true }).click();
  const whatWasDone = page.getByRole('group', { name: 'What was done?' });
  await whatWasDone.getByRole('radio').first().check();
  await page.getByLabel('Note for the record (optional)').fill('Ground the lip down.');
  // The open form, the status bar and the pending list pass an accessibility scan.
  const scan = await new AxeBuilder({ page }).analyze();
  expect(
    scan.violations
      .filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => `${v.id}: ${v.nodes[0]?.target}`),
  ).toEqual([]);
  await page.getByRole('button', { name: 'Save fix' }).click();
  await expect(stateBadge(page)).toContainText('Fixed');

  // Hold a third.
  await openCase(page, toHold!.id);
  await page.getByRole('button', { name: 'Hold', exact: true }).click();
  await page
    .getByRole('group', { name: 'Why is the work on hold?' })
    .getByRole('button', { name: 'Needs material' })
    .click();
  await expect(stateBadge(page)).toContainText('On hold');

  const pending = page.getByTestId('pending-count');
  await expect(pending).toHaveAttribute('data-count', '4');
  await expect(pending).toHaveText('4 changes waiting to sync');

  // A reload with no signal: the changes and the count are still there.
  await page.reload();
  await expect(page.getByTestId('offline-indicator')).toBeVisible();
  await expect(pending).toHaveText('4 changes waiting to sync');
  await expect(stateBadge(page)).toContainText('On hold');
  await page.getByRole('link', { name: /back to my day/i }).click();
  await expect(row(page, toStart.id)).toContainText('In progress');
  await expect(row(page, toFix!.id)).toContainText('Fixed');
  await expect(row(page, toHold!.id)).toContainText('On hold');
  await expect(row(page, toStart.id)).toContainText('Waiting to sync');

  // Signal again: everything syncs, and nothing needs attention.
  await context.setOffline(false);
  await synced(page);
  await expect(page.getByTestId('sync-problems')).toHaveCount(0);
  await expect(row(page, toStart.id)).not.toContainText('Waiting to sync');
  await expect(row(page, toFix!.id)).toContainText('Fixed');

  const started = await serverCase(page.request, toStart.id);
  expect(started.case.state).toBe('in_progress');
  expect(count(started.events, (e) => e.kind === 'started')).toBe(1);
  expect(count(started.events, (e) => e.kind === 'note' && e.data.text === note)).toBe(1);

  const fixed = await serverCase(page.request, toFix!.id);
  expect(fixed.case.state).toBe('fixed');
  expect(fixed.case.resolutionCode).not.toBeNull();
  expect(count(fixed.events, (e) => e.kind === 'fixed')).toBe(1);

  const held = await serverCase(page.request, toHold!.id);
  expect(held.case).toMatchObject({ state: 'on_hold', holdReason: 'needs_material' });
  expect(count(held.events, (e) => e.kind === 'held')).toBe(heldBefore + 1);
});

test('a fix that crossed paths with a lead cancelling the case is explained in plain words, and the lead finds it in the inbox', async ({
  page,
  context,
  playwright,
  baseURL,
  browser,
}) => {
  await signIn(page);
  await synced(page);
  await offlineReady(page);

  const target = (await serverDay(page.request)).find((c) => c.state === 'assigned' && FIXABLE.includes(c.serviceCode));
  expect(target, 'the demo crew has a sidewalk or debris case to fix').toBeTruthy();

  await context.setOffline(true);
  await expect(page.getByTestId('offline-indicator')).toBeVisible();

  // Meanwhile, at the desk, the lead cancels the case.
  const lead = await playwright.request.newContext({ baseURL });
  try {
    expect((await lead.post('/api/auth/login', { data: LEAD })).status()).toBe(200);
    const { case: current } = await serverCase(lead, target!.id);
    const clientId = `e2e-lead-${uuidv7().slice(-8)}`;
    const res = await lead.post('/api/sync/push', {
      headers: { 'fieldfix-protocol': '1' },
      data: {
        clientId,
        mutations: [
          {
            id: uuidv7(),
            clientId,
            seq: 1,
            caseId: target!.id,
            baseVersion: current.version,
            deviceTime: new Date().toISOString(),
            kind: 'cancel',
            payload: { reason: 'no_action_needed', note: 'The resident withdrew the report.' },
          },
        ],
      },
    });
    expect(res.status()).toBe(200);
    expect(((await res.json()) as { outcomes: { outcome: string }[] }).outcomes[0]?.outcome).toBe('applied');
  } finally {
    await lead.dispose();
  }

  // The crew, still offline, fixes it.
  await openCase(page, target!.id);
  await page.getByRole('button', { name: 'Fix', exact: true }).click();
  await page.getByRole('group', { name: 'What was done?' }).getByRole('radio').first().check();
  await page.getByRole('button', { name: 'Save fix' }).click();
  await expect(stateBadge(page)).toContainText('Fixed');
  await expect(page.getByTestId('pending-count')).toHaveAttribute('data-count', '1');

  // Back online: the server's word stands, and the device says what happened and what to do.
  await context.setOffline(false);
  await synced(page);
  const problem = page.getByTestId('outcome-item').filter({ hasText: `case #${target!.id}` });
  await expect(problem).toHaveAttribute('data-outcome', 'superseded');
  await expect(problem).toContainText(`Fix on case #${target!.id} not applied: the case was cancelled by a lead`);
  await expect(problem).toContainText('the lead was told');
  await expect(problem).toContainText('Nothing more to do');
  await expect(stateBadge(page)).toHaveText(/Closed, not fixed/);
  await expect(page.getByTestId('case-detail')).toContainText('A lead cancelled this case');
  await expect(page.getByTestId('case-outcomes')).toContainText('cancelled by a lead');

  const scan = await new AxeBuilder({ page }).analyze();
  expect(
    scan.violations
      .filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => `${v.id}: ${v.nodes[0]?.target}`),
  ).toEqual([]);

  // The fix is in the history once, recorded but not applied.
  const { case: after, events } = await serverCase(page.request, target!.id);
  expect(after).toMatchObject({ state: 'closed_not_fixed', cancelled: true });
  expect(events.filter((e) => e.kind === 'fix').map((e) => e.data.outcome)).toEqual(['superseded']);

  // Dismissed (by keyboard), it is gone from the list (the case page keeps it), and the keyboard
  // is not dropped to the page's top.
  await problem.getByRole('button', { name: /dismiss/i }).focus();
  await page.keyboard.press('Enter');
  await expect(problem).toHaveCount(0);
  await expect.poll(() => page.evaluate(() => document.activeElement?.tagName)).not.toBe('BODY');
  await expect(page.getByTestId('case-outcomes')).toContainText('cancelled by a lead');

  // The lead signs in at the desk and finds the crossed path in the inbox.
  const desk = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  try {
    const leadPage = await desk.newPage();
    await leadPage.goto('/login');
    await leadPage.getByLabel('Email').fill(LEAD.email);
    await leadPage.getByLabel('Password').fill(LEAD.password);
    await leadPage.getByRole('button', { name: /sign in/i }).click();
    await expect(leadPage).toHaveURL(/\/inbox$/);
    const notice = leadPage.locator(`[data-testid="inbox-notice"][data-case-id="${target!.id}"]`);
    await expect(notice).toContainText(`Case #${target!.id} was cancelled, but a crew fixed it in the field`);
    const inboxScan = await new AxeBuilder({ page: leadPage }).analyze();
    expect(
      inboxScan.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => v.id),
    ).toEqual([]);
    await notice.getByRole('button', { name: /mark as read/i }).click();
    await expect(notice).toHaveCount(0);
    await leadPage.reload();
    // Loaded again from the server: a list of other notices, or none at all.
    await expect(leadPage.getByTestId('inbox-list').or(leadPage.getByTestId('inbox-empty'))).toBeVisible();
    await expect(leadPage.locator(`[data-testid="inbox-notice"][data-case-id="${target!.id}"]`)).toHaveCount(0);
  } finally {
    await desk.close();
  }
});

test('two tabs share one outbox: both show a change, and it is pushed once', async ({ context }) => {
  // Pushes the server answered. An attempt that never left the browser is not counted: with
  // the context offline, the service worker's Background Sync may still try (the browser
  // itself is online) and fail at once, before the page's own push.
  const pushed: { id: string; caseId: string; kind: string }[] = [];
  context.on('response', (res) => {
    const req = res.request();
    if (req.method() === 'POST' && new URL(req.url()).pathname === '/api/sync/push') {
      pushed.push(...(req.postDataJSON() as { mutations: { id: string; caseId: string; kind: string }[] }).mutations);
    }
  });

  const one = await context.newPage();
  await signIn(one);
  await synced(one);
  await offlineReady(one);
  const target = (await serverDay(one.request)).find((c) => c.state === 'assigned');
  expect(target).toBeTruthy();

  const two = await context.newPage();
  await two.goto(`/cases/${target!.id}`);
  await synced(two);
  await expect(stateBadge(two)).toContainText('Assigned');
  await one.goto(`/cases/${target!.id}`);

  // Changes made in one tab with no signal show in the other straight from the shared database.
  await context.setOffline(true);
  const note = `Second tab check (${Date.now()})`;
  await one.getByRole('button', { name: 'Start', exact: true }).click();
  await one.getByRole('button', { name: 'Add note' }).click();
  await one.getByLabel('Note', { exact: true }).fill(note);
  await one.getByRole('button', { name: 'Save note' }).click();
  await expect(stateBadge(two)).toContainText('In progress');
  await expect(two.getByTestId('pending-count')).toHaveAttribute('data-count', '2');

  // The signal returns in both tabs at once: both try to sync, one does, each change goes once.
  await context.setOffline(false);
  await synced(one);
  await synced(two);
  await expect(stateBadge(one)).toContainText('In progress');
  await expect(stateBadge(two)).toContainText('In progress');
  await expect(two.getByTestId('case-outcomes')).toContainText(note);

  const mine = pushed.filter((m) => m.caseId === target!.id);
  expect(mine.map((m) => m.kind)).toEqual(['start', 'add_note']);
  expect(new Set(mine.map((m) => m.id)).size).toBe(2);

  const { case: after, events } = await serverCase(one.request, target!.id);
  expect(after.state).toBe('in_progress');
  expect(count(events, (e) => e.kind === 'started')).toBe(1);
  expect(count(events, (e) => e.kind === 'note' && e.data.text === note)).toBe(1);
});
