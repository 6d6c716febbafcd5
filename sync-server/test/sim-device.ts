import { v7 as uuidv7 } from 'uuid';
import {
  PROTOCOL_HEADER,
  PROTOCOL_VERSION,
  applyPatch,
  decide,
  type Actor,
  type CaseRecord,
  type Mutation,
  type Outcome,
  type PullResponse,
  type TypeRules,
} from '@fieldfix/shared';

export type Fault = 'none' | 'lost-before' | 'lost-after';

/**
 * A simulated field device, as the field app behaves: a durable outbox of pending mutations,
 * the server's cases as last pulled, an optimistic view (the shared rules replayed over the
 * server state), and push-then-pull sync over real HTTP that can lose a request before or
 * after the server commits it.
 */
export class SimDevice {
  readonly clientId = `sim-${uuidv7()}`;
  seq = 0;
  cursor = '0';
  online = true;
  readonly cases = new Map<string, CaseRecord>();
  pending: Mutation[] = [];
  /** Every outcome the server acknowledged to this device, by mutation id. */
  readonly acks = new Map<string, Outcome>();
  /** Every mutation this device ever made. */
  readonly made: Mutation[] = [];
  /** Cases that left the scope while the device still had work on them: dropped once it syncs. */
  readonly departed = new Set<string>();
  /** A batch whose response was lost, to be delivered again later (a duplicate on the wire). */
  lastBatch: Mutation[] = [];

  readonly name: string;
  readonly baseUrl: string;
  readonly token: string;
  readonly actor: Actor;
  readonly types: Map<string, TypeRules>;

  constructor(name: string, baseUrl: string, token: string, actor: Actor, types: Map<string, TypeRules>) {
    this.name = name;
    this.baseUrl = baseUrl;
    this.token = token;
    this.actor = actor;
    this.types = types;
  }

  private headers(json = false): Record<string, string> {
    return {
      authorization: `Bearer ${this.token}`,
      [PROTOCOL_HEADER]: String(PROTOCOL_VERSION),
      ...(json ? { 'content-type': 'application/json' } : {}),
    };
  }

  /** The device's optimistic view of a case: server state with its pending changes replayed. */
  view(id: string): CaseRecord | undefined {
    let c = this.cases.get(id);
    if (!c) return undefined;
    for (const m of this.pending) {
      if (m.caseId !== id) continue;
      const rules = this.types.get(c.serviceCode);
      if (!rules) continue;
      const d = decide(c, m, rules, {
        actor: this.actor,
        crewAtBaseVersion: this.actor.crewId,
        crewDepartment: () => this.actor.departmentId ?? undefined,
        now: new Date().toISOString(),
        today: new Date().toISOString().slice(0, 10),
      });
      if (d.outcome === 'applied') c = applyPatch(c, d);
    }
    return c;
  }

  /** Records a change on the device (durable at once, like the app's Dexie outbox). */
  make(kind: Mutation['kind'], caseId: string, payload: unknown): Mutation {
    const m = {
      id: uuidv7(),
      clientId: this.clientId,
      seq: this.seq++,
      caseId,
      baseVersion: this.cases.get(caseId)?.version ?? 0,
      deviceTime: new Date().toISOString(),
      kind,
      payload,
    } as Mutation;
    this.pending.push(m);
    this.made.push(m);
    return m;
  }

  /** Push everything pending, then pull to the head; `fault` loses the push on the way. */
  async sync(fault: Fault = 'none'): Promise<void> {
    if (!this.online) return;
    if (this.pending.length > 0) {
      const batch = this.pending.slice(0, 500);
      if (fault === 'lost-before') return; // never reached the server
      const res = await fetch(`${this.baseUrl}/api/sync/push`, {
        method: 'POST',
        headers: this.headers(true),
        body: JSON.stringify({ clientId: this.clientId, mutations: batch }),
      });
      if (res.status !== 200) throw new Error(`${this.name}: push answered ${res.status}: ${await res.text()}`);
      const { outcomes } = (await res.json()) as { outcomes: Outcome[] };
      if (fault === 'lost-after') {
        this.lastBatch = batch; // committed on the server, but the device never heard
        return;
      }
      this.acknowledge(outcomes);
    }
    await this.pullToHead();
  }

  /** Delivers the last lost batch again (the network duplicating a request). */
  async replayLost(): Promise<void> {
    if (!this.online || this.lastBatch.length === 0) return;
    const res = await fetch(`${this.baseUrl}/api/sync/push`, {
      method: 'POST',
      headers: this.headers(true),
      body: JSON.stringify({ clientId: this.clientId, mutations: this.lastBatch }),
    });
    if (res.status !== 200) throw new Error(`${this.name}: replay answered ${res.status}`);
    this.acknowledge(((await res.json()) as { outcomes: Outcome[] }).outcomes);
    this.lastBatch = [];
  }

  private acknowledge(outcomes: Outcome[]): void {
    for (const o of outcomes) {
      const before = this.acks.get(o.mutationId);
      if (before && JSON.stringify(before) !== JSON.stringify(o)) {
        throw new Error(`${this.name}: mutation ${o.mutationId} got two different outcomes`);
      }
      this.acks.set(o.mutationId, o);
    }
    const done = new Set(outcomes.map((o) => o.mutationId));
    this.pending = this.pending.filter((m) => !done.has(m.id));
    for (const id of this.departed) {
      if (!this.pending.some((m) => m.caseId === id)) {
        this.cases.delete(id);
        this.departed.delete(id);
      }
    }
  }

  async pullToHead(): Promise<void> {
    for (;;) {
      const res = await fetch(
        `${this.baseUrl}/api/sync/pull?cursor=${this.cursor}&limit=200&clientId=${this.clientId}`,
        { headers: this.headers() },
      );
      if (res.status !== 200) throw new Error(`${this.name}: pull answered ${res.status}: ${await res.text()}`);
      const page = (await res.json()) as PullResponse;
      for (const c of page.cases) {
        this.cases.set(c.id, c);
        this.departed.delete(c.id);
      }
      for (const id of page.departures) {
        if (this.pending.some((m) => m.caseId === id)) this.departed.add(id);
        else this.cases.delete(id);
      }
      this.acknowledge(page.outcomes);
      this.cursor = page.cursor;
      if (!page.hasMore) return;
    }
  }
}
