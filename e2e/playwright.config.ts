import { existsSync } from 'node:fs';
import { defineConfig } from '@playwright/test';

/**
 * Which Chromium to drive: CHROMIUM_PATH, else the system's /usr/bin/chromium, else the one
 * Playwright manages (`npx playwright install chromium`, where downloads are allowed).
 */
function chromiumPath(): string | undefined {
  const candidates = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser'].filter(
    Boolean,
  ) as string[];
  const found = candidates.find((p) => existsSync(p));
  if (found) return found;
  if (process.env.CHROMIUM_PATH) {
    throw new Error(`CHROMIUM_PATH is set to ${process.env.CHROMIUM_PATH}, but there is no file there.`);
  }
  return undefined;
}

const executablePath = chromiumPath();
if (!executablePath) {
  const { chromium } = await import('@playwright/test');
  if (!existsSync(chromium.executablePath())) {
    throw new Error(
      'No Chromium found for the browser tests. Install one: `sudo apt-get install chromium` (Debian/Ubuntu), ' +
        'or `pnpm --filter @fieldfix/e2e exec playwright install chromium`, or set CHROMIUM_PATH to a Chromium binary.',
    );
  }
}

const port = Number(process.env.E2E_PORT ?? 8181);

export default defineConfig({
  testDir: './tests',
  fullyParallel: false,
  workers: 1,
  retries: 0,
  timeout: 60_000,
  expect: { timeout: 10_000 },
  reporter: [['list'], ['json', { outputFile: '../.test-output/playwright.json' }]],
  outputDir: '../.test-output/playwright',
  use: {
    baseURL: `http://localhost:${port}`,
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
    serviceWorkers: 'allow',
    // Far from the demo city's zone (America/Detroit, UTC-5): the app must count "today" in the
    // city's zone, not the tablet's, or the day lists of device and server disagree.
    timezoneId: 'Pacific/Kiritimati',
    launchOptions: {
      executablePath,
      // Flags for a sandboxed, offline machine (no background calls to Google's hosts).
      args: [
        '--no-sandbox',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ],
    },
  },
  projects: [
    // A 10-inch tablet in landscape, with touch.
    { name: 'tablet', use: { browserName: 'chromium', viewport: { width: 1280, height: 800 }, hasTouch: true } },
  ],
  webServer: {
    command: 'node support/server.ts',
    url: `http://localhost:${port}/healthz`,
    reuseExistingServer: false,
    timeout: 120_000,
    stdout: 'pipe',
    stderr: 'pipe',
    env: { E2E_PORT: String(port) },
  },
});
