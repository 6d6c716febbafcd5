import { z } from 'zod';
import type { DayInput } from './day.ts';

/** A CVRPLIB instance as `../shared/cvrp/*.json` holds it (EUC_2D, one depot, identical vehicles). */
export const CvrplibInstance = z.object({
  name: z.string(),
  capacity: z.number().positive(),
  vehicles: z.number().int().positive(),
  best_known: z.number().optional(),
  depot: z.object({ x: z.number(), y: z.number() }),
  customers: z.array(
    z.object({ id: z.union([z.number(), z.string()]), x: z.number(), y: z.number(), demand: z.number().nonnegative() }),
  ),
});
export type CvrplibInstance = z.infer<typeof CvrplibInstance>;

/**
 * The instance as a day with the distance objective: one crew per vehicle, all starting at
 * the depot, capacity in demand units, edges rounded as TSPLIB EUC_2D, at most `vehicles`
 * routes. The plan's `cost` is then the CVRPLIB cost.
 */
export function cvrplibToDay(instance: CvrplibInstance): DayInput {
  return {
    distance: 'euc2d-rounded',
    objective: 'distance',
    maxRoutes: instance.vehicles,
    crews: Array.from({ length: instance.vehicles }, (_, v) => ({
      id: `vehicle-${v + 1}`,
      start: { x: instance.depot.x, y: instance.depot.y },
      capacity: instance.capacity,
    })),
    cases: instance.customers.map((c) => ({ id: String(c.id), x: c.x, y: c.y, demand: c.demand, serviceMinutes: 0 })),
  };
}
