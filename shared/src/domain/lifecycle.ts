import { z } from 'zod';

/**
 * The internal lifecycle of a case (PRODUCT.md, "The case lifecycle").
 * `new` → `assigned` → `in_progress` ↔ `on_hold` → `fixed` | `closed_not_fixed`; a lead may
 * reopen a closed case: it goes back to `new`, unassigned, for the desk to schedule again
 * (`reopen` in reconcile/rules.ts).
 */
export const CASE_STATES = ['new', 'assigned', 'in_progress', 'on_hold', 'fixed', 'closed_not_fixed'] as const;
export const CaseState = z.enum(CASE_STATES);
export type CaseState = z.infer<typeof CaseState>;

export const OPEN_STATES: readonly CaseState[] = ['new', 'assigned', 'in_progress', 'on_hold'];
export const CLOSED_STATES: readonly CaseState[] = ['fixed', 'closed_not_fixed'];

/** Open311 GeoReport v2 knows only `open` and `closed`. */
export type Open311Status = 'open' | 'closed';

/** Maps an internal state to its Open311 status. */
export function open311Status(state: CaseState): Open311Status {
  return CLOSED_STATES.includes(state) ? 'closed' : 'open';
}

/** True when the case still needs work. */
export function isOpen(state: CaseState): boolean {
  return OPEN_STATES.includes(state);
}

/** Words a person reads for each state. */
export const STATE_LABELS: Record<CaseState, string> = {
  new: 'New',
  assigned: 'Assigned',
  in_progress: 'In progress',
  on_hold: 'On hold',
  fixed: 'Fixed',
  closed_not_fixed: 'Closed, not fixed',
};

export const PRIORITIES = ['low', 'normal', 'high', 'urgent'] as const;
export const Priority = z.enum(PRIORITIES);
export type Priority = z.infer<typeof Priority>;
