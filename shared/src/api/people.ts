import { z } from 'zod';
import { StaffUser } from '../domain/people.ts';
import { storableString } from '../domain/limits.ts';

// The administrators' list of staff accounts (`/api/admin/people`): who may sign in, in
// which role, on which crew or for which department. A crew member belongs to a crew (their
// department is the crew's), a lead to a department, an administrator to neither.

/** The shortest password a new one may be (NIST SP 800-63B asks 8 at least). */
export const PASSWORD_MIN = 10;

const Name = storableString(200).pipe(z.string().trim().min(1, 'is empty'));
const Email = z.email('is not an email address').max(254);
const Password = z
  .string()
  .min(PASSWORD_MIN, `must be at least ${PASSWORD_MIN} characters`)
  .max(200)
  .refine((s) => s.trim().length === s.length, 'must not start or end with a space');
/** A crew's or a department's id, as the catalogue writes them ("streets-b"). */
const Id = z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, 'is not an id');

export const PersonInfo = z.strictObject({
  ...StaffUser.shape,
  /** False once an administrator has ended the account: it signs in nowhere. */
  active: z.boolean(),
  createdAt: z.iso.datetime({ offset: true }),
});
export type PersonInfo = z.infer<typeof PersonInfo>;

/** `GET /api/admin/people`: everyone, with the crews and departments they may be put in. */
export const PeopleResponse = z.strictObject({
  people: z.array(PersonInfo),
  crews: z.array(z.strictObject({ id: z.string(), name: z.string(), departmentId: z.string() })),
  departments: z.array(z.strictObject({ id: z.string(), name: z.string() })),
});
export type PeopleResponse = z.infer<typeof PeopleResponse>;

/** Where a role places a person: a crew member's crew, a lead's department, nothing for an admin. */
export const Placement = z.discriminatedUnion('role', [
  z.strictObject({ role: z.literal('worker'), crewId: Id }),
  z.strictObject({ role: z.literal('lead'), departmentId: Id }),
  z.strictObject({ role: z.literal('admin') }),
]);
export type Placement = z.infer<typeof Placement>;

/** `POST /api/admin/people`: a new account, with the password its owner will first sign in with. */
export const CreatePersonRequest = z.strictObject({
  name: Name,
  email: Email,
  password: Password,
  placement: Placement,
});
export type CreatePersonRequest = z.infer<typeof CreatePersonRequest>;

/**
 * `PUT /api/admin/people/{id}`: what changes (the rest stays). A new password or an ended
 * account signs the person out on every device; their unsynced changes stay on those devices
 * until someone signs in there again.
 */
export const UpdatePersonRequest = z
  .strictObject({
    name: Name.optional(),
    /** A typo at sign-up or a new address: the person signs in with it from now on. */
    email: Email.optional(),
    placement: Placement.optional(),
    password: Password.optional(),
    active: z.boolean().optional(),
  })
  .refine((u) => Object.values(u).some((v) => v !== undefined), 'says nothing to change');
export type UpdatePersonRequest = z.infer<typeof UpdatePersonRequest>;

/** The answer to a create or an update: the account as it now is. */
export const PersonResponse = z.strictObject({ person: PersonInfo });
export type PersonResponse = z.infer<typeof PersonResponse>;
