// StrykerJS on the sync core (README, "Mutation testing"). `pnpm test:mutation` runs it once per
// module (scripts/mutation.mjs); MUTATION_MODULES picks the modules (all when unset) and with
// them the test files that run (scripts/mutation-modules.mjs).
import { selectModules } from './scripts/mutation-modules.mjs';

const modules = selectModules(process.env.MUTATION_MODULES);
const report = `.test-output/mutation/${modules.length === 1 ? modules[0].name : 'all'}`;

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: 'vitest',
  plugins: ['@stryker-mutator/vitest-runner'],
  // The files of the modules are picked by the Vitest config; `related` would follow imports
  // instead, and miss what a server test reaches over HTTP.
  vitest: { configFile: 'scripts/mutation.vitest.config.mjs', related: false },
  mutate: modules.flatMap((m) => m.mutate ?? [m.file]),
  coverageAnalysis: 'perTest',
  // Two workers: the machine has two cores, and each PostgreSQL suite makes its own database.
  concurrency: Number(process.env.MUTATION_CONCURRENCY ?? 2),
  // A busy machine and PostgreSQL: a mutant times out only when far slower than the tests were.
  timeoutMS: 15_000,
  // Inside .test-output/ (ignored by git, ESLint and Prettier), removed after every run.
  tempDirName: '.test-output/stryker-tmp',
  cleanTempDir: 'always',
  // What the tests never read is not copied into the sandbox.
  ignorePatterns: [
    '.toolchain',
    '.data',
    '.test-output',
    '.svelte-kit',
    'build',
    'reports',
    'e2e',
    'bench',
    'field-app/static',
    'test-results',
    'playwright-report',
  ],
  reporters: ['progress', 'clear-text', 'json', 'html'],
  clearTextReporter: { allowColor: false, logTests: false, reportScoreTable: true },
  jsonReporter: { fileName: `${report}.json` },
  htmlReporter: { fileName: `${report}.html` },
  // `pnpm test:mutation <module> -- --incremental` reruns only what changed since that module's last run.
  incrementalFile: `${report}.incremental.json`,
  thresholds: { high: 80, low: 60, break: null },
};
