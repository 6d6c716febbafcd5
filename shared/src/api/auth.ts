import { z } from 'zod';
import { IsoDateTime } from '../domain/case.ts';
import { Crew, StaffUser } from '../domain/people.ts';

export const LoginRequest = z.object({
  email: z.email().max(254),
  password: z.string().min(1).max(1024),
});
export type LoginRequest = z.infer<typeof LoginRequest>;

/**
 * What a device keeps of its session. `expiresAt` bounds how long the device may keep
 * working offline: a shift (12 h by default).
 */
export const SessionResponse = z.object({
  user: StaffUser,
  crew: Crew.nullable(),
  expiresAt: IsoDateTime,
  /** The city's time zone (IANA): devices count "today" in it, as the server does. */
  cityTimeZone: z.string(),
});
export type SessionResponse = z.infer<typeof SessionResponse>;
