import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, test, type APIRequestContext, type Page, type APIRequest } from '@playwright/test';
import AxeBuilder from '@axe-core/playwright';
import {
  FIXABLE,
  LEAD,
  apiSession,
  WORKER,
  WORKER_B,
  offlineReady,
  openCase,
  pushOne,
  row,
  serverCase,
  serverDay,
  signIn,
  stateBadge,
  synced,
  uuidv7,
} from '../support/app.ts';
import { CREW_A, CREW_B, card, cardIds, column, openBoard } from '../support/board.ts';

// The lead's dispatch board (issue 12): moves by drag and drop and by keyboard are ordinary
// sync mutations; crews' devices get them when they sync; field work done offline stands
// and the lead sees it on the board; the board follows the crews live.

const shots = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'docs', 'screenshots');

const serious = (r: { violations: { impact?: string | null; id: string; nodes: { target: unknown }[] }[] }) =>
  r.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id}: ${String(v.nodes[0]?.target)}`);

// The demo city is shared by every spec of the run: this file puts back the routes it found
// (its moves, lasso and balance change them), so the specs after it see the day they expect.
// Cases fixed or closed meanwhile stay as they are.
// Serial: a failure skips the rest of the file rather than starting a new worker, whose
// beforeAll would take the changed day for the one to restore.
test.describe.configure({ mode: 'serial' });
type Placement = { crewId: string | null; day: string | null; position: number | null; state?: string };
let lead: APIRequestContext;
let before = new Map<string, Placement>();
const cityToday = () => new Intl.DateTimeFormat('en-CA', { timeZone: 'America/Detroit' }).format(new Date());

async function boardPlacements(): Promise<Map<string, Placement & { version: number; open: boolean }>> {
  const res = await lead.get(`/api/dispatch/board?date=${cityToday()}`);
  expect(res.status()).toBe(200);
  const board = (await res.json()) as {
    crews: {
      id: string;
      cases: { case: { id: string; assignedDay: string | null; version: number; state: string } }[];
    }[];
    unassigned: { case: { id: string; version: number } }[];
  };
  const out = new Map<string, Placement & { version: number; open: boolean }>();
  for (const crew of board.crews)
    crew.cases.forEach(({ case: c }, i) =>
      out.set(c.id, {
        crewId: crew.id,
        day: c.assignedDay,
        position: i + 1,
        state: c.state,
        version: c.version,
        open: true,
      }),
    );
  for (const { case: c } of board.unassigned)
    out.set(c.id, { crewId: null, day: null, position: null, version: c.version, open: true });
  return out;
}

let playwrightRequest: APIRequest | null = null;
let base: string | undefined;

test.beforeAll(async ({ playwright, baseURL }) => {
  playwrightRequest = playwright.request;
  base = baseURL;
  lead = await playwright.request.newContext({ baseURL, extraHTTPHeaders: { origin: baseURL! } });
  const login = await lead.post('/api/auth/login', { data: { email: LEAD.email, password: LEAD.password } });
  expect(login.status()).toBe(200);
  before = new Map(
    [...(await boardPlacements())].map(([id, p]) => [
      id,
      { crewId: p.crewId, day: p.day, position: p.position, state: p.state },
    ]),
  );
});

test.afterAll(async () => {
  const now = await boardPlacements();
  const clientId = `e2e-dispatch-restore-${Date.now()}`;
  const mutations = [...before]
    .filter(([id, was]) => {
      const is = now.get(id);
      return is && (is.crewId !== was.crewId || is.position !== was.position);
    })
    .sort(([, a], [, b]) => (a.position ?? 0) - (b.position ?? 0))
    .map(([id, was], seq) => ({
      id: uuidv7(),
      clientId,
      seq,
      caseId: id,
      baseVersion: now.get(id)!.version,
      deviceTime: new Date().toISOString(),
      ...(was.crewId
        ? { kind: 'assign', payload: { crewId: was.crewId, day: was.day, position: was.position } }
        : { kind: 'unassign', payload: {} }),
    }));
  if (mutations.length > 0) {
    const res = await lead.post('/api/sync/push', {
      headers: { 'fieldfix-protocol': '4' },
      data: { clientId, sentAt: new Date().toISOString(), mutations },
    });
    expect(res.status(), await res.text()).toBe(200);
  }
  // A case that was in progress and went to another crew came back as "assigned": its crew
  // starts it again from their tablet, as they would.
  const after = await boardPlacements();
  const restart = [...before].filter(([id, was]) => was.state === 'in_progress' && after.get(id)?.state === 'assigned');
  const crew = new Map<string, APIRequestContext>();
  for (const [id, was] of restart) {
    const email = was.crewId === CREW_A ? WORKER.email : was.crewId === CREW_B ? WORKER_B.email : null;
    if (!email) continue;
    if (!crew.has(email)) {
      const worker = await playwrightRequest!.newContext({ baseURL: base!, extraHTTPHeaders: { origin: base! } });
      expect((await worker.post('/api/auth/login', { data: { email, password: WORKER.password } })).status()).toBe(200);
      crew.set(email, worker);
    }
    const worker = crew.get(email)!;
    const workerClient = `e2e-dispatch-restart-${Date.now()}`;
    const res = await worker.post('/api/sync/push', {
      headers: { 'fieldfix-protocol': '4' },
      data: {
        clientId: workerClient,
        sentAt: new Date().toISOString(),
        mutations: [
          {
            id: uuidv7(),
            clientId: workerClient,
            seq: 0,
            caseId: id,
            baseVersion: after.get(id)!.version,
            deviceTime: new Date().toISOString(),
            kind: 'start',
            payload: {},
          },
        ],
      },
    });
    expect(res.status(), await res.text()).toBe(200);
  }
  for (const c of crew.values()) await c.dispose();
  await lead.dispose();
});

/** The README's screenshots, taken when asked (`FIELDFIX_SCREENSHOTS=1`), so a test run leaves the tree as it was. */
async function shoot(page: Page, name: string, top = true): Promise<void> {
  if (!process.env.FIELDFIX_SCREENSHOTS) return;
  mkdirSync(shots, { recursive: true });
  await page.evaluate(async (top) => {
    await document.fonts.ready;
    if (top) window.scrollTo(0, 0);
  }, top);
  await page.screenshot({ path: join(shots, `${name}.png`) });
}

test("yesterday's two leftovers swapped by keyboard stay yesterday's, on the board and on the server", async ({
  browser,
  baseURL,
}) => {
  // Two of crew B's cases carried over from yesterday, at the top of its column: put there by
  // a desk of its own (the specs before this one may have worked the demo's own leftovers).
  const day = cityToday();
  const yesterday = new Date(Date.parse(`${day}T12:00:00Z`) - 86_400_000).toISOString().slice(0, 10);
  const carried = [...(await boardPlacements())]
    .filter(([, p]) => p.crewId === CREW_B && p.state === 'assigned' && p.day === day)
    .slice(0, 2)
    .map(([id]) => id);
  expect(carried, "two of crew B's cases to carry over").toHaveLength(2);
  for (const [i, id] of carried.entries())
    expect(await pushOne(lead, id, 'assign', { crewId: CREW_B, day: yesterday, position: i + 1 }, 'e2e-desk')).toBe(
      'applied',
    );

  const desk = await openBoard(browser, baseURL);
  const [first, second] = carried as [string, string];
  await expect.poll(async () => (await cardIds(desk, CREW_B)).slice(0, 2)).toEqual([first, second]);
  const before = await cardIds(desk, CREW_B);
  const fromYesterday = async () => {
    for (const id of [first, second]) await expect(card(desk, id)).toContainText('From yesterday');
  };
  await fromYesterday();

  await card(desk, first).getByTestId('card-grip').focus();
  await desk.keyboard.press('Enter');
  await desk.keyboard.press('ArrowDown');
  await desk.keyboard.press('Space');
  await expect(desk.getByTestId('board-announcement')).toContainText(
    `Case #${first} moved to Streets Crew B at stop 2`,
  );
  const swapped = [second, first, ...before.slice(2)];
  await expect.poll(() => cardIds(desk, CREW_B)).toEqual(swapped);
  await fromYesterday();
  // As the server has it: the same order, both still yesterday's.
  await synced(desk);
  await desk.reload();
  await expect(column(desk, CREW_B)).toBeVisible({ timeout: 30_000 });
  await expect.poll(() => cardIds(desk, CREW_B), { timeout: 15_000 }).toEqual(swapped);
  await fromYesterday();
  await desk.context().close();
});

test('a lead moves six cases from crew A to crew B; crew B gets them, a fix done offline stands, and the board follows live', async ({
  page,
  context,
  browser,
  baseURL,
}) => {
  test.setTimeout(180_000);
  // Crew A's tablet, then no signal: one of its cases is fixed in a dead zone.
  await signIn(page, WORKER);
  await synced(page);
  await offlineReady(page);
  const dayA = await serverDay(page.request);
  const fixedOffline = dayA.find((c) => c.state === 'assigned' && FIXABLE.includes(c.serviceCode));
  expect(fixedOffline, 'crew A has a sidewalk or debris case to fix').toBeTruthy();
  await context.setOffline(true);
  await openCase(page, fixedOffline!.id);
  await page.getByRole('button', { name: 'Fix', exact: true }).click();
  await page.getByRole('group', { name: 'What was done?' }).getByRole('radio').first().check();
  await page.getByRole('button', { name: 'Save fix' }).click();
  await expect(stateBadge(page)).toContainText('Fixed');

  // At the desk: the board, crews in order, crew A's route.
  const lead = await openBoard(browser, baseURL);
  const columns = await lead
    .getByTestId('board-column')
    .evaluateAll((els) => els.map((e) => e.getAttribute('data-crew-id')));
  expect(columns.indexOf(CREW_B)).toBe(columns.indexOf(CREW_A) + 1);
  const routeA = await cardIds(lead, CREW_A);
  expect(routeA).toContain(fixedOffline!.id);
  const others = routeA.filter((id) => id !== fixedOffline!.id);
  expect(others.length, 'crew A has at least six cases today').toBeGreaterThanOrEqual(5);
  const byDrag = [fixedOffline!.id, ...others.slice(0, 4)];
  const byKeyboard = others[4]!;
  await expect(card(lead, routeA[0]!).getByTestId('card-receipt')).toBeVisible();
  // Crew B's route starts with yesterday's leftovers (the demo's, before any move), and their
  // cards say so; the day's own do not.
  const routeB = await cardIds(lead, CREW_B);
  await expect(card(lead, routeB[0]!)).toContainText('From yesterday');
  await expect(card(lead, routeB.at(-1)!)).not.toContainText('From yesterday');

  // Five by drag and drop, each onto crew B's route.
  // A native drag that Chromium drops on the floor under load (seen once on a busy CI machine,
  // never locally) is tried again; a move that never lands still fails the test.
  for (const id of byDrag) {
    const inB = column(lead, CREW_B).locator(`[data-case-id="${id}"]`);
    let tries = 0;
    await expect(async () => {
      if ((await inB.count()) === 0) {
        if (tries++ > 0) {
          const said = await lead.getByTestId('board-announcement').textContent();
          console.log(`Drag of case #${id}: try ${tries} (the board said: ${said?.trim() || 'nothing'})`);
        }
        await card(lead, id).dragTo(column(lead, CREW_B).locator('h2'));
      }
      await expect(inB).toBeVisible({ timeout: 4_000 });
    }).toPass({ timeout: 20_000 });
  }
  // One by keyboard: pick up from the grip, one column right, put down.
  await card(lead, byKeyboard).getByTestId('card-grip').focus();
  await lead.keyboard.press('Space');
  await expect(lead.getByTestId('board-announcement')).toContainText(`Picked up case #${byKeyboard}`);
  await lead.keyboard.press('ArrowRight');
  await expect(lead.getByTestId('board-announcement')).toContainText('Streets Crew B');
  await lead.keyboard.press('Enter');
  await expect(lead.getByTestId('board-announcement')).toContainText(`Case #${byKeyboard} moved to Streets Crew B`);
  const moved = [...byDrag, byKeyboard];
  for (const id of moved) await expect(column(lead, CREW_B).locator(`[data-case-id="${id}"]`)).toBeVisible();
  for (const id of moved) await expect(column(lead, CREW_A).locator(`[data-case-id="${id}"]`)).toHaveCount(0);

  // The moves leave the lead's outbox; crew B's tablet has not synced since.
  await synced(lead);
  const moverCard = card(lead, byKeyboard);
  await expect(moverCard.getByTestId('card-receipt')).toHaveAttribute('data-tone', /waiting|never/);
  await shoot(lead, 'dispatch-board');

  // Crew B's tablet syncs: it shows the six cases, and the board says so without a reload.
  const crewB = await browser.newContext({ baseURL, viewport: { width: 1280, height: 800 }, hasTouch: true });
  const pageB = await crewB.newPage();
  await signIn(pageB, WORKER_B);
  await synced(pageB);
  for (const id of moved) await expect(row(pageB, id)).toBeVisible();
  await expect(moverCard.getByTestId('card-receipt')).toHaveAttribute('data-tone', 'ok');
  await expect(moverCard.getByTestId('card-receipt')).toContainText('On the tablet since');

  // Crew A gets its signal back: the fix stands, the case goes back to crew A, the rest are gone.
  await context.setOffline(false);
  await synced(page);
  await expect(stateBadge(page)).toContainText('Fixed');
  await page.getByRole('link', { name: /back to my day/i }).click();
  for (const id of moved.filter((id) => id !== fixedOffline!.id)) await expect(row(page, id)).toHaveCount(0);
  await expect(row(page, fixedOffline!.id)).toContainText('Fixed');

  // The lead sees the crossed path on the board, in plain words with what to do, live.
  const crossing = lead.locator(`[data-testid="board-crossing"][data-case-ids*="${fixedOffline!.id}"]`);
  await expect(crossing).toBeVisible({ timeout: 15_000 });
  await expect(crossing).toContainText('field work stands');
  // Said too, for a lead who listens: the section appearing says nothing on its own.
  await expect(lead.getByTestId('board-announcement')).toContainText(/Crossed paths: .*field work stands/);
  await expect(column(lead, CREW_B).locator(`[data-case-id="${fixedOffline!.id}"]`)).toHaveCount(0);

  // Crew B syncs again: the five stay, the fixed one went back to crew A.
  await pageB.getByTestId('sync-now').click();
  await synced(pageB);
  await expect(row(pageB, fixedOffline!.id)).toHaveCount(0);
  for (const id of moved.filter((id) => id !== fixedOffline!.id)) await expect(row(pageB, id)).toBeVisible();

  // Marked as read, it goes.
  await crossing.getByRole('button', { name: /mark as read/i }).click();
  await expect(crossing).toHaveCount(0);
  await crewB.close();
  await lead.context().close();
});

test('the board works by keyboard alone: reorder, undo and "Move to…", announced, with no serious accessibility problem', async ({
  browser,
  baseURL,
}) => {
  const lead = await openBoard(browser, baseURL);
  expect(serious(await new AxeBuilder({ page: lead }).analyze())).toEqual([]);
  const before = await cardIds(lead, CREW_B);
  expect(before.length).toBeGreaterThanOrEqual(2);
  const first = before[0]!;
  // Whether it is work left from yesterday (as the demo's crews start): undo puts it back on its day.
  const fromYesterday = ((await card(lead, first).textContent()) ?? '').includes('From yesterday');
  console.log(`crew B's first case #${first} is ${fromYesterday ? '' : 'not '}from yesterday`);

  // Tab to the first card of crew B's route.
  await lead.locator('body').focus();
  const grip = card(lead, first).getByTestId('card-grip');
  for (let i = 0; i < 200 && !(await grip.evaluate((el) => el === document.activeElement)); i++) {
    await lead.keyboard.press('Tab');
  }
  await expect(grip).toBeFocused();
  await lead.keyboard.press('Enter');
  await lead.keyboard.press('ArrowDown');
  await lead.keyboard.press('ArrowDown');
  await lead.keyboard.press('Space');
  await expect(lead.getByTestId('board-announcement')).toContainText(
    `Case #${first} moved to Streets Crew B at stop 3`,
  );
  await expect.poll(async () => (await cardIds(lead, CREW_B)).indexOf(first)).toBe(2);
  await expect(grip).toBeFocused();

  // Undo by keyboard: back where it was.
  await lead.keyboard.press('Control+z');
  await expect(lead.getByTestId('board-announcement')).toContainText('Undone');
  await expect.poll(() => cardIds(lead, CREW_B)).toEqual(before);
  // The undo is pushed and the live feed redraws the board: let it settle before the next key.
  await synced(lead);

  // "Move to…": into the unassigned queue, from a dialog.
  const dialog = lead.getByTestId('move-dialog');
  await expect(async () => {
    await card(lead, first).getByTestId('card-move').focus();
    await lead.keyboard.press('Enter');
    await expect(dialog).toBeVisible({ timeout: 2_000 });
  }).toPass({ timeout: 15_000 });
  expect(serious(await new AxeBuilder({ page: lead }).include('[data-testid="move-dialog"]').analyze())).toEqual([]);
  await dialog.getByRole('radio', { name: 'Unassigned' }).focus();
  await lead.keyboard.press('Space');
  await dialog.getByRole('button', { name: 'Move' }).focus();
  await lead.keyboard.press('Enter');
  await expect(dialog).toHaveCount(0);
  await expect(column(lead, 'queue').locator(`[data-case-id="${first}"]`)).toBeVisible();
  await expect(card(lead, first)).toHaveAttribute('data-waiting', /true|false/);
  await lead.keyboard.press('Control+z');
  await expect(column(lead, CREW_B).locator(`[data-case-id="${first}"]`)).toBeVisible();
  await synced(lead);
  // Back at its own stop, as the server has it too (crew B's column starts with work carried
  // over from yesterday, which a stop number sent to the server does not count).
  await expect.poll(() => cardIds(lead, CREW_B)).toEqual(before);
  await lead.reload();
  await expect(column(lead, CREW_B)).toBeVisible({ timeout: 30_000 });
  await expect.poll(() => cardIds(lead, CREW_B), { timeout: 15_000 }).toEqual(before);
  if (fromYesterday) await expect(card(lead, first)).toContainText('From yesterday');
  else await expect(card(lead, first)).not.toContainText('From yesterday');
  await lead.context().close();
});

test('undo is for the board it was made on, and leaves alone a case another lead has moved since', async ({
  browser,
  baseURL,
}) => {
  const desk = await openBoard(browser, baseURL);
  const moved = (await cardIds(desk, CREW_B)).at(-1)!;
  const dialog = desk.getByTestId('move-dialog');
  await card(desk, moved).getByTestId('card-move').click();
  await dialog.getByRole('radio', { name: 'Unassigned' }).check();
  await dialog.getByRole('button', { name: 'Move' }).click();
  await expect(column(desk, 'queue').locator(`[data-case-id="${moved}"]`)).toBeVisible();
  await synced(desk);
  const undo = desk.getByTestId('undo');
  await expect(undo).toHaveAttribute('aria-disabled', 'false');

  // Tomorrow's board: today's move is not its to undo (it would land on tomorrow).
  const day = desk.getByLabel('Day', { exact: true });
  const today = await day.inputValue();
  const tomorrow = new Date(Date.parse(`${today}T12:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
  await day.fill(tomorrow);
  await expect(desk).toHaveURL(new RegExp(`date=${tomorrow}`));
  await expect(undo).toHaveAttribute('aria-disabled', 'true');
  await desk.keyboard.press('Control+z');
  await day.fill(today);
  await expect(desk).toHaveURL(new RegExp(`date=${today}`));
  await expect(column(desk, 'queue').locator(`[data-case-id="${moved}"]`)).toBeVisible({ timeout: 15_000 });
  await expect(undo).toHaveAttribute('aria-disabled', 'false');

  // Meanwhile another lead gives the case to crew A: undoing would take it from them.
  expect(await pushOne(lead, moved, 'assign', { crewId: CREW_A, day: today, position: null }, 'e2e-other-desk')).toBe(
    'applied',
  );
  await expect(column(desk, CREW_A).locator(`[data-case-id="${moved}"]`)).toBeVisible({ timeout: 15_000 });
  await undo.click();
  await expect(desk.getByTestId('board-announcement')).toContainText(
    `Not undone: case #${moved} has moved since. Move it by hand if it should go back.`,
  );
  await expect(undo).toHaveAttribute('aria-disabled', 'true');
  await synced(desk);
  expect((await serverCase(lead, moved)).case.crewId).toBe(CREW_A);
  await desk.context().close();
});

test("undo leaves alone a case its new crew has started since; the selection is the board's own", async ({
  browser,
  baseURL,
  playwright,
}) => {
  const desk = await openBoard(browser, baseURL);
  const moved = (await cardIds(desk, 'queue'))[0]!;
  const dialog = desk.getByTestId('move-dialog');
  await card(desk, moved).getByTestId('card-move').click();
  await dialog.getByRole('radio', { name: /Streets Crew B/ }).check();
  await dialog.getByRole('button', { name: 'Move' }).click();
  await expect(column(desk, CREW_B).locator(`[data-case-id="${moved}"]`)).toBeVisible();
  await synced(desk);

  // Crew B starts it from their tablet; the board shows it under way.
  const crewB = await apiSession(playwright, baseURL!, WORKER_B);
  expect(await pushOne(crewB, moved, 'start', {}, 'e2e-crew-b')).toBe('applied');
  await expect(card(desk, moved)).toContainText('In progress', { timeout: 15_000 });
  await desk.getByTestId('undo').click();
  await expect(desk.getByTestId('board-announcement')).toContainText(
    `Not undone: case #${moved} was started by its new crew since. Move it by hand if it should still go back.`,
  );
  await synced(desk);
  expect((await serverCase(crewB, moved)).case).toMatchObject({ crewId: CREW_B, state: 'in_progress' });

  // Ticked on today's board, nothing stays ticked on tomorrow's.
  await card(desk, moved).getByTestId('card-select').check();
  await expect(desk.getByTestId('selection-bar')).toContainText('1 selected');
  const day = desk.getByLabel('Day', { exact: true });
  const tomorrow = new Date(Date.parse(`${await day.inputValue()}T12:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
  await day.fill(tomorrow);
  await expect(desk).toHaveURL(new RegExp(`date=${tomorrow}`));
  await expect(desk.getByTestId('selection-bar')).toHaveCount(0);
  await crewB.dispose();
  await desk.context().close();
});

test('the map: cases by crew with their routes, a lasso selects cases and they go to a crew', async ({
  browser,
  baseURL,
}) => {
  const lead = await openBoard(browser, baseURL);
  await lead.getByTestId('view-map').click();
  const map = lead.getByTestId('dispatch-map');
  await expect(map).toHaveAttribute('data-map-status', 'ready', { timeout: 30_000 });
  // A lasso around the middle of the map.
  await lead.getByTestId('lasso-toggle').click();
  await lead
    .getByTestId('lasso-toggle')
    .evaluate((el) => window.scrollTo(0, el.getBoundingClientRect().top + window.scrollY - 8));
  const box = (await lead.getByTestId('lasso-surface').boundingBox())!;
  const cx = box.x + box.width / 2;
  const cy = box.y + box.height / 2;
  const r = Math.min(box.width, box.height) * 0.3;
  await lead.mouse.move(cx + r, cy);
  await lead.mouse.down();
  for (let a = 0; a <= 2 * Math.PI + 0.01; a += Math.PI / 12) {
    await lead.mouse.move(cx + r * Math.cos(a), cy + r * Math.sin(a));
  }
  await shoot(lead, 'dispatch-map-lasso', false);
  await lead.mouse.up();
  await expect(lead.getByTestId('board-announcement')).toContainText(/selected with the lasso|caught no case/);
  const selected = lead.getByTestId('selection-bar');
  if (await selected.isVisible()) {
    await lead.getByTestId('move-selected').click();
    const dialog = lead.getByTestId('move-dialog');
    await dialog.getByRole('radio', { name: /Streets Crew B/ }).check();
    await dialog.getByRole('button', { name: 'Move' }).click();
    await expect(lead.getByTestId('board-announcement')).toContainText(/moved to Streets Crew B|Nothing moved/);
  }
  await lead.context().close();
});

test('"Balance the day" previews every change with figures per crew; accepting some queues only those', async ({
  browser,
  baseURL,
}) => {
  const lead = await openBoard(browser, baseURL);
  const probe = await lead.request.post('/api/dispatch/balance', {
    data: { date: new Date().toISOString().slice(0, 10), mode: 'balance' },
  });
  test.skip(probe.status() === 404, 'the server does not offer POST /api/dispatch/balance yet');
  await lead.getByTestId('balance').click();
  const preview = lead.getByTestId('balance-preview');
  await expect(preview).toBeVisible({ timeout: 20_000 });
  await expect(preview.getByTestId('plan-crew').first()).toBeVisible();
  // The demo day has more work than the Streets crews' hours: the plan keeps every case and
  // says the day does not fit, rather than leaving cases where they were.
  await expect(preview.getByTestId('plan-overtime')).toContainText("The day's work does not fit the crews' hours.");
  await expect(preview.getByRole('heading', { name: 'Could not be placed' })).toHaveCount(0);
  const changes = preview.getByTestId('plan-change');
  await shoot(lead, 'dispatch-balance-preview');
  const n = await changes.count();
  if (n > 0) {
    // Keep only the first change.
    await preview.getByRole('button', { name: 'Untick all' }).click();
    await changes.first().getByRole('checkbox').check();
    const caseId = (await changes.first().getAttribute('data-case-id'))!;
    await preview.getByTestId('plan-accept').click();
    await expect(preview).toHaveCount(0);
    await expect(lead.getByTestId('board-announcement')).toContainText('1 suggested change accepted');
    await expect(card(lead, caseId)).toBeVisible();
  } else {
    await preview.getByTestId('plan-discard').click();
  }
  await synced(lead);
  await lead.context().close();
});

test('a slow answer to an earlier refresh never replaces the board a later one brought', async ({
  browser,
  baseURL,
}) => {
  const desk = await openBoard(browser, baseURL);
  const ids = await cardIds(desk, CREW_A);
  const priorities = await Promise.all(ids.map(async (x) => (await serverCase(lead, x)).case.priority));
  const id = ids.find((_, i) => priorities[i] !== 'urgent');
  expect(id, 'crew A has a case that is not urgent').toBeTruthy();
  const was = priorities[ids.indexOf(id!)]!;

  // The next board the desk asks for is read from the server at once, and answered late (a
  // weak link): the picture from before the change below.
  let fetched!: () => void;
  const read = new Promise<void>((r) => (fetched = r));
  let release!: () => void;
  const late = new Promise<void>((r) => (release = r));
  let held = false;
  await desk.route('**/api/dispatch/board?*', async (route) => {
    if (held) return route.continue();
    held = true;
    const answer = await route.fetch();
    fetched();
    await late;
    await route.fulfill({ response: answer });
  });
  await desk.getByRole('button', { name: 'Refresh' }).click();
  await read;

  // Another desk makes the case urgent: the live stream brings the new board at once.
  expect(await pushOne(lead, id!, 'set_priority', { priority: 'urgent' }, 'e2e-other-desk')).toBe('applied');
  await expect(card(desk, id!)).toContainText('Urgent', { timeout: 15_000 });

  // The earlier answer arrives at last: the board keeps the later picture.
  const settled = desk.waitForResponse((r) => r.url().includes('/api/dispatch/board?'));
  release();
  await settled;
  // Read again and again, not waited for: a board that went back, even for a moment, fails.
  for (let i = 0; i < 30; i++) {
    expect(await card(desk, id!).textContent(), `${i * 100} ms after the late answer`).toContain('Urgent');
    await desk.waitForTimeout(100);
  }

  expect(await pushOne(lead, id!, 'set_priority', { priority: was }, 'e2e-other-desk')).toBe('applied');
  await desk.context().close();
});

test("a suggestion is for the day it was asked on: turning the board to another day puts it aside; tomorrow's board leaves today's work on today", async ({
  browser,
  baseURL,
}) => {
  const lead = await openBoard(browser, baseURL);
  const todays = await cardIds(lead, CREW_B);
  expect(todays.length).toBeGreaterThan(0);
  await expect(lead.getByTestId('later-day-note')).toHaveCount(0);
  await lead.getByTestId('balance').click();
  const preview = lead.getByTestId('balance-preview');
  await expect(preview).toBeVisible({ timeout: 20_000 });
  const day = lead.getByLabel('Day', { exact: true });
  const today = await day.inputValue();
  const tomorrow = new Date(Date.parse(`${today}T12:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
  await day.fill(tomorrow);
  await expect(lead).toHaveURL(new RegExp(`date=${tomorrow}`));
  await expect(preview).toHaveCount(0);
  await expect(lead.getByTestId('board-announcement')).toContainText('Suggestion put aside: nothing changed.');
  // Planning ahead: the crew's open work of today is not on tomorrow's board, and it says so.
  await expect(lead.getByTestId('later-day-note')).toContainText("today's open work stays on today's board");
  await expect(column(lead, CREW_B)).toBeVisible();
  for (const id of todays) await expect(card(lead, id)).toHaveCount(0);
  await lead.context().close();
});

test('"Order this route" suggests a shorter order for one crew only; accepted, the crew drives less, and the board keeps it', async ({
  browser,
  baseURL,
}) => {
  const lead = await openBoard(browser, baseURL);
  const crew = column(lead, CREW_B);
  const driving = async () => {
    const text = (await crew.locator('.load-text').textContent()) ?? '';
    // "45 min driving", "1 h 5 min driving", "1 h driving".
    const m = /(?:(\d+) h )?(?:(\d+) min )?driving/.exec(text);
    expect(m?.[1] ?? m?.[2], `the driving time in "${text}"`).toBeTruthy();
    return Number(m![1] ?? 0) * 60 + Number(m![2] ?? 0);
  };
  // A route as a lead may leave it: its last case moved to the middle, a longer drive.
  const given = await cardIds(lead, CREW_B);
  expect(given.length).toBeGreaterThanOrEqual(6);
  await card(lead, given.at(-1)!).getByTestId('card-move').click();
  const dialog = lead.getByTestId('move-dialog');
  await dialog.getByTestId('move-stop').selectOption({ index: Math.floor(given.length / 2) });
  await dialog.getByRole('button', { name: 'Move' }).click();
  await expect(dialog).toHaveCount(0);
  await expect
    .poll(async () => (await cardIds(lead, CREW_B)).indexOf(given.at(-1)!))
    .toBe(Math.floor(given.length / 2));
  await synced(lead);
  const before = await driving();
  const cards = await cardIds(lead, CREW_B);

  await crew.getByRole('button', { name: /^Order this route\W+Streets Crew B$/ }).click();
  const preview = lead.getByTestId('balance-preview');
  await expect(preview.getByRole('heading', { name: 'Suggested order for Streets Crew B' })).toBeVisible({
    timeout: 20_000,
  });
  // Only this crew: its row in the figures, its own cases, from one of its stops to another.
  await expect(preview.getByTestId('plan-crew')).toHaveCount(1);
  await expect(preview.getByTestId('plan-crew')).toContainText('Streets Crew B');
  const [kmBefore, kmAfter] = (
    /([\d.]+) km → ([\d.]+) km/.exec((await preview.getByTestId('plan-crew').textContent())!) ?? []
  )
    .slice(1)
    .map(Number);
  expect(kmAfter).toBeLessThan(kmBefore!);
  const changes = preview.getByTestId('plan-change');
  expect(await changes.count()).toBeGreaterThan(0);
  for (const id of await changes.evaluateAll((els) => els.map((e) => e.getAttribute('data-case-id')))) {
    expect(cards).toContain(id);
    await expect(preview.locator(`[data-case-id="${id}"]`)).toContainText(
      /Streets Crew B, stop \d+ → Streets Crew B, stop \d+/,
    );
  }

  await preview.getByRole('button', { name: 'Accept all' }).click();
  await expect(preview).toHaveCount(0);
  await expect(lead.getByTestId('board-announcement')).toContainText('accepted');
  // The same cases, in another order, with less driving; as the server has it after a reload.
  await expect.poll(async () => [...(await cardIds(lead, CREW_B))].sort()).toEqual([...cards].sort());
  await expect.poll(driving).toBeLessThan(before);
  await synced(lead);
  const ordered = await cardIds(lead, CREW_B);
  expect(ordered).not.toEqual(cards);
  await lead.reload();
  await expect(column(lead, CREW_B)).toBeVisible({ timeout: 30_000 });
  await expect.poll(() => cardIds(lead, CREW_B), { timeout: 15_000 }).toEqual(ordered);
  expect(await driving()).toBeLessThan(before);
  await lead.context().close();
});
