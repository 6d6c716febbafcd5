import { z } from 'zod';
import { IsoDateTime } from '../domain/case.ts';

/**
 * The lead inbox: what a lead must hear about (R2, R6, R9). Not to be confused with the
 * resident notifications (`resident-notifications.ts`), which tell residents about their case.
 *
 * - `crossed-path`: field work overtook a desk change, work landed on a cancelled case, a crew
 *   asks for a transfer. Always one notice each: every one needs a look.
 * - `not-applied`: a crew's change that did not take (superseded or rejected). The ones of one
 *   push are one notice per department and person, so a device's refused batch cannot bury the
 *   crossed paths: a single one stands as it is, several become one notice that lists them all.
 */
export const LEAD_NOTICE_KINDS = ['crossed-path', 'not-applied'] as const;
export const LeadNoticeKind = z.enum(LEAD_NOTICE_KINDS);
export type LeadNoticeKind = z.infer<typeof LeadNoticeKind>;

/** One change a notice stands for. */
export const LeadNoticeItem = z.object({
  caseId: z.string(),
  mutationId: z.string().nullable(),
  message: z.string(),
});
export type LeadNoticeItem = z.infer<typeof LeadNoticeItem>;

/** Something a lead must hear about: a crossed path, or changes that did not take. */
export const LeadNotice = z.object({
  id: z.string(),
  /** Null on notices recorded before the inbox told the two kinds apart. */
  kind: LeadNoticeKind.nullable(),
  /** The case it is about; null for a group whose changes span several cases. */
  caseId: z.string().nullable(),
  /** The change it is about; null for a group. */
  mutationId: z.string().nullable(),
  /** The notice in plain words; for a group, a summary ("Ann Worker: 37 changes were not applied — …"). */
  message: z.string(),
  /** How many changes it stands for: 1, or the size of a group. Equals `items.length`. */
  count: z.number().int().positive(),
  /** Every change it stands for, in the order they were pushed (one item for a single notice). */
  items: z.array(LeadNoticeItem).min(1),
  createdAt: IsoDateTime,
  acknowledgedAt: IsoDateTime.nullable(),
});
export type LeadNotice = z.infer<typeof LeadNotice>;

/**
 * `GET /api/notices` (`?all=1` includes acknowledged ones), newest first. `POST
 * /api/notices/:id/ack` acknowledges one notice: for a group, every change in it.
 */
export const NoticesResponse = z.object({
  notices: z.array(LeadNotice),
  /**
   * How many notices are waiting (not yet read) in all: the list holds the newest 200 at most,
   * and a lead who reads those must know whether older ones wait. (Absent from older servers.)
   */
  waiting: z.number().int().nonnegative().optional(),
});
export type NoticesResponse = z.infer<typeof NoticesResponse>;
