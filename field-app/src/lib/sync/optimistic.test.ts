import { describe, expect, it } from 'vitest';
import type { CaseRecord, Mutation } from '@fieldfix/shared';
import { caseRecord, mutation, session, sidewalk } from '../../../test/fixtures.ts';
import { actorOf, bridging, project, type QueuedChange } from './optimistic.ts';

const NOW = '2026-06-10T14:00:00.000Z';
const TZ = 'America/Detroit';
const worker = actorOf(session());
const lead = actorOf(session({ id: 'u-lead', name: 'Lee Lead', role: 'lead', crewId: null }));

const queued = (m: Mutation, seq: number, acknowledged = false): QueuedChange => ({
  seq,
  mutation: { ...m, seq },
  acknowledged,
});

/** An outcome row as the outbox stores it, for `bridging`. */
function acknowledgedRow(
  m: Mutation,
  seq: number,
  over: {
    outcome?: 'applied' | 'merged' | 'superseded' | 'rejected';
    caseVersion?: number | null;
    landedOnCaseId?: string | null;
  } = {},
) {
  return {
    caseId: m.caseId,
    landedOnCaseId: m.caseId,
    outcome: 'applied' as const,
    caseVersion: 3,
    mutation: m,
    seq,
    ...over,
  };
}

describe('replaying the device’s changes', () => {
  it('replays in seq order, whatever order they come in', () => {
    const server = caseRecord('1'); // assigned
    const start = queued(mutation('start', '1', {}), 1);
    const hold = queued(mutation('hold', '1', { reason: 'weather' }), 2);
    // Started, then held: on hold. (Held first, then started, it would be in progress.)
    const p = project(server, [hold, start], sidewalk, worker, TZ);
    expect(p.record).toMatchObject({ state: 'on_hold', holdReason: 'weather', version: 4 });
    expect(p.changes.map((c) => [c.seq, c.predicted])).toEqual([
      [1, 'applied'],
      [2, 'applied'],
    ]);
    expect(p.record.updatedAt).toBe(hold.mutation.deviceTime);
  });

  it('shows a change the rules will refuse as not applied, with the reason, and goes on', () => {
    const server = caseRecord('1', { state: 'in_progress' });
    const bogus = queued(mutation('fix', '1', { resolutionCode: 'not-a-code', note: '', photoIds: [] }), 1);
    const hold = queued(mutation('hold', '1', { reason: 'weather' }), 2);
    const p = project(server, [bogus, hold], sidewalk, worker, TZ);
    expect(p.changes[0]).toMatchObject({ seq: 1, predicted: 'rejected', reason: 'invalid-payload' });
    expect(p.record.state).toBe('on_hold'); // not fixed: the fix was not applied
    expect(p.record.resolutionCode).toBeNull();
    expect(p.record.version).toBe(3);
  });

  it('shows a change that no longer makes sense as superseded, leaving the case as it is', () => {
    const server = caseRecord('1', { state: 'fixed', closedAt: NOW, resolutionCode: 'ground_down' });
    const p = project(server, [queued(mutation('start', '1', {}), 1)], sidewalk, worker, TZ);
    expect(p.changes[0]).toMatchObject({ predicted: 'superseded', reason: 'case-closed' });
    expect(p.record).toEqual(server);
  });

  it('decides as the signed-in person: a lead’s move of the case is shown, a lead’s status change is not', () => {
    expect(lead).toEqual({ userId: 'u-lead', role: 'lead', crewId: null, departmentId: 'streets' });
    const server = caseRecord('1', { state: 'new', crewId: null, assignedDay: null, routePosition: null });
    // The device takes a crew it offers to be of the case's department.
    const assign = queued(mutation('assign', '1', { crewId: 'streets-b', day: '2026-06-11', position: null }), 1);
    const start = queued(mutation('start', '1', {}), 2);
    const p = project(server, [assign, start], sidewalk, lead, TZ);
    expect(p.changes.map((c) => [c.predicted, c.reason])).toEqual([
      ['applied', null],
      ['rejected', 'role-not-allowed'],
    ]);
    expect(p.record).toMatchObject({ state: 'assigned', crewId: 'streets-b', assignedDay: '2026-06-11', version: 3 });
  });

  it('decides each change at the time it was done: a fix waiting since yesterday was closed yesterday', () => {
    const server = caseRecord('1', { state: 'in_progress' });
    const yesterday = '2026-06-09T21:30:00.000Z';
    const fix = queued(
      { ...mutation('fix', '1', { resolutionCode: 'ground_down', note: '', photoIds: [] }), deviceTime: yesterday },
      1,
    );
    const p = project(server, [fix], sidewalk, worker, TZ);
    expect(p.record).toMatchObject({ state: 'fixed', closedAt: yesterday, updatedAt: yesterday });
  });

  it('a change that leaves the case as it is (a note) leaves its version and last update alone', () => {
    const server = caseRecord('1');
    const p = project(server, [queued(mutation('add_note', '1', { text: 'gate locked' }), 1)], sidewalk, worker, TZ);
    expect(p.changes[0]).toMatchObject({ predicted: 'applied', reason: null });
    expect(p.record).toEqual(server);
  });

  it('shows server truth when it cannot decide (no service type, nobody signed in)', () => {
    const server = caseRecord('1');
    const changes = [queued(mutation('start', '1', {}), 2), queued(mutation('add_note', '1', { text: 'x' }), 1)];
    for (const p of [project(server, changes, null, worker, TZ), project(server, changes, sidewalk, null, TZ)]) {
      expect(p.record).toBe(server);
      expect(p.changes.map((c) => [c.seq, c.predicted])).toEqual([
        [1, null],
        [2, null],
      ]);
    }
  });
});

describe('bridging acknowledged changes until the pull brings them', () => {
  const raise = mutation('set_priority', '1', { priority: 'urgent' });

  it('replays an applied change until the pulled case reaches its version, then never again', () => {
    const before = caseRecord('1', { version: 2, priority: 'normal' });
    const rows = [acknowledgedRow(raise, 1, { caseVersion: 3 })];

    const bridged = bridging(before, rows);
    expect(bridged).toEqual([{ seq: 1, mutation: raise, acknowledged: true }]);
    expect(project(before, bridged, sidewalk, lead, TZ).record).toMatchObject({ priority: 'urgent', version: 3 });

    // The pull brings version 3: shown exactly as the server has it (not raised a second time).
    const after = caseRecord('1', { version: 3, priority: 'urgent', updatedAt: NOW });
    expect(bridging(after, rows)).toEqual([]);
    const later = queued(mutation('set_due', '1', { expectedAt: '2026-06-12T12:00:00.000Z' }), 2);
    const p = project(after, [...bridging(after, rows), later], sidewalk, lead, TZ);
    expect(p.record.version).toBe(4);
    expect(p.changes.map((c) => c.seq)).toEqual([2]);
  });

  it('bridges only changes that took effect, with a version, and their own change', () => {
    const server = caseRecord('1', { version: 2 });
    const noted = mutation('add_note', '1', { text: 'x' });
    expect(
      bridging(server, [
        acknowledgedRow(raise, 1, { outcome: 'superseded' }),
        acknowledgedRow(raise, 2, { outcome: 'rejected' }),
        acknowledgedRow(raise, 3, { caseVersion: null }),
        { ...acknowledgedRow(raise, 4), mutation: null },
        { ...acknowledgedRow(raise, 5), seq: null },
        acknowledgedRow(noted, 6, { caseVersion: 2 }), // a note: no new version to wait for
        acknowledgedRow(mutation('start', '2', {}), 7), // another case's
      ]),
    ).toEqual([]);
  });

  it('bridges a change merged into its own case (duplicate work) like an applied one', () => {
    const fix = mutation('fix', '1', { resolutionCode: 'ground_down', note: '', photoIds: [] });
    const server = caseRecord('1', { version: 2 });
    const rows = [acknowledgedRow(fix, 4, { outcome: 'merged', caseVersion: 3 })];
    expect(bridging(server, rows)).toEqual([{ seq: 4, mutation: fix, acknowledged: true }]);
  });

  it('does not replay work that landed on the surviving case on the merged one, nor on the survivor', () => {
    const fix = mutation('fix', '1', { resolutionCode: 'ground_down', note: '', photoIds: [] });
    const rows = [acknowledgedRow(fix, 1, { outcome: 'merged', landedOnCaseId: '2', caseVersion: 7 })];
    const merged: CaseRecord = caseRecord('1', {
      version: 2,
      mergedIntoId: '2',
      state: 'closed_not_fixed',
      closedAt: NOW,
    });
    const survivor = caseRecord('2', { version: 5 });
    expect(bridging(merged, rows)).toEqual([]);
    expect(bridging(survivor, rows)).toEqual([]);
    expect(project(merged, bridging(merged, rows), sidewalk, worker, TZ).record).toEqual(merged);
  });
});
