/**
 * The crew's day, computed on the device from its (optimistic) cases (pure): open cases
 * assigned for today or earlier, in route order, plus the cases closed today. "Today" is the
 * city's calendar day (the server's time zone, from the session), whatever the tablet's clock
 * zone says.
 */
import { isOnCrewDay, type CaseRecord, type SessionResponse } from '@fieldfix/shared';

/** The city's time zone; a session stored by an older version falls back to the device's. */
export function cityTimeZone(session: Pick<SessionResponse, 'cityTimeZone'> | null | undefined): string {
  return session?.cityTimeZone ?? Intl.DateTimeFormat().resolvedOptions().timeZone;
}

/** Route order: assigned day (carried-over work first), then route position, then case id. */
export function compareRouteOrder(a: CaseRecord, b: CaseRecord): number {
  return (
    compareNullable(a.assignedDay, b.assignedDay) ||
    compareNullable(a.routePosition, b.routePosition) ||
    a.id.localeCompare(b.id, 'en', { numeric: true })
  );
}

function compareNullable<T extends string | number>(a: T | null, b: T | null): number {
  if (a === b) return 0;
  if (a === null) return 1;
  if (b === null) return -1;
  return a < b ? -1 : 1;
}

/** The crew's day (`isOnCrewDay`, shared with the server) in route order. */
export function dayList(cases: Iterable<CaseRecord>, crewId: string, today: string, timeZone: string): CaseRecord[] {
  return [...cases].filter((c) => isOnCrewDay(c, crewId, today, timeZone)).sort(compareRouteOrder);
}
