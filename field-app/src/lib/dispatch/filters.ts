/**
 * The board's filters (pure). A filtered-out case is hidden from its column, not moved: the
 * crew's load still counts it, and moves keep its place in the route.
 */
import { isOverdue, type BoardCase, type CaseState, type Priority, type QueueFilter } from '@fieldfix/shared';
import { ageDays } from './words.ts';

export interface BoardFilters {
  district: string;
  type: string;
  /** Only cases at least this many days old (0: any age). */
  minAgeDays: number;
  priority: Priority | '';
  status: CaseState | '';
  /** Only overdue cases. */
  overdue: boolean;
}

export const NO_BOARD_FILTERS: BoardFilters = {
  district: '',
  type: '',
  minAgeDays: 0,
  priority: '',
  status: '',
  overdue: false,
};

export function isFiltering(f: BoardFilters): boolean {
  return !!(f.district || f.type || f.minAgeDays > 0 || f.priority || f.status || f.overdue);
}

export function matches(item: BoardCase, f: BoardFilters, now: Date): boolean {
  const c = item.case;
  if (f.district && c.districtId !== f.district) return false;
  if (f.type && c.serviceCode !== f.type) return false;
  if (f.priority && c.priority !== f.priority) return false;
  if (f.status && c.state !== f.status) return false;
  if (f.overdue && !boardOverdue(item, now)) return false;
  if (f.minAgeDays > 0 && ageDays(c.requestedAt, now) < f.minAgeDays) return false;
  return true;
}

/**
 * What the server is asked to narrow the queue by (every filter but the state: the queue's
 * cases are all new), so its cap of the oldest applies to the cases that match.
 */
export function queueFilterOf(f: BoardFilters): QueueFilter {
  const q: QueueFilter = {};
  if (f.district) q.district = f.district;
  if (f.type) q.type = f.type;
  if (f.priority) q.priority = f.priority;
  if (f.minAgeDays > 0) q.minAgeDays = f.minAgeDays;
  if (f.overdue) q.overdue = true;
  return q;
}

/**
 * When a board case is due, read from the case as the board shows it now: a due date the
 * lead has just changed counts at once, before the server's next board.
 */
export function boardDueTime(item: BoardCase): number {
  return item.case.expectedAt ? Date.parse(item.case.expectedAt) : Date.parse(item.slaDueAt);
}

/** An open board case past its due time. */
export function boardOverdue(item: BoardCase, now: Date): boolean {
  return isOverdue(item.case.state, boardDueTime(item), now);
}
