/**
 * What the residents' pages read and send (`/api/public/*`): a case's public timeline, following
 * it by email, and "still a problem?". Built from `PublicCase` and public facts of the case's
 * type and department only: nothing here names a resident, a member of staff or a crew.
 */
import { z } from 'zod';
import { CaseState } from '../domain/lifecycle.ts';
import { IsoDateTime } from '../domain/case.ts';
import { PublicCase } from '../access/public-case.ts';

/** The languages of the residents' pages and notices. */
export const PUBLIC_LOCALES = ['en', 'es'] as const;
export const PublicLocale = z.enum(PUBLIC_LOCALES);
export type PublicLocale = z.infer<typeof PublicLocale>;

/** How long after a fix "still a problem?" reopens a case (the notices say the same). */
export const STILL_A_PROBLEM_WINDOW_DAYS = 14;

/** One step of the public timeline: what happened, as a kind the page puts into words. */
export const PublicTimelineStep = z.object({
  at: IsoDateTime,
  kind: z.enum([
    'reported',
    'routed',
    'assigned',
    'started',
    'held',
    'resumed',
    'fixed',
    'closed_not_fixed',
    'reopened',
    'merged',
    'cancelled',
  ]),
  /** `routed`: the department it was sent to. */
  departmentName: z.string().nullable(),
  /**
   * `closed_not_fixed`: the reason code (duplicate, not_city_responsibility, …); `reopened`:
   * `still-a-problem` when the resident reopened it, null when the city did.
   */
  reason: z.string().nullable(),
  /** `fixed`: the crew's after-photo (re-encoded, no EXIF), when there is one. */
  photoUrl: z.string().nullable(),
  /** `merged`: the case it was merged into. */
  intoCaseId: z.string().nullable(),
});
export type PublicTimelineStep = z.infer<typeof PublicTimelineStep>;

export const PublicTrackResponse = z.object({
  case: PublicCase,
  service: z.object({
    code: z.string(),
    name: z.string(),
    group: z.string(),
    departmentName: z.string(),
    /** The type's target, in days (the SLA). */
    targetDays: z.number().int(),
  }),
  /** The report's first photo (re-encoded, no EXIF), when there is one. */
  reportPhotoUrl: z.string().nullable(),
  timeline: z.array(PublicTimelineStep),
  /** Until when "still a problem?" may reopen the case; null when it may not. */
  reopenUntil: IsoDateTime.nullable(),
  state: CaseState,
  /** The city's time zone (IANA): the page shows every date and time in it. */
  timeZone: z.string(),
});
export type PublicTrackResponse = z.infer<typeof PublicTrackResponse>;

/**
 * A resident's email address (following a case, a report's notices): something@somewhere.tld
 * with no space, control character (a NUL included: PostgreSQL cannot store one) or half of a
 * surrogate pair; refused before any mail is sent or anything is stored.
 */
export const PublicEmail = z
  .string()
  .trim()
  .max(254)
  .regex(/^[^\s@\p{Cc}\p{Cs}]+@[^\s@\p{Cc}\p{Cs}]+\.[^\s@\p{Cc}\p{Cs}]+$/u, 'not an email address');

/** `POST /api/public/cases/:id/follow`: asks for a confirmation email (double opt-in). */
export const FollowRequest = z.object({
  email: PublicEmail,
  language: PublicLocale,
});
export type FollowRequest = z.infer<typeof FollowRequest>;
export const FollowRequestResponse = z.object({ sent: z.literal(true) });
export type FollowRequestResponse = z.infer<typeof FollowRequestResponse>;

/** `POST /api/public/follows/confirm`: the token from the confirmation email. */
export const FollowConfirm = z.object({ token: z.string().min(1).max(2000) });
export type FollowConfirm = z.infer<typeof FollowConfirm>;
export const FollowConfirmResponse = z.object({
  caseId: z.string(),
  email: z.string(),
  /** A signed token that stops the notices again (`POST /api/public/cases/:id/unfollow`). */
  unfollowToken: z.string(),
});
export type FollowConfirmResponse = z.infer<typeof FollowConfirmResponse>;

/** `POST /api/public/cases/:id/unfollow`. */
export const UnfollowRequest = z.object({ token: z.string().min(1).max(2000) });
export type UnfollowRequest = z.infer<typeof UnfollowRequest>;
export const UnfollowResponse = z.object({ unfollowed: z.literal(true) });
export type UnfollowResponse = z.infer<typeof UnfollowResponse>;

/**
 * `POST /api/public/cases/:id/reopen`: "still a problem?" from the tracking page, with the
 * signed key of the tracking link every notice carries (or that a report's answer gave).
 */
export const PublicReopenRequest = z.object({ key: z.string().min(1).max(2000) });
export type PublicReopenRequest = z.infer<typeof PublicReopenRequest>;
export const PublicReopenResponse = z.object({ outcome: z.enum(['reopened', 'already-reopened']) });
export type PublicReopenResponse = z.infer<typeof PublicReopenResponse>;
