#!/usr/bin/env node
// Runs every suite and ends with one line: `N passed, N failed[, N skipped]`.
//   1. typecheck, one check per package (svelte-check for the app); ESLint and Prettier's check
//   2. Vitest: unit tests and server integration tests against PostgreSQL
//      (TEST_DATABASE_URL when set, else embedded PGlite)
//   3. the field-app build, then Playwright e2e in Chromium against the real server
// Every suite runs even when an earlier one fails, so one run shows everything.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const out = join(root, '.test-output');
mkdirSync(out, { recursive: true });

const totals = { passed: 0, failed: 0, skipped: 0 };
const lines = [];

function run(cmd, args, env = {}) {
  const res = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', env: { ...process.env, ...env } });
  return res.status ?? 1;
}

function record(suite, passed, failed, skipped = 0) {
  totals.passed += passed;
  totals.failed += failed;
  totals.skipped += skipped;
  lines.push(`${suite.padEnd(12)} ${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
}

function readJson(file) {
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    return undefined;
  }
}

function heading(text) {
  process.stdout.write(`\n=== ${text} ===\n`);
}

// 1. Typecheck.
heading('typecheck');
{
  let passed = 0;
  let failed = 0;
  for (const pkg of ['shared', 'sync-server', 'field-app', 'e2e']) {
    const status = run('pnpm', ['--filter', `@fieldfix/${pkg}`, 'run', '--silent', 'typecheck']);
    if (status === 0) passed++;
    else {
      failed++;
      console.log(`typecheck failed in ${pkg}/`);
    }
  }
  record('typecheck', passed, failed);
}

// 1b. Lint and formatting (ESLint, then Prettier's check): one suite each.
heading('lint and format');
{
  const lint = run('pnpm', ['exec', 'eslint', '.']) === 0;
  const format = run('pnpm', ['exec', 'prettier', '--check', '--log-level=warn', '.']) === 0;
  if (!lint) console.log('eslint found problems (see above).');
  if (!format) console.log('Some files are not formatted: run `pnpm format`.');
  record('lint', (lint ? 1 : 0) + (format ? 1 : 0), (lint ? 0 : 1) + (format ? 0 : 1));
}

// 2. Vitest.
heading(
  `unit and integration tests (database: ${process.env.TEST_DATABASE_URL ? 'TEST_DATABASE_URL' : 'embedded PGlite'})`,
);
{
  const file = join(out, 'vitest.json');
  rmSync(file, { force: true });
  const status = run('pnpm', [
    'exec',
    'vitest',
    'run',
    '--reporter=default',
    '--reporter=json',
    `--outputFile.json=${file}`,
  ]);
  const r = readJson(file);
  if (r) {
    record(
      'vitest',
      r.numPassedTests,
      r.numFailedTests + (status !== 0 && r.numFailedTests === 0 ? 1 : 0),
      r.numPendingTests + r.numTodoTests,
    );
  } else {
    record('vitest', 0, 1);
    console.log('Vitest produced no report: counted as one failure.');
  }
}

// 3. Build the app, then the browser tests.
heading('field-app build');
const built = run('pnpm', ['--filter', '@fieldfix/field-app', 'run', 'build']) === 0;
record('build', built ? 1 : 0, built ? 0 : 1);

heading('browser tests (Playwright, Chromium)');
if (built) {
  const file = join(out, 'playwright.json');
  rmSync(file, { force: true });
  const status = run('pnpm', ['--filter', '@fieldfix/e2e', 'run', 'test']);
  const r = readJson(file);
  if (r?.stats) {
    const failed = r.stats.unexpected + (status !== 0 && r.stats.unexpected === 0 ? 1 : 0);
    record('e2e', r.stats.expected + r.stats.flaky, failed, r.stats.skipped);
  } else {
    record('e2e', 0, 1);
    console.log('Playwright produced no report (see above): counted as one failure.');
  }
} else {
  console.log('Skipped: the app did not build.');
  record('e2e', 0, 1);
}

heading('summary');
for (const l of lines) console.log(l);
console.log(`${totals.passed} passed, ${totals.failed} failed${totals.skipped ? `, ${totals.skipped} skipped` : ''}`);
process.exit(totals.failed > 0 ? 1 : 0);
