/**
 * How long "still a problem?" reopens a fixed case: to the end of the city's day
 * `STILL_A_PROBLEM_WINDOW_DAYS` after the fix, the day the "fixed" notice and the tracking page
 * name, whatever the hour of the fix.
 */
import { STILL_A_PROBLEM_WINDOW_DAYS, windowEndsAt } from '@fieldfix/shared';

/** The last second "still a problem?" reopens a case fixed at `fixedAt`. */
export function stillAProblemLastSecond(fixedAt: Date, timeZone: string): Date {
  return new Date(windowEndsAt(fixedAt, STILL_A_PROBLEM_WINDOW_DAYS, timeZone).getTime() - 1000);
}
