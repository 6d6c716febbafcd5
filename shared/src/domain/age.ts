import { dateIn } from './calendar.ts';
import { isOpen, type CaseState } from './lifecycle.ts';

const DAY_MS = 86_400_000;

/** Whole days since `requestedAt`, never negative. */
export function ageInDays(requestedAt: string, now: Date): number {
  return Math.max(0, Math.floor((now.getTime() - Date.parse(requestedAt)) / DAY_MS));
}

/** A short, readable age: "today", "3 d", "5 wk", "4 mo". */
export function formatAge(requestedAt: string, now: Date): string {
  const days = ageInDays(requestedAt, now);
  if (days === 0) return 'today';
  if (days < 14) return `${days} d`;
  if (days < 90) return `${Math.floor(days / 7)} wk`;
  return `${Math.floor(days / 30)} mo`;
}

/**
 * When a case is due, in ms since the epoch: the due date it carries (given at intake, set
 * by a lead), or for a case with none the service type's target from the report.
 */
export function dueTime(c: { expectedAt: string | null; requestedAt: string }, slaDays: number): number {
  return c.expectedAt ? Date.parse(c.expectedAt) : Date.parse(c.requestedAt) + slaDays * DAY_MS;
}

/** An open case past its due time (`dueTime`); a closed case is never overdue. */
export function isOverdue(state: CaseState, due: number, now: Date): boolean {
  return isOpen(state) && due < now.getTime();
}

export type SlaState = 'overdue' | 'due_today' | 'on_track' | 'none';

/**
 * Where an open case stands against its due date; closed cases have no SLA state. "Today"
 * is the city's calendar day (`timeZone`), whatever zone the device is set to.
 */
export function slaState(state: CaseState, expectedAt: string | null, now: Date, timeZone: string): SlaState {
  if (!isOpen(state) || !expectedAt) return 'none';
  const due = new Date(expectedAt);
  if (isOverdue(state, due.getTime(), now)) return 'overdue';
  if (dateIn(due, timeZone) === dateIn(now, timeZone)) return 'due_today';
  return 'on_track';
}
