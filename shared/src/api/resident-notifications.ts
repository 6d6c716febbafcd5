import { z } from 'zod';
import { IsoDateTime } from '../domain/case.ts';

/**
 * Resident notifications (R10): what a resident is told about their case. Queued in the same
 * transaction as the change that caused them, once per event; the delivery worker
 * (sync-server/src/notices-delivery) sends them and sets `sentAt`. Not to be confused with the
 * lead inbox (`notices.ts`).
 */
export const RESIDENT_NOTIFICATION_TEMPLATES = ['received', 'scheduled', 'fixed', 'closed', 'reopened'] as const;
export const ResidentNotificationTemplate = z.enum(RESIDENT_NOTIFICATION_TEMPLATES);
export type ResidentNotificationTemplate = z.infer<typeof ResidentNotificationTemplate>;

/** One queued notification, as administrators see it: never the recipient. */
export const ResidentNotification = z.object({
  id: z.string(),
  caseId: z.string(),
  template: ResidentNotificationTemplate,
  /** The change that queued it; null for notifications not caused by a synced change. */
  mutationId: z.string().nullable(),
  /** When the change it tells of happened (on the device, maybe long before it was synced). */
  happenedAt: IsoDateTime.nullable(),
  /** When it was queued: when the server learnt of the change. */
  createdAt: IsoDateTime,
  /** Null until it has been delivered. */
  sentAt: IsoDateTime.nullable(),
  /** Delivery attempts so far. */
  attempts: z.number().int().nonnegative(),
  /** A "fixed" notification shows the fix's after-photos: those of the change that queued it. */
  photoIds: z.array(z.string()),
});
export type ResidentNotification = z.infer<typeof ResidentNotification>;

/** `GET /api/admin/outbox` (`?caseId=` for one case), admins only, newest first, at most 500. */
export const ResidentNotificationsResponse = z.object({ notices: z.array(ResidentNotification) });
export type ResidentNotificationsResponse = z.infer<typeof ResidentNotificationsResponse>;
