import { defineConfig } from 'vitest/config';

// One Vitest run over every package's unit and integration tests.
// Server suites talk to PostgreSQL: TEST_DATABASE_URL when set, otherwise embedded PGlite.
export default defineConfig({
  test: {
    projects: [
      {
        test: { name: 'shared', root: './shared', include: ['src/**/*.test.ts'] },
      },
      {
        test: {
          name: 'sync-server',
          root: './sync-server',
          include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
          testTimeout: 30_000,
          hookTimeout: 120_000,
        },
      },
      {
        // The field app's plain modules (tile math, the tile cache, downloads) in Node, with an
        // in-memory IndexedDB. Modules that use runes or `$app/...` are left to the e2e tests.
        test: {
          name: 'field-app',
          root: './field-app',
          include: ['src/**/*.test.ts'],
          setupFiles: ['./test/setup.ts'],
          // The download tests talk HTTP over loopback: room for a busy machine.
          testTimeout: 20_000,
        },
      },
    ],
  },
});
