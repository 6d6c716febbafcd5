const DAY_MS = 86_400_000;

/**
 * Whether a case was closed (or, open, is still) within its type's target from the report:
 * to the millisecond, as the public figures (`/stats`) count it, not in whole days (a day
 * and 23 hours is not within one day).
 */
export const withinTarget = (requestedAt: string, closedAt: string | null, targetDays: number, now: Date): boolean =>
  (closedAt ? Date.parse(closedAt) : now.getTime()) - Date.parse(requestedAt) <= targetDays * DAY_MS;
