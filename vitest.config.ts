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
    ],
  },
});
