/**
 * Admin calls: resident notice delivery (the mailbox, the embedded default without SMTP_URL,
 * each notice's delivery state, and retrying one) and Open311 API keys. Same origin, session
 * cookie; functions never throw, like `index.ts`.
 */
import {
  ApiKeysResponse,
  CreateApiKeyResponse,
  MailboxResponse,
  OutboxRetryResponse,
  OutboxStatusResponse,
  RevokeApiKeyResponse,
  type CreateApiKeyInput,
  type OutboxStatus,
} from '@fieldfix/shared';
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

export function fetchApiKeys(): Promise<ApiResult<ApiKeysResponse>> {
  return request('GET', '/api/admin/api-keys', ApiKeysResponse);
}

/** A new key: its secret is in this answer only. */
export function createApiKey(body: CreateApiKeyInput): Promise<ApiResult<CreateApiKeyResponse>> {
  return request('POST', '/api/admin/api-keys', CreateApiKeyResponse, body);
}

export function revokeApiKey(id: string): Promise<ApiResult<RevokeApiKeyResponse>> {
  return request('POST', `/api/admin/api-keys/${encodeURIComponent(id)}/revoke`, RevokeApiKeyResponse);
}
