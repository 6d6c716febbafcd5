/**
 * The tracking page's API, mounted at `/api/public`: a case's public timeline, following it by
 * email (double opt-in), unfollowing, and "still a problem?". No account: reads are the
 * public's (`PUBLIC_CALLER` through `publicTrack`); each change carries its own authority, a
 * token the server signed (the confirmation email's, the notices' tracking link's, or the
 * unfollow token a confirmation answers with). Asking for a confirmation email is rate-limited
 * per client address and per email address.
 */
import { Hono, type Context } from 'hono';
import { createHash } from 'node:crypto';
import { z } from 'zod';
import {
  FollowConfirm,
  FollowRequest,
  PublicEmail,
  PublicReopenRequest,
  STILL_A_PROBLEM_WINDOW_DAYS,
  UnfollowRequest,
  type FollowConfirmResponse,
  type FollowRequestResponse,
  type PublicReopenResponse,
  type UnfollowResponse,
} from '@fieldfix/shared';
import { clientAddress } from '../auth/client-address.ts';
import type { AppDeps } from '../http/deps.ts';
import { ApiError } from '../http/errors.ts';
import { validate } from '../http/validate.ts';
import { unsubscribe } from '../notices-delivery/notice.repo.ts';
import { answerBase, linkBase, linkSecret, signLink, verifyLink } from '../notices-delivery/signed-links.ts';
import { findRequests, findTimelines, listServices } from '../open311/open311.repo.ts';
import { announceCaseChanges } from '../dispatch/live-publish.ts';
import { stillAProblemLastSecond } from '../resident-reopen/window.ts';
import { reopenByResidentLink } from '../resident-reopen/still-a-problem.repo.ts';
import { sendFollowConfirmation } from './follow-mail.ts';
import { enforceLimits } from './rate-limit.repo.ts';
import { addFollower, caseExists, completePublicPhotos, departmentNames, removeFollower } from './track.repo.ts';
import { photoIdsOf, publicTrack } from './track.ts';

const DAY_MS = 86_400_000;
const FOLLOW_LINK_DAYS = 3;
const CaseParam = z.object({ id: z.string().regex(/^\d{1,18}$/, 'a case id is a number') });

export type PublicRouteOptions = { now?: () => Date };

export function trackRoutes(deps: AppDeps, opts: PublicRouteOptions = {}) {
  const { sql, config } = deps;
  const clock = opts.now ?? (() => new Date());
  const baseOf = (c: Context) => answerBase(config, c.req.url);
  const notFound = (id: string) =>
    new ApiError(404, 'not-found', `There is no case #${id}. Check the number in your email or receipt.`);

  return new Hono()
    .get('/cases/:id', validate('param', CaseParam), async (c) => {
      const { id } = c.req.valid('param');
      const [row] = await findRequests(sql, { kind: 'ids', ids: [id] });
      if (!row) throw notFound(id);
      const [timelines, services, departments] = await Promise.all([
        findTimelines(sql, [id]),
        listServices(sql, { retired: true }),
        departmentNames(sql),
      ]);
      const events = timelines.get(id) ?? [];
      const service = services.find((s) => s.code === row.record.serviceCode);
      if (!service) throw notFound(id); // a type gone from the catalogue altogether (never expected)
      const body = publicTrack(row, events, {
        service,
        departments,
        completePhotos: await completePublicPhotos(sql, photoIdsOf(row, events)),
        base: baseOf(c),
        now: clock(),
        timeZone: config.cityTimeZone,
      });
      if (!body) throw notFound(id);
      c.header('cache-control', 'no-cache');
      return c.json(body);
    })

    .post('/cases/:id/follow', validate('param', CaseParam), validate('json', FollowRequest), async (c) => {
      const { id } = c.req.valid('param');
      const { email, language } = c.req.valid('json');
      if (!(await caseExists(sql, id))) throw notFound(id);
      const now = clock();
      const who = createHash('sha256').update(email.toLowerCase()).digest('hex').slice(0, 32);
      await enforceLimits(
        sql,
        [
          { bucket: `follow:ip:${clientAddress(c, config.trustProxyHops)}`, max: 20, windowSeconds: 3600 },
          { bucket: `follow:email:${who}`, max: 5, windowSeconds: 86_400 },
        ],
        now,
        'follow requests',
      );
      const token = signLink(linkSecret(config), {
        p: 'follow',
        caseId: id,
        email: email.toLowerCase(),
        language,
        exp: Math.floor((now.getTime() + FOLLOW_LINK_DAYS * DAY_MS) / 1000),
      });
      // The page opens in the email's language, whatever the reader's browser prefers.
      const link = `${linkBase(config)}/track/${id}?follow=${encodeURIComponent(token)}&lang=${language}`;
      try {
        await sendFollowConfirmation(config, { email, language, caseId: id, link });
      } catch {
        throw new ApiError(503, 'unavailable', 'The confirmation email could not be sent just now. Try again later.');
      }
      return c.json({ sent: true } satisfies FollowRequestResponse, 202);
    })

    .post('/follows/confirm', validate('json', FollowConfirm), async (c) => {
      const { token } = c.req.valid('json');
      const secret = linkSecret(config);
      const claims = verifyLink(secret, token, 'follow', new Date(0));
      // A link mailed before addresses were checked as now may name one that cannot be stored.
      if (!claims || !PublicEmail.safeParse(claims.email).success) {
        throw new ApiError(400, 'invalid-link', 'This confirmation link is not valid: ask for a new one.');
      }
      if (claims.exp * 1000 < clock().getTime()) {
        throw new ApiError(410, 'link-expired', 'This confirmation link has expired: ask for a new one.');
      }
      if (!(await caseExists(sql, claims.caseId))) throw notFound(claims.caseId);
      await addFollower(sql, claims);
      const unfollowToken = signLink(secret, { p: 'unsubscribe', caseId: claims.caseId, email: claims.email });
      return c.json({ caseId: claims.caseId, email: claims.email, unfollowToken } satisfies FollowConfirmResponse);
    })

    .post('/cases/:id/unfollow', validate('param', CaseParam), validate('json', UnfollowRequest), async (c) => {
      const { id } = c.req.valid('param');
      const claims = verifyLink(linkSecret(config), c.req.valid('json').token, 'unsubscribe');
      if (!claims || claims.caseId !== id) {
        throw new ApiError(400, 'invalid-link', 'This unfollow token is not for this case.');
      }
      await removeFollower(sql, id, claims.email);
      await unsubscribe(sql, id, claims.email);
      return c.json({ unfollowed: true } satisfies UnfollowResponse);
    })

    .post('/cases/:id/reopen', validate('param', CaseParam), validate('json', PublicReopenRequest), async (c) => {
      const { id } = c.req.valid('param');
      const claims = verifyLink(linkSecret(config), c.req.valid('json').key, 'track');
      if (!claims || claims.caseId !== id) {
        throw new ApiError(
          400,
          'invalid-link',
          'Only the link in a notice about this case can reopen it: open the page from that email.',
        );
      }
      const [row] = await findRequests(sql, { kind: 'ids', ids: [id] });
      if (!row) throw notFound(id);
      const { state, closedAt } = row.record;
      if (state !== 'fixed' || !closedAt) {
        throw new ApiError(
          409,
          'conflict',
          state === 'closed_not_fixed'
            ? `Case #${id} was closed without a fix; report the problem again if it is still there.`
            : `Case #${id} is open already: a crew will deal with it.`,
        );
      }
      // One reopening per fix: the fix's end of the window is the link's, so pressing twice reopens once.
      const exp = stillAProblemLastSecond(new Date(closedAt), config.cityTimeZone).getTime() / 1000;
      const r = await reopenByResidentLink(
        sql,
        { caseId: id, exp },
        { now: clock(), windowDays: STILL_A_PROBLEM_WINDOW_DAYS, timeZone: config.cityTimeZone },
      );
      if (r.kind === 'reopened') announceCaseChanges(deps, [r.caseId]);
      if (r.kind !== 'refused') return c.json({ outcome: r.kind } satisfies PublicReopenResponse);
      switch (r.why) {
        case 'expired':
          throw new ApiError(
            410,
            'link-expired',
            `The fix is more than ${STILL_A_PROBLEM_WINDOW_DAYS} days old: report the problem again.`,
          );
        case 'no-case':
        case 'wrong-case':
          throw notFound(id);
        default:
          throw new ApiError(409, 'conflict', `Case #${id} is not fixed any more: nothing to reopen.`);
      }
    });
}
