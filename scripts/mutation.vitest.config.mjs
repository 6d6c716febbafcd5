// Vitest for mutation testing only (stryker.config.mjs): the root vitest.config.ts's three
// projects, limited to the test files that exercise the mutated modules (MUTATION_MODULES,
// scripts/mutation-modules.mjs), with two changes:
// - `@fieldfix/shared` resolves to the shared/src next to this file. Stryker runs the tests in
//   a copy of the repo whose packages' node_modules link back to the original tree, so without
//   this the server's and the app's tests would import the unmutated rules.
// - the property test runs 25 times (FC_RUNS), not 200: it runs once per mutant it covers.
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';
import { selectModules } from './mutation-modules.mjs';

const here = (path) => fileURLToPath(new URL(path, import.meta.url));

process.env.FC_RUNS ??= '25';

const tests = [...new Set(selectModules(process.env.MUTATION_MODULES).flatMap((m) => m.tests))];
const alias = [{ find: /^@fieldfix\/shared$/, replacement: here('../shared/src/index.ts') }];

/** The selected test files of one package, relative to that package. */
const testsOf = (pkg) => tests.filter((t) => t.startsWith(`${pkg}/`)).map((t) => t.slice(pkg.length + 1));

const projects = [
  { test: { name: 'shared', root: here('../shared'), include: testsOf('shared') } },
  {
    tsconfig: here('../sync-server/tsconfig.json'),
    test: {
      name: 'sync-server',
      root: here('../sync-server'),
      include: testsOf('sync-server'),
      testTimeout: 30_000,
      hookTimeout: 120_000,
    },
  },
  {
    tsconfig: here('../field-app/tsconfig.test.json'),
    test: {
      name: 'field-app',
      root: here('../field-app'),
      include: testsOf('field-app'),
      setupFiles: ['./test/setup.ts'],
      testTimeout: 20_000,
    },
  },
];

export default defineConfig({
  test: {
    projects: projects.filter((p) => p.test.include.length > 0).map((p) => ({ ...p, resolve: { alias } })),
  },
});
