// The modules of the sync core that `pnpm test:mutation` mutates, and for each the test files
// (paths from the repo root, globs allowed) that exercise it. Only those run against its
// mutants: a suite that never reaches a module only adds time, above all a suite whose
// `beforeAll` reaches it (its mutants become "static" and every selected suite reruns for each).
// Read by stryker.config.mjs, scripts/mutation.vitest.config.mjs and scripts/mutation.mjs.

/**
 * `mutate`: what of `file` is mutated, as Stryker's `file:firstLine-lastLine` ranges, when
 * only part of it is reached by unit tests (default: the whole file).
 * @type {{ name: string; file: string; mutate?: string[]; tests: string[] }[]}
 */
export const MODULES = [
  {
    name: 'rules',
    file: 'shared/src/reconcile/rules.ts',
    tests: [
      'shared/src/reconcile/**/*.test.ts',
      'sync-server/src/sync/sync.pg.test.ts',
      'sync-server/src/sync/defects.pg.test.ts',
      'sync-server/src/sync/rules-table.pg.test.ts',
    ],
  },
  {
    name: 'access',
    file: 'shared/src/access/access.ts',
    // Not authorization.pg.test.ts: it pushes in its beforeAll, which makes most of this
    // module's mutants static (6 minutes instead of 2), and the unit tests decide each rule.
    tests: [
      'shared/src/access/**/*.test.ts',
      'shared/src/reconcile/**/*.test.ts',
      'sync-server/src/access/case-scope.pg.test.ts',
    ],
  },
  {
    name: 'push',
    file: 'sync-server/src/sync/push.service.ts',
    tests: [
      'sync-server/src/sync/sync.pg.test.ts',
      'sync-server/src/sync/defects.pg.test.ts',
      'sync-server/src/sync/rules-table.pg.test.ts',
      'sync-server/src/sync/pull.pg.test.ts',
      'sync-server/src/lead-inbox/lead-inbox.pg.test.ts',
      'sync-server/src/sync/push-locking.pg.test.ts',
      // Not photos.pg.test.ts: it attaches photos in a beforeAll, which makes most of this
      // module's mutants static (an hour and a half instead of half an hour).
    ],
  },
  {
    name: 'pull',
    file: 'sync-server/src/sync/pull.service.ts',
    tests: [
      'sync-server/src/sync/pull.pg.test.ts',
      'sync-server/src/sync/pull-page.test.ts',
      'sync-server/src/sync/change-cursor.pg.test.ts',
      'sync-server/src/sync/defects.pg.test.ts',
    ],
  },
  {
    name: 'metrics-scraper',
    file: 'sync-server/src/access/metrics-scraper.ts',
    tests: [
      'sync-server/src/access/metrics-scraper.test.ts',
      'sync-server/src/ops/ops.test.ts',
      'shared/src/access/metrics-access.test.ts',
    ],
  },
  {
    name: 'sync-routes',
    file: 'sync-server/src/sync/sync.routes.ts',
    tests: [
      'sync-server/src/sync/sync.pg.test.ts',
      'sync-server/src/ops/ops.test.ts',
      // The pull's one-statement head, its receipts (the board's "last synced") and the hints.
      'sync-server/src/sync/head-pull.pg.test.ts',
      'sync-server/src/sync/live-hints.pg.test.ts',
      'sync-server/src/dispatch/board.pg.test.ts',
      // Pulls answered from memory: the route's "nothing new" and the receipts it then writes.
      'sync-server/src/sync/quiet-pull.pg.test.ts',
    ],
  },
  {
    // The push's protocol: the batch's bounds, its sent time, and each change parsed on its own.
    name: 'push-protocol',
    file: 'shared/src/sync/push.ts',
    tests: ['shared/src/sync/push.test.ts', 'sync-server/src/sync/sync.pg.test.ts'],
  },
  {
    // A change on the wire: each kind's payload and its bounds (a fix's photos at most
    // MAX_FIX_PHOTOS), the device's time in sane years.
    name: 'mutation-schema',
    file: 'shared/src/sync/mutation.ts',
    tests: [
      'shared/src/sync/push.test.ts',
      'shared/src/sync/protocol-version.test.ts',
      'field-app/src/lib/db/outbox.test.ts',
      'field-app/src/lib/state/case-actions.test.ts',
    ],
  },
  {
    // The pull's protocol: the cursor, the query's bounds and the answer's shape.
    name: 'pull-protocol',
    file: 'shared/src/sync/pull.ts',
    tests: [
      'shared/src/sync/pull.test.ts',
      'sync-server/src/sync/head-pull.pg.test.ts',
      'sync-server/src/sync/pull.pg.test.ts',
    ],
  },
  {
    // Sessions, and the head a pull reads with its session (the last-cursor fast path).
    name: 'session',
    file: 'sync-server/src/auth/session.repo.ts',
    tests: ['sync-server/src/auth/auth.pg.test.ts', 'sync-server/src/sync/head-pull.pg.test.ts'],
  },
  {
    // A device up to date answered from the instance's memory (head, sessions, receipts).
    name: 'quiet-pull',
    file: 'sync-server/src/sync/quiet-pull.ts',
    tests: [
      'sync-server/src/sync/quiet-pull.pg.test.ts',
      'sync-server/src/sync/quiet-pull.test.ts',
      'sync-server/src/sync/head-pull.pg.test.ts',
      'sync-server/src/dispatch/board.pg.test.ts',
    ],
  },
  {
    name: 'case-scope',
    file: 'sync-server/src/access/case-scope.sql.ts',
    tests: ['sync-server/src/access/*.pg.test.ts'],
  },
  {
    name: 'optimistic',
    file: 'field-app/src/lib/sync/optimistic.ts',
    tests: ['field-app/src/lib/sync/*.test.ts', 'sync-server/src/sync/convergence.pg.test.ts'],
  },
  {
    // The crew engine's waits between tries (`SyncFailure`, `retryAfterOf`, `retryDelay` and
    // where `#fail` uses them): the unit tests reach these; the rest of the engine is the
    // browser tests' (e2e), which Stryker does not run. Keep the ranges on those lines.
    name: 'sync-retry',
    file: 'field-app/src/lib/sync/engine.ts',
    mutate: ['field-app/src/lib/sync/engine.ts:108-144', 'field-app/src/lib/sync/engine.ts:520-530'],
    tests: [
      'field-app/src/lib/sync/engine.test.ts',
      'field-app/src/lib/api/index.test.ts',
      'field-app/src/lib/api/upload.test.ts',
    ],
  },
  {
    // What the public reads of a resident's free text (`toPublicCase`).
    name: 'contact-details',
    file: 'shared/src/access/contact-details.ts',
    tests: ['shared/src/access/contact-details.test.ts', 'shared/src/access/public-case.test.ts'],
  },
  {
    // What the public reads of a case: its public fields, free text hidden (the summary counts one file per module).
    name: 'public-case',
    file: 'shared/src/access/public-case.ts',
    tests: ['shared/src/access/public-case.test.ts', 'sync-server/src/public/track.pg.test.ts'],
  },
  {
    name: 'retry-after',
    file: 'field-app/src/lib/api/retry-after.ts',
    tests: ['field-app/src/lib/api/retry-after.test.ts', 'field-app/src/lib/public/report/send.test.ts'],
  },
  {
    // When "balance the day" solves again with overtime (`someCrewTakes`, `solveBalance`); the
    // rest of the file maps boards and plans, the HTTP tests' (balance.pg.test.ts).
    name: 'balance-overtime',
    file: 'sync-server/src/dispatch/balance.service.ts',
    mutate: ['sync-server/src/dispatch/balance.service.ts:70-99'],
    tests: ['sync-server/src/dispatch/balance.service.test.ts'],
  },
  {
    // What an Open311 request may say: its dates (a real calendar day, in range, a window that
    // makes sense) and its POST body (UTF-8 only). Keep the ranges on `isoParam`, `windowOf`,
    // `formPart` and `formOf`.
    name: 'open311-input',
    file: 'sync-server/src/open311/open311.routes.ts',
    mutate: [
      'sync-server/src/open311/open311.routes.ts:61-91',
      'sync-server/src/open311/open311.routes.ts:116-133',
      'sync-server/src/open311/open311.routes.ts:151-221',
    ],
    tests: ['sync-server/src/open311/open311.pg.test.ts'],
  },
  {
    // The admin's routing table as rows and back, in order, in words, an admin's edits made
    // again on another admin's save, and the server's problems against their rows (the
    // editor class itself is the browser tests').
    name: 'routing-table',
    file: 'field-app/src/lib/state/routing-table.svelte.ts',
    mutate: [
      'field-app/src/lib/state/routing-table.svelte.ts:19-117',
      'field-app/src/lib/state/routing-table.svelte.ts:229-240',
    ],
    tests: ['field-app/src/lib/state/routing-table.test.ts'],
  },
  {
    // The lead's moves as mutations: stops counted among the day's cases, carried-over work
    // first, undo and accepted plans reaching the lists wanted.
    name: 'board-moves',
    file: 'field-app/src/lib/dispatch/moves.ts',
    tests: ['field-app/src/lib/dispatch/moves.test.ts', 'field-app/src/lib/dispatch/board-model.test.ts'],
  },
  {
    // A batch's route moves replayed in its order on the server (as the board planned them).
    name: 'route-order',
    file: 'sync-server/src/sync/route-order.ts',
    tests: ['sync-server/src/sync/route-order.test.ts', 'sync-server/src/dispatch/board.pg.test.ts'],
  },
  {
    // Staff accounts: who may add, move, end them, and when a person is signed out everywhere.
    name: 'people',
    file: 'sync-server/src/auth/people.routes.ts',
    tests: ['sync-server/src/auth/people.pg.test.ts'],
  },
  {
    name: 'outbox',
    file: 'field-app/src/lib/db/outbox.ts',
    tests: [
      'field-app/src/lib/db/outbox.test.ts',
      'field-app/src/lib/db/photos.test.ts',
      'field-app/src/lib/db/sync-store.test.ts',
      'sync-server/src/sync/convergence.pg.test.ts',
    ],
  },
];

/**
 * The modules named in `list` (comma- or space-separated names, or paths of the mutated
 * files); all of them when `list` is empty.
 */
export function selectModules(list) {
  const names = (list ?? '').split(/[\s,]+/).filter(Boolean);
  if (names.length === 0) return MODULES;
  return names.map((n) => {
    const m = MODULES.find((x) => x.name === n || x.file === n);
    if (!m) throw new Error(`No mutation module "${n}": one of ${MODULES.map((x) => x.name).join(', ')}`);
    return m;
  });
}
