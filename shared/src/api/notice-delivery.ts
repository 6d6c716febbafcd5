import { z } from 'zod';
import { IsoDateTime } from '../domain/case.ts';
import { ResidentNotificationTemplate } from './resident-notifications.ts';

/**
 * Delivering resident notices (R10), as admins see it: each outbox row's delivery state
 * (`GET /api/admin/outbox/status`, retry with `POST /api/admin/outbox/:id/retry`) and, on the
 * embedded default without `SMTP_URL`, the messages kept in the mailbox (`GET /api/admin/mailbox`).
 */
export const OUTBOX_STATUSES = ['pending', 'sent', 'failed'] as const;
export const OutboxStatus = z.enum(OUTBOX_STATUSES);
export type OutboxStatus = z.infer<typeof OutboxStatus>;

export const OutboxEntry = z.object({
  id: z.string(),
  caseId: z.string(),
  template: ResidentNotificationTemplate,
  status: OutboxStatus,
  createdAt: IsoDateTime,
  /** Not tried before this time (a retry's backoff). */
  sendAfter: IsoDateTime,
  sentAt: IsoDateTime.nullable(),
  failedAt: IsoDateTime.nullable(),
  attempts: z.number().int().nonnegative(),
  /** Why the last attempt failed, in the mail server's or our words. */
  lastError: z.string().nullable(),
  /** How many people it reached. Never who. */
  recipients: z.number().int().nonnegative(),
});
export type OutboxEntry = z.infer<typeof OutboxEntry>;

export const OutboxStatusResponse = z.object({ entries: z.array(OutboxEntry) });
export type OutboxStatusResponse = z.infer<typeof OutboxStatusResponse>;

export const OutboxRetryResponse = z.object({ retried: z.literal(true) });
export type OutboxRetryResponse = z.infer<typeof OutboxRetryResponse>;

/** One message kept in the mailbox (the embedded default), as sent. */
export const MailboxMessage = z.object({
  id: z.string(),
  messageId: z.string(),
  outboxId: z.string(),
  caseId: z.string(),
  template: z.string(),
  to: z.string(),
  subject: z.string(),
  date: IsoDateTime,
  /** The whole HTML document; inline images are data: URLs. Show it sandboxed only. */
  html: z.string(),
  text: z.string(),
  headers: z.record(z.string(), z.string()),
});
export type MailboxMessage = z.infer<typeof MailboxMessage>;

/** `transport` says where notices go: `mailbox` lists them here, `smtp` leaves this empty. */
export const MailboxResponse = z.object({
  transport: z.enum(['smtp', 'mailbox']),
  messages: z.array(MailboxMessage),
});
export type MailboxResponse = z.infer<typeof MailboxResponse>;
