/**
 * Admin calls for resident notice delivery: the mailbox (the embedded default without
 * SMTP_URL), each notice's delivery state, and retrying one. Same origin, session cookie;
 * functions never throw, like `index.ts`.
 */
import { MailboxResponse, OutboxRetryResponse, OutboxStatusResponse, type OutboxStatus } from '@fieldfix/shared';
import { request, type ApiResult } from './index.ts';

export function fetchMailbox(): Promise<ApiResult<MailboxResponse>> {
  return request('GET', '/api/admin/mailbox', MailboxResponse);
}

export function fetchOutboxStatus(status?: OutboxStatus): Promise<ApiResult<OutboxStatusResponse>> {
  return request('GET', `/api/admin/outbox/status${status ? `?status=${status}` : ''}`, OutboxStatusResponse);
}

export function retryOutboxEntry(id: string): Promise<ApiResult<OutboxRetryResponse>> {
  return request('POST', `/api/admin/outbox/${encodeURIComponent(id)}/retry`, OutboxRetryResponse);
}
