/**
 * The residents' pages' words for the server's codes: case states, timeline steps, service
 * types, close reasons, and dates. Every string comes from messages/{locale}.json. (The
 * types' groups are in group-words.ts: a case's page does not need them.)
 */
import type { CaseState, PublicTimelineStep } from '@fieldfix/shared';
import { m } from './paraglide/messages.js';
import { getLocale } from './paraglide/runtime.js';

const STATES: Record<CaseState, () => string> = {
  new: m.track_state_new,
  assigned: m.track_state_assigned,
  in_progress: m.track_state_in_progress,
  on_hold: m.track_state_on_hold,
  fixed: m.track_state_fixed,
  closed_not_fixed: m.track_state_closed_not_fixed,
};
export const stateWords = (s: CaseState): string => STATES[s]();

/** The catalogue's types in the reader's language; a type the messages do not know keeps its own name. */
const SERVICES: Record<string, () => string> = {
  POTHOLE: m.svc_POTHOLE,
  SIDEWALK: m.svc_SIDEWALK,
  DEBRIS: m.svc_DEBRIS,
  MISSED_PICKUP: m.svc_MISSED_PICKUP,
  DUMPING: m.svc_DUMPING,
  GRAFFITI: m.svc_GRAFFITI,
  FALLEN_LIMB: m.svc_FALLEN_LIMB,
  TREE_TRIM: m.svc_TREE_TRIM,
  STREETLIGHT: m.svc_STREETLIGHT,
  SIGNAL: m.svc_SIGNAL,
  SIGN: m.svc_SIGN,
};
export const serviceWords = (code: string, name: string): string => SERVICES[code]?.() ?? name;

/** The catalogue's departments (by their name, which is what the public record carries). */
const DEPARTMENTS: Record<string, () => string> = {
  Streets: m.dept_streets,
  Sanitation: m.dept_sanitation,
  Forestry: m.dept_forestry,
  'Traffic & Lighting': m.dept_traffic,
};
export const departmentWords = (name: string): string => DEPARTMENTS[name]?.() ?? name;

const REASONS: Record<string, () => string> = {
  duplicate: m.reason_duplicate,
  not_city_responsibility: m.reason_not_city_responsibility,
  cannot_locate: m.reason_cannot_locate,
  no_action_needed: m.reason_no_action_needed,
};

export function stepWords(s: PublicTimelineStep): string {
  switch (s.kind) {
    case 'reported':
      return m.step_reported();
    case 'routed':
      return s.departmentName
        ? m.step_routed({ department: departmentWords(s.departmentName) })
        : m.step_routed_unknown();
    case 'assigned':
      return m.step_assigned();
    case 'started':
      return m.step_started();
    case 'held':
      return m.step_held();
    case 'resumed':
      return m.step_resumed();
    case 'fixed':
      return m.step_fixed();
    case 'closed_not_fixed':
      return m.step_closed_not_fixed({ reason: (s.reason && REASONS[s.reason]?.()) || m.reason_other() });
    case 'reopened':
      return s.reason === 'still-a-problem' ? m.step_reopened() : m.step_reopened_city();
    case 'merged':
      return s.intoCaseId ? m.step_merged({ id: s.intoCaseId }) : m.step_merged_unknown();
    case 'cancelled':
      return m.step_cancelled();
  }
}

const DAY_MS = 86_400_000;

/** Whole days between two instants, never negative. */
export const daysBetween = (from: string, to: Date): number =>
  Math.max(0, Math.floor((to.getTime() - Date.parse(from)) / DAY_MS));

/** "Open for 3 days", "Closed after 1 day", "Open for under a day" (spans of 24 hours, not calendar days). */
export function ageWords(requestedAt: string, closedAt: string | null, now: Date): string {
  const days = daysBetween(requestedAt, closedAt ? new Date(closedAt) : now);
  if (closedAt) return days === 1 ? m.track_closed_after_one() : m.track_closed_after_other({ days });
  if (days === 0) return m.track_age_today();
  return days === 1 ? m.track_age_one() : m.track_age_other({ days });
}

/**
 * A date and time in the reader's language, in `timeZone`: the city's, as the server gives it
 * with the answer the date came in (undefined: the phone's own, for a time the phone made).
 */
export function dateTimeWords(iso: string, timeZone: string | undefined): string {
  return new Intl.DateTimeFormat(getLocale(), { dateStyle: 'medium', timeStyle: 'short', timeZone }).format(
    new Date(iso),
  );
}

export function dateWords(iso: string, timeZone: string | undefined): string {
  return new Intl.DateTimeFormat(getLocale(), { dateStyle: 'long', timeZone }).format(new Date(iso));
}
