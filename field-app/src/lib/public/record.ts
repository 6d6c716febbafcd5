/**
 * The city's record on the residents' pages (`/map`, `/stats`): age bands and their colours,
 * the filters as a query string. Small and pure; the API's types come from `@fieldfix/shared`
 * (types only).
 */
import type { CaseState } from '@fieldfix/shared';

/** Open 0–7, 8–30, 31–90, over 90 days: green to dark red, each ≥ 3:1 against white. */
export const BAND_COLOURS = ['#1b7a3d', '#8a6d00', '#c2410c', '#9f1239'] as const;
export const CLOSED_COLOUR = '#5b6473';
const OPEN: ReadonlySet<string> = new Set(['new', 'assigned', 'in_progress', 'on_hold']);

/** 0–3: the age band of an open case; 4: closed. */
export function bandOf(state: CaseState | string, ageDays: number): number {
  if (!OPEN.has(state)) return 4;
  return ageDays <= 7 ? 0 : ageDays <= 30 ? 1 : ageDays <= 90 ? 2 : 3;
}

export type RecordFilters = { type: string; district: string; department: string; status: string };
export const NO_FILTERS: RecordFilters = { type: '', district: '', department: '', status: '' };

/** The filters that are set, as query parameters. */
export function filterParams(f: RecordFilters): URLSearchParams {
  const p = new URLSearchParams();
  for (const k of ['type', 'district', 'department', 'status'] as const) if (f[k]) p.set(k, f[k]);
  return p;
}

/** A box, [west, south, east, north], kept to the world and rounded (shorter, cacheable URLs). */
export function boxParam(b: [number, number, number, number]): string {
  const [w, s, e, n] = b;
  const r = (x: number) => Math.round(x * 1e5) / 1e5;
  return [r(Math.max(-180, w)), r(Math.max(-85, s)), r(Math.min(180, e)), r(Math.min(85, n))].join(',');
}
