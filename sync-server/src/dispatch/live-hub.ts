/**
 * The dispatch board's live feed between server instances. A writer publishes what changed
 * (cases of a department, a crew that synced); every board of that department connected to
 * any instance hears it within a moment.
 *
 * On PostgreSQL the message goes through NOTIFY on one channel and each instance LISTENs on
 * one connection of its own, so instances behind a load balancer share the feed and nothing
 * is kept in memory across requests. NOTIFY is sent by whoever publishes after their commit;
 * a notification is delivered to listeners, this instance's included, only once the
 * statement that sent it commits. Embedded PGlite does not deliver notifications (see
 * TOOLCHAIN.md), and it only ever serves one process: there the hub is an in-process emitter.
 */
import { LiveEvent } from '@fieldfix/shared';
import type { DatabaseKind, Sql } from '../db/database.ts';

export const LIVE_CHANNEL = 'fieldfix_dispatch';
/** PostgreSQL refuses a NOTIFY payload of 8000 bytes or more; stay well under it. */
export const MAX_PAYLOAD_BYTES = 7000;

export type LiveMessage = { departmentId: string; event: LiveEvent };
type Listener = (event: LiveEvent) => void;

export interface LiveHub {
  /** Sends `messages` to every board of their departments, on every instance. Never throws. */
  publish(messages: LiveMessage[]): Promise<void>;
  /** Calls `fn` with each event of `departmentId` from now on; resolves once listening. */
  subscribe(departmentId: string, fn: Listener): Promise<() => void>;
  /** How many boards listen here (tests, metrics). */
  readonly listeners: number;
}

const hubs = new WeakMap<Sql, LiveHub>();

/** The hub of a database connection pool: one per pool, so one LISTEN connection per instance. */
export function liveHub(sql: Sql, kind: DatabaseKind, log?: { warn(msg: string): void }): LiveHub {
  let hub = hubs.get(sql);
  if (!hub) {
    hub = kind === 'postgres' ? new NotifyHub(sql, log) : new LocalHub();
    hubs.set(sql, hub);
  }
  return hub;
}

/**
 * Splits a message whose case ids would not fit one NOTIFY payload into several, each under
 * MAX_PAYLOAD_BYTES (a push of a thousand changes still reaches the board, in parts).
 */
export function fitPayloads(message: LiveMessage): string[] {
  const whole = encode(message);
  if (Buffer.byteLength(whole) <= MAX_PAYLOAD_BYTES || message.event.type !== 'cases') return [whole];
  const { caseIds, cursor } = message.event;
  const out: string[] = [];
  let part: string[] = [];
  const base = Buffer.byteLength(encode({ ...message, event: { type: 'cases', caseIds: [], cursor } }));
  let size = base;
  for (const id of caseIds) {
    const add = Buffer.byteLength(JSON.stringify(id)) + 1;
    if (size + add > MAX_PAYLOAD_BYTES && part.length > 0) {
      out.push(encode({ ...message, event: { type: 'cases', caseIds: part, cursor } }));
      part = [];
      size = base;
    }
    part.push(id);
    size += add;
  }
  if (part.length > 0) out.push(encode({ ...message, event: { type: 'cases', caseIds: part, cursor } }));
  return out;
}

function encode(m: LiveMessage): string {
  return JSON.stringify({ d: m.departmentId, e: m.event });
}

/** A payload as received; anything else on the channel (another version's, a stray NOTIFY) is ignored. */
export function decode(payload: string): LiveMessage | null {
  try {
    const raw = JSON.parse(payload) as { d?: unknown; e?: unknown };
    const event = LiveEvent.safeParse(raw.e);
    if (typeof raw.d !== 'string' || !event.success) return null;
    return { departmentId: raw.d, event: event.data };
  } catch {
    return null;
  }
}

/** Boards by department, and the one place events reach them. */
class Subscribers {
  #byDepartment = new Map<string, Set<Listener>>();
  count = 0;

  add(departmentId: string, fn: Listener): () => void {
    let set = this.#byDepartment.get(departmentId);
    if (!set) this.#byDepartment.set(departmentId, (set = new Set()));
    const entry: Listener = (e) => fn(e); // its own identity: the same function may subscribe twice
    set.add(entry);
    this.count++;
    let removed = false;
    return () => {
      if (removed) return;
      removed = true;
      set.delete(entry);
      if (set.size === 0) this.#byDepartment.delete(departmentId);
      this.count--;
    };
  }

  deliver(m: LiveMessage): void {
    for (const fn of this.#byDepartment.get(m.departmentId) ?? []) {
      try {
        fn(m.event);
      } catch {
        // One board's broken stream must not keep the event from the others.
      }
    }
  }
}

class LocalHub implements LiveHub {
  #subs = new Subscribers();
  get listeners() {
    return this.#subs.count;
  }
  async publish(messages: LiveMessage[]): Promise<void> {
    // Through the same encoding as NOTIFY, so both paths deliver exactly the same events.
    for (const m of messages)
      for (const p of fitPayloads(m)) {
        const decoded = decode(p);
        if (decoded) this.#subs.deliver(decoded);
      }
  }
  async subscribe(departmentId: string, fn: Listener): Promise<() => void> {
    return this.#subs.add(departmentId, fn);
  }
}

class NotifyHub implements LiveHub {
  #subs = new Subscribers();
  /** The LISTEN, started with the first board and kept while any board listens. */
  #listening: Promise<{ unlisten(): Promise<void> }> | null = null;
  readonly #sql: Sql;
  readonly #log: { warn(msg: string): void } | undefined;

  constructor(sql: Sql, log?: { warn(msg: string): void }) {
    this.#sql = sql;
    this.#log = log;
  }

  get listeners() {
    return this.#subs.count;
  }

  async publish(messages: LiveMessage[]): Promise<void> {
    const payloads = messages.flatMap(fitPayloads);
    if (payloads.length === 0) return;
    try {
      // One statement for the lot: one round trip, delivered together.
      await this.#sql`select pg_notify(${LIVE_CHANNEL}, p) from unnest(${payloads}::text[]) as p`;
    } catch (err) {
      // The change itself is committed; a board that misses the news refetches on its own.
      this.#log?.warn(`dispatch live: NOTIFY failed: ${(err as Error).message}`);
    }
  }

  async subscribe(departmentId: string, fn: Listener): Promise<() => void> {
    const remove = this.#subs.add(departmentId, fn);
    try {
      this.#listening ??= this.#sql.listen(LIVE_CHANNEL, (payload) => {
        const m = decode(payload);
        if (m) this.#subs.deliver(m);
      });
      await this.#listening;
    } catch (err) {
      remove();
      this.#listening = null;
      throw err;
    }
    return () => {
      remove();
      if (this.#subs.count === 0 && this.#listening) {
        // The last board left: give the connection back. A board arriving meanwhile
        // starts a new LISTEN (the old one's unlisten does not touch it).
        const listening = this.#listening;
        this.#listening = null;
        void listening.then((l) => l.unlisten()).catch(() => {});
      }
    };
  }
}
