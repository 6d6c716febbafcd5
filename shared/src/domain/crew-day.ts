/**
 * "The crew's day", defined once: the server's day query, the pull's scope and the device's
 * day list all use these.
 */
import { dateIn } from './calendar.ts';
import type { CaseRecord } from './case.ts';
import { isOpen, type CaseState } from './lifecycle.ts';

/** States of a case on a crew's route: assigned to a crew and a day, and still open. */
export const ROUTE_STATES = ['assigned', 'in_progress', 'on_hold'] as const satisfies readonly CaseState[];

/** How long a closed case stays on a crew's device after it closed, so the crew sees what it did. */
export const CLOSED_KEPT_HOURS = 24;
export const CLOSED_KEPT_MS = CLOSED_KEPT_HOURS * 60 * 60 * 1000;

/**
 * True when the case belongs on `crewId`'s day `day` (`YYYY-MM-DD` in the city's `timeZone`):
 * open and assigned to the crew for that day or earlier (carried-over work), or closed by it
 * on that day (in the city's calendar).
 */
export function isOnCrewDay(
  c: Pick<CaseRecord, 'crewId' | 'state' | 'assignedDay' | 'closedAt' | 'updatedAt'>,
  crewId: string,
  day: string,
  timeZone: string,
): boolean {
  if (c.crewId !== crewId) return false;
  if (isOpen(c.state)) return c.state !== 'new' && c.assignedDay !== null && c.assignedDay <= day;
  return dateIn(new Date(c.closedAt ?? c.updatedAt), timeZone) === day;
}
