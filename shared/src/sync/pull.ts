import { z } from 'zod';
import { CaseRecord } from '../domain/case.ts';
import { CaseId } from './mutation.ts';
import { Outcome } from './outcome.ts';
import { INT8_MAX } from '../domain/limits.ts';

/** A position in the server's change log: a decimal bigint, `'0'` for a device with nothing. */
export const Cursor = z
  .string()
  .regex(/^(0|[1-9]\d{0,18})$/, { message: 'a cursor is a whole number', abort: true })
  .refine((s) => BigInt(s) <= INT8_MAX, 'a cursor is at most 9223372036854775807');
export type Cursor = z.infer<typeof Cursor>;

export const MAX_PULL_LIMIT = 1000;

/** `GET /api/sync/pull?cursor=&limit=&clientId=&behind=1` */
export const PullQuery = z.object({
  cursor: Cursor.default('0'),
  limit: z.coerce.number().int().min(1).max(MAX_PULL_LIMIT).default(500),
  clientId: z.string().min(1).max(64),
  /**
   * `1`: the device knows of a change it has not pulled (a live hint told it, it has just
   * pushed, its worker asked to sync now). The server then reads its database rather than
   * answer "nothing new" from what it read a moment before (the server's quiet pulls).
   */
  behind: z.literal('1', '1 when the device knows it is behind, else leave it out').optional(),
  /**
   * `1` on every page of a priming (from cursor 0 until `hasMore` is false, across restarts):
   * the open cases and those closed within a day, not the closed history. Without it, every
   * change since the cursor, a case closed long ago too (a crew-mate's fix reaches a tablet
   * that was off for the weekend).
   */
  prime: z.literal('1', '1 while the device primes, else leave it out').optional(),
});
export type PullQuery = z.infer<typeof PullQuery>;

/**
 * Everything in the device's scope since its cursor, oldest change first:
 * - `cases`: new or changed cases, whole;
 * - `departures`: cases that left the scope (moved to another crew): the device drops them,
 *   unless it still holds unsynced work on them;
 * - `outcomes`: outcomes of this device's own mutations (in case a push response was lost).
 * Keep pulling with `cursor` while `hasMore`.
 */
export const PullResponse = z.object({
  cursor: Cursor,
  hasMore: z.boolean(),
  cases: z.array(CaseRecord),
  departures: z.array(CaseId),
  outcomes: z.array(Outcome),
  serverTime: z.iso.datetime({ offset: true }),
});
export type PullResponse = z.infer<typeof PullResponse>;

/** Why a sync request was refused as a whole (409/426 bodies use the common error shape). */
export const PROTOCOL_ERRORS = ['protocol-too-old', 'protocol-too-new', 'protocol-missing'] as const;
