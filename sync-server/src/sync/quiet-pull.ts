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
 * A pull is answered from memory only when the session is remembered, the device's cursor is
 * at or past the remembered head, and the device does not say it is behind (`behind=1`: a
 * live hint told it of a change, it has just pushed, or its worker asked to sync now). The
 * answer, "nothing new, your cursor stays", is then what the database said a moment ago. The
 * cursor does not move, so no change can be skipped: one committed since reaches a device
 * that was not told of it at its next pull after the head is read again, at most `headMs`
 * later. A receipt falling due is written after the answer, not before it.
 *
 * Sessions ended on any instance: the one that ends them forgets them at once and tells the
 * others (NOTIFY on `SESSIONS_CHANNEL`), which forget them as the notice arrives. An instance
 * believes remembered sessions only while it listens, and forgets them all each time its
 * LISTEN starts again (notices sent meanwhile are lost). `sessionMs` bounds the rest: a notice
 * lost while the listening connection was down but not yet known to be. What that costs at
 * worst is "nothing new" (never any data, never a write beside the receipt) answered to a
 * session ended elsewhere, until the notice arrives or `sessionMs` passes.
 */
import type { Staff } from '../access/caller.ts';
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

/** Where an instance that ends sessions tells the others: `s:<token hash>` or `u:<user id>`. */
export const SESSIONS_CHANNEL = 'fieldfix_sessions_ended';

/** How many sessions and receipts one instance remembers at most (the oldest go first). */
const KEPT = 50_000;

type Session = { staff: Staff; tokenHash: string; expiresAt: Date; until: number };

/** A device as the receipt memory knows it: its client id and the person using it. */
export type DeviceKey = { clientId: string; userId: string };

export class QuietPull {
  readonly #sql: Sql;
  readonly #times: QuietPullTimes;
  readonly #now: () => number;
  #head: bigint | null = null;
  /** When the remembered head's statement started (the head is at least that recent). */
  #headAt = -Infinity;
  #reading: Promise<void> | null = null;
  readonly #sessions = new Map<string, Session>();
  readonly #receipts = new Map<string, { cursor: string; at: number }>();
  /** Sessions are shared between instances (PostgreSQL): remembered ones count only while listening. */
  readonly #shared: boolean;
  #listen: Promise<unknown> | null = null;
  #listening = false;
  /** Counts every forgetting: a lookup that began before one is not remembered (`remember`). */
  #epoch = 0;
  readonly #log: { warn(msg: string): void } | undefined;

  /**
   * `shared`: other instances may end sessions (PostgreSQL, with LISTEN/NOTIFY); embedded
   * PGlite serves one process, and delivers no notices.
   */
  constructor(
    sql: Sql,
    times: QuietPullTimes = QUIET_PULL_TIMES,
    opts: { shared?: boolean; now?: () => number; log?: { warn(msg: string): void } } = {},
  ) {
    this.#sql = sql;
    this.#times = times;
    this.#shared = opts.shared ?? false;
    this.#now = opts.now ?? Date.now;
    this.#log = opts.log;
  }

  /**
   * The answer's head for a pull from memory, or null when the database must be asked: the
   * remembered head is stale or past the device's cursor, or the session is not remembered.
   */
  answer(tokenHash: string, cursor: bigint): { staff: Staff; head: bigint } | null {
    if (this.#times.headMs <= 0) return null;
    const head = this.#freshHead();
    if (head === null || head > cursor) return null;
    const session = this.#recall(tokenHash);
    return session ? { staff: session.staff, head } : null;
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
      .catch(() => {
        this.#listen = null; // the next session remembered tries again
      });
  }

  /** Whether a pull that brought nothing, leaving the device at `cursor`, must write its receipt. */
  receiptDue(device: DeviceKey, cursor: string): boolean {
    const last = this.#receipts.get(deviceKey(device));
    return !last || last.cursor !== cursor || this.#now() - last.at >= this.#times.receiptMs;
  }

  /** A receipt being written for a device (marked first: pulls meanwhile do not write it too). */
  receiptWritten(device: DeviceKey, cursor: string): void {
    const key = deviceKey(device);
    this.#receipts.delete(key);
    keep(this.#receipts, key, { cursor, at: this.#now() });
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

  /** The head if read within `headMs`, else null. Past half its life a new read starts, one at a time. */
  #freshHead(): bigint | null {
    const age = this.#now() - this.#headAt;
    if (age >= this.#times.headMs / 2) this.#readHead();
    return age < this.#times.headMs ? this.#head : null;
  }

  #readHead(): void {
    if (this.#reading) return;
    const started = this.#now();
    this.#reading = this.#sql<{ head: string }[]>`select change_log_head()::text as head`
      .then(([row]) => {
        this.#head = BigInt(row!.head);
        this.#headAt = started;
      })
      // The database unreachable: the head ages out and pulls ask the database, which answers 503.
      .catch(() => {})
      .finally(() => {
        this.#reading = null;
      });
  }

  /** Resolves once no head read is under way and the LISTEN, if any, has started (tests). */
  async settled(): Promise<void> {
    await Promise.all([this.#reading, this.#listen]);
  }
}

function deviceKey(d: DeviceKey): string {
  return `${d.clientId}\u0000${d.userId}`;
}

function keep<V>(map: Map<string, V>, key: string, value: V): void {
  if (map.size >= KEPT) map.delete(map.keys().next().value!);
  map.set(key, value);
}
