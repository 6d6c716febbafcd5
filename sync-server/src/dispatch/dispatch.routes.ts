import { Hono } from 'hono';
import { openEventStream } from '../http/event-stream.ts';
import { z } from 'zod';
import {
  BalanceRequest,
  BoardQuery,
  dispatchDepartment,
  type BalanceResponse,
  type BoardResponse,
  type LiveEvent,
} from '@fieldfix/shared';
import { callerOf, type Staff } from '../access/caller.ts';
import { currentStaff, requireStaff } from '../auth/auth.middleware.ts';
import { ApiError } from '../http/errors.ts';
import { validate } from '../http/validate.ts';
import type { AppDeps, AppEnv } from '../http/deps.ts';
import type { Sql } from '../db/database.ts';
import { cityDate } from '../time.ts';
import { findDepartment } from './board.repo.ts';
import { loadDispatchDay, toBoard } from './board.service.ts';
import { liveHub } from './live-hub.ts';
import { dayInput, toBalanceResponse, solveBalance } from './balance.service.ts';
import { solveInWorker } from './solver.ts';

/** How soon a browser's EventSource reconnects after the stream drops. */
const RECONNECT_MS = 3_000;

const LiveQuery = z.object({ department: z.string().min(1).max(64).optional() });

/**
 * The department whose board `staff` asks for, decided by the access model (a lead's own, an
 * admin's named one); 403 for anyone else, 400 when an admin names none, 404 when it does
 * not exist.
 */
async function boardDepartment(sql: Sql, staff: Staff, asked: string | undefined): Promise<string> {
  const decision = dispatchDepartment(callerOf(staff), asked);
  if ('denial' in decision) {
    switch (decision.denial) {
      case 'department-required':
        throw new ApiError(400, 'invalid-query', 'Name the department: ?department=<department id>.');
      case 'not-your-department':
        throw new ApiError(403, 'forbidden', "The dispatch board shows your own department's crews only.");
      case 'role-not-allowed':
        throw new ApiError(403, 'forbidden', "The dispatch board is for the department's crew leads.");
    }
  }
  if (!(await findDepartment(sql, decision.departmentId))) {
    throw new ApiError(404, 'not-found', `No department "${decision.departmentId}".`);
  }
  return decision.departmentId;
}

export function dispatchRoutes({ sql, dbKind, log, config }: AppDeps) {
  const staffOnly = requireStaff(sql);
  // Looked up when first used: building the routes touches no database.
  const live = () => liveHub(sql, dbKind, log);
  return (
    new Hono<AppEnv>()
      .get('/board', staffOnly, validate('query', BoardQuery), async (c) => {
        const { date, department, ...filter } = c.req.valid('query');
        const departmentId = await boardDepartment(sql, c.var.staff, department);
        const now = new Date();
        const today = cityDate(now, config.cityTimeZone);
        const day = await loadDispatchDay(sql, departmentId, date, today, { filter, now });
        return c.json(toBoard(day, now) satisfies BoardResponse);
      })
      .get('/live', staffOnly, validate('query', LiveQuery), async (c) => {
        // Refused before the stream starts: a plain JSON error, not an event.
        const asked = c.req.valid('query').department;
        const departmentId = await boardDepartment(sql, c.var.staff, asked);
        // Still theirs while it stays open: not once the lead is signed out, ended or moved.
        const stillAllowed = async () => {
          const staff = await currentStaff(sql, c);
          if (!staff) return false;
          try {
            return (await boardDepartment(sql, staff, asked)) === departmentId;
          } catch (err) {
            if (err instanceof ApiError) return false;
            throw err;
          }
        };
        // Listening before the first line: the board may fetch then and miss nothing after its cursor.
        return openEventStream(
          c,
          `retry: ${RECONNECT_MS}\n: listening to ${departmentId}\n\n`,
          (send) => live().subscribe(departmentId, (event: LiveEvent) => send({ data: JSON.stringify(event) })),
          stillAllowed,
        );
      })
      // A suggestion only: nothing changes until the lead accepts changes as sync mutations.
      .post('/balance', staffOnly, validate('json', BalanceRequest), async (c) => {
        const request = c.req.valid('json');
        const departmentId = await boardDepartment(sql, c.var.staff, request.department);
        const today = cityDate(new Date(), config.cityTimeZone);
        const day = await loadDispatchDay(sql, departmentId, request.date, today);
        const { input, crewIds } = dayInput(day, request);
        const { plan, overtime } = await solveBalance(input, request.mode, (given) =>
          solveInWorker({ mode: request.mode, input: given, crewId: crewIds[0], timeLimitMs: request.timeLimitMs }),
        );
        return c.json(toBalanceResponse(day, crewIds, plan, overtime) satisfies BalanceResponse);
      })
  );
}
