import { z } from 'zod';
import { CaseRecord, IsoDate, IsoDateTime } from '../domain/case.ts';
import { ServiceType } from '../domain/service-type.ts';
import { Crew } from '../domain/people.ts';
import { SaneDate } from '../domain/limits.ts';

export const DayQuery = z.object({
  crew: z.string().min(1).max(64).optional(),
  date: SaneDate.optional(),
});

/**
 * A crew's day: its open cases assigned for that day or earlier (carried-over work first),
 * in route order, with the service types a device needs to show and work them.
 */
export const DayResponse = z.object({
  crew: Crew,
  date: IsoDate,
  serverTime: IsoDateTime,
  cases: z.array(CaseRecord),
  serviceTypes: z.array(ServiceType),
});
export type DayResponse = z.infer<typeof DayResponse>;
