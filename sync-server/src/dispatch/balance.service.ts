/**
 * "Balance the day" and "order this route" (`POST /api/dispatch/balance`): the board's day
 * handed to the solver (`shared/src/dispatch`), its plan turned back into the changes a lead
 * may accept one by one. Nothing is written here: accepted changes are ordinary sync
 * mutations (assign, reorder) pushed through the outbox, against `baseVersion`.
 *
 * What the solver is given: the crews asked for (default every crew of the department) with
 * their yards, capacity in minutes (service plus travel) and skills; their open cases for the
 * day, carried-over work included, in route order. Cases in progress or on hold stay with
 * their crew (locked): the crew is on them. Unassigned cases are not placed by a balance: the
 * queue may hold months of backlog, and which of it goes out today is the lead's choice.
 * A case the plan cannot place (no crew with the skill) stays where it is and is listed in
 * `unplaced`. A day whose work does not fit the crews' hours is balanced with overtime
 * (`solveBalance`): the overrun is shared out, and the lead is told the day does not fit.
 */
import type { BalanceRequest, BalanceResponse, PlanChange } from '@fieldfix/shared';
import { ApiError } from '../http/errors.ts';
import type { BoardCaseRow } from './board.repo.ts';
import { serviceMinutesOf, type DispatchDay } from './board.service.ts';
import { CITY_SPEED_KMH, routeLoad } from './route-load.ts';
import { crewMayTake } from '../../../shared/src/dispatch/day.ts';
import type { DayInputLike, PlanLike } from './solver.ts';

/** The solver's day for the crews `request` names (their routes as they are now). */
export function dayInput(day: DispatchDay, request: BalanceRequest): { input: DayInputLike; crewIds: string[] } {
  const known = new Set(day.crews.map((c) => c.id));
  const unknown = (request.crewIds ?? []).filter((id) => !known.has(id));
  if (unknown.length > 0) {
    throw new ApiError(
      400,
      'invalid-body',
      `crewIds: ${unknown.map((id) => `"${id}"`).join(', ')} is not a crew of department ${day.departmentId}.`,
    );
  }
  const crewIds = request.crewIds ? [...new Set(request.crewIds)] : day.crews.map((c) => c.id);
  if (request.mode === 'order-route' && crewIds.length !== 1) {
    throw new ApiError(400, 'invalid-body', 'crewIds: "order-route" orders one crew\'s route: name exactly one crew.');
  }
  if (crewIds.length === 0) {
    throw new ApiError(400, 'invalid-body', `Department ${day.departmentId} has no crews to balance.`);
  }
  const crews = day.crews.filter((c) => crewIds.includes(c.id));
  const input: DayInputLike = {
    distance: 'haversine',
    objective: 'balanced',
    speedKmh: CITY_SPEED_KMH,
    crews: crews.map((c) => ({
      id: c.id,
      start: c.start,
      capacityMinutes: c.capacityMinutes,
      skills: c.skillCodes,
      currentCaseIds: (day.routes.get(c.id) ?? []).map((r) => r.record.id),
    })),
    cases: crews.flatMap((crew) =>
      (day.routes.get(crew.id) ?? []).map((r) => ({
        id: r.record.id,
        lat: r.record.lat,
        long: r.record.long,
        serviceMinutes: serviceMinutesOf(day.types, r.record),
        skill: r.record.serviceCode,
        crewId: crew.id,
        // The crew is on it: it stays theirs (the solver may still place it in the route).
        ...(r.record.state === 'in_progress' || r.record.state === 'on_hold' ? { locked: true } : {}),
      })),
    ),
  };
  return { input, crewIds };
}

/** A case some crew of the day may take (the solver's own rule: skills, and a locked case's crew). */
function someCrewTakes(input: DayInputLike, caseId: string): boolean {
  const c = input.cases.find((x) => x.id === caseId);
  if (!c) return false;
  const current = c.crewId ?? input.crews.find((k) => k.currentCaseIds?.includes(caseId))?.id;
  return input.crews.some((k) => crewMayTake(k.skills ? new Set(k.skills) : null, k.id === current, c));
}

/**
 * Solves a balance with `solve`: within the crews' hours first (`capacityMinutes` a limit),
 * and again with `overtime` when the day cannot fit them: its service minutes alone exceed
 * them, or the plan left out a case some crew could take (no room). A lead balancing an
 * overloaded day gets every case placed and the overrun shared by capacity, not a plan that
 * leaves cases where they were (on the busiest crew). "Order this route" keeps every case of
 * its route already.
 */
export async function solveBalance(
  input: DayInputLike,
  mode: BalanceRequest['mode'],
  solve: (input: DayInputLike) => Promise<PlanLike>,
): Promise<{ plan: PlanLike; overtime: boolean }> {
  if (mode !== 'balance') return { plan: await solve(input), overtime: false };
  const hours = input.crews.reduce((t, c) => t + (c.capacityMinutes ?? Infinity), 0);
  const work = input.cases.reduce((t, c) => t + (c.serviceMinutes ?? 0), 0);
  if (work <= hours) {
    const plan = await solve(input);
    if (!plan.unplaced.some((u) => someCrewTakes(input, u.caseId))) return { plan, overtime: false };
  }
  return { plan: await solve({ ...input, overtime: true }), overtime: true };
}

/** The plan as changes (only cases whose crew or place in the route changes) and figures. */
export function toBalanceResponse(
  day: DispatchDay,
  crewIds: string[],
  plan: PlanLike,
  overtime = false,
): BalanceResponse {
  const rows = new Map<string, { row: BoardCaseRow; crewId: string; position: number }>();
  for (const crewId of crewIds) {
    (day.routes.get(crewId) ?? []).forEach((row, i) => rows.set(row.record.id, { row, crewId, position: i + 1 }));
  }
  const unplaced = new Set(plan.unplaced.map((u) => u.caseId));
  const after = new Map<string, BoardCaseRow[]>(crewIds.map((id) => [id, []]));
  const changes: PlanChange[] = [];
  for (const route of plan.routes) {
    route.caseIds.forEach((caseId, i) => {
      const now = rows.get(caseId);
      if (!now) return; // not a case of this day (never expected)
      after.get(route.crewId)?.push(now.row);
      if (now.crewId === route.crewId && now.position === i + 1) return;
      changes.push({
        caseId,
        fromCrewId: now.crewId,
        toCrewId: route.crewId,
        fromPosition: now.position,
        toPosition: i + 1,
        baseVersion: now.row.record.version,
      });
    });
  }
  // A case the plan left out stays where it is, at the end of its crew's route.
  for (const id of unplaced) {
    const now = rows.get(id);
    if (now) after.get(now.crewId)?.push(now.row);
  }
  const figures = (routes: Map<string, BoardCaseRow[]>) =>
    crewIds.map((crewId) => {
      const crew = day.crews.find((c) => c.id === crewId)!;
      const list = routes.get(crewId) ?? [];
      const load = routeLoad(
        crew.start,
        list.map((r) => ({
          lat: r.record.lat,
          long: r.record.long,
          serviceMinutes: serviceMinutesOf(day.types, r.record),
        })),
      );
      return { crewId, ...load, cases: list.length };
    });
  return {
    changes,
    before: figures(new Map(crewIds.map((id) => [id, day.routes.get(id) ?? []]))),
    after: figures(after),
    unplaced: plan.unplaced,
    overtime,
    solveMs: Math.round(plan.solveMs),
  };
}
