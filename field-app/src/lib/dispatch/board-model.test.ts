import { describe, expect, it } from 'vitest';
import type { BoardCase, BoardResponse, Mutation } from '@fieldfix/shared';
import { QUEUE, crewLoad, deskChanges, projectBoard } from './board-model.ts';
import { receiptWords } from './words.ts';

const DATE = '2026-12-01';
const T = '2026-12-01T09:00:00.000Z';

function item(id: string, crewId: string | null, position: number | null, version = 1): BoardCase {
  return {
    case: {
      id,
      serviceCode: 'POTHOLE',
      description: '',
      lat: 42.3 + Number(id) / 1000,
      long: -83 + Number(id) / 1000,
      address: `${id} Main St`,
      districtId: null,
      state: crewId ? 'assigned' : 'new',
      priority: 'normal',
      statusNotes: null,
      holdReason: null,
      resolutionCode: null,
      closeReason: null,
      attributes: {},
      requestedAt: T,
      updatedAt: T,
      expectedAt: null,
      closedAt: null,
      crewId,
      assignedDay: crewId ? DATE : null,
      routePosition: position,
      mediaUrl: null,
      reportPhotoIds: [],
      mergedIntoId: null,
      cancelled: false,
      version,
    },
    serviceMinutes: 30,
    slaDueAt: T,
    overdue: false,
    delivery: crewId ? { state: 'waiting', crewLastSyncedAt: null } : null,
  };
}

function crew(id: string, cases: BoardCase[]) {
  return {
    id,
    name: `Crew ${id}`,
    capacityMinutes: 480,
    skills: [],
    start: { lat: 42.3, long: -83 },
    load: { serviceMinutes: cases.length * 30, travelMinutes: 20, routeKm: 8 },
    position: null,
    lastSyncedAt: null,
    cases,
  };
}

const board: BoardResponse = {
  date: DATE,
  departmentId: 'streets',
  departmentName: 'Streets',
  serverTime: T,
  cursor: '10',
  crews: [crew('A', [item('1', 'A', 1), item('2', 'A', 2)]), crew('B', [item('3', 'B', 1)])],
  unassigned: [item('4', null, null)],
  unassignedTotal: 1,
  serviceTypes: [],
  districts: [],
};

function m(seq: number, caseId: string, kind: Mutation['kind'], payload: object): { seq: number; mutation: Mutation } {
  return {
    seq,
    mutation: {
      id: `0190a0a0-0000-7000-8000-${String(seq).padStart(12, '0')}`,
      clientId: 'desk',
      seq,
      caseId,
      baseVersion: 1,
      deviceTime: T,
      kind,
      payload,
    } as Mutation,
  };
}

describe('the board with the lead’s moves replayed', () => {
  it('a waiting assign shows the case in its new crew at its position, marked waiting', () => {
    const p = projectBoard(
      board,
      deskChanges(board, [m(1, '1', 'assign', { crewId: 'B', day: DATE, position: 1 })], []),
    );
    expect(p.lists.get('A')).toEqual(['2']);
    expect(p.lists.get('B')).toEqual(['1', '3']);
    expect(p.cases.get('1')!.case).toMatchObject({ crewId: 'B', routePosition: 1 });
    expect(p.cases.get('2')!.case.routePosition).toBe(1);
    expect(p.waiting.has('1')).toBe(true);
  });

  it('unassign puts the case in the queue; an assign to another day takes it off the board', () => {
    const p = projectBoard(
      board,
      deskChanges(
        board,
        [m(1, '3', 'unassign', {}), m(2, '2', 'assign', { crewId: 'A', day: '2026-12-02', position: null })],
        [],
      ),
    );
    expect(p.lists.get(QUEUE)).toEqual(['3', '4']);
    expect(p.lists.get('A')).toEqual(['1']);
    expect(p.leaving.has('2')).toBe(true);
  });

  it("a later day's board does not show a case the lead put on today's route (it carries nothing from today)", () => {
    const tomorrow: BoardResponse = { ...board, today: '2026-11-30' }; // the board is for the day after today
    const p = projectBoard(
      tomorrow,
      deskChanges(
        tomorrow,
        [
          m(1, '1', 'assign', { crewId: 'B', day: '2026-11-30', position: 1 }),
          m(2, '4', 'assign', { crewId: 'B', day: DATE, position: 1 }),
        ],
        [],
      ),
    );
    expect(p.lists.get('B')).toEqual(['4', '3']);
    expect(p.leaving.has('1')).toBe(true);
    // Today's board (or one kept by an older app, which says no day) keeps it.
    expect(
      projectBoard(
        { ...board, today: DATE },
        deskChanges(board, [m(1, '1', 'assign', { crewId: 'B', day: '2026-11-30', position: 1 })], []),
      ).lists.get('B'),
    ).toEqual(['1', '3']);
  });

  it('a crew’s work from yesterday stays first: positions count the day’s cases only', () => {
    const leftover = { ...item('5', 'B', 1), case: { ...item('5', 'B', 1).case, assignedDay: '2026-11-30' } };
    const carried: BoardResponse = { ...board, crews: [board.crews[0]!, crew('B', [leftover, item('3', 'B', 1)])] };
    const p = projectBoard(
      carried,
      deskChanges(
        carried,
        [m(1, '1', 'assign', { crewId: 'B', day: DATE, position: 1 }), m(2, '3', 'reorder', { position: 1 })],
        [],
      ),
    );
    // Stop 1 of today is after yesterday's case; case 3 then moves back to stop 1.
    expect(p.lists.get('B')).toEqual(['5', '3', '1']);
    expect(p.cases.get('5')!.case.routePosition).toBe(1);
    expect(p.cases.get('3')!.case.routePosition).toBe(1);
    expect(p.cases.get('1')!.case.routePosition).toBe(2);
  });

  it('a waiting reorder made for a route the case has left since is not replayed there (as the server does)', () => {
    // The lead reordered case 1 on crew A's route; meanwhile (the fresh board) it is on crew B's.
    const movedMeanwhile: BoardResponse = {
      ...board,
      crews: [crew('A', [item('2', 'A', 1)]), crew('B', [item('3', 'B', 1), item('1', 'B', 2)])],
    };
    const reorder = m(1, '1', 'reorder', { position: 1, crewId: 'A', day: DATE });
    expect(projectBoard(movedMeanwhile, deskChanges(movedMeanwhile, [reorder], [])).lists.get('B')).toEqual(['3', '1']);
    // On the route it was made for, it moves the case.
    const onRoute = m(1, '3', 'reorder', { position: 2, crewId: 'B', day: DATE });
    expect(projectBoard(movedMeanwhile, deskChanges(movedMeanwhile, [onRoute], [])).lists.get('B')).toEqual(['1', '3']);
  });

  it('an undo putting work back on yesterday keeps it on the board, among yesterday’s', () => {
    const leftover = { ...item('5', 'B', 1), case: { ...item('5', 'B', 1).case, assignedDay: '2026-11-30' } };
    const carried: BoardResponse = { ...board, crews: [board.crews[0]!, crew('B', [leftover, item('3', 'B', 1)])] };
    const p = projectBoard(
      carried,
      deskChanges(carried, [m(1, '1', 'assign', { crewId: 'B', day: '2026-11-30', position: 2 })], []),
    );
    expect(p.lists.get('B')).toEqual(['5', '1', '3']);
    expect(p.leaving.has('1')).toBe(false);
    expect(p.cases.get('1')!.case).toMatchObject({ assignedDay: '2026-11-30', routePosition: 2 });
    // A later day is off the board, as before.
    const later = projectBoard(
      carried,
      deskChanges(carried, [m(1, '1', 'assign', { crewId: 'B', day: '2026-12-02', position: 1 })], []),
    );
    expect(later.leaving.has('1')).toBe(true);
  });

  it('an applied change is replayed only until the board shows its version', () => {
    const applied = {
      mutationId: 'x',
      caseId: '1',
      outcome: 'applied' as const,
      caseVersion: 2,
      message: '',
      dismissed: false,
      ...m(1, '1', 'reorder', { position: 2 }),
    };
    expect(deskChanges(board, [], [applied])).toHaveLength(1);
    const newer = { ...board, crews: [crew('A', [item('2', 'A', 1), item('1', 'A', 2, 2)]), board.crews[1]!] };
    expect(deskChanges(newer, [], [applied])).toHaveLength(0);
  });

  it('the load is the server’s for its route and estimated after a move', () => {
    const a = board.crews[0]!;
    expect(crewLoad(a, ['1', '2'], projectBoard(board, []).cases)).toMatchObject({
      travelMinutes: 20,
      estimated: false,
    });
    const moved = crewLoad(a, ['2'], projectBoard(board, []).cases);
    expect(moved).toMatchObject({ serviceMinutes: 30, estimated: true });
  });
});

describe('delivery receipts in words', () => {
  const now = new Date('2026-12-01T12:00:00.000Z');
  it('says whether the crew’s tablet has the case, and since when or how long it has not synced', () => {
    expect(receiptWords({ state: 'on-device', since: '2026-12-01T10:05:00.000Z' }, false, now)?.text).toMatch(
      /^On the tablet since /,
    );
    expect(receiptWords({ state: 'waiting', crewLastSyncedAt: '2026-12-01T10:00:00.000Z' }, false, now)?.text).toBe(
      'Waiting: crew last synced 2 h ago',
    );
    expect(receiptWords({ state: 'waiting', crewLastSyncedAt: null }, false, now)?.text).toBe(
      'Waiting: the crew has never synced',
    );
    expect(receiptWords(null, true, now)?.tone).toBe('local');
  });
});
