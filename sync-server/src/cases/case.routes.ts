import { Hono } from 'hono';
import { z } from 'zod';
import { DayQuery, type DayResponse } from '@fieldfix/shared';
import { requireStaff } from '../auth/auth.middleware.ts';
import { ApiError } from '../http/errors.ts';
import { validate } from '../http/validate.ts';
import type { AppDeps, AppEnv } from '../http/deps.ts';
import { cityDate } from '../time.ts';
import { findCase, findCaseEvents, findCrewById, findCrewDay, listServiceTypes } from './case.repo.ts';
import { canSeeCrew, crewIdFor, notInScope } from './scope.ts';

export function caseRoutes({ sql, config }: AppDeps) {
  const staffOnly = requireStaff(sql);
  return new Hono<AppEnv>()
    .get('/day', staffOnly, validate('query', DayQuery), async (c) => {
      const staff = c.var.staff;
      const query = c.req.valid('query');
      const crew = await findCrewById(sql, crewIdFor(staff, query.crew));
      if (!crew) throw new ApiError(404, 'not-found', `No crew "${query.crew}".`);
      if (!canSeeCrew(staff, crew)) throw notInScope(`Crew ${crew.name}`);
      const now = new Date();
      const date = query.date ?? cityDate(now, config.cityTimeZone);
      const [cases, serviceTypes] = await Promise.all([
        findCrewDay(sql, crew.id, date, config.cityTimeZone),
        listServiceTypes(sql),
      ]);
      const body: DayResponse = { crew, date, serverTime: now.toISOString(), cases, serviceTypes };
      return c.json(body);
    })
    .get('/service-types', staffOnly, async (c) => c.json(await listServiceTypes(sql)))
    .get(
      '/cases/:id',
      staffOnly,
      validate('param', z.object({ id: z.string().regex(/^\d{1,18}$/, 'a case id is a number') })),
      async (c) => {
        const staff = c.var.staff;
        const { id } = c.req.valid('param');
        const found = await findCase(sql, id);
        if (!found) throw new ApiError(404, 'not-found', `No case #${id}.`);
        if (staff.role !== 'admin') {
          const crew = found.crewId ? await findCrewById(sql, found.crewId) : undefined;
          if (!crew || !canSeeCrew(staff, crew)) throw notInScope(`Case #${id}`);
        }
        return c.json({ case: found, events: await findCaseEvents(sql, id) });
      },
    );
}
