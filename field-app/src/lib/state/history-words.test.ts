import { describe, expect, it } from 'vitest';
import type { CaseEvent } from '@fieldfix/shared';
import { formatDay } from './format.ts';
import { describeEvent, nameBook } from './history-words.ts';

const names = nameBook({ crews: { 'streets-a': 'Streets Crew A' }, departments: { streets: 'Streets' } });
const event = (kind: string, data: Record<string, unknown>, actorName: string | null = null): CaseEvent => ({
  id: '1',
  caseId: '7',
  at: '2026-06-10T14:00:00Z',
  kind,
  actorName,
  data,
});

describe('history words', () => {
  it('names crews, never their ids, for every role', () => {
    const e = describeEvent(event('assigned', { crewId: 'streets-a', day: '2026-06-10' }), null, names);
    expect(e.what).toMatch(/^Assigned to Streets Crew A for /);
    expect(e.what).not.toContain('streets-a');
    // Unknown to the server and the device: the id is all there is.
    expect(describeEvent(event('assigned', { crewId: 'x-9' }), null, names).what).toBe('Assigned to crew x-9');
  });

  it('says where a new report was routed and why, with its likely duplicates', () => {
    const e = describeEvent(
      event('routed', {
        message: 'Routed to Streets, Streets Crew A: district Old Town, type Pothole.',
        likelyDuplicateIds: ['12', '15'],
      }),
      null,
      names,
    );
    expect(e.what).toBe('Routed to Streets, Streets Crew A: district Old Town, type Pothole.');
    expect(e.detail).toBe('Likely the same problem as #12, #15');
    expect(describeEvent(event('routed', {}), null, names)).toMatchObject({ what: 'Routed', detail: null });
  });
});

describe('a due date in the history', () => {
  it("names the city's day the due time falls on, as the case's details do, whatever the tablet's zone", () => {
    // Due at the end of 26 November in Detroit (04:59 on the 27th in UTC).
    const e = event('due_changed', { to: '2026-11-27T04:59:59.999Z' });
    expect(describeEvent(e, null, names, 'America/Detroit').what).toBe(`Due date set to ${formatDay('2026-11-26')}`);
    expect(describeEvent(e, null, names, 'Pacific/Kiritimati').what).toBe(`Due date set to ${formatDay('2026-11-27')}`);
    expect(describeEvent(event('due_changed', { to: null }), null, names, 'America/Detroit').what).toBe(
      'Due date removed',
    );
  });
});
