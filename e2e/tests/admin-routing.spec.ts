import { expect, test, type APIRequestContext, type Page } from '@playwright/test';
import { ADMIN, LEAD, signIn, submitSignIn } from '../support/app.ts';
import { axeClean } from '../support/axe.ts';

// The administrators' routing table (`/admin/routing`), against the real server: an admin
// reads the table as sentences, moves a district's reports to another crew and saves, and the
// server's table follows; a rule that repeats another is refused by the server whole and
// marked on its row; changes can be undone; a lead is sent home.

type Rule = { departmentId: string; districtId: string | null; serviceCode: string | null; crewId: string | null };

async function serverRules(request: APIRequestContext): Promise<Rule[]> {
  const login = await request.post('/api/auth/login?bearer=1', { data: ADMIN });
  const { token } = (await login.json()) as { token: string };
  const res = await request.get('/api/admin/routing', { headers: { authorization: `Bearer ${token}` } });
  return ((await res.json()) as { rules: Rule[] }).rules;
}

async function openRouting(page: Page) {
  await page.goto('/login');
  await submitSignIn(page, ADMIN);
  await expect(page).toHaveURL(/\/inbox$/);
  // The menu names the area on a tablet; on a phone it has one "Admin" link to the areas' list.
  const menu = page.getByRole('navigation', { name: 'Main' });
  const routing = menu.getByRole('link', { name: 'Routing', exact: true });
  if (await routing.isVisible()) await routing.click();
  else {
    await menu.getByRole('link', { name: 'Admin', exact: true }).click();
    await page.getByTestId('admin-areas').getByRole('link', { name: 'Routing' }).click();
  }
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Routing');
}

const streets = (page: Page) => page.getByRole('region', { name: 'Streets' });
const eastfield = (page: Page) =>
  streets(page)
    .getByRole('listitem')
    .filter({ hasText: /^Any type in Eastfield/ });

test('an admin moves a district to another crew, a repeated rule is refused and marked, and changes undo', async ({
  page,
  request,
}) => {
  const before = await serverRules(request);
  expect(before).toContainEqual(expect.objectContaining({ districtId: 'eastfield', crewId: 'streets-b' }));
  try {
    await openRouting(page);
    const rule = eastfield(page);
    await expect(rule).toHaveCount(1);
    await expect(rule).toContainText('Any type in Eastfield goes to Streets Crew B.');
    await expect(page.getByRole('button', { name: 'Save the table' })).toBeDisabled();
    await axeClean(page);

    // Eastfield's Streets reports to Crew A.
    await rule.getByLabel('Go to').selectOption({ label: 'Streets Crew A' });
    await expect(rule).toContainText('Any type in Eastfield goes to Streets Crew A.');
    await expect(page.getByTestId('routing-state')).toHaveText('Changes not saved yet.');
    await page.getByRole('button', { name: 'Save the table' }).click();
    await expect(page.getByTestId('routing-state')).toHaveText(
      'Saved. New reports are routed by this table from now on.',
    );
    const saved = await serverRules(request);
    expect(saved).toContainEqual(expect.objectContaining({ districtId: 'eastfield', crewId: 'streets-a' }));
    expect(saved).toHaveLength(before.length);

    // A second Eastfield rule for any type: the server refuses the whole table and says which row.
    await streets(page).getByRole('button', { name: 'Add a rule for Streets' }).click();
    const added = streets(page).getByRole('listitem').last();
    await expect(added.getByLabel('District')).toBeFocused();
    await added.getByLabel('District').selectOption({ label: 'Eastfield' });
    await added.getByLabel('Go to').selectOption({ label: 'Streets Crew B' });
    await page.getByRole('button', { name: 'Save the table' }).click();
    await expect(page.getByRole('alert')).toContainText('The table was not saved');
    const marked = streets(page).locator('li.invalid');
    await expect(marked).toHaveCount(1);
    await expect(marked).toContainText('the same department, district and type as an earlier rule');
    await expect(marked.getByLabel('District')).toBeFocused();
    expect(await serverRules(request)).toEqual(saved);
    await axeClean(page);

    // Undo: the table as saved, nothing to save.
    await page.getByRole('button', { name: 'Undo changes' }).click();
    await expect(streets(page).locator('li.invalid')).toHaveCount(0);
    await expect(eastfield(page)).toHaveCount(1);
    await expect(eastfield(page)).toContainText('goes to Streets Crew A.');
    await expect(page.getByRole('button', { name: 'Save the table' })).toBeDisabled();

    // A rule removed by keyboard hands the focus to the next rule's Remove, never to the page's top.
    const rules = streets(page).getByRole('listitem');
    const count = await rules.count();
    await rules
      .nth(0)
      .getByRole('button', { name: /^Remove/ })
      .focus();
    await page.keyboard.press('Enter');
    await expect(rules).toHaveCount(count - 1);
    await expect(rules.nth(0).getByRole('button', { name: /^Remove/ })).toBeFocused();
    await page.getByRole('button', { name: 'Undo changes' }).click();
    await expect(rules).toHaveCount(count);

    // Putting Crew B back, by keyboard.
    await eastfield(page).getByLabel('Go to').focus();
    await eastfield(page).getByLabel('Go to').selectOption({ label: 'Streets Crew B' });
    await page.getByRole('button', { name: 'Save the table' }).focus();
    await page.keyboard.press('Enter');
    await expect(page.getByTestId('routing-state')).toHaveText(/^Saved\./);
    expect(await serverRules(request)).toEqual(before);
  } finally {
    // Whatever happened above, the demo table is back for the other tests.
    const login = await request.post('/api/auth/login?bearer=1', { data: ADMIN });
    const { token } = (await login.json()) as { token: string };
    await request.put('/api/admin/routing', { headers: { authorization: `Bearer ${token}` }, data: { rules: before } });
  }
});

test('the table reads on a phone, and a lead is sent home', async ({ browser }) => {
  const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
  const page = await phone.newPage();
  await openRouting(page);
  await expect(eastfield(page)).toHaveCount(1);
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
  await axeClean(page);
  await phone.close();

  const desk = await browser.newContext();
  const lead = await desk.newPage();
  await signIn(lead, LEAD);
  await expect(lead.getByRole('link', { name: 'Routing' })).toHaveCount(0);
  await lead.goto('/admin/routing');
  await expect(lead).not.toHaveURL(/\/admin\//);
  await expect(lead.getByRole('heading', { name: 'Routing' })).toHaveCount(0);
  await desk.close();
});

test("/admin lists the administrators' areas, each a way in; a lead is sent home from it", async ({ browser }) => {
  const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
  const admin = await phone.newPage();
  await signIn(admin, ADMIN);
  await admin.goto('/admin');
  await expect(admin.getByRole('heading', { level: 1 })).toHaveText('Administration');
  const areas = admin.getByTestId('admin-areas').getByRole('link');
  await expect(areas).toHaveText(['Resident notices', 'Routing', 'People', 'Open311 keys']);
  await axeClean(admin);
  expect(await admin.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
  await areas.filter({ hasText: 'Routing' }).click();
  await expect(admin.getByRole('heading', { level: 1 })).toHaveText('Routing');
  // On a phone the menu has the areas as one link, marked as the place the page is in.
  const menu = admin.getByRole('navigation', { name: 'Main' });
  await expect(menu.getByRole('link', { name: 'Routing', exact: true })).toHaveCount(0);
  await expect(menu.getByRole('link', { name: 'Admin', exact: true })).toHaveAttribute('aria-current', 'true');
  await phone.close();

  const desk = await browser.newContext();
  const lead = await desk.newPage();
  await signIn(lead, LEAD);
  await lead.goto('/admin');
  await expect(lead).toHaveURL(/\/inbox$/);
  await desk.close();
});

test('another admin saved meanwhile: my changes are put on top of theirs, shown, and saved again with theirs kept', async ({
  page,
  request,
}) => {
  const before = await serverRules(request);
  const login = await request.post('/api/auth/login?bearer=1', { data: ADMIN });
  const auth = { authorization: `Bearer ${((await login.json()) as { token: string }).token}` };
  try {
    await openRouting(page);
    await expect(eastfield(page)).toContainText('goes to Streets Crew B.');
    // Meanwhile, at another desk: Streets' reports in Old Town go to the lead.
    const oldTown = before.findIndex((r) => r.departmentId === 'streets' && r.districtId === 'old-town');
    expect(oldTown).toBeGreaterThanOrEqual(0);
    const theirs = before.map((r, i) => (i === oldTown ? { ...r, crewId: null } : r));
    expect((await request.put('/api/admin/routing', { headers: auth, data: { rules: theirs } })).status()).toBe(200);

    // Here: Eastfield to Crew A, saved on the table as first read.
    await eastfield(page).getByLabel('Go to').selectOption({ label: 'Streets Crew A' });
    await page.getByRole('button', { name: 'Save the table' }).click();
    await expect(page.getByRole('alert')).toContainText('Your changes are now on top of theirs');
    await expect(eastfield(page)).toContainText('goes to Streets Crew A.');
    await expect(
      streets(page)
        .getByRole('listitem')
        .filter({ hasText: /^Any type in Old Town/ }),
    ).toContainText('Any type in Old Town goes to the lead, with no crew.');
    await expect(page.getByTestId('routing-state')).toHaveText('Changes not saved yet.');
    await page.getByRole('button', { name: 'Save the table' }).click();
    await expect(page.getByTestId('routing-state')).toHaveText(/^Saved\./);
    const after = await serverRules(request);
    expect(after).toContainEqual(expect.objectContaining({ districtId: 'eastfield', crewId: 'streets-a' }));
    expect(after).toContainEqual({ ...before[oldTown]!, crewId: null });
    expect(after).toHaveLength(before.length);
  } finally {
    await request.put('/api/admin/routing', { headers: auth, data: { rules: before } });
  }
});
