import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CASE_STATES, PRIORITIES } from '../domain/lifecycle.ts';
import { FIELD_KINDS, LEAD_KINDS, type Mutation } from '../sync/mutation.ts';
import {
  applyPatch,
  decide,
  describeOutcome,
  type Actor,
  type CaseFacts,
  type DecideContext,
  type TypeRules,
} from './rules.ts';

const rules: TypeRules = {
  departmentId: 'streets',
  photoRequiredOnFix: false,
  resolutionCodes: [{ code: 'patched', label: 'Patched' }],
  holdReasons: [{ code: 'weather', label: 'Weather' }],
  closeReasons: [{ code: 'duplicate', label: 'Duplicate' }],
};
const crews: Record<string, string> = { a: 'streets', b: 'streets', f: 'forestry' };
const worker: Actor = { userId: 'w', role: 'worker', crewId: 'a', departmentId: 'streets' };
const lead: Actor = { userId: 'l', role: 'lead', crewId: null, departmentId: 'streets' };

function ctx(actor: Actor, crewAtBaseVersion: string | null = actor.crewId): DecideContext {
  return {
    actor,
    crewAtBaseVersion,
    crewDepartment: (id) => crews[id],
    now: '2026-06-10T12:00:00.000Z',
    today: '2026-06-10',
  };
}

function kase(over: Partial<CaseFacts> = {}): CaseFacts {
  return {
    id: '7',
    state: 'assigned',
    crewId: 'a',
    assignedDay: '2026-06-10',
    routePosition: 1,
    priority: 'normal',
    expectedAt: null,
    holdReason: null,
    resolutionCode: null,
    closeReason: null,
    statusNotes: null,
    mergedIntoId: null,
    cancelled: false,
    closedAt: null,
    version: 3,
    ...over,
  };
}

const PAYLOADS: { [K in Mutation['kind']]: Extract<Mutation, { kind: K }>['payload'] } = {
  start: {},
  hold: { reason: 'weather' },
  resume: {},
  add_note: { text: 'note' },
  attach_photo: {
    photoId: '01890a5d-ac96-774b-bcce-b302099a8057',
    tag: 'after',
    contentType: 'image/jpeg',
    byteSize: 1,
    width: 1,
    height: 1,
    takenAt: null,
    lat: null,
    long: null,
  },
  fix: { resolutionCode: 'patched', note: '', photoIds: [] },
  close_not_fixed: { reason: 'duplicate', note: '' },
  transfer_request: { departmentId: null, reason: 'wrong department' },
  assign: { crewId: 'b', day: '2026-06-10', position: null },
  unassign: {},
  reorder: { position: 2 },
  set_priority: { priority: 'high' },
  set_due: { expectedAt: null },
  merge_duplicate: { intoCaseId: '8' },
  cancel: { reason: 'duplicate', note: '' },
  reopen: { reason: 'still broken' },
};

function mutation<K extends Mutation['kind']>(
  kind: K,
  payload: Extract<Mutation, { kind: K }>['payload'] = PAYLOADS[kind] as never,
): Mutation {
  return {
    id: '01890a5d-ac96-774b-bcce-b302099a8058',
    clientId: 'd',
    seq: 0,
    caseId: '7',
    baseVersion: 3,
    deviceTime: '2026-06-10T11:00:00.000Z',
    kind,
    payload,
  } as Mutation;
}

describe('decide', () => {
  it('[R9] always leaves exactly one history entry and a consistent outcome, for any state and change', () => {
    const facts = fc.record({
      state: fc.constantFrom(...CASE_STATES),
      crewId: fc.constantFrom('a', 'b', 'f', null),
      priority: fc.constantFrom(...PRIORITIES),
      mergedIntoId: fc.constantFrom(null, '8'),
      cancelled: fc.boolean(),
    });
    const kind = fc.constantFrom(...FIELD_KINDS, ...LEAD_KINDS);
    const who = fc.constantFrom(worker, lead, { ...worker, crewId: 'b' }, {
      userId: 'x',
      role: 'admin',
      crewId: null,
      departmentId: null,
    } as Actor);
    fc.assert(
      fc.property(facts, kind, who, fc.constantFrom('a', 'b', null), (f, k, actor, atBase) => {
        const c = kase(f);
        const d = decide(c, mutation(k), rules, ctx(actor, atBase));
        expect(d.event.kind.length).toBeGreaterThan(0);
        if (d.outcome === 'rejected' || d.outcome === 'superseded') {
          expect(d.reason).not.toBeNull();
          expect(d.patch).toEqual({});
          expect(d.notices).toEqual([]);
        }
        if (d.outcome === 'applied') expect(d.reason).toBeNull();
        const next = applyPatch(c, d);
        expect(next.version - c.version).toBe(Object.keys(d.patch).length > 0 || d.route ? 1 : 0);
        if (next.state === 'fixed' && c.state !== 'fixed') expect(d.notices).toContain('fixed');
        expect(describeOutcome(k, c.id, d.outcome, d.reason)).toMatch(new RegExp(`case #${c.id}`));
      }),
      { numRuns: 2000, seed: 311 },
    );
  });

  it('[R6] a merge of a case into itself is refused, in words that say so', () => {
    const c = kase({});
    const m = { ...mutation('merge_duplicate'), payload: { intoCaseId: c.id } } as Mutation;
    const d = decide(c, m, rules, ctx(lead, null));
    expect(d).toMatchObject({ outcome: 'rejected', reason: 'invalid-payload' });
    expect(describeOutcome('merge_duplicate', c.id, d.outcome, d.reason)).toBe(
      `Merge on case #${c.id} refused: a case cannot be merged into itself.`,
    );
    // Other refusals keep their own words, a merge's too.
    expect(describeOutcome('merge_duplicate', c.id, 'rejected', 'not-your-department')).toBe(
      `Merge on case #${c.id} refused: the case belongs to another department.`,
    );
    expect(describeOutcome('cancel', c.id, 'rejected', 'invalid-payload')).toBe(
      `Cancellation on case #${c.id} refused: a value in it is not one the case type accepts.`,
    );
  });

  it('[R8] a worker may work a case that was theirs when the device last saw it, not one that never was', () => {
    const moved = kase({ crewId: 'b' });
    expect(decide(moved, mutation('add_note'), rules, ctx(worker, 'a')).outcome).toBe('applied');
    expect(decide(moved, mutation('add_note'), rules, ctx(worker, 'b')).reason).toBe('not-your-crew');
    expect(decide(kase(), mutation('set_priority'), rules, ctx(worker)).reason).toBe('role-not-allowed');
  });

  it('[R2] a fix on a case moved away returns it to the crew that did the work and tells the lead', () => {
    const d = decide(kase({ crewId: 'b' }), mutation('fix'), rules, ctx(worker, 'a'));
    expect(d.outcome).toBe('applied');
    expect(d.patch).toMatchObject({ state: 'fixed', crewId: 'a' });
    expect(d.leadNotice).toMatch(/move is superseded/);
  });

  it("[R2] a fix on a case the lead unassigned meanwhile puts it on the crew's day in the city", () => {
    const d = decide(kase({ crewId: null, assignedDay: null, state: 'new' }), mutation('fix'), rules, {
      ...ctx(worker, 'a'),
      now: '2026-06-11T02:00:00.000Z',
      today: '2026-06-10',
    });
    expect(d.patch).toMatchObject({ state: 'fixed', crewId: 'a', assignedDay: '2026-06-10' });
  });

  it("[R2] a lead's move made before the crew's start could be seen leaves the job with that crew, and says so", () => {
    const started = { ...ctx(lead), fieldWorkSinceBase: true };
    const move = decide(kase({ state: 'in_progress' }), mutation('assign'), rules, started);
    expect([move.outcome, move.reason, move.patch]).toEqual(['superseded', 'invalid-transition', {}]);
    expect(move.leadNotice).toMatch(/^Your move of case #7 was made before you could see that its crew started it/);
    const held = decide(kase({ state: 'on_hold' }), mutation('unassign'), rules, started);
    expect([held.outcome, held.reason]).toEqual(['superseded', 'invalid-transition']);
    expect(held.leadNotice).toMatch(/Your unassignment of case #7 .* started it and put it on hold/);
    // Moved within its own crew (another day), or by a lead who saw it under way: applied.
    const sameCrew = { crewId: 'a', day: '2026-06-11', position: null };
    expect(decide(kase({ state: 'in_progress' }), mutation('assign', sameCrew), rules, started).outcome).toBe(
      'applied',
    );
    expect(decide(kase({ state: 'in_progress' }), mutation('assign'), rules, ctx(lead)).outcome).toBe('applied');
    expect(decide(kase({ state: 'in_progress' }), mutation('unassign'), rules, ctx(lead)).outcome).toBe('applied');
  });

  it('[R3] a second fix is duplicate work with no second notice', () => {
    const d = decide(kase({ state: 'fixed' }), mutation('fix'), rules, ctx(worker));
    expect([d.outcome, d.reason, d.notices]).toEqual(['merged', 'duplicate-work', []]);
    expect(d.event.data).toMatchObject({ duplicate: true });
  });

  it('[R3][R5] a fix or close done before the case was reopened does not close it again; one after does', () => {
    const reopened = { ...ctx(worker), now: '2026-06-10T10:00:00.000Z', reopenedAt: '2026-06-10T12:00:00.000Z' };
    const fix = decide(kase(), mutation('fix'), rules, reopened);
    expect([fix.outcome, fix.reason, fix.patch, fix.notices]).toEqual(['merged', 'duplicate-work', {}, []]);
    expect(fix.event.data).toMatchObject({ duplicate: true });
    expect(fix.leadNotice).toMatch(/^A fix of case #7 recorded in the field before the case was reopened/);
    const close = decide(kase(), mutation('close_not_fixed'), rules, reopened);
    expect([close.outcome, close.reason, close.patch]).toEqual(['superseded', 'invalid-transition', {}]);
    expect(close.leadNotice).toMatch(/^A close of case #7/);
    const later = { ...reopened, now: '2026-06-10T13:00:00.000Z' };
    expect(decide(kase(), mutation('fix'), rules, later).outcome).toBe('applied');
    expect(decide(kase(), mutation('close_not_fixed'), rules, later).outcome).toBe('applied');
  });

  it('refuses a fix without an after-photo where the service type needs one', () => {
    const d = decide(kase(), mutation('fix'), { ...rules, photoRequiredOnFix: true }, ctx(worker));
    expect([d.outcome, d.reason]).toEqual(['rejected', 'photo-required']);
    const withPhoto = decide(
      kase(),
      mutation('fix', { resolutionCode: 'patched', note: '', photoIds: ['01890a5d-ac96-774b-bcce-b302099a8057'] }),
      { ...rules, photoRequiredOnFix: true },
      ctx(worker),
    );
    expect(withPhoto.outcome).toBe('applied');
  });

  it('[R6] redirects field work on a merged case and supersedes lead changes to it', () => {
    const merged = kase({ state: 'closed_not_fixed', mergedIntoId: '8' });
    expect(decide(merged, mutation('add_note'), rules, ctx(worker)).redirectTo).toBe('8');
    expect(decide(merged, mutation('set_priority'), rules, ctx(lead)).outcome).toBe('superseded');
  });
});
