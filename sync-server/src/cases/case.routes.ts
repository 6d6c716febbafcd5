import { Hono } from 'hono';
import { z } from 'zod';
import {
  canSeeCrew,
  caseScope,
  CaseHistoriesRequest,
  CaseId,
  type CaseDetailResponse,
  type CaseHistoriesResponse,
  type DayResponse,
  DayQuery,
  type ServiceTypesResponse,
} from '@fieldfix/shared';
import { callerOf } from '../access/caller.ts';
import { caseScopeSql, readableCase } from '../access/case-scope.sql.ts';
import { requireStaff } from '../auth/auth.middleware.ts';
import { ApiError } from '../http/errors.ts';
import { validate } from '../http/validate.ts';
import type { AppDeps, AppEnv } from '../http/deps.ts';
import { cityDate } from '../time.ts';
import {
  findCase,
  findCaseEvents,
  findCaseHistories,
  findCrewById,
  findCrewDay,
  findNames,
  listServiceTypes,
} from './case.repo.ts';

export function caseRoutes({ sql, config }: AppDeps) {
  const staffOnly = requireStaff(sql);
  return new Hono<AppEnv>()
    .get('/day', staffOnly, validate('query', DayQuery), async (c) => {
      const staff = c.var.staff;
      const query = c.req.valid('query');
      const crewId = query.crew ?? staff.crewId;
      if (!crewId) throw new ApiError(400, 'invalid-query', 'Name the crew: ?crew=<crew id>.');
      const crew = await findCrewById(sql, crewId);
      if (!crew) throw new ApiError(404, 'not-found', `No crew "${crewId}".`);
      if (!canSeeCrew(callerOf(staff), crew)) {
        throw new ApiError(403, 'case-not-in-scope', `Crew ${crew.name} is not your crew or in your department.`);
      }
      const now = new Date();
      const date = query.date ?? cityDate(now, config.cityTimeZone);
      const [cases, serviceTypes] = await Promise.all([
        findCrewDay(sql, crew.id, date, config.cityTimeZone),
        listServiceTypes(sql),
      ]);
      const body: DayResponse = { crew, date, serverTime: now.toISOString(), cases, serviceTypes };
      return c.json(body);
    })
    .get('/service-types', staffOnly, async (c) => c.json((await listServiceTypes(sql)) satisfies ServiceTypesResponse))
    .post('/cases/histories', staffOnly, validate('json', CaseHistoriesRequest), async (c) => {
      const { ids } = c.req.valid('json');
      const scope = caseScopeSql(sql, caseScope(callerOf(c.var.staff)), 'c');
      const [histories, names] = await Promise.all([findCaseHistories(sql, [...new Set(ids)], scope), findNames(sql)]);
      return c.json({ histories, names } satisfies CaseHistoriesResponse);
    })
    .get('/cases/:id', staffOnly, validate('param', z.object({ id: CaseId })), async (c) => {
      const { id } = c.req.valid('param');
      await readableCase(sql, callerOf(c.var.staff), id);
      const [found, events, names] = await Promise.all([findCase(sql, id), findCaseEvents(sql, id), findNames(sql)]);
      if (!found) throw new ApiError(404, 'not-found', `No case #${id}.`);
      return c.json({ case: found, events, names } satisfies CaseDetailResponse);
    });
}
