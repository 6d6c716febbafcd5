import { defineConfig } from '@playwright/test';
import { findChromium } from './support/browser.ts';

// CHROMIUM_PATH, else the system's Chromium, else the npm one (support/browser.ts says more).
const chromium = await findChromium();
// Said once, by the runner (workers load this file too).
if (process.env.TEST_WORKER_INDEX === undefined) console.log(`Chromium: ${chromium.source}`);

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
    // Flags for a sandboxed, offline machine (no background calls to Google's hosts), and the
    // npm Chromium's own where it is the one used.
    launchOptions: chromium.launchOptions,
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
    // The server drops its throwaway database and folders on SIGTERM (Playwright's default is SIGKILL).
    gracefulShutdown: { signal: 'SIGTERM', timeout: 10_000 },
  },
});
