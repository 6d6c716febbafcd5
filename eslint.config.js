// ESLint for the whole workspace: TypeScript (type-aware rules off, so it stays fast) and
// Svelte 5. Formatting is Prettier's job (.prettierrc.json), not the linter's.
import js from '@eslint/js';
import svelte from 'eslint-plugin-svelte';
import globals from 'globals';
import ts from 'typescript-eslint';

export default ts.config(
  {
    ignores: [
      '**/node_modules/**',
      '.toolchain/**',
      '.data/**',
      '**/.svelte-kit/**',
      '**/build/**',
      '.test-output/**',
      '**/test-results/**',
      '**/playwright-report/**',
      'bench/results/**',
      'field-app/static/**',
      'field-app/src/lib/public/paraglide/**',
    ],
  },
  js.configs.recommended,
  ...ts.configs.recommended,
  ...svelte.configs.recommended,
  {
    languageOptions: { globals: { ...globals.browser, ...globals.node } },
    rules: {
      // Unused names are an error, except a leading underscore that says "unused on purpose".
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' },
      ],
      // `console.error` / `warn` are how the app reports what it cannot show; `log` is not.
      'no-console': ['error', { allow: ['warn', 'error', 'info'] }],
      eqeqeq: ['error', 'smart'],
      // The app is served at the origin's root (no base path), so hrefs need no resolve().
      'svelte/no-navigation-without-resolve': 'off',
      // Flags every local Map/Set/Date in a .svelte.ts file, reactive or not; state that must
      // be reactive is declared with $state explicitly here.
      'svelte/prefer-svelte-reactivity': 'off',
      // `{' '}` keeps a space that markup formatting would otherwise drop.
      'svelte/no-useless-mustaches': 'off',
    },
  },
  {
    files: ['**/*.svelte', '**/*.svelte.ts'],
    languageOptions: { parserOptions: { parser: ts.parser } },
  },
  {
    // Scripts, benchmarks and test harnesses print on purpose.
    files: [
      'scripts/**',
      'bench/**',
      'e2e/**',
      '**/*.mjs',
      '**/test/**',
      '**/*.test.ts',
      'sync-server/src/server.ts',
      'sync-server/src/tiles/export-demo.ts',
    ],
    rules: { 'no-console': 'off' },
  },
  {
    // SQL only through postgres.js's tagged templates, whose values are sent as parameters.
    // `unsafe()` runs a string as SQL: only the migrator may, for the repository's own files.
    files: ['sync-server/src/**', 'shared/src/**'],
    ignores: ['sync-server/src/db/migrate.ts', '**/*.test.ts'],
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector: "CallExpression[callee.property.name='unsafe']",
          message: 'SQL goes through tagged templates (sql`...`), never unsafe(): values must be parameters.',
        },
      ],
    },
  },
);
