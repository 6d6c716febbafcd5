/**
 * Runs every row of the rules table (`rules.table.ts`) through `decide` and `applyPatch`, as
 * the server does (R6: a change redirected from a merged case is decided again on the
 * surviving case, judged on the case the device worked on). The same rows run against the
 * server on PostgreSQL in `sync-server/src/sync/rules-table.pg.test.ts`.
 */
import { describe, expect, it } from 'vitest';
import { Mutation, MUTATION_KINDS } from '../sync/mutation.ts';
import { applyPatch, decide, MAX_REDIRECTS, type CaseFacts, type DecideContext, type Decision } from './rules.ts';
import {
  APPLIES,
  CALLERS,
  CREW_DEPARTMENTS,
  RULES_TABLE,
  TYPES,
  caseStart,
  expectedCase,
  historyChain,
  resolve,
  type CaseName,
  type RowEnv,
  type TableRow,
  type TypeCode,
} from './rules.table.ts';

const NOW = '2026-06-10T12:00:00.000Z';
const TODAY = '2026-06-10';
const IDS = {
  self: '7001',
  b: '7002',
  c: '7003',
  d: '7004',
  e: '7005',
  f: '7006',
  g: '7007',
  h: '7008',
  missing: '999999999999',
};

function envFor(): RowEnv {
  const photos = new Map<string, string>();
  return {
    caseIds: IDS,
    photoId: (name) => {
      if (!photos.has(name)) photos.set(name, crypto.randomUUID());
      return photos.get(name)!;
    },
    at: NOW,
    today: TODAY,
  };
}

type TypedCase = CaseFacts & { type: TypeCode };

/** The mutation as the device sends it. */
function mutationOf(r: TableRow, env: RowEnv): Mutation {
  return Mutation.parse({
    id: '01890a5d-ac96-774b-bcce-b302099a8058',
    clientId: 'table-tablet',
    seq: 1,
    caseId: IDS.self,
    baseVersion: r.seen?.version ?? r.start.version,
    deviceTime: NOW,
    kind: r.kind,
    payload: resolve(r.payload, env),
  });
}

/** Decides a row as the server does; returns the final decision, where it was made, and the redirects. */
function run(r: TableRow, env: RowEnv): { decision: Decision; target: TypedCase; chain: string[]; hops: Decision[] } {
  const cases = new Map<string, TypedCase>();
  for (const name of ['self', ...Object.keys(r.others ?? {})] as CaseName[]) {
    const { type, ...facts } = resolve(caseStart(r, name), env);
    cases.set(IDS[name], { ...facts, id: IDS[name], type });
  }
  const photos = new Map(
    (r.photos ?? []).map((p) => [resolve<string>(p.name, env), { caseId: IDS[p.on], kind: p.kind }]),
  );
  const { actor } = CALLERS[r.caller];
  const self = cases.get(IDS.self)!;
  // The server looks up the crew at the device's base version for a worker whose crew the case is not now.
  const crewAtBaseVersion =
    actor.role === 'worker' && self.crewId !== actor.crewId ? (r.seen ? r.seen.crewId : self.crewId) : null;
  const m = mutationOf(r, env);
  const department = (c: TypedCase) => TYPES[c.type].departmentId;
  let target = self;
  let from: TypedCase | undefined;
  const chain: string[] = [];
  const hops: Decision[] = [];
  for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
    const ctx: DecideContext = {
      actor,
      crewAtBaseVersion,
      crewDepartment: (id) => CREW_DEPARTMENTS[id],
      now: NOW,
      today: TODAY,
      otherCase: (id) => {
        const c = cases.get(id);
        return c && { departmentId: department(c), mergedIntoId: c.mergedIntoId };
      },
      photo: (id) => photos.get(id),
      ...(from ? { redirectedFrom: { id: from.id, crewId: from.crewId, departmentId: department(from) } } : {}),
    };
    const d = decide(target, m, TYPES[target.type], ctx);
    chain.push(target.id);
    if (!d.redirectTo) return { decision: d, target, chain, hops };
    const next = cases.get(d.redirectTo);
    if (!next) throw new Error(`${r.name}: redirected to a case the row does not have`);
    hops.push(d);
    from ??= target;
    target = next;
  }
  throw new Error(`${r.name}: redirected more than ${MAX_REDIRECTS} times`);
}

describe('the rules table', () => {
  it('names every row once, citing its first rule', () => {
    const names = RULES_TABLE.map((r) => r.name);
    expect(new Set(names).size).toBe(names.length);
    for (const r of RULES_TABLE) expect(r.name.startsWith(`[${r.rules[0]}] `), r.name).toBe(true);
  });

  it('has rows for every mutation kind and every rule that applies to it', () => {
    const missing = MUTATION_KINDS.flatMap((kind) =>
      APPLIES[kind]
        .filter((rule) => !RULES_TABLE.some((r) => r.kind === kind && r.rules.includes(rule)))
        .map((rule) => `${kind} ${rule}`),
    );
    expect(missing).toEqual([]);
  });

  it('says of each row whether the lead is told in a way that fits its outcome', () => {
    for (const r of RULES_TABLE) {
      const { outcome, lead } = r.expect;
      if (lead === 'not-applied') expect(['superseded', 'rejected'], r.name).toContain(outcome);
      if (lead === 'none') expect(['applied', 'merged'], r.name).toContain(outcome);
      if (outcome === 'superseded' || outcome === 'rejected') {
        expect(r.expect.version, r.name).toBe('same');
        expect(r.expect.notices, r.name).toEqual([]);
      }
    }
  });
});

describe('decide, row by row', () => {
  for (const r of RULES_TABLE) {
    it(r.name, () => {
      const env = envFor();
      const e = r.expect;
      const { decision: d, target, chain, hops } = run(r, env);

      expect({ outcome: d.outcome, reason: d.reason }).toEqual({ outcome: e.outcome, reason: e.reason });
      // R6: where it landed, and the redirect notes left on the way.
      expect(chain).toEqual(historyChain(r).map((n) => IDS[n]));
      for (const hop of hops) {
        expect(hop).toMatchObject({ outcome: 'merged', reason: 'landed-on-surviving-case', patch: {}, notices: [] });
        expect(hop.leadNotice).toBeNull();
      }

      // The case afterwards: the row's changes, every other field as it was, the version moved or not.
      const { type: _type, id: _id, ...after } = applyPatch(target, d);
      const want = expectedCase(r, env);
      if (e.route?.op === 'move') want.routePosition = e.route.position;
      expect(after).toEqual(want);
      expect(d.route).toEqual(e.route ? resolve(e.route, env) : null);

      // R10: the resident notices; the lead's inbox.
      expect(d.notices).toEqual(e.notices);
      if (e.lead === 'crossed-path') expect(d.leadNotice).toEqual(expect.any(String));
      else expect(d.leadNotice).toBeNull();

      // R9: the history entry; a change that did not take keeps its payload and says why.
      if (e.event) expect(d.event).toMatchObject(resolve(e.event, env));
      if (d.outcome === 'superseded' || d.outcome === 'rejected') {
        expect(d.event.kind).toBe(r.kind);
        expect(d.event.data).toMatchObject({ ...resolve(r.payload, env), outcome: d.outcome, reason: d.reason });
        expect(d.patch).toEqual({});
      }

      // R1: the same change decided again on the same case decides the same.
      if (r.rules.includes('R1')) expect(run(r, env).decision).toEqual(d);
    });
  }
});
