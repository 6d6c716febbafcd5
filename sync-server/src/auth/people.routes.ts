import { randomBytes } from 'node:crypto';
import { Hono } from 'hono';
import { createMiddleware } from 'hono/factory';
import { z } from 'zod';
import {
  canManagePeople,
  CreatePersonRequest,
  UpdatePersonRequest,
  type PeopleResponse,
  type Placement,
  type PersonResponse,
} from '@fieldfix/shared';
import { callerOf } from '../access/caller.ts';
import { ApiError } from '../http/errors.ts';
import { validate } from '../http/validate.ts';
import type { AppDeps, AppEnv } from '../http/deps.ts';
import type { Queryable } from '../db/database.ts';
import { requireStaff } from './auth.middleware.ts';
import { hashPassword } from './password.ts';
import { revokeUserSessions } from './session.repo.ts';
import { findPerson, findUserByEmail, insertPerson, listPeople, placementColumns, updatePerson } from './user.repo.ts';

/**
 * Staff accounts, for administrators (`/api/admin/people`): list everyone, add a person with
 * a first password, change a name, email, role, crew or department, set a new password, end or
 * restore an account. A new password, a new role, crew or department (the device signed in
 * with the old one) or an ended account signs the person out on every device at once (on
 * every instance: `QuietPull.forgetUser`). An admin cannot end or demote their own account:
 * another admin must, so the city is never left without one by mistake.
 */
export function peopleRoutes({ sql, quietPull }: AppDeps) {
  return new Hono<AppEnv>()
    .use(requireStaff(sql), peopleAdmin)
    .get('/', async (c) => c.json((await listPeople(sql)) satisfies PeopleResponse))
    .post('/', validate('json', CreatePersonRequest), async (c) => {
      const body = c.req.valid('json');
      const placement = await placed(sql, body.placement);
      const person = await insertPerson(sql, {
        id: `u_${randomBytes(8).toString('hex')}`,
        name: body.name,
        email: body.email,
        passwordHash: await hashPassword(body.password),
        placement,
      });
      if (!person) {
        // Someone coming back to work has an ended account: say so, and the way back.
        const ended = (await findUserByEmail(sql, body.email))?.active === false;
        throw new ApiError(
          409,
          'conflict',
          ended
            ? `An ended account has the email ${body.email}: find it in the list and restore it instead.`
            : `An account with the email ${body.email} exists already.`,
        );
      }
      return c.json({ person } satisfies PersonResponse, 201);
    })
    .put(
      '/:id',
      validate('param', z.object({ id: z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, 'is not an account id') })),
      validate('json', UpdatePersonRequest),
      async (c) => {
        const { id } = c.req.valid('param');
        const body = c.req.valid('json');
        const self = id === c.var.staff.id;
        if (self && body.active === false) {
          throw new ApiError(409, 'conflict', 'You cannot end your own account: another administrator must.');
        }
        if (self && body.placement && body.placement.role !== 'admin') {
          throw new ApiError(
            409,
            'conflict',
            'You cannot take away your own administrator role: another administrator must.',
          );
        }
        const before = await findPerson(sql, id);
        if (!before) throw new ApiError(404, 'not-found', 'There is no such account.');
        const placement = body.placement && (await placed(sql, body.placement));
        // A device keeps the role and crew it signed in with (its day, its predictions): a
        // person moved signs in again, and their device starts on the new crew's day. (A new
        // role always changes the crew or the department: a crew member has a crew, a lead a
        // department and no crew, an admin neither.)
        const moved =
          !!placement && (placement.crew_id !== before.crewId || placement.department_id !== before.departmentId);
        const passwordHash = body.password === undefined ? undefined : await hashPassword(body.password);
        // Ending or demoting an administrator: another active one must remain. The active
        // administrators are locked first, so two admins ending each other at once cannot
        // both succeed and leave the city with none.
        const removesAdmin =
          before.role === 'admin' &&
          before.active &&
          (body.active === false || (!!placement && placement.role !== 'admin'));
        const person = await sql
          .begin(async (tx) => {
            if (removesAdmin) {
              const admins = await tx<{ id: string }[]>`
              select id from users where role = 'admin' and active order by id for update`;
              if (!admins.some((a) => a.id !== id)) {
                throw new ApiError(409, 'conflict', 'This is the last administrator: make someone else one first.');
              }
            }
            const updated = await updatePerson(tx, id, {
              name: body.name,
              email: body.email,
              placement,
              passwordHash,
              active: body.active,
            });
            // Signed out everywhere (an admin setting their own password keeps this session), in
            // the same transaction: a new password never stands while a lost tablet stays signed in.
            if (updated && (body.password !== undefined || body.active === false || moved)) {
              await revokeUserSessions(tx, id, self ? c.var.sessionTokenHash : undefined);
            }
            return updated;
          })
          .catch((e: unknown) => {
            // Another account has this email (in any case): nothing of the change is stored.
            if (body.email !== undefined && isUniqueViolation(e, 'users_email_key')) {
              throw new ApiError(409, 'conflict', `${body.email} is the email of another account.`);
            }
            throw e;
          });
        if (!person) throw new ApiError(404, 'not-found', 'There is no such account.');
        // Every instance asks the database about this person again at their next request.
        await quietPull?.forgetUser(id);
        return c.json({ person } satisfies PersonResponse);
      },
    );
}

function isUniqueViolation(e: unknown, constraint: string): boolean {
  const err = e as { code?: unknown; constraint_name?: unknown; constraint?: unknown } | null;
  return err?.code === '23505' && (err.constraint_name ?? err.constraint) === constraint;
}

/** The columns for a placement, or a 400 naming the crew or department that does not exist. */
async function placed(sql: Queryable, p: Placement) {
  const columns = await placementColumns(sql, p);
  if (columns) return columns;
  const missing =
    p.role === 'worker' ? `crew "${p.crewId}"` : p.role === 'lead' ? `department "${p.departmentId}"` : '';
  throw new ApiError(400, 'invalid-body', `There is no ${missing}.`);
}

const peopleAdmin = createMiddleware<AppEnv>(async (c, next) => {
  if (!canManagePeople(callerOf(c.var.staff))) {
    throw new ApiError(403, 'forbidden', 'Staff accounts are for administrators.');
  }
  await next();
});
