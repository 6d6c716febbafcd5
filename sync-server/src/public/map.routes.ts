/**
 * The public map's API, mounted at `/api/public`: the cases of the city's record in the
 * screen's box, grouped into grid cells sized for the zoom (the page's map clusters the cells
 * further with MapLibre's clustering), the same cases as a list (the map's alternative for
 * keyboard and screen-reader users), and what the filters offer. No account: everyone reads
 * as the public (`PUBLIC_CALLER`), the public fields of cases and nothing else.
 */
import { Hono } from 'hono';
import { z } from 'zod';
import {
  caseReadLevel,
  PUBLIC_CALLER,
  type PublicMapFilters,
  type PublicMapListResponse,
  type PublicMapResponse,
} from '@fieldfix/shared';
import type { AppDeps } from '../http/deps.ts';
import { ApiError } from '../http/errors.ts';
import { validate } from '../http/validate.ts';
import {
  CLOSED_STATES,
  mapCases,
  mapCells,
  mapFilters,
  OPEN_STATES,
  unknownFilterValues,
  type MapQuery,
} from './map.repo.ts';

/** A cell is this many screen pixels wide (MapLibre's 512-pixel tiles). */
export const CELL_PIXELS = 16;
/** Above this many cells in the box the client asked for too much at once. */
export const MAX_CELLS = 40_000;
const STATES = [...OPEN_STATES, ...CLOSED_STATES] as string[];

/** A number as written in decimal degrees (`-86.98`): not a blank, `0x2A` or `1e1`. */
const num = (name: string) => (s: string) =>
  z.regexes.number.test(s) ? Number(s) : `${name} "${s}" is not a number in decimal degrees`;

const Bbox = z
  .string({
    error: (issue) =>
      issue.input === undefined
        ? 'bbox is required: west,south,east,north in degrees'
        : 'bbox must be given once: west,south,east,north in degrees',
  })
  .transform((s, ctx) => {
    const parts = s.split(',');
    if (parts.length !== 4) {
      ctx.addIssue({ code: 'custom', message: 'bbox needs four numbers: west,south,east,north' });
      return z.NEVER;
    }
    const xs = parts.map((p, i) => num(['west', 'south', 'east', 'north'][i]!)(p));
    const bad = xs.find((x) => typeof x === 'string');
    if (bad !== undefined) {
      ctx.addIssue({ code: 'custom', message: bad as string });
      return z.NEVER;
    }
    const [w, so, e, n] = xs as number[];
    const problems: string[] = [];
    if (w! < -180 || e! > 180) problems.push('west and east must be between -180 and 180');
    if (so! < -90 || n! > 90) problems.push('south and north must be between -90 and 90');
    if (!(w! < e!)) problems.push('west must be less than east (a box across the antimeridian is not supported)');
    if (!(so! < n!)) problems.push('south must be less than north');
    if (problems.length) {
      ctx.addIssue({ code: 'custom', message: problems.join('; ') });
      return z.NEVER;
    }
    return [w!, so!, e!, n!] as [number, number, number, number];
  });

const Codes = (what: string) =>
  z
    .string()
    .optional()
    .transform((s, ctx) => {
      if (s === undefined || s.trim() === '') return null;
      const list = [...new Set(s.split(',').map((x) => x.trim()))].filter((x) => x !== '');
      if (list.length > 100) {
        ctx.addIssue({ code: 'custom', message: `at most 100 ${what} at once` });
        return z.NEVER;
      }
      const bad = list.find((x) => !/^[A-Za-z0-9_.-]{1,64}$/.test(x));
      if (bad !== undefined) {
        ctx.addIssue({ code: 'custom', message: `"${bad.slice(0, 64)}" is not a ${what} code` });
        return z.NEVER;
      }
      return list;
    });

/** `status`: case states, or `open` / `closed` for all the open or closed ones. */
const Status = z
  .string()
  .optional()
  .transform((s, ctx) => {
    if (s === undefined || s.trim() === '') return null;
    const out = new Set<string>();
    for (const raw of s.split(',')) {
      const x = raw.trim();
      if (x === 'open') OPEN_STATES.forEach((st) => out.add(st));
      else if (x === 'closed') CLOSED_STATES.forEach((st) => out.add(st));
      else if (STATES.includes(x)) out.add(x);
      else {
        ctx.addIssue({
          code: 'custom',
          message: `"${x.slice(0, 40)}" is not a status: use open, closed or one of ${STATES.join(', ')}`,
        });
        return z.NEVER;
      }
    }
    return [...out];
  });

const Filters = {
  bbox: Bbox,
  type: Codes('type'),
  district: Codes('district'),
  department: Codes('department'),
  status: Status,
};

const MapQuerySchema = z.object({
  ...Filters,
  zoom: z
    .string({ error: 'zoom is required: the map zoom, 0 to 22' })
    .regex(/^\d{1,2}(\.\d+)?$/, 'zoom must be a number from 0 to 22')
    .transform(Number)
    .refine((z) => z >= 0 && z <= 22, 'zoom must be a number from 0 to 22'),
});

const ListQuerySchema = z.object({
  ...Filters,
  limit: z
    .string()
    .regex(/^\d{1,4}$/, 'limit must be a whole number from 1 to 200')
    .transform(Number)
    .refine((n) => n >= 1 && n <= 200, 'limit must be a whole number from 1 to 200')
    .optional(),
  offset: z
    .string()
    .regex(/^\d{1,7}$/, 'offset must be a whole number')
    .transform(Number)
    .optional(),
});

/** The size in degrees of a cell of `CELL_PIXELS` at `zoom`, near latitude `lat` (Web Mercator). */
export function cellSize(zoom: number, lat: number): [number, number] {
  const x = (360 * CELL_PIXELS) / (512 * 2 ** Math.floor(zoom));
  return [x, x * Math.max(0.05, Math.cos((lat * Math.PI) / 180))];
}

export type MapRouteOptions = { now?: () => Date };

export function mapRoutes({ sql }: AppDeps, opts: MapRouteOptions = {}) {
  const clock = opts.now ?? (() => new Date());

  // Everyone reads the record as the public: the access model must give the public the
  // public fields of any case (and the queries read nothing else).
  const assertPublic = () => {
    if (caseReadLevel(PUBLIC_CALLER, { crewId: null, departmentId: '' }) !== 'public') {
      throw new ApiError(403, 'forbidden', 'The public record is not open.');
    }
  };

  async function checkKnown(q: Pick<MapQuery, 'types' | 'districts' | 'departments'>) {
    const unknown = await unknownFilterValues(sql, q);
    const problems = [
      unknown.types.length ? `type: no service type ${unknown.types.join(', ')}` : '',
      unknown.districts.length ? `district: no district ${unknown.districts.join(', ')}` : '',
      unknown.departments.length ? `department: no department ${unknown.departments.join(', ')}` : '',
    ].filter(Boolean);
    if (problems.length) throw new ApiError(400, 'invalid-query', `Invalid query string: ${problems.join('; ')}`);
  }

  return new Hono()
    .get('/map/filters', async (c) => {
      assertPublic();
      c.header('cache-control', 'public, max-age=300');
      return c.json((await mapFilters(sql)) satisfies PublicMapFilters);
    })

    .get('/map/cases', validate('query', ListQuerySchema), async (c) => {
      assertPublic();
      const v = c.req.valid('query');
      const q: MapQuery = {
        bbox: v.bbox,
        types: v.type,
        districts: v.district,
        departments: v.department,
        states: v.status,
        now: clock(),
      };
      await checkKnown(q);
      const list = await mapCases(sql, q, { limit: v.limit ?? 50, offset: v.offset ?? 0 });
      c.header('cache-control', 'no-cache');
      return c.json(list satisfies PublicMapListResponse);
    })

    .get('/map', validate('query', MapQuerySchema), async (c) => {
      assertPublic();
      const v = c.req.valid('query');
      const [w, s, e, n] = v.bbox;
      const zoom = Math.floor(v.zoom);
      const cell = cellSize(zoom, (s + n) / 2);
      const cells = Math.ceil((e - w) / cell[0]) * Math.ceil((n - s) / cell[1]);
      if (cells > MAX_CELLS) {
        throw new ApiError(
          400,
          'invalid-query',
          `Invalid query string: bbox is too large for zoom ${zoom} (${cells} cells, at most ${MAX_CELLS}): zoom out or ask for a smaller box`,
        );
      }
      const q: MapQuery = {
        bbox: v.bbox,
        types: v.type,
        districts: v.district,
        departments: v.department,
        states: v.status,
        now: clock(),
      };
      await checkKnown(q);
      const found = await mapCells(sql, q, cell);
      const body: PublicMapResponse = {
        zoom,
        cell,
        total: found.reduce((t, x) => t + x.n, 0),
        cells: found,
      };
      c.header('cache-control', 'no-cache');
      return c.json(body);
    });
}
