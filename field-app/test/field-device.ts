/// <reference lib="dom" />
// (The field app's modules are browser code: `window`, `navigator.onLine`… A server test that
// imports this file type-checks them with the DOM's declarations.)
/**
 * A field device played in Node, for tests against a real sync server: the app's own outbox
 * (`#lib/db/outbox.ts`), sync store, optimistic view and sync loop (`#lib/sync/engine.ts`), on
 * its own in-memory IndexedDB (a fake-indexeddb `IDBFactory` of its own), signed in as one
 * person, talking HTTP to the server.
 *
 * Several devices live in one process. The app's modules use one database (`db()`), the
 * global `fetch` with relative URLs and a session cookie, and `navigator.onLine`; each step of
 * a device (`make`, `sync`, reads) switches all three to that device's for its duration, so
 * steps of different devices must not overlap (they throw if they do).
 *
 * Faults: `sync(fault, at)` loses the `at`-th sync request of that sync (`/api/sync/…`, push or
 * pull, counted from 0): `lost-before` never reaches the server, `lost-after` reaches it and its
 * answer is thrown away. Either way the app sees no answer, as on a dropped connection. A lost
 * push can be delivered again later (`replayLost`): the network duplicating a request.
 */
import { IDBFactory, IDBKeyRange } from 'fake-indexeddb';
import type { CaseRecord, Mutation, MutationKind, Outcome, PayloadOf, SessionResponse } from '@fieldfix/shared';
import type { ApiFailure } from '#lib/api/index.ts';
import { FieldfixDb, setDb, type OutcomeRow, type PendingRow } from '#lib/db/database.ts';
import { addPending } from '#lib/db/outbox.ts';
import { saveSession } from '#lib/db/index.ts';
import { syncEngine } from '#lib/sync/engine.ts';
import { actorOf, bridging, project } from '#lib/sync/optimistic.ts';

export type Fault = 'none' | 'lost-before' | 'lost-after';

/** What the device holds, read from its database. */
export interface DeviceState {
  /** Server truth as last pulled. */
  cases: CaseRecord[];
  /** The outbox, in `seq` order. */
  pending: PendingRow[];
  outcomes: OutcomeRow[];
}

/** The device whose step is running, if any. */
let active: { name: string; online(): boolean } | null = null;

// The browser's `navigator.onLine`, for the device whose step runs (Node has none).
Object.defineProperty(globalThis.navigator, 'onLine', {
  configurable: true,
  get: () => active?.online() ?? true,
});

let devices = 0;

export class FieldDevice {
  readonly name: string;
  readonly session: SessionResponse;
  /** Off: every request fails as with no network, and `sync` does nothing (the app waits for `online`). */
  online = true;
  /** Every mutation this device made, in order. */
  readonly made: Mutation[] = [];
  /** Every outcome the server sent this device (push answers, lost ones included, and pulls). */
  readonly heard = new Map<string, Outcome>();
  /** Two different answers for one mutation (R1 says a replay gets the original, byte for byte). */
  readonly conflicts: string[] = [];

  readonly #db: FieldfixDb;
  readonly #baseUrl: string;
  readonly #token: string;
  /** Faults for the next sync requests, in order (`'none'` lets one through). */
  #plan: Fault[] = [];
  /** The last push whose answer the device never got, to be delivered again. */
  #lost: { url: string; body: string; headers: Headers } | null = null;

  private constructor(name: string, baseUrl: string, token: string, session: SessionResponse) {
    this.name = name;
    this.#baseUrl = baseUrl;
    this.#token = token;
    this.session = session;
    this.#db = new FieldfixDb({ name: `fieldfix-${++devices}`, indexedDB: new IDBFactory(), IDBKeyRange });
  }

  /** A device with an empty database, `session`'s person signed in (bearer `token`). */
  static async signIn(name: string, baseUrl: string, token: string, session: SessionResponse): Promise<FieldDevice> {
    const d = new FieldDevice(name, baseUrl, token, session);
    await d.#step(() => saveSession(session));
    return d;
  }

  /** Records a change as the app does (`addPending`: durable in the outbox); null when the device does not hold the case. */
  async make<K extends MutationKind>(kind: K, caseId: string, payload: PayloadOf<K>): Promise<Mutation | null> {
    return this.#step(async () => {
      if (!(await this.#db.cases.get(caseId))) return null; // the app only offers cases it holds
      const row = await addPending(kind, caseId, payload);
      this.made.push(row.mutation);
      return row.mutation;
    });
  }

  /**
   * One run of the app's sync loop (push, pull, uploads, prune), losing the `at`-th sync
   * request when `fault` says so. Offline, nothing happens. Throws when the sync fails for any
   * other reason than the injected fault (an error answer, something it could not store…).
   */
  async sync(fault: Fault = 'none', at = 0): Promise<void> {
    if (!this.online) return;
    this.#plan = fault === 'none' ? [] : [...Array<Fault>(at).fill('none'), fault];
    const injected = this.#plan.length > 0;
    try {
      await this.#step(() => syncEngine.syncOnce(this.session));
    } catch (err) {
      const failure = (err as { failure?: ApiFailure }).failure;
      if (!(injected && failure?.kind === 'network' && this.#plan.length === 0)) {
        throw new Error(`${this.name}: sync failed: ${failure ? JSON.stringify(failure) : String(err)}`, {
          cause: err,
        });
      }
    } finally {
      this.#plan = [];
    }
  }

  /** Delivers the last push whose answer was lost once more; the device never hears this answer either. */
  async replayLost(): Promise<void> {
    const lost = this.#lost;
    if (!this.online || !lost) return;
    this.#lost = null;
    const res = await fetch(lost.url, { method: 'POST', headers: lost.headers, body: lost.body });
    if (res.status !== 200)
      throw new Error(`${this.name}: a replayed push answered ${res.status}: ${await res.text()}`);
    this.#hear(((await res.json()) as { outcomes: Outcome[] }).outcomes);
  }

  /** What the device holds now. */
  state(): Promise<DeviceState> {
    return this.#step(async () => {
      const d = this.#db;
      const [cases, pending, outcomes] = await Promise.all([
        d.cases.toArray(),
        d.pending.orderBy('seq').toArray(),
        d.outcomes.toArray(),
      ]);
      return { cases, pending, outcomes };
    });
  }

  /**
   * What the device shows: each case with the device's changes replayed on top (pending ones,
   * and applied ones the pull has not brought yet), as the day list computes it.
   */
  async view(): Promise<CaseRecord[]> {
    const { cases, pending, outcomes } = await this.state();
    const types = new Map((await this.#step(() => this.#db.serviceTypes.toArray())).map((t) => [t.code, t]));
    const applied = outcomes.filter((o) => o.outcome === 'applied' || o.outcome === 'merged');
    return cases.map((c) => {
      const queued = [
        ...bridging(c, applied),
        ...pending
          .filter((p) => p.caseId === c.id)
          .map((p) => ({ seq: p.seq, mutation: p.mutation, acknowledged: false })),
      ];
      if (queued.length === 0) return c;
      return project(c, queued, types.get(c.serviceCode), actorOf(this.session), this.session.cityTimeZone).record;
    });
  }

  /** Closes the device's database (its IndexedDB goes with the device). */
  discard(): void {
    this.#db.close();
  }

  /** Runs `fn` as this device: its database, its `fetch`, its `navigator.onLine`. */
  async #step<T>(fn: () => Promise<T>): Promise<T> {
    if (active) throw new Error(`${this.name}: a step of ${active.name} is still running`);
    const saved = globalThis.fetch;
    active = { name: this.name, online: () => this.online };
    setDb(this.#db);
    globalThis.fetch = (input, init) => this.#fetch(saved, input, init);
    try {
      return await fn();
    } finally {
      globalThis.fetch = saved;
      setDb(undefined);
      active = null;
    }
  }

  /**
   * The browser's `fetch` for this device: relative URLs go to the server, the session rides
   * along (a bearer token where the browser would send its cookie), and planned faults strike.
   */
  async #fetch(real: typeof fetch, input: RequestInfo | URL, init: RequestInit = {}): Promise<Response> {
    const url = new URL(input instanceof Request ? input.url : String(input), this.#baseUrl);
    if (!this.online) throw new TypeError('fetch failed (offline)');
    const headers = new Headers(init.headers);
    headers.set('authorization', `Bearer ${this.#token}`);
    const isSync = url.pathname.startsWith('/api/sync/');
    const isPush = url.pathname === '/api/sync/push';
    const isPull = url.pathname === '/api/sync/pull';
    const fault = isSync ? (this.#plan.shift() ?? 'none') : 'none';
    if (isPush && fault !== 'none') this.#lost = { url: url.href, body: String(init.body), headers };
    if (fault === 'lost-before') throw new TypeError('fetch failed (lost before the server)');
    const res = await real(url, { ...init, headers });
    if ((isPush || isPull) && res.status === 200) {
      this.#hear(((await res.clone().json()) as { outcomes: Outcome[] }).outcomes);
    }
    if (fault === 'lost-after') {
      await res.arrayBuffer();
      throw new TypeError('fetch failed (the answer was lost)');
    }
    return res;
  }

  #hear(outcomes: Outcome[]): void {
    for (const o of outcomes) {
      const before = this.heard.get(o.mutationId);
      if (before && JSON.stringify(before) !== JSON.stringify(o)) {
        this.conflicts.push(`${o.mutationId}: ${JSON.stringify(before)} then ${JSON.stringify(o)}`);
      }
      this.heard.set(o.mutationId, o);
    }
  }
}
