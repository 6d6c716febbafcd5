import { describe, expect, it } from 'vitest';
import { replayRoutes, routeOf, type RouteChange } from './route-order.ts';

// How a batch's moves leave the routes: change by change, as the board planned them
// (field-app `converge` counts positions the same way). Against real PostgreSQL, with the
// sync API: board.pg.test.ts ("a batch of moves lands in the order the board sent them").

const A = 'crew-a|2026-06-10';
const B = 'crew-b|2026-06-10';
const placed = (caseId: string, from: string | null, to: string, position: number | null): RouteChange => ({
  caseId,
  from,
  to,
  placed: { position },
});
const replay = (before: Record<string, string[]>, changes: RouteChange[]) =>
  Object.fromEntries(replayRoutes(new Map(Object.entries(before)), changes));

describe('replayRoutes', () => {
  it('places each case at its turn: a later arrival is not counted by an earlier placement', () => {
    // 1 to the end (position 3 of 3), then 9 joins at 4, then 2 to 4: 9 is already there.
    expect(
      replay({ [A]: ['1', '2', '3'] }, [placed('1', A, A, 3), placed('9', null, A, 4), placed('2', A, A, 4)]),
    ).toEqual({ [A]: ['3', '1', '9', '2'] });
  });

  it('a position past the end is the end, as is none; a position counts from 1', () => {
    expect(replay({ [A]: ['1', '2'] }, [placed('9', null, A, 7)])).toEqual({ [A]: ['1', '2', '9'] });
    expect(replay({ [A]: ['1', '2'] }, [placed('9', null, A, null)])).toEqual({ [A]: ['1', '2', '9'] });
    expect(replay({ [A]: ['1', '2'] }, [placed('9', null, A, 1)])).toEqual({ [A]: ['9', '1', '2'] });
    expect(replay({ [A]: ['1', '2', '3'] }, [placed('3', A, A, 1)])).toEqual({ [A]: ['3', '1', '2'] });
  });

  it('a case moved to another route leaves its own, and one leaving every route (unassigned, fixed) just goes', () => {
    expect(
      replay({ [A]: ['1', '2', '3'], [B]: ['7'] }, [
        placed('2', A, B, 1),
        { caseId: '3', from: A, to: null, placed: null },
      ]),
    ).toEqual({ [A]: ['1'], [B]: ['2', '7'] });
  });

  it('work that takes a case back to its crew, with no place asked, joins the end of the route', () => {
    expect(replay({ [A]: ['1', '2'] }, [{ caseId: '9', from: null, to: A, placed: null }])).toEqual({
      [A]: ['1', '2', '9'],
    });
  });

  it('routes not read (no case placed there) are left alone', () => {
    expect(replay({ [A]: ['1'] }, [placed('1', A, A, 1), { caseId: '5', from: null, to: B, placed: null }])).toEqual({
      [A]: ['1'],
    });
  });
});

describe('routeOf', () => {
  it('is the crew and day of an open case on a route, and null otherwise', () => {
    expect(routeOf({ crewId: 'crew-a', assignedDay: '2026-06-10', state: 'assigned' })).toBe(A);
    expect(routeOf({ crewId: 'crew-a', assignedDay: '2026-06-10', state: 'in_progress' })).toBe(A);
    expect(routeOf({ crewId: 'crew-a', assignedDay: '2026-06-10', state: 'on_hold' })).toBe(A);
    expect(routeOf({ crewId: 'crew-a', assignedDay: '2026-06-10', state: 'fixed' })).toBeNull();
    expect(routeOf({ crewId: null, assignedDay: null, state: 'new' })).toBeNull();
  });
});
