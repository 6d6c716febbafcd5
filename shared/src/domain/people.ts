import { z } from 'zod';

export const ROLES = ['worker', 'lead', 'admin'] as const;
export const Role = z.enum(ROLES);
export type Role = z.infer<typeof Role>;

/** A signed-in member of staff, as the server tells the device. */
export const StaffUser = z.object({
  id: z.string(),
  name: z.string(),
  email: z.string(),
  role: Role,
  crewId: z.string().nullable(),
  departmentId: z.string().nullable(),
});
export type StaffUser = z.infer<typeof StaffUser>;

export const Crew = z.object({
  id: z.string(),
  name: z.string(),
  departmentId: z.string(),
  capacity: z.number().int().positive(),
});
export type Crew = z.infer<typeof Crew>;
