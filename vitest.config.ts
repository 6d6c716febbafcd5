import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));

// One Vitest run over every package's unit and integration tests.
// Server suites talk to PostgreSQL: TEST_DATABASE_URL when set, otherwise embedded PGlite.
export default defineConfig({
  test: {
    projects: [
      {
        test: { name: 'shared', root: './shared', include: ['src/**/*.test.ts'] },
      },
      {
        // One tsconfig for every module: the convergence test also runs the field app's own sync
        // modules (field-app/test/field-device.ts), whose nearest tsconfig.json extends one that
        // only `svelte-kit sync` generates.
        tsconfig: here('./sync-server/tsconfig.json'),
        test: {
          name: 'sync-server',
          root: './sync-server',
          include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
          testTimeout: 30_000,
          hookTimeout: 120_000,
        },
      },
      {
        // The field app's plain modules (tile math, the tile cache, downloads, the outbox and
        // sync store, the optimistic view) in Node, with an in-memory IndexedDB. Modules that use
        // runes or `$app/...` are left to the e2e tests. The app's tsconfig.json extends one
        // that only `svelte-kit sync` generates: a fresh clone compiles with its own.
        tsconfig: here('./field-app/tsconfig.test.json'),
        test: {
          name: 'field-app',
          root: './field-app',
          // tools/: the build's own code (the service worker's precache plan).
          include: ['src/**/*.test.ts', 'tools/**/*.test.ts'],
          setupFiles: ['./test/setup.ts'],
          // The download tests talk HTTP over loopback: room for a busy machine.
          testTimeout: 20_000,
        },
      },
    ],
  },
});
