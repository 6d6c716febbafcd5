import { TZDateMini } from '@date-fns/tz';
import { dateIn } from '@fieldfix/shared';

// A lead sets a case's due date as a calendar day of the city: the case is due until that
// day ends there, whatever zone the lead's computer is set to (the board counts "overdue" by
// the city's day, so a day read in the device's zone made a case overdue hours early).

/** The city's calendar day (`YYYY-MM-DD`) a due instant falls on. */
export function dueDay(expectedAt: string, timeZone: string): string {
  return dateIn(new Date(expectedAt), timeZone);
}

/** The due instant for a calendar day of the city: 23:59 that day, there. */
export function dueAt(isoDate: string, timeZone: string): string {
  const [y, m, d] = isoDate.split('-').map(Number);
  return new Date(new TZDateMini(y!, m! - 1, d!, 23, 59, timeZone).getTime()).toISOString();
}
