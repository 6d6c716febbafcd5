/**
 * The city's figures as CSV (RFC 4180, UTF-8), the same numbers as the JSON: `types` has one
 * line per city / department / department and type, `weeks` one per week of each. Pure.
 */
import type { PublicStatsResponse } from '@fieldfix/shared';

export const STATS_CSV_TABLES = ['types', 'weeks'] as const;
export type StatsCsvTable = (typeof STATS_CSV_TABLES)[number];

/** One field: quoted when needed; a text that a spreadsheet would run as a formula is defused. */
function field(v: string | number | null): string {
  if (v === null) return '';
  if (typeof v === 'number') return String(v);
  const text = /^[=+\-@\t\r]/.test(v) ? `'${v}` : v;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

const line = (values: (string | number | null)[]) => values.map(field).join(',');
const level = (departmentId: string | null, serviceCode: string | null) =>
  departmentId === null ? 'city' : serviceCode === null ? 'department' : 'type';

export const TYPES_HEADER = [
  'level',
  'department_id',
  'department',
  'service_code',
  'service_type',
  'target_days',
  'open_0_7_days',
  'open_8_30_days',
  'open_31_90_days',
  'open_over_90_days',
  'open_total',
  'closed_last_365_days',
  'median_days_to_close',
  'closed_within_target',
  'share_closed_within_target',
];

export const WEEKS_HEADER = [
  'week_starting',
  'level',
  'department_id',
  'service_code',
  'reported',
  'closed',
  'median_days_to_close',
  'closed_within_target',
  'share_closed_within_target',
];

export function statsCsv(stats: PublicStatsResponse, table: StatsCsvTable): string {
  const lines =
    table === 'types'
      ? [
          line(TYPES_HEADER),
          ...stats.rows.map((r) =>
            line([
              level(r.departmentId, r.serviceCode),
              r.departmentId,
              r.departmentName,
              r.serviceCode,
              r.serviceName,
              r.targetDays,
              ...r.open,
              r.openTotal,
              r.closed,
              r.medianDaysToClose,
              r.closedWithinTarget,
              r.shareWithinTarget,
            ]),
          ),
        ]
      : [
          line(WEEKS_HEADER),
          ...stats.trend.map((w) =>
            line([
              w.week,
              level(w.departmentId, w.serviceCode),
              w.departmentId,
              w.serviceCode,
              w.reported,
              w.closed,
              w.medianDaysToClose,
              w.closedWithinTarget,
              w.shareWithinTarget,
            ]),
          ),
        ];
  return lines.join('\r\n') + '\r\n';
}
