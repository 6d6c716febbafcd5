/**
 * The city's public record (`/map` and `/stats`, read from `/api/public/map*` and
 * `/api/public/stats`): where cases are and how long they take, from the public fields of
 * cases (`PublicCase`) and the catalogue (types, departments, districts). Counts and places,
 * never a description, a resident, a member of staff or a crew.
 */
import type { CaseState } from '../domain/lifecycle.ts';
import type { PublicCase } from '../access/public-case.ts';

/** The map shows every open case and the cases closed in the last this many days. */
export const MAP_CLOSED_DAYS = 90;
/** The figures count cases closed in the last this many days, */
export const STATS_CLOSED_DAYS = 365;
/** …and show this many weeks of trend (the current week last). */
export const STATS_WEEKS = 26;
/** Age bands of open cases, in whole days since the report: 0–7, 8–30, 31–90, over 90. */
export const AGE_BANDS = [
  { id: '0-7', from: 0, to: 7 },
  { id: '8-30', from: 8, to: 30 },
  { id: '31-90', from: 31, to: 90 },
  { id: '91+', from: 91, to: null },
] as const;
export type AgeBandId = (typeof AGE_BANDS)[number]['id'];

/** The band of an open case `days` old. */
export function ageBand(days: number): AgeBandId {
  return days <= 7 ? '0-7' : days <= 30 ? '8-30' : days <= 90 ? '31-90' : '91+';
}

/** What the map's filters offer (`GET /api/public/map/filters`). */
export type PublicMapFilters = {
  services: { code: string; name: string; group: string; departmentId: string }[];
  departments: { id: string; name: string }[];
  districts: { id: string; name: string }[];
  /** The city's extent, [west, south, east, north]. */
  bounds: [number, number, number, number] | null;
  closedDays: number;
};

/**
 * One grid cell of the map (`GET /api/public/map`): how many cases lie in it and where their
 * middle is. A cell of one case also says which case it is, its type, state and age.
 */
export type PublicMapCell = {
  lat: number;
  long: number;
  /** Cases in the cell. */
  n: number;
  /** Of them open. */
  open: number;
  /** Sum of the open ones' ages, in whole days (a cluster's colour is their mean age). */
  ageSum: number;
  id?: string;
  state?: CaseState;
  type?: string;
  /** Whole days since the report (to the close when closed). */
  age?: number;
};

export type PublicMapResponse = {
  zoom: number;
  /** A cell's size in degrees: [longitude, latitude]. */
  cell: [number, number];
  /** Cases in the box. */
  total: number;
  cells: PublicMapCell[];
};

/** A case in the map's list (`GET /api/public/map/cases`): public fields only. */
export type PublicMapCase = Pick<
  PublicCase,
  'id' | 'serviceCode' | 'state' | 'address' | 'lat' | 'long' | 'requestedAt' | 'closedAt'
> & { ageDays: number };

export type PublicMapListResponse = { total: number; cases: PublicMapCase[] };

/** Figures of one department and type (both set), one department (type null) or the city (both null). */
export type PublicStatsRow = {
  departmentId: string | null;
  departmentName: string | null;
  serviceCode: string | null;
  serviceName: string | null;
  /** The type's target (SLA) in days; null for a department or the city. */
  targetDays: number | null;
  /** Open cases by age band, in the order of `AGE_BANDS`. */
  open: [number, number, number, number];
  openTotal: number;
  /** Cases closed in the last `STATS_CLOSED_DAYS` days. */
  closed: number;
  /** Their median days from report to close (one decimal), null when none. */
  medianDaysToClose: number | null;
  /** Of them closed within their type's target. */
  closedWithinTarget: number;
  /** closedWithinTarget / closed (three decimals), null when none. */
  shareWithinTarget: number | null;
};

/** One week of a row's trend (the week starts on Monday, in the city's time zone). */
export type PublicStatsWeek = {
  week: string;
  departmentId: string | null;
  serviceCode: string | null;
  reported: number;
  closed: number;
  medianDaysToClose: number | null;
  closedWithinTarget: number;
  shareWithinTarget: number | null;
};

export type PublicStatsResponse = {
  generatedAt: string;
  timeZone: string;
  closedDays: number;
  weeks: number;
  bands: AgeBandId[];
  rows: PublicStatsRow[];
  trend: PublicStatsWeek[];
};
