import { describe, expect, it } from 'vitest';
import type { LeadNotice } from '@fieldfix/shared';
import type { OutcomeRow } from '#lib/db/index.ts';
import { changesOf, crossingsArrived, crossingsOf } from './crossings.ts';

const outcome = (mutationId: string, over: Partial<OutcomeRow> = {}): OutcomeRow => ({
  mutationId,
  caseId: '12',
  landedOnCaseId: '12',
  kind: 'reorder',
  outcome: 'superseded',
  reason: 'case-closed',
  message: 'Your reordering of case #12 came after the crew closed it; the close stands.',
  caseVersion: 5,
  at: '2026-12-07T15:00:00.000Z',
  dismissed: false,
  mutation: null,
  seq: 3,
  ...over,
});

const notice = (id: string, mutationIds: (string | null)[], createdAt = '2026-12-07T15:00:01.000Z'): LeadNotice => ({
  id,
  kind: 'crossed-path',
  caseId: '12',
  mutationId: mutationIds[0] ?? null,
  message: 'Your reordering of case #12 came after the crew closed it; the close stands.',
  count: mutationIds.length,
  items: mutationIds.map((m) => ({ caseId: '12', mutationId: m, message: 'x' })),
  createdAt,
  acknowledgedAt: null,
});

describe("the board's crossed paths", () => {
  it('shows a desk change that did not take once, as the notice the server filed for it', () => {
    const shown = crossingsOf([outcome('m-1')], [notice('n-1', ['m-1'])]);
    expect(shown.map((c) => [c.source, c.id])).toEqual([['notice', 'n-1']]);
  });

  it('shows the desk change itself while no notice stands for it, newest first beside the others', () => {
    const shown = crossingsOf(
      [outcome('m-1'), outcome('m-2', { at: '2026-12-07T16:00:00.000Z' })],
      [notice('n-9', ['m-other'], '2026-12-07T15:30:00.000Z')],
    );
    expect(shown.map((c) => c.id)).toEqual(['m-2', 'n-9', 'm-1']);
  });

  it('leaves out changes that took, and those already dismissed', () => {
    expect(crossingsOf([outcome('m-1', { outcome: 'applied' }), outcome('m-2', { dismissed: true })], [])).toEqual([]);
  });

  it('names the changes a notice stands for, to dismiss them with it', () => {
    expect(changesOf(notice('n-1', ['m-1', null, 'm-3']))).toEqual(['m-1', 'm-3']);
  });
});

describe('crossings that arrive while the board is open', () => {
  it('are said: one in its own words with what to do, several counted', () => {
    const [one] = crossingsOf([outcome('m1')], []);
    expect(crossingsArrived([one!])).toBe(`Crossed paths: ${one!.message} ${one!.next}`);
    const two = crossingsOf([outcome('m1'), outcome('m2', { caseId: '13' })], []);
    expect(crossingsArrived(two)).toBe(
      '2 changes crossed paths with others\' work: see "Crossed paths" at the top of the board.',
    );
  });
});
