import type { Crew } from '@fieldfix/shared';
import type { Staff } from '../http/deps.ts';
import { ApiError } from '../http/errors.ts';

/**
 * Who may see a crew's work: its own workers, the leads of its department, admins.
 * (The write-side rule R8 builds on the same scope.)
 */
export function canSeeCrew(staff: Staff, crew: Pick<Crew, 'id' | 'departmentId'>): boolean {
  switch (staff.role) {
    case 'admin':
      return true;
    case 'lead':
      return staff.departmentId === crew.departmentId;
    case 'worker':
      return staff.crewId === crew.id;
  }
}

/** The crew a request is about: a worker's own by default; others must name one. */
export function crewIdFor(staff: Staff, requested: string | undefined): string {
  if (requested) return requested;
  if (staff.crewId) return staff.crewId;
  throw new ApiError(400, 'invalid-query', 'Name the crew: ?crew=<crew id>.');
}

export function notInScope(what: string): ApiError {
  return new ApiError(403, 'case-not-in-scope', `${what} is not assigned to your crew or department.`);
}
