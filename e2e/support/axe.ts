import { expect, type Page } from '@playwright/test';
import AxeBuilder from '@axe-core/playwright';

/** The page as it is now has no serious or critical axe violation (each named, where, if any). */
export async function axeClean(page: Page): Promise<void> {
  const axe = await new AxeBuilder({ page }).analyze();
  const serious = axe.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  expect(serious.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`)).toEqual([]);
}
