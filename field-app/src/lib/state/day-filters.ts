/**
 * The "My day" filters (pure): by status, by service type and by a search text, kept in the
 * page's URL query so back/forward and a reload keep them.
 *
 * Query: `?status=open,on_hold&type=POTHOLE&q=maple`. Groups combine with AND; the choices
 * inside a group with OR. Unknown values in the URL are ignored.
 */
import { isOpen, type CaseRecord } from '@fieldfix/shared';

export const STATUS_FILTERS = ['open', 'in_progress', 'on_hold', 'done'] as const;
export type StatusFilter = (typeof STATUS_FILTERS)[number];

export const STATUS_FILTER_LABELS: Record<StatusFilter, string> = {
  open: 'Open',
  in_progress: 'In progress',
  on_hold: 'On hold',
  done: 'Done today',
};

export interface DayFilters {
  status: StatusFilter[];
  types: string[];
  q: string;
}

export const NO_FILTERS: DayFilters = { status: [], types: [], q: '' };

/** Which status toggle a case on the day falls under (closed cases on the day were closed today). */
export function statusBucket(c: Pick<CaseRecord, 'state'>): StatusFilter {
  if (!isOpen(c.state)) return 'done';
  if (c.state === 'in_progress') return 'in_progress';
  if (c.state === 'on_hold') return 'on_hold';
  return 'open';
}

function list(value: string | null): string[] {
  return (value ?? '')
    .split(',')
    .map((v) => v.trim())
    .filter(Boolean);
}

export function parseFilters(params: Pick<URLSearchParams, 'get'>): DayFilters {
  const status = list(params.get('status')).filter((s): s is StatusFilter =>
    (STATUS_FILTERS as readonly string[]).includes(s),
  );
  return {
    status: [...new Set(status)],
    types: [...new Set(list(params.get('type')))],
    q: (params.get('q') ?? '').slice(0, 200),
  };
}

/** The query string for `filters` (`''` when none), keeping any other parameters of `base`. */
export function filtersQuery(filters: DayFilters, base: { toString(): string } = ''): string {
  const p = new URLSearchParams(base.toString());
  p.delete('status');
  p.delete('type');
  p.delete('q');
  if (filters.status.length) p.set('status', filters.status.join(','));
  if (filters.types.length) p.set('type', filters.types.join(','));
  if (filters.q.trim()) p.set('q', filters.q);
  const s = p.toString();
  return s ? `?${s}` : '';
}

export function hasFilters(f: DayFilters): boolean {
  return f.status.length > 0 || f.types.length > 0 || f.q.trim() !== '';
}

/**
 * True when the search text finds the case: `#12` finds case 12 only; `12` finds case 12 and
 * any address containing "12"; other text is looked for in the address (any case, any accents).
 */
export function matchesSearch(c: { id: string; address: string }, q: string): boolean {
  const text = q.trim();
  if (!text) return true;
  const id = /^#\s*(\d+)$/.exec(text);
  if (id) return c.id === String(Number(id[1]));
  if (/^\d+$/.test(text) && c.id === String(Number(text))) return true;
  return fold(c.address).includes(fold(text));
}

function fold(s: string): string {
  return s
    .normalize('NFD')
    .replace(/\p{Diacritic}/gu, '')
    .toLowerCase()
    .replace(/\s+/g, ' ');
}

export function matchesFilters(
  c: { id: string; address: string; bucket: StatusFilter; serviceCode: string },
  f: DayFilters,
): boolean {
  return (
    (f.status.length === 0 || f.status.includes(c.bucket)) &&
    (f.types.length === 0 || f.types.includes(c.serviceCode)) &&
    matchesSearch(c, f.q)
  );
}

/** Adds `value` to `values`, or takes it out when already there. */
export function toggle<T>(values: readonly T[], value: T): T[] {
  return values.includes(value) ? values.filter((v) => v !== value) : [...values, value];
}
