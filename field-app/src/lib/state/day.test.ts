import { describe, expect, it } from 'vitest';
import type { PendingRow } from '#lib/db/index.ts';
import { caseRecord, mutation, session, sidewalk } from '../../../test/fixtures.ts';
import { optimisticCases } from './day.svelte.ts';

// "My day" from what the device holds: the server's cases with the signed-in person's changes
// replayed on top.

const pendingBy = (userId: string, seq: number, m: PendingRow['mutation']): PendingRow => ({
  seq,
  id: m.id,
  caseId: m.caseId,
  userId,
  userName: userId,
  mutation: m,
});

describe('the day as the device shows it', () => {
  const data = (pending: PendingRow[]) => ({
    cases: [caseRecord('7'), caseRecord('8')],
    pending,
    outcomes: [],
    serviceTypes: { SIDEWALK: sidewalk },
    lastSyncedAt: null,
  });
  const fix = (id: string) => mutation('fix', id, { resolutionCode: 'ground_down', note: '', photoIds: [] });

  it("replays the signed-in person's changes: their fix shows, waiting to sync", () => {
    const { cases, waiting } = optimisticCases(data([pendingBy('u-w01', 1, fix('7'))]), session());
    expect(cases.find((c) => c.id === '7')?.state).toBe('fixed');
    expect([...waiting]).toEqual(['7']);
  });

  it("leaves another person's waiting changes out (a shared tablet): not shown as made, nor as this person's", () => {
    const other = session({ id: 'u-w02', name: 'Bea', crewId: 'streets-b' });
    const { cases, waiting } = optimisticCases(data([pendingBy('u-w01', 1, fix('7'))]), other);
    expect(cases.find((c) => c.id === '7')).toMatchObject({ state: 'assigned', crewId: 'streets-a' });
    expect(waiting.size).toBe(0);
  });
});
