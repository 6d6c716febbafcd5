/**
 * The crew's day, computed on the device from its (optimistic) cases (pure): open cases
 * assigned for today or earlier, in route order, plus the cases closed today. "Today" is the
 * device's calendar day; a crew's tablet is in the city's time zone.
 */
import { isOpen, type CaseRecord } from '@fieldfix/shared';

/** `YYYY-MM-DD` of `d` on the device's calendar. */
export function localIsoDate(d: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}`;
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

/** True when the case belongs on `crewId`'s list for `today` (`YYYY-MM-DD`, device calendar). */
export function onDay(c: CaseRecord, crewId: string, today: string): boolean {
  if (c.crewId !== crewId) return false;
  if (isOpen(c.state)) return c.state !== 'new' && c.assignedDay !== null && c.assignedDay <= today;
  // Closed: shown on the day it was closed (its last update; a device change counts).
  return localIsoDate(new Date(c.updatedAt)) === today;
}

export function dayList(cases: Iterable<CaseRecord>, crewId: string, today: string): CaseRecord[] {
  return [...cases].filter((c) => onDay(c, crewId, today)).sort(compareRouteOrder);
}
