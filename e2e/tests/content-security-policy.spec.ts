import { expect, test } from '@playwright/test';
import { offlineReady, openCase, serverDay, signIn } from '../support/app.ts';

// The server sends a strict Content-Security-Policy (no inline script but the app's own
// bootstrap by hash, no eval). The app must work under it without a single violation:
// sign-in, the day, a case, the map, the inbox.
test('the app runs under its Content-Security-Policy with no violation', async ({ page }) => {
  await page.addInitScript(() => {
    const seen: string[] = [];
    (window as unknown as { cspViolations: string[] }).cspViolations = seen;
    document.addEventListener('securitypolicyviolation', (e) =>
      seen.push(`${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber} on ${location.pathname}`),
    );
  });
  const response = await page.goto('/login');
  expect(response?.headers()['content-security-policy']).toContain("script-src 'self' 'sha256-");
  await signIn(page);
  await offlineReady(page);
  const [first] = await serverDay(page.request);
  await openCase(page, first!.id);
  await page.goto('/day?view=map');
  // MapLibre's worker (a blob: URL) and the tiles are drawn: the map says it is ready.
  await expect(page.getByTestId('offline-map')).toHaveAttribute('data-phase', 'ready', { timeout: 45_000 });
  await page.goto('/inbox');
  const violations = await page.evaluate(() => (window as unknown as { cspViolations: string[] }).cspViolations);
  expect(violations).toEqual([]);
});
