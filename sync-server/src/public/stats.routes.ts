/**
 * The city's figures, mounted at `/api/public`: `GET /stats` answers JSON (`format=json`, the
 * default) or CSV (`format=csv`, with `table=types`, the default, or `table=weeks`), the same
 * numbers either way. No account: counts of the public record, read as the public.
 */
import { Hono } from 'hono';
import { z } from 'zod';
import { caseReadLevel, PUBLIC_CALLER, type PublicStatsResponse } from '@fieldfix/shared';
import type { AppDeps } from '../http/deps.ts';
import { ApiError } from '../http/errors.ts';
import { validate } from '../http/validate.ts';
import { publicStats } from './stats.repo.ts';
import { STATS_CSV_TABLES, statsCsv } from './stats-csv.ts';

const StatsQuery = z
  .object({
    format: z.enum(['json', 'csv'], { error: 'format must be json or csv' }).optional(),
    table: z.enum(STATS_CSV_TABLES, { error: `table must be ${STATS_CSV_TABLES.join(' or ')}` }).optional(),
  })
  .refine((q) => q.table === undefined || q.format === 'csv', {
    message: 'table is for format=csv only (the JSON holds both tables)',
    path: ['table'],
  });

export type StatsRouteOptions = { now?: () => Date };

export function statsRoutes({ sql, config }: AppDeps, opts: StatsRouteOptions = {}) {
  const clock = opts.now ?? (() => new Date());
  return new Hono().get('/stats', validate('query', StatsQuery), async (c) => {
    // Counts of every case, which the access model gives the public (its public fields).
    if (caseReadLevel(PUBLIC_CALLER, { crewId: null, departmentId: '' }) !== 'public') {
      throw new ApiError(403, 'forbidden', 'The public record is not open.');
    }
    const { format = 'json', table = 'types' } = c.req.valid('query');
    const stats: PublicStatsResponse = await publicStats(sql, clock(), config.cityTimeZone);
    c.header('cache-control', 'no-cache');
    if (format === 'json') return c.json(stats);
    const day = stats.generatedAt.slice(0, 10);
    c.header('content-type', 'text/csv; charset=utf-8');
    c.header('content-disposition', `attachment; filename="city-311-figures-${table}-${day}.csv"`);
    return c.body(statsCsv(stats, table));
  });
}
