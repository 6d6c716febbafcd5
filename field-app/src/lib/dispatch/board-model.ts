/**
 * The board as the lead sees it (pure): the server's board with the lead's own desk changes
 * replayed on top, in the order they were made, so a move shows at once, with no signal too.
 * A change stays replayed until the board fetched from the server reflects it (the case's
 * version reached the change's outcome), then the server's picture alone is shown.
 *
 * Columns are lists of case ids: `''` is the unassigned queue, any other key a crew's route in
 * order. A crew's column holds its work carried over from earlier days first, then the
 * board's day. The server numbers each day's route 1…n on its own, move by move in a batch's
 * order (sync-server `replayRoutes`), so a position counts only the cases of its day
 * (`routeIndex`).
 */
import type { BoardCase, BoardCrew, BoardResponse, CaseRecord, Mutation, OutcomeKind } from '@fieldfix/shared';

/** The unassigned queue's key among the columns. */
export const QUEUE = '';

export type Lists = Map<string, string[]>;

/** A desk change to replay: waiting in the outbox, or applied and not yet on the board. */
export interface DeskChange {
  seq: number;
  mutation: Mutation;
  acknowledged: boolean;
}

/** What the device knows of a desk change's fate, for the card. */
export interface DeskOutcome {
  mutationId: string;
  caseId: string;
  outcome: OutcomeKind;
  caseVersion: number | null;
  mutation: Mutation | null;
  seq: number | null;
  message: string;
  dismissed: boolean;
}

export interface ProjectedBoard {
  /** Every case on the board with the changes applied, by id. */
  cases: Map<string, BoardCase>;
  lists: Lists;
  /** Cases with a change still waiting to leave this device. */
  waiting: Set<string>;
  /** Cases a replayed change took off the board (another day, cancelled, merged). */
  leaving: Set<string>;
}

/** The lists of the server's board, crews in the board's order, the queue first. */
export function serverLists(board: BoardResponse): Lists {
  const lists: Lists = new Map([[QUEUE, board.unassigned.map((c) => c.case.id)]]);
  for (const crew of board.crews)
    lists.set(
      crew.id,
      crew.cases.map((c) => c.case.id),
    );
  return lists;
}

export function cloneLists(lists: Lists): Lists {
  return new Map([...lists].map(([k, v]) => [k, [...v]]));
}

/** Where a case is: its column and index, or null. */
export function locate(lists: Lists, caseId: string): { column: string; index: number } | null {
  for (const [column, ids] of lists) {
    const index = ids.indexOf(caseId);
    if (index >= 0) return { column, index };
  }
  return null;
}

function remove(lists: Lists, caseId: string): void {
  const at = locate(lists, caseId);
  if (at) lists.get(at.column)!.splice(at.index, 1);
}

/** The day a case is on (its `assignedDay`), or null. */
export type DayOf = (caseId: string) => string | null;

/**
 * The index in a crew's column `ids` of stop `position` (null: the last) of `day`'s route,
 * for `caseId` once taken out of the column. The cases of earlier days come first, and a
 * position counts only the cases of its own day.
 */
export function routeIndex(
  ids: readonly string[],
  dayOf: DayOf,
  caseId: string,
  day: string,
  position: number | null,
): number {
  let earlier = 0;
  let same = 0;
  for (const id of ids) {
    if (id === caseId) continue;
    const d = dayOf(id);
    if (d === day) same++;
    else if (d !== null && d < day) earlier++;
  }
  return earlier + (position === null ? same : Math.min(Math.max(position, 1) - 1, same));
}

/** Inserts at `index` (clamped), after taking the case out of wherever it was. */
export function place(lists: Lists, caseId: string, column: string, index: number): void {
  remove(lists, caseId);
  const ids = lists.get(column);
  if (!ids) return;
  ids.splice(Math.max(0, Math.min(index, ids.length)), 0, caseId);
}

/**
 * The changes to replay: every desk change waiting in the outbox, and applied ones whose case
 * version the board does not show yet.
 */
export function deskChanges(
  board: BoardResponse,
  pending: readonly { seq: number; mutation: Mutation }[],
  outcomes: readonly DeskOutcome[],
): DeskChange[] {
  const versions = new Map<string, number>();
  for (const c of [...board.unassigned, ...board.crews.flatMap((cr) => cr.cases)])
    versions.set(c.case.id, c.case.version);
  const out: DeskChange[] = pending.map((p) => ({ seq: p.seq, mutation: p.mutation, acknowledged: false }));
  for (const o of outcomes) {
    if (o.outcome !== 'applied' || !o.mutation || o.seq === null || o.caseVersion === null) continue;
    const shown = versions.get(o.caseId);
    if (shown !== undefined && o.caseVersion > shown)
      out.push({ seq: o.seq, mutation: o.mutation, acknowledged: true });
  }
  return out.sort((a, b) => a.seq - b.seq);
}

/** The server's board with `changes` replayed (see the top of this file). */
export function projectBoard(board: BoardResponse, changes: readonly DeskChange[]): ProjectedBoard {
  const cases = new Map<string, BoardCase>();
  for (const c of board.unassigned) cases.set(c.case.id, c);
  for (const crew of board.crews) for (const c of crew.cases) cases.set(c.case.id, c);
  const lists = serverLists(board);
  const waiting = new Set<string>();
  const leaving = new Set<string>();
  const patch = (id: string, p: Partial<CaseRecord>) => {
    const item = cases.get(id)!;
    cases.set(id, { ...item, case: { ...item.case, ...p } });
  };
  const dayOf: DayOf = (id) => cases.get(id)?.case.assignedDay ?? null;

  for (const { mutation: m, acknowledged } of [...changes].sort((a, b) => a.seq - b.seq)) {
    const item = cases.get(m.caseId);
    if (!item) continue;
    if (!acknowledged) waiting.add(m.caseId);
    const at = locate(lists, m.caseId);
    switch (m.kind) {
      case 'assign': {
        const { crewId, day, position } = m.payload;
        // The board's day, or an earlier one (work carried over, put back by an undo); on a
        // later day's board not today's or before, which it does not carry (the server's rule).
        const carried = !board.today || board.date <= board.today || day > board.today;
        const stays = day <= board.date && carried && lists.has(crewId) && crewId !== QUEUE;
        if (stays) place(lists, m.caseId, crewId, routeIndex(lists.get(crewId)!, dayOf, m.caseId, day, position));
        else {
          remove(lists, m.caseId);
          leaving.add(m.caseId);
        }
        const state = item.case.crewId === crewId && item.case.state !== 'new' ? item.case.state : 'assigned';
        patch(m.caseId, { crewId, assignedDay: day, state });
        break;
      }
      case 'unassign':
        if (at && at.column !== QUEUE) {
          place(lists, m.caseId, QUEUE, 0);
          patch(m.caseId, { crewId: null, assignedDay: null, routePosition: null, state: 'new' });
        }
        break;
      case 'reorder': {
        const day = item.case.assignedDay;
        // Made for a route the case has left since: the server does not apply it either.
        const sameRoute = (m.payload.crewId ?? at?.column) === at?.column && (m.payload.day ?? day) === day;
        if (at && at.column !== QUEUE && day !== null && sameRoute)
          place(
            lists,
            m.caseId,
            at.column,
            routeIndex(lists.get(at.column)!, dayOf, m.caseId, day, m.payload.position),
          );
        break;
      }
      case 'set_priority':
        patch(m.caseId, { priority: m.payload.priority });
        break;
      case 'set_due':
        patch(m.caseId, { expectedAt: m.payload.expectedAt });
        break;
      case 'cancel':
      case 'merge_duplicate':
        remove(lists, m.caseId);
        leaving.add(m.caseId);
        break;
      default:
        break;
    }
  }
  // Route positions as the lists say, each day's route numbered on its own.
  for (const [column, ids] of lists) {
    const stops = new Map<string | null, number>();
    ids.forEach((id) => {
      const item = cases.get(id)!;
      const day = item.case.assignedDay;
      stops.set(day, (stops.get(day) ?? 0) + 1);
      const routePosition = column === QUEUE ? null : stops.get(day)!;
      if (item.case.routePosition !== routePosition) cases.set(id, { ...item, case: { ...item.case, routePosition } });
    });
  }
  return { cases, lists, waiting, leaving };
}

/** A crew's load as the board shows it. */
export interface CrewLoad {
  serviceMinutes: number;
  travelMinutes: number;
  totalMinutes: number;
  capacityMinutes: number;
  /** 0…n: the share of the capacity used (over 1 is over capacity). */
  ratio: number;
  over: boolean;
  routeKm: number;
  /** The route differs from the server's: travel is estimated on the device. */
  estimated: boolean;
}

/** Roads are not straight: a straight-line route is this much shorter than the real one. */
const DETOUR = 1.3;
/** Average speed in town when the server's figures give none (km/h). */
const DEFAULT_KMH = 25;

function km(a: { lat: number; long: number }, b: { lat: number; long: number }): number {
  const rad = Math.PI / 180;
  const dLat = (b.lat - a.lat) * rad;
  const dLong = (b.long - a.long) * rad;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(a.lat * rad) * Math.cos(b.lat * rad) * Math.sin(dLong / 2) ** 2;
  return 2 * 6371.0088 * Math.asin(Math.min(1, Math.sqrt(h)));
}

/** Straight-line length of a route from the yard through `stops` and back, in km. */
export function straightKm(
  start: { lat: number; long: number },
  stops: readonly { lat: number; long: number }[],
): number {
  let total = 0;
  let at = start;
  for (const s of stops) {
    total += km(at, s);
    at = s;
  }
  return stops.length ? total + km(at, start) : 0;
}

/**
 * The crew's load for the cases now in its column: the server's figures when the route is the
 * one it computed them for, otherwise service minutes summed and travel estimated from the
 * straight-line route at the speed the server's figures imply.
 */
export function crewLoad(crew: BoardCrew, ids: readonly string[], cases: Map<string, BoardCase>): CrewLoad {
  const same = ids.length === crew.cases.length && ids.every((id, i) => crew.cases[i]!.case.id === id);
  let { serviceMinutes, travelMinutes, routeKm } = crew.load;
  if (!same) {
    const items = ids.map((id) => cases.get(id)!).filter(Boolean);
    serviceMinutes = items.reduce((s, c) => s + c.serviceMinutes, 0);
    const kmh =
      crew.load.routeKm > 0 && crew.load.travelMinutes > 0
        ? crew.load.routeKm / (crew.load.travelMinutes / 60)
        : DEFAULT_KMH;
    routeKm =
      straightKm(
        crew.start,
        items.map((c) => c.case),
      ) * DETOUR;
    travelMinutes = (routeKm / kmh) * 60;
  }
  const totalMinutes = serviceMinutes + travelMinutes;
  const ratio = totalMinutes / crew.capacityMinutes;
  return {
    serviceMinutes: Math.round(serviceMinutes),
    travelMinutes: Math.round(travelMinutes),
    totalMinutes: Math.round(totalMinutes),
    capacityMinutes: crew.capacityMinutes,
    ratio,
    over: totalMinutes > crew.capacityMinutes,
    routeKm: Math.round(routeKm * 10) / 10,
    estimated: !same,
  };
}
