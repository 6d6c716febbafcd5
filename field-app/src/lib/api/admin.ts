/**
 * Admin calls for resident notice delivery: the mailbox (the embedded default without
 * SMTP_URL), each notice's delivery state, and retrying one. Same origin, session cookie;
 * functions never throw, like `index.ts`.
 */
import {
  ErrorBody,
  MailboxResponse,
  OutboxRetryResponse,
  OutboxStatusResponse,
  type OutboxStatus,
} from '@fieldfix/shared';
import type { ApiResult } from './index.ts';

interface Schema<T> {
  safeParse(value: unknown): { success: true; data: T } | { success: false };
}

async function call<T>(method: 'GET' | 'POST', path: string, schema: Schema<T>): Promise<ApiResult<T>> {
  let res: Response;
  try {
    res = await fetch(path, {
      method,
      credentials: 'same-origin',
      cache: 'no-store',
      headers: { accept: 'application/json' },
      signal: AbortSignal.timeout(30_000),
    });
  } catch {
    return {
      ok: false,
      error: { kind: 'network', message: 'Cannot reach the server. Check the connection and try again.' },
    };
  }
  const json: unknown = await res.json().catch(() => undefined);
  if (!res.ok) {
    const body = ErrorBody.safeParse(json);
    return {
      ok: false,
      error: body.success
        ? { kind: 'http', status: res.status, code: body.data.error.code, message: body.data.error.message }
        : { kind: 'http', status: res.status, code: null, message: `The server answered ${res.status}.` },
    };
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    return {
      ok: false,
      error: {
        kind: 'invalid-response',
        status: res.status,
        message: 'The server sent something this version of the app does not understand. Reload the app.',
      },
    };
  }
  return { ok: true, data: parsed.data };
}

export function fetchMailbox(): Promise<ApiResult<MailboxResponse>> {
  return call('GET', '/api/admin/mailbox', MailboxResponse);
}

export function fetchOutboxStatus(status?: OutboxStatus): Promise<ApiResult<OutboxStatusResponse>> {
  return call('GET', `/api/admin/outbox/status${status ? `?status=${status}` : ''}`, OutboxStatusResponse);
}

export function retryOutboxEntry(id: string): Promise<ApiResult<OutboxRetryResponse>> {
  return call('POST', `/api/admin/outbox/${encodeURIComponent(id)}/retry`, OutboxRetryResponse);
}
