/**
 * Who is asking, as the server's services and repositories see them. Authentication (the
 * session, `auth/`) finds the person; what they may do is decided by the one access model in
 * `@fieldfix/shared` (`access/access.ts`) and its SQL form beside this file.
 */
import { staffCaller, type Role, type StaffCaller } from '@fieldfix/shared';

/** A signed-in member of staff. */
export type Staff = {
  id: string;
  name: string;
  email: string;
  role: Role;
  crewId: string | null;
  departmentId: string | null;
};

/** The access model's caller for a signed-in member of staff. */
export function callerOf(staff: Staff): StaffCaller {
  return staffCaller(staff);
}
