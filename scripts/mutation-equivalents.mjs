// Surviving mutants that cannot change what the code does (equivalent mutants), with why.
// scripts/mutation.mjs marks a survivor as equivalent when one entry here matches it: same
// module, mutator and replacement, on a source line that contains `code` (and, where given,
// replacing exactly the source text `span`). Every other survivor
// is a gap in the tests. Nothing is hidden from the run: these still count against the score.

const notStaffHasNoRole =
  'only staff callers have a role: for the public and Open311 callers `caller.role === …` is false anyway';
const uploadedBy =
  'only staff callers have a userId, and a null uploadedBy never equals one: `photo.uploadedBy === caller.userId` alone decides';
const noTies = 'the three streams take their cursors from one sequence: two items never have the same cursor';
const v8Sort =
  "V8's sort only asks whether the comparator is below zero; 1 and 0 are the same answer to it, and cursors never tie";
const emptyPatch =
  'on the device a decision that is neither applied nor merged, and a merged one (duplicate work, work on a merged case: the device never decides with redirectedFrom), has no patch and no route: applying it changes nothing';

/** @type {{ module: string; code: string; span?: string; mutator: string; replacement: string; why: string }[]} */
export const EQUIVALENT = [
  // shared/src/reconcile/rules.ts
  {
    module: 'rules',
    code: 'isFieldKind(m.kind) && !ctx.redirectedFrom && ctx.actor.crewId !== null && c.crewId !== ctx.actor.crewId',
    span: 'ctx.actor.crewId !== null',
    mutator: 'ConditionalExpression',
    replacement: 'true',
    why: 'it changes only callers with no crew, whom the access model lets send no field change but notes and photos (leads, admins); for those a move makes no crossed-path notice, no fix and no return to the crew',
  },
  {
    module: 'rules',
    code: "if (!c.crewId || !c.assignedDay) return notApplied('superseded', 'invalid-transition', m);",
    mutator: 'LogicalOperator',
    replacement: '!c.crewId && !c.assignedDay',
    why: "a case has a crew exactly when it has a day (the cases table's check `(assigned_crew_id is null) = (assigned_day is null)`)",
  },

  // shared/src/access/access.ts
  {
    module: 'access',
    code: "if (caller.kind !== 'staff') return null;",
    mutator: 'ConditionalExpression',
    replacement: 'false',
    why: notStaffHasNoRole,
  },
  {
    module: 'access',
    code: "return caller.kind === 'staff' && caller.role === 'admin';",
    mutator: 'ConditionalExpression',
    replacement: 'true',
    why: notStaffHasNoRole,
  },
  {
    module: 'access',
    code: 'caller.departmentId !== null && worked.departmentId === caller.departmentId',
    mutator: 'ConditionalExpression',
    replacement: 'true',
    why: "a case's department is never null (its service type's), so it never equals a lead's missing one",
  },
  ...['{}', '""'].map((replacement) => ({
    module: 'access',
    code: "export const PUBLIC_CALLER: Caller = { kind: 'public' };",
    mutator: replacement === '{}' ? 'ObjectLiteral' : 'StringLiteral',
    replacement,
    why: "every check asks only whether a caller is staff: nothing tells the public from any other caller that is not (the constant's type still says 'public')",
  })),
  ...['true', "caller.kind === 'staff' || photo.uploadedBy !== null"].map((replacement) => ({
    module: 'access',
    code: "return caller.kind === 'staff' && photo.uploadedBy !== null && photo.uploadedBy === caller.userId;",
    mutator: replacement === 'true' ? 'ConditionalExpression' : 'LogicalOperator',
    replacement,
    why: uploadedBy,
  })),

  // sync-server/src/sync/pull.service.ts
  {
    module: 'pull',
    code: 'a.cursor < b.cursor ? -1 : a.cursor > b.cursor ? 1 : 0',
    mutator: 'EqualityOperator',
    replacement: 'a.cursor <= b.cursor',
    why: `${noTies}; and for the second comparison, ${v8Sort}`,
  },
  ...['true', 'false'].map((replacement) => ({
    module: 'pull',
    code: 'a.cursor < b.cursor ? -1 : a.cursor > b.cursor ? 1 : 0',
    mutator: 'ConditionalExpression',
    replacement,
    why: v8Sort,
  })),
  {
    module: 'pull',
    code: 'a.cursor < b.cursor ? -1 : a.cursor > b.cursor ? 1 : 0',
    mutator: 'EqualityOperator',
    replacement: 'a.cursor >= b.cursor',
    why: v8Sort,
  },
  {
    module: 'pull',
    code: 'const cursor = known > after ? known : after;',
    mutator: 'EqualityOperator',
    replacement: 'known >= after',
    why: 'when `known` equals `after` both branches give the same value',
  },

  ...[
    ['LogicalOperator', "'departmentId' in d || d.departmentId === departmentId"],
    ['ConditionalExpression', 'true'],
  ].map(([mutator, replacement]) => ({
    module: 'access',
    code: "return 'departmentId' in d && d.departmentId === departmentId;",
    ...(mutator === 'ConditionalExpression' ? { span: 'd.departmentId === departmentId' } : {}),
    mutator,
    replacement,
    why: 'dispatchDepartment answers the department asked for or a denial: a denial has no departmentId (undefined never equals a name), and a department it answers is always the one asked',
  })),
  {
    module: 'access',
    code: "return caller.kind === 'staff' && caller.role === 'worker' && caller.crewId === crew.id;",
    span: "caller.kind === 'staff'",
    mutator: 'ConditionalExpression',
    replacement: 'true',
    why: notStaffHasNoRole,
  },

  // sync-server/src/sync/push.service.ts
  ...['const valid = entries.flatMap', 'const valid = s.fresh.flatMap'].map((code) => ({
    module: 'push',
    code,
    span: '[]',
    mutator: 'ArrayDeclaration',
    replacement: '["Stryker was here"]',
    why: "adds a string for each refused entry to the batch's mutations; every reader of that list looks at a mutation's kind, case or payload, which a string has not, and drops it",
  })),
  ...[
    ['MethodExpression', 'valid', undefined],
    ['ConditionalExpression', 'true', "actor.role === 'worker'"],
    [
      'ConditionalExpression',
      'true',
      "actor.role === 'worker' && cases.get(m.caseId) && cases.get(m.caseId)!.crewId !== actor.crewId",
    ],
    ['ConditionalExpression', 'true', 'cases.get(m.caseId)!.crewId !== actor.crewId'],
  ].map(([mutator, replacement, span]) => ({
    module: 'push',
    code: span ?? 'valid',
    ...(span ? { span } : {}),
    mutator,
    replacement,
    why: "the crew a case had at the device's version is read only when a worker's change is on a case of another crew now: elsewhere the access model never gets to it (the current crew, or the role, decides first), so looking it up for more changes changes nothing",
  })),
  {
    module: 'push',
    code: 'if (fresh.length === 0) return ids.map((id) => known.get(id)!);',
    mutator: 'ConditionalExpression',
    replacement: 'false',
    why: 'a shortcut: a batch of replays only, decided and written with nothing fresh, writes nothing and answers the same recorded outcomes',
  },
  {
    module: 'push',
    code: 'if (step.redirectTo && cases.has(step.redirectTo) && hop < MAX_REDIRECTS) {',
    mutator: 'LogicalOperator',
    replacement: 'step.redirectTo || cases.has(step.redirectTo)',
    why: 'without a redirect, `cases.has(null)` is false too',
  },
  {
    module: 'push',
    code: 'if (!target || !d) {',
    mutator: 'LogicalOperator',
    replacement: '!target && !d',
    why: 'the decision is null exactly when there is no case to decide on',
  },

  ...[
    ['ConditionalExpression', 'true'],
    ['EqualityOperator', 'm.payload.photoIds.length >= 0'],
  ].map(([mutator, replacement]) => ({
    module: 'push',
    code: "if (m.kind === 'fix' && !redirectNote && d.outcome === 'applied' && m.payload.photoIds.length > 0) {",
    span: 'm.payload.photoIds.length > 0',
    mutator,
    replacement,
    why: 'a fix with no photo has no photo to be far or old: `fixPhotoConcern` of no photos is null',
  })),
  {
    module: 'push',
    code: 'const shown = m.payload.photoIds.flatMap((id) => photos.get(id) ?? []);',
    mutator: 'ArrayDeclaration',
    replacement: '["Stryker was here"]',
    why: 'never reached: a fix naming a photo the server does not know is refused (photo-not-on-case), and only applied fixes get here',
  },

  // field-app/src/lib/sync/optimistic.ts
  ...[
    ['ConditionalExpression', 'true'],
    ['ConditionalExpression', 'false'],
    ['EqualityOperator', "d.outcome !== 'merged'"],
    ['StringLiteral', '""'],
  ].map(([mutator, replacement]) => ({
    module: 'optimistic',
    code: "if (d.outcome === 'applied' || d.outcome === 'merged') {",
    mutator,
    replacement,
    why: emptyPatch,
  })),
  {
    module: 'optimistic',
    code: 'if (o.caseVersion === null || o.caseVersion <= server.version) continue;',
    mutator: 'ConditionalExpression',
    replacement: 'false',
    why: '`null <= server.version` is true in JavaScript (null compares as 0, and versions are never negative): a null version is skipped either way',
  },

  // field-app/src/lib/db/outbox.ts
  {
    module: 'outbox',
    code: ".pending.orderBy('seq')",
    mutator: 'StringLiteral',
    replacement: '""',
    why: "Dexie takes the empty index name for the primary key, and `pending`'s primary key is `seq` (one run on a busy machine counted it as timed out)",
  },

  {
    module: 'push',
    code: "const mode: LockMode = valid.every((m) => m.kind === 'add_note') ? 'share' : 'update';",
    span: "'update'",
    mutator: 'StringLiteral',
    replacement: '""',
    why: "lockCases locks `for share` only when told 'share'; any other mode, the empty one too, is `for update`",
  },

  // sync-server/src/auth/session.repo.ts
  ...[
    ["if (!row) return { status: 'unknown' };", 'ObjectLiteral', '{}'],
    ["if (!row) return { status: 'unknown' };", 'StringLiteral', '""'],
    ["if (row.revoked_at || !row.active) return { status: 'revoked' };", 'ObjectLiteral', '{}'],
    ["if (row.revoked_at || !row.active) return { status: 'revoked' };", 'StringLiteral', '""'],
  ].map(([code, mutator, replacement]) => ({
    module: 'session',
    code,
    mutator,
    replacement,
    why: "the only caller (requireStaff) answers every status but 'ok' and 'expired' alike, 401 with \"You were signed out\": which of the other two it is, or none, changes nothing",
  })),
  {
    module: 'session',
    code: "if (!row) throw new Error('sessionExpiry: no such session",
    mutator: 'ConditionalExpression',
    replacement: 'false',
    why: 'the session was found by the same request a moment before; without the guard the next line throws a TypeError instead, and the request answers the same 500',
  },

  // sync-server/src/sync/sync.routes.ts
  {
    module: 'sync-routes',
    code: '.use(timing({ crossOrigin: false }))',
    mutator: 'ObjectLiteral',
    replacement: '{}',
    why: "`crossOrigin: false` is Hono's timing default: the options only say so",
  },

  // sync-server/src/sync/quiet-pull.ts
  ...['false', '<'].map((replacement) => ({
    module: 'quiet-pull',
    code: 'if (this.#times.headMs <= 0) return;',
    mutator: replacement === 'false' ? 'ConditionalExpression' : 'EqualityOperator',
    replacement: replacement === 'false' ? 'false' : 'this.#times.headMs < 0',
    why: 'with headMs 0 or less `consult()` answers "off" before it looks at any session: what `remember()` keeps (and the head it reads) is never used',
  })),
  ...[
    ['ConditionalExpression', 'true'],
    ['StringLiteral', '""'],
  ].map(([mutator, replacement]) => ({
    module: 'quiet-pull',
    code: "else if (payload.startsWith('u:')) this.#dropUser(payload.slice(2));",
    mutator,
    replacement,
    why: 'the channel carries only `s:` and `u:` notices, and `s:` is taken first; forgetting a session is never wrong anyway (the database is asked)',
  })),
  ...[
    ['ConditionalExpression', 'true'],
    ['ConditionalExpression', 'false'],
    ['CallExpression', ';'],
  ].map(([mutator, replacement]) => ({
    module: 'quiet-pull',
    code: 'if (s) this.#sessions.delete(tokenHash);',
    mutator,
    replacement,
    why: 'an entry past its `until` is never returned, deleted or not: this only frees memory (and deleting a key not there does nothing)',
  })),
  {
    module: 'quiet-pull',
    code: 'this.#epoch++;',
    mutator: 'UpdateOperator',
    replacement: 'this.#epoch--',
    why: '`remember()` only asks whether the epoch changed since its lookup began: counting down changes it as surely as counting up',
  },
  {
    module: 'quiet-pull',
    code: 'if ((map.get(key) ?? -1n) < newest) map.set(key, newest);',
    mutator: 'EqualityOperator',
    replacement: '(map.get(key) ?? -1n) <= newest',
    why: 'when the two are equal, setting it again keeps the same value',
  },
  {
    module: 'quiet-pull',
    code: 'const changedSince = (newest: bigint | undefined) => newest !== undefined && newest > cursor;',
    span: 'newest !== undefined',
    mutator: 'ConditionalExpression',
    replacement: 'true',
    why: 'a scope with no change known has `undefined` there, and `undefined > cursor` is false in JavaScript: the guard only says so',
  },
  // field-app/src/lib/api/retry-after.ts
  {
    module: 'retry-after',
    code: 'if (!value) return null;',
    mutator: 'ConditionalExpression',
    replacement: 'false',
    why: 'an empty or absent value matches neither delta-seconds nor an HTTP-date form, and is null below anyway',
  },
  {
    module: 'retry-after',
    code: 'if (!date) return null;',
    mutator: 'ConditionalExpression',
    replacement: 'false',
    why: 'a value of no HTTP-date form leaves `date` false, and `Date.parse(false)` is NaN: null just below',
  },

  // field-app/src/lib/sync/engine.ts (sync-retry: the waits between tries)
  {
    module: 'sync-retry',
    code: "if (f.kind !== 'http') return null;",
    mutator: 'ConditionalExpression',
    replacement: 'false',
    why: 'a failure that is not an HTTP answer has neither a `retryAfter` nor `details`: the lines below answer null for it too',
  },
  {
    module: 'sync-retry',
    code: 'if (retryAfter === null) return backoff;',
    mutator: 'ConditionalExpression',
    replacement: 'false',
    why: 'with no wait asked the floor below is `null + r × 1 s` = r × 1 s, never above the backoff r × (1 s × 2^failures): the same delay',
  },
  {
    module: 'sync-retry',
    code: 'this.#clearRetry();',
    mutator: 'CallExpression',
    replacement: ';',
    why: "no attempt that fails starts while a wait is pending: `#trigger` refuses then, `syncNow` clears the wait before it runs, and the run's loop stops once a wait is set; the call only guards against a future caller",
  },

  // field-app/src/lib/dispatch/moves.ts (board-moves: the lead's moves as mutations)
  {
    module: 'board-moves',
    code: 'const tails: number[] = [];',
    mutator: 'ArrayDeclaration',
    replacement: '["Stryker was here"]',
    why: "the first look-up reads `seq['Stryker was here']`, undefined, which is below nothing: the slot is overwritten by the first index at once, as with an empty list",
  },
  {
    module: 'board-moves',
    code: 'const prev = new Array<number>(seq.length).fill(-1);',
    mutator: 'ArrayDeclaration',
    replacement: 'new Array()',
    why: 'an unset link reads undefined, which ends the walk back (`i >= 0`) as -1 does',
  },
  {
    module: 'board-moves',
    code: 'if (seq[tails[mid]!]! < seq[i]!) lo = mid + 1;',
    mutator: 'EqualityOperator',
    replacement: 'seq[tails[mid]!]! <= seq[i]!',
    why: 'the sequence holds the distinct places of distinct cases in the wanted list: two are never equal',
  },
  {
    module: 'board-moves',
    code: 'if (lo > 0) prev[i] = tails[lo - 1]!;',
    mutator: 'ConditionalExpression',
    replacement: 'true',
    why: 'for lo = 0 the link is set to `tails[-1]`, undefined, which ends the walk back as -1 does',
  },
  {
    module: 'board-moves',
    code: 'if (lo > 0) prev[i] = tails[lo - 1]!;',
    mutator: 'EqualityOperator',
    replacement: 'lo >= 0',
    why: 'for lo = 0 the link is set to `tails[-1]`, undefined, which ends the walk back as -1 does',
  },
  {
    module: 'board-moves',
    code: 'for (let i = tails.length ? tails[tails.length - 1]! : -1; i >= 0; i = prev[i]!) keep.add(i);',
    mutator: 'UnaryOperator',
    replacement: '+1',
    why: 'only for an empty sequence: index 1 of nothing is kept, and nothing is read there',
  },
  {
    module: 'board-moves',
    code: 'for (const id of desired.get(QUEUE) ?? []) {',
    mutator: 'ArrayDeclaration',
    replacement: '["Stryker was here"]',
    why: 'only when no queue is wanted: the extra id is on no column (`locate` is null) and is skipped',
  },
  {
    module: 'board-moves',
    code: 'place(lists, id, QUEUE, 0);',
    mutator: 'CallExpression',
    replacement: ';',
    why: 'a case unassigned but left in its old column has no day any more (`days`): it is no stop of the day, and no wanted list holds it, so no position or move reads where it sits',
  },
  {
    module: 'board-moves',
    code: 'days.set(id, null);',
    mutator: 'CallExpression',
    replacement: ';',
    why: "`place` has just taken the case out of its crew's column: no count of a crew's stops reads its day",
  },
  {
    module: 'board-moves',
    code: 'const predecessor = i > 0 ? want[i - 1]! : null;',
    mutator: 'ConditionalExpression',
    replacement: 'true',
    why: 'for the first case `want[-1]` is undefined, found nowhere (-1): index 0, as with no predecessor',
  },
  {
    module: 'board-moves',
    code: 'const predecessor = i > 0 ? want[i - 1]! : null;',
    mutator: 'EqualityOperator',
    replacement: 'i >= 0',
    why: 'for the first case `want[-1]` is undefined, found nowhere (-1): index 0, as with no predecessor',
  },
  {
    module: 'board-moves',
    code: 'const index = predecessor === null ? 0 : without.indexOf(predecessor) + 1;',
    mutator: 'ConditionalExpression',
    replacement: 'false',
    why: '`without.indexOf(null) + 1` is 0, the same index',
  },
  {
    module: 'board-moves',
    code: 'const out: Snapshot[] = [];',
    mutator: 'ArrayDeclaration',
    replacement: '["Stryker was here"]',
    why: 'the extra entry names no case (`caseId` undefined): restoring finds it on no column and skips it',
  },
  {
    module: 'board-moves',
    code: 'after: at.index > 0 ? ids[at.index - 1]! : null',
    span: 'at.index > 0',
    mutator: 'ConditionalExpression',
    replacement: 'true',
    why: 'for a first case `ids[-1]` is undefined: restoring finds no such case (-1) and puts it back at its old index 0, as for null',
  },
  {
    module: 'board-moves',
    code: 'after: at.index > 0 ? ids[at.index - 1]! : null',
    span: 'at.index > 0',
    mutator: 'EqualityOperator',
    replacement: 'at.index >= 0',
    why: 'for a first case `ids[-1]` is undefined: restoring finds no such case (-1) and puts it back at its old index 0, as for null',
  },
  {
    module: 'board-moves',
    code: 'const prev = s.after === null ? -1 : ids.indexOf(s.after);',
    mutator: 'ConditionalExpression',
    replacement: 'false',
    why: '`ids.indexOf(null)` is -1, what the null branch gives',
  },
  {
    module: 'board-moves',
    code: 'const here = current.get(column) ?? [];',
    mutator: 'LogicalOperator',
    replacement: 'current.get(column) && []',
    why: 'columns already in order are then converged too, and converge leaves a column in order as it is: no move (only work saved)',
  },
  {
    module: 'board-moves',
    code: 'if (here.length !== want.length || here.some((id, i) => want[i] !== id)) out.set(column, want);',
    span: 'here.length !== want.length || here.some((id, i) => want[i] !== id)',
    mutator: 'ConditionalExpression',
    replacement: 'true',
    why: 'columns already in order are then converged too, and converge leaves a column in order as it is: no move (only work saved)',
  },
  {
    module: 'board-moves',
    code: 'if (here.length !== want.length || here.some((id, i) => want[i] !== id)) out.set(column, want);',
    span: 'want[i] !== id',
    mutator: 'ConditionalExpression',
    replacement: 'true',
    why: 'columns already in order are then converged too, and converge leaves a column in order as it is: no move (only work saved)',
  },
  {
    module: 'board-moves',
    code: 'const index = c.toPosition === null || column === QUEUE ? ids.length : c.toPosition - 1;',
    span: 'column === QUEUE',
    mutator: 'ConditionalExpression',
    replacement: 'false',
    why: "the queue's order is the server's (oldest first): converge only unassigns into it and reads no order there",
  },

  // board-moves: the days an undo puts back
  {
    module: 'board-moves',
    code: 'if (keep.has(id) && own !== null && own >= latest && (asked === undefined || asked === own)) {',
    span: 'own !== null',
    mutator: 'ConditionalExpression',
    replacement: 'true',
    why: "every case in a crew's column has a day (`assigned_day` is set exactly when a crew is): `own` is never null there",
  },
  {
    module: 'board-moves',
    code: 'const day = wanted > latest ? wanted : latest;',
    mutator: 'EqualityOperator',
    replacement: 'wanted >= latest',
    why: 'when the two days are equal either branch gives the same day',
  },
  {
    module: 'board-moves',
    code: 'const wanted = asked ?? (own !== null && locate(lists, id)?.column === column ? own : date);',
    span: 'own !== null',
    mutator: 'ConditionalExpression',
    replacement: 'true',
    why: "a case with no day is in the queue, never in the crew's column the check that follows asks for",
  },
  {
    module: 'board-moves',
    code: 'const wanted = asked ?? (own !== null && locate(lists, id)?.column === column ? own : date);',
    mutator: 'OptionalChaining',
    replacement: 'locate(lists, id).column',
    why: "every wanted case is on the board (the wanted lists are made from the board's), so `locate` never misses",
  },
  {
    module: 'board-moves',
    code: 'const sameRoute = from?.column === column && dayNow(id) === day;',
    mutator: 'OptionalChaining',
    replacement: 'from.column',
    why: "every wanted case is on the board (the wanted lists are made from the board's), so `from` is never null",
  },
  {
    module: 'board-moves',
    code: 'if (column === QUEUE) continue;',
    mutator: 'ConditionalExpression',
    replacement: 'false',
    why: "the queue's cases have no day (null), which `leftoversOf` skips anyway",
  },
  {
    module: 'board-moves',
    code: 'if (day !== null && day < date) out.set(id, day);',
    mutator: 'ConditionalExpression',
    replacement: 'true',
    why: "a case of the board's day put in the map asks for the day it is on: it is kept as it is, and adds no column to converge",
  },
  {
    module: 'board-moves',
    code: 'if (at && at.column !== QUEUE && dayOf(id) !== day) columns.set(at.column, desired.get(at.column)!);',
    span: 'at && at.column !== QUEUE && dayOf(id) !== day',
    mutator: 'ConditionalExpression',
    replacement: 'true',
    why: 'a column added to converge with every case in order and on its day gets no move: the condition only saves work',
  },
  {
    module: 'board-moves',
    code: 'if (at && at.column !== QUEUE && dayOf(id) !== day) columns.set(at.column, desired.get(at.column)!);',
    span: 'at && at.column !== QUEUE',
    mutator: 'ConditionalExpression',
    replacement: 'true',
    why: 'a column added to converge with every case in order and on its day gets no move: the condition only saves work',
  },
  {
    module: 'board-moves',
    code: 'if (at && at.column !== QUEUE && dayOf(id) !== day) columns.set(at.column, desired.get(at.column)!);',
    span: 'at.column !== QUEUE',
    mutator: 'ConditionalExpression',
    replacement: 'true',
    why: 'a column added to converge with every case in order and on its day gets no move: the condition only saves work (the queue is never converged)',
  },
  {
    module: 'board-moves',
    code: 'if (at && at.column !== QUEUE && dayOf(id) !== day) columns.set(at.column, desired.get(at.column)!);',
    span: 'dayOf(id) !== day',
    mutator: 'ConditionalExpression',
    replacement: 'true',
    why: 'a column added to converge with every case in order and on its day gets no move: the condition only saves work',
  },
  {
    module: 'board-moves',
    code: 'if (at && at.column !== QUEUE && dayOf(id) !== day) columns.set(at.column, desired.get(at.column)!);',
    span: 'at && at.column !== QUEUE && dayOf(id) !== day',
    mutator: 'LogicalOperator',
    replacement: 'at && at.column !== QUEUE || dayOf(id) !== day',
    why: 'a column added to converge with every case in order and on its day gets no move: the condition only saves work',
  },
  {
    module: 'board-moves',
    code: 'if (at && at.column !== QUEUE && dayOf(id) !== day) columns.set(at.column, desired.get(at.column)!);',
    span: 'at && at.column !== QUEUE',
    mutator: 'LogicalOperator',
    replacement: 'at || at.column !== QUEUE',
    why: 'a column added to converge with every case in order and on its day gets no move: the condition only saves work',
  },
  // sync-server/src/sync/push.service.ts: the batch's route changes
  {
    module: 'push',
    code: 'const routeChanges: RouteChange[] = [];',
    mutator: 'ArrayDeclaration',
    replacement: '["Stryker was here"]',
    why: 'a change naming no route finds no route to take its case from or put it on, and reads no route',
  },
  {
    module: 'push',
    code: 'const routesBefore = placedOn.length > 0 ? routesAsTheyStand(tx, placedOn) : null;',
    span: 'placedOn.length > 0',
    mutator: 'ConditionalExpression',
    replacement: 'true',
    why: 'with no route to read, the routes are read as none, replayed as none and numbered as none: only a statement saved',
  },
  {
    module: 'push',
    code: 'const routesBefore = placedOn.length > 0 ? routesAsTheyStand(tx, placedOn) : null;',
    mutator: 'EqualityOperator',
    replacement: 'placedOn.length >= 0',
    why: 'with no route to read, the routes are read as none, replayed as none and numbered as none: only a statement saved',
  },
  // sync-server/src/sync/route-order.ts (route-order: a batch's route moves in its order)
  {
    module: 'route-order',
    code: 'return c.crewId && c.assignedDay && (ROUTE_STATES as readonly CaseState[]).includes(c.state)',
    span: 'c.crewId && c.assignedDay',
    mutator: 'ConditionalExpression',
    replacement: 'true',
    why: "a case in a route state always has a crew and a day (the rules never leave work with no crew, and the cases table's check ties the day to the crew)",
  },
  {
    module: 'route-order',
    code: 'return c.crewId && c.assignedDay && (ROUTE_STATES as readonly CaseState[]).includes(c.state)',
    span: 'c.crewId && c.assignedDay',
    mutator: 'LogicalOperator',
    replacement: 'c.crewId || c.assignedDay',
    why: "a case has a crew exactly when it has a day (the cases table's check `(assigned_crew_id is null) = (assigned_day is null)`)",
  },

  // sync-server/src/auth/people.routes.ts (people: staff accounts)
  {
    module: 'people',
    code: "if (!before) throw new ApiError(404, 'not-found', 'There is no such account.');",
    mutator: 'ConditionalExpression',
    replacement: 'false',
    why: 'the update that follows finds no row either, and answers the same 404 in the same words',
  },
  {
    module: 'people',
    code: "if (!person) throw new ApiError(404, 'not-found', 'There is no such account.');",
    mutator: 'ConditionalExpression',
    replacement: 'false',
    why: 'no route deletes an account: the person found one statement before is there for the update',
  },
  {
    module: 'people',
    code: 'await quietPull?.forgetUser(id);',
    mutator: 'OptionalChaining',
    replacement: 'quietPull.forgetUser',
    why: 'createApp always hands the routes a QuietPull',
  },
  {
    module: 'people',
    code: "p.role === 'worker' ? `crew \"${p.crewId}\"` : p.role === 'lead'",
    span: "p.role === 'lead'",
    mutator: 'ConditionalExpression',
    replacement: 'true',
    why: "an admin's placement names no crew or department, so it never fails: a place that is missing is a crew's or a lead's",
  },
  ...[".get('/', async (c) => c.json((await listPeople(sql))", ".post('/', validate('json', CreatePersonRequest)"].map(
    (code) => ({
      module: 'people',
      code,
      mutator: 'StringLiteral',
      replacement: '""',
      why: "Hono routes '' and '/' of a sub-app alike",
    }),
  ),
];
