/**
 * A device already up to date, answered from this instance's memory with no statement to
 * the database. A tablet polls, or wakes when the app regains focus, and often nothing in
 * the city has changed since its cursor.
 *
 * What the instance remembers:
 * - the change log's head (`change_log_head()`), read by one statement for the whole
 *   instance at most every `headMs`, ahead of need, never by the pull that uses it;
 * - a session the database found valid (the person and its expiry), for `sessionMs`;
 * - where it last recorded each crew device's delivery receipt (a pull that brings nothing
 *   writes one at most every `receiptMs`, see the pull route).
 *
 * A pull is answered from memory only when the session is remembered and the device does not
 * say it is behind (`behind=1`: a live hint told it of a change, it has just pushed, or its
 * worker asked to sync now), and either
 * - the device's cursor is at or past the remembered head: "nothing new, your cursor stays";
 * - or nothing in the device's scope changed between its cursor and the head: "nothing new,
 *   your cursor moves to the head", as the database would have answered at that head. With
 *   each head, the instance reads which scopes the changes since the last one touched (each
 *   crew's cases and departures, each department's cases, each device's outcomes), so it knows
 *   the newest change of every scope over a run of cursors. In a working city something
 *   changes somewhere every second; a device's own crew, rarely.
 * Either way the answer is what the database said at a head read a moment ago: a change
 * committed since reaches a device that was not told of it at its next pull after the head is
 * read again, at most `headMs` later. A receipt falling due is written after the answer, not
 * before it.
 *
 * Sessions ended on any instance: the one that ends them forgets them at once and tells the
 * others (NOTIFY on `SESSIONS_CHANNEL`), which forget them as the notice arrives. An instance
 * believes remembered sessions only while it listens, and forgets them all each time its
 * LISTEN starts again (notices sent meanwhile are lost). `sessionMs` bounds the rest: a notice
 * lost while the listening connection was down but not yet known to be. What that costs at
 * worst is "nothing new" (never any data, never a write beside the receipt) answered to a
 * session ended elsewhere, until the notice arrives or `sessionMs` passes.
 */
import { caseScope } from '@fieldfix/shared';
import { callerOf, type Staff } from '../access/caller.ts';
import type { Sql } from '../db/database.ts';

export type QuietPullTimes = {
  /** How long a head read stays good for answering; 0 turns answers from memory off. */
  headMs: number;
  /** How long a session found valid is believed without asking the database again. */
  sessionMs: number;
  /** How long a device's unchanged delivery receipt goes unwritten. */
  receiptMs: number;
};

export const QUIET_PULL_TIMES: QuietPullTimes = { headMs: 1_000, sessionMs: 5 * 60_000, receiptMs: 30_000 };

/**
 * Why a pull was answered by the database rather than from memory (`/metrics`):
 * - `off`: answers from memory are turned off (`headMs` 0);
 * - `no-head`: no head read within `headMs` (the instance's first pull, the database unreachable,
 *   or the read waiting behind a saturated pool for longer than that);
 * - `session`: the session is not remembered here (none of the device's requests has reached
 *   this instance since it started or forgot it);
 * - `behind`: the device said it is behind (`behind=1`; the pull route, not `consult`);
 * - `changed`: something in its scope, or one of its own outcomes, changed since its cursor;
 * - `before-knowledge`: its cursor is older than what this instance knows of the change log;
 * - `no-client-id`: behind the head, and it did not say which device it is;
 * - `city`: its scope is the whole city (nothing narrower to look through).
 */
export type AskedBecause =
  'off' | 'no-head' | 'session' | 'behind' | 'changed' | 'before-knowledge' | 'no-client-id' | 'city';

/** Where an instance that ends sessions tells the others: `s:<token hash>` or `u:<user id>`. */
export const SESSIONS_CHANNEL = 'fieldfix_sessions_ended';

/** How many sessions and receipts one instance remembers at most (the oldest go first). */
const KEPT = 50_000;

/**
 * The most cursors one head read looks through for the scopes they touched. An instance that
 * served no pull for long enough to fall further behind starts its knowledge again at the head
 * (devices behind it then ask the database once).
 */
const WINDOW = 100_000n;

/**
 * The change log's head (`to`), and the newest change of each scope over the cursors
 * `(from, to]`: every change there is counted. A crew's: its cases' changes and departures; a
 * department's: its cases' changes; a device's (client id and person): its outcomes.
 */
type Known = {
  from: bigint;
  to: bigint;
  crews: Map<string, bigint>;
  departments: Map<string, bigint>;
  devices: Map<string, bigint>;
};

type Session = { staff: Staff; tokenHash: string; expiresAt: Date; until: number };

/** A device as the receipt memory knows it: its client id and the person using it. */
export type DeviceKey = { clientId: string; userId: string };

export class QuietPull {
  readonly #sql: Sql;
  /** Where the head is read (`reads`, else the pool). */
  readonly #reads: Sql;
  readonly #times: QuietPullTimes;
  readonly #now: () => number;
  /** When the remembered head's statement started (the head is at least that recent). */
  #headAt = -Infinity;
  #reading: Promise<void> | null = null;
  #known: Known | null = null;
  readonly #sessions = new Map<string, Session>();
  /** When this instance last wrote each device's receipt. */
  readonly #receipts = new Map<string, number>();
  /** Sessions are shared between instances (PostgreSQL): remembered ones count only while listening. */
  readonly #shared: boolean;
  #listen: Promise<unknown> | null = null;
  #listening = false;
  #listenFailed = false;
  /** Counts every forgetting: a lookup that began before one is not remembered (`remember`). */
  #epoch = 0;
  readonly #log: { warn(msg: string): void } | undefined;

  /**
   * `shared`: other instances may end sessions (PostgreSQL, with LISTEN/NOTIFY); embedded
   * PGlite serves one process, and delivers no notices. `reads`: a connection of its own for the
   * head reads. In the pool, a read waits behind every request queued there: under load it comes
   * back older than `headMs`, and answers from memory stop just when they would spare the
   * database most.
   */
  constructor(
    sql: Sql,
    times: QuietPullTimes = QUIET_PULL_TIMES,
    opts: { shared?: boolean; now?: () => number; log?: { warn(msg: string): void }; reads?: Sql } = {},
  ) {
    this.#sql = sql;
    this.#reads = opts.reads ?? sql;
    this.#times = times;
    this.#shared = opts.shared ?? false;
    this.#now = opts.now ?? Date.now;
    this.#log = opts.log;
  }

  /**
   * A pull from memory: who is asking, and the cursor to answer "nothing new" with (the
   * device's own when it is at or past the remembered head, else that head); or why the
   * database must be asked instead (`AskedBecause`).
   */
  consult(
    tokenHash: string,
    cursor: bigint,
    clientId?: string,
  ): { staff: Staff; head: bigint } | { asks: AskedBecause } {
    if (this.#times.headMs <= 0) return { asks: 'off' };
    const known = this.#fresh();
    if (known === null) return { asks: 'no-head' };
    const session = this.#recall(tokenHash);
    if (!session) return { asks: 'session' };
    if (known.to <= cursor) return { staff: session.staff, head: cursor };
    if (clientId === undefined) return { asks: 'no-client-id' };
    const why = whyNotNothingFor(known, session.staff, clientId, cursor);
    return why ? { asks: why } : { staff: session.staff, head: known.to };
  }

  /**
   * Null once this instance listens for sessions ended elsewhere (or cannot); until then, the
   * LISTEN under way. A session lookup that waits for it first is not forgotten when the LISTEN
   * starts: an instance's first requests (a city's devices priming) are remembered too.
   */
  listening(): Promise<unknown> | null {
    if (this.#times.headMs <= 0 || !this.#shared || this.#listening) return null;
    this.#startListening();
    // Once a LISTEN has failed, requests no longer wait for the next try (see `#startListening`).
    return this.#listenFailed ? null : this.#listen;
  }

  /**
   * Starts what the instance knows at once, not at its first request (`startServer` calls it):
   * the LISTEN, and the first head read, where its knowledge of the change log begins. A device
   * whose cursor comes from another instance is then judged from memory here too, unless that
   * cursor is older than this instance.
   */
  start(): void {
    if (this.#times.headMs <= 0) return;
    this.#startListening();
    this.#readHead();
  }

  /** Take it before asking the database for a session; give it back to `remember`. */
  get epoch(): number {
    return this.#epoch;
  }

  /**
   * A session the database just found valid, asked at `epoch`. If any session was forgotten
   * since (here or, by notice, elsewhere), it may be this one, ended after the database
   * answered: it is not remembered, and its next pull asks again.
   */
  remember(found: { staff: Staff; tokenHash: string; expiresAt: Date }, epoch: number): void {
    if (this.#times.headMs <= 0) return;
    this.#startListening();
    // What this instance knows starts at its first head read: read it now, while devices prime
    // (their cursors then lie within it), not at the first poll, when some city may have moved on.
    if (this.#known === null) this.#readHead();
    if (epoch !== this.#epoch) return;
    const until = Math.min(this.#now() + this.#times.sessionMs, found.expiresAt.getTime());
    this.#sessions.delete(found.tokenHash); // re-inserted last: the oldest go first when full
    keep(this.#sessions, found.tokenHash, { ...found, until });
  }

  /** A session ended here (signed out), after its row says so: forgotten here and on every instance. */
  async forgetSession(tokenHash: string): Promise<void> {
    this.#epoch++;
    this.#sessions.delete(tokenHash);
    await this.#tell(`s:${tokenHash}`);
  }

  /** Every session of a person ended here (signed out everywhere): forgotten on every instance. */
  async forgetUser(userId: string): Promise<void> {
    this.#dropUser(userId);
    await this.#tell(`u:${userId}`);
  }

  #dropUser(userId: string): void {
    this.#epoch++;
    for (const [hash, s] of this.#sessions) if (s.staff.id === userId) this.#sessions.delete(hash);
  }

  async #tell(payload: string): Promise<void> {
    if (!this.#shared) return;
    try {
      await this.#sql`select pg_notify(${SESSIONS_CHANNEL}, ${payload})`;
    } catch (err) {
      // The session's row is ended; other instances stop believing it within sessionMs.
      this.#log?.warn(`quiet pull: could not tell other instances a session ended: ${(err as Error).message}`);
    }
  }

  #heard(payload: string): void {
    this.#epoch++;
    if (payload.startsWith('s:')) this.#sessions.delete(payload.slice(2));
    else if (payload.startsWith('u:')) this.#dropUser(payload.slice(2));
  }

  #startListening(): void {
    if (!this.#shared || this.#listen) return;
    this.#listen = this.#sql
      .listen(
        SESSIONS_CHANNEL,
        (payload) => this.#heard(payload),
        () => {
          // (Again) listening: whatever was sent while not is lost, so nothing remembered stands.
          this.#epoch++;
          this.#sessions.clear();
          this.#listening = true;
        },
      )
      .catch((err: unknown) => {
        // Sessions are then asked of the database at every pull; the next one remembered tries again.
        this.#log?.warn(
          `quiet pull: could not listen for sessions ended on other instances, so every pull asks the database: ${(err as Error).message}`,
        );
        this.#listen = null;
        this.#listenFailed = true;
      });
  }

  /**
   * Whether a pull that brought nothing must write its device's receipt: none written here
   * yet, or the last one `receiptMs` ago. Its cursor moving past other scopes' changes does
   * not make it due (that is every poll in a busy city): what the receipt is read for is when
   * the device last synced, and what it was delivered (always written).
   */
  receiptDue(device: DeviceKey): boolean {
    const last = this.#receipts.get(deviceKey(device));
    return last === undefined || this.#now() - last >= this.#times.receiptMs;
  }

  /** A receipt being written for a device (marked first: pulls meanwhile do not write it too). */
  receiptWritten(device: DeviceKey): void {
    const key = deviceKey(device);
    this.#receipts.delete(key);
    keep(this.#receipts, key, this.#now());
  }

  /** The receipt's write failed: the device's next pull writes it. */
  receiptLost(device: DeviceKey): void {
    this.#receipts.delete(deviceKey(device));
  }

  #recall(tokenHash: string): Session | undefined {
    if (this.#shared && !this.#listening) return undefined;
    const s = this.#sessions.get(tokenHash);
    if (s && s.until > this.#now()) return s;
    if (s) this.#sessions.delete(tokenHash);
    return undefined;
  }

  /** What was read within `headMs`, else null. Past half its life a new read starts, one at a time. */
  #fresh(): Known | null {
    const age = this.#now() - this.#headAt;
    if (age >= this.#times.headMs / 2) this.#readHead();
    return age < this.#times.headMs ? this.#known : null;
  }

  #readHead(): void {
    if (this.#reading) return;
    const started = this.#now();
    this.#reading = this.#refresh(started)
      // The database unreachable: the head ages out and pulls ask the database, which answers 503.
      .catch(() => {})
      .finally(() => {
        this.#reading = null;
      });
  }

  /**
   * Reads the head, then which scopes the changes since the last head touched, and only then
   * makes both the ones answers use. The scopes are read in a statement after the head's, as a
   * pull reads its streams: every change at or below the head is in that statement's snapshot,
   * as it is now (a case changed again since is counted at its new cursor, by the next read).
   */
  async #refresh(started: number): Promise<void> {
    const [row] = await this.#reads<{ head: string }[]>`select change_log_head()::text as head`;
    const head = BigInt(row!.head);
    const k = this.#known;
    // Nothing known yet, a head behind the one known (a database restored from a backup), or
    // too many cursors to look through: knowledge starts again at this head.
    if (!k || head < k.to || head - k.to > WINDOW) {
      this.#known = startingAt(head);
    } else if (head > k.to) {
      const after = k.to.toString();
      const upTo = head.toString();
      const rows = await this.#reads<
        { scope: 'crew' | 'department' | 'device'; a: string; b: string | null; newest: string }[]
      >`
        select 'crew' as scope, assigned_crew_id as a, null as b, max(change_cursor)::text as newest from cases
        where change_cursor > ${after}::bigint and change_cursor <= ${upTo}::bigint and assigned_crew_id is not null
        group by assigned_crew_id
        union all
        select 'crew', crew_id, null, max(cursor)::text from case_departures
        where cursor > ${after}::bigint and cursor <= ${upTo}::bigint
        group by crew_id
        union all
        select 'department', t.department_id, null, max(c.change_cursor)::text
        from cases c join service_types t on t.code = c.service_code
        where c.change_cursor > ${after}::bigint and c.change_cursor <= ${upTo}::bigint
        group by t.department_id
        union all
        select 'device', client_id, user_id, max(cursor)::text from mutations
        where cursor > ${after}::bigint and cursor <= ${upTo}::bigint
        group by client_id, user_id`;
      // A crew has a row for its cases and one for its departures: the newer counts.
      for (const r of rows) {
        const map = r.scope === 'crew' ? k.crews : r.scope === 'department' ? k.departments : k.devices;
        const key = r.scope === 'device' ? deviceKey({ clientId: r.a, userId: r.b! }) : r.a;
        const newest = BigInt(r.newest);
        if ((map.get(key) ?? -1n) < newest) map.set(key, newest);
      }
      k.to = head;
      // More devices than an instance keeps: knowledge starts again at this head.
      if (k.devices.size > KEPT) this.#known = startingAt(head);
    }
    this.#headAt = started;
  }

  /** Resolves once no head read is under way and the LISTEN, if any, has started (tests). */
  async settled(): Promise<void> {
    await Promise.all([this.#reading, this.#listen]);
  }
}

/** Knowledge that starts at `head`: nothing known below it. */
function startingAt(head: bigint): Known {
  return { from: head, to: head, crews: new Map(), departments: new Map(), devices: new Map() };
}

/**
 * Why the database must answer a pull by `staff` on device `clientId` at `cursor`, behind the
 * head `k` knows; null when nothing it reads changed in between: the device's own outcomes,
 * and the cases of its scope as the access model draws it (the pull's, `caseScope`).
 */
function whyNotNothingFor(k: Known, staff: Staff, clientId: string, cursor: bigint): AskedBecause | null {
  if (cursor < k.from) return 'before-knowledge';
  const changedSince = (newest: bigint | undefined) => newest !== undefined && newest > cursor;
  if (changedSince(k.devices.get(deviceKey({ clientId, userId: staff.id })))) return 'changed';
  const scope = caseScope(callerOf(staff));
  if (scope.kind === 'crew') return changedSince(k.crews.get(scope.crewId)) ? 'changed' : null;
  if (scope.kind === 'department') return changedSince(k.departments.get(scope.departmentId)) ? 'changed' : null;
  // No case in scope: only its outcomes count. The whole city: the database is asked.
  return scope.kind === 'none' ? null : 'city';
}

function deviceKey(d: DeviceKey): string {
  return `${d.clientId}\u0000${d.userId}`;
}

function keep<V>(map: Map<string, V>, key: string, value: V): void {
  if (map.size >= KEPT) map.delete(map.keys().next().value!);
  map.set(key, value);
}
