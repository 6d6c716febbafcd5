// The lead's dispatch board as the browser tests find it: its columns, cards and their order,
// and a desk signed in with the board open and live.
import { expect, type Browser, type Page } from '@playwright/test';
import { LEAD, signIn } from './app.ts';

export const CREW_A = 'streets-a';
export const CREW_B = 'streets-b';

export const column = (page: Page, crewId: string) =>
  page.locator(`[data-testid="board-column"][data-crew-id="${crewId}"]`);
export const card = (page: Page, id: string) => page.locator(`[data-testid="board-card"][data-case-id="${id}"]`);
/** A column's cases, in the order its cards are drawn. */
export const cardIds = (page: Page, crewId: string) =>
  column(page, crewId)
    .getByTestId('board-card')
    .evaluateAll((els) => els.map((e) => e.getAttribute('data-case-id') ?? ''));

/**
 * A lead's desk (1280 px wide) with the board open and its live stream on. Late in a full run
 * the city has the public map's 100,000 cases, and the desk's device primes thousands of them
 * while the board loads: slower than a fresh city, hence the longer waits.
 */
export async function openBoard(browser: Browser, baseURL: string | undefined, height = 800): Promise<Page> {
  const desk = await browser.newContext({ baseURL, viewport: { width: 1280, height } });
  const page = await desk.newPage();
  await signIn(page, LEAD);
  await page.getByRole('link', { name: 'Dispatch' }).click();
  await expect(page).toHaveURL(/\/dispatch/);
  await expect(column(page, CREW_A)).toBeVisible({ timeout: 30_000 });
  await expect(page.getByTestId('board-freshness')).toHaveAttribute('data-live', 'true', { timeout: 30_000 });
  return page;
}
