import { expect, test } from '@playwright/test';
import { ADMIN, signIn } from '../support/app.ts';

// An administrator's dispatch board, against the real server: an admin belongs to no
// department, so the board opens the first one by name and offers the others by name; no
// request is refused on the way (the board is not asked for before a department is named).

test('an admin opens the dispatch board on a department by name, with no refused request, and switches', async ({
  page,
}) => {
  const refused: string[] = [];
  page.on('response', (r) => {
    if (r.status() >= 400 && new URL(r.url()).pathname.startsWith('/api/')) refused.push(`${r.status()} ${r.url()}`);
  });
  await signIn(page, ADMIN);
  await page.goto('/dispatch');

  const department = page.getByLabel('Department');
  await expect(page).toHaveURL(/[?&]department=forestry(&|$)/);
  await expect(department).toHaveValue('forestry');
  // The people's names, in their order, not the ids.
  await expect(department.getByRole('option')).toHaveText([
    'Choose…',
    'Forestry',
    'Sanitation',
    'Streets',
    'Traffic & Lighting',
  ]);
  await expect(page.locator('.sub')).toContainText('Forestry');
  await expect(page.getByRole('heading', { level: 2, name: /^Forestry Crew/ })).toBeVisible();

  await department.selectOption({ label: 'Streets' });
  await expect(page).toHaveURL(/[?&]department=streets(&|$)/);
  await expect(page.getByRole('heading', { level: 2, name: /^Streets Crew A/ })).toBeVisible();
  await expect(page.getByTestId('board-freshness')).toHaveAttribute('data-live', 'true');

  await page.reload();
  await expect(department).toHaveValue('streets');
  await expect(page.getByRole('heading', { level: 2, name: /^Streets Crew B/ })).toBeVisible();
  expect(refused).toEqual([]);
});
