/**
 * Admin calls: resident notice delivery (the mailbox, the embedded default without SMTP_URL,
 * each notice's delivery state, and retrying one), Open311 API keys, the routing table, and
 * staff accounts.
 * Same origin, session cookie; functions never throw, like `index.ts`.
 */
import {
  ApiKeysResponse,
  CreateApiKeyResponse,
  MailboxResponse,
  OutboxRetryResponse,
  OutboxStatusResponse,
  PeopleResponse,
  PersonResponse,
  RevokeApiKeyResponse,
  RoutingNames,
  RoutingTable,
  type CreateApiKeyInput,
  type CreatePersonRequest,
  type UpdatePersonRequest,
  type RoutingRule,
  type OutboxStatus,
} from '@fieldfix/shared';
import { request, type ApiFailure, type ApiResult } from './index.ts';

/** What went wrong with an admin's desk job (`what`: "save the table"), and what to do next. */
export function adminFailure(error: ApiFailure, what: string): string {
  if (error.kind === 'network') return `Could not ${what}: this needs a connection. Connect, then try again.`;
  return `Could not ${what}: ${error.message}`;
}

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

export function fetchRoutingTable(): Promise<ApiResult<RoutingTable>> {
  return request('GET', '/api/admin/routing', RoutingTable);
}

export function fetchRoutingNames(): Promise<ApiResult<RoutingNames>> {
  return request('GET', '/api/admin/routing/names', RoutingNames);
}

/** Replaces the whole table (each type's duplicate distance is kept); answers it as saved. */
/** `version`: the table's version as read; the server refuses the save if another admin's came first. */
export function saveRoutingTable(rules: RoutingRule[], version: string | undefined): Promise<ApiResult<RoutingTable>> {
  return request('PUT', '/api/admin/routing', RoutingTable, { rules, version });
}

export function fetchPeople(): Promise<ApiResult<PeopleResponse>> {
  return request('GET', '/api/admin/people', PeopleResponse);
}

export function createPerson(body: CreatePersonRequest): Promise<ApiResult<PersonResponse>> {
  return request('POST', '/api/admin/people', PersonResponse, body);
}

export function updatePerson(id: string, body: UpdatePersonRequest): Promise<ApiResult<PersonResponse>> {
  return request('PUT', `/api/admin/people/${encodeURIComponent(id)}`, PersonResponse, body);
}
