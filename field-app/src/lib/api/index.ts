/**
 * Every call to the sync server goes through here. Same origin, session in an HttpOnly cookie.
 * Functions never throw: they answer a result a page can show.
 */
import {
  CaseDetailResponse,
  CaseHistoriesResponse,
  ErrorBody,
  PROTOCOL_HEADER,
  PROTOCOL_VERSION,
  PullResponse,
  PushResponse,
  ServiceTypesResponse,
  SessionResponse,
  NoticesResponse,
  type CaseHistoriesRequest,
  type ErrorCode,
  type PushRequest,
} from '@fieldfix/shared';
import { fetchWithStall, STALL_MS, StallError } from './stall.ts';

/** What this module needs of a schema (the zod schemas in @fieldfix/shared fit). */
interface Schema<T> {
  safeParse(value: unknown): { success: true; data: T } | { success: false; error: { issues: readonly unknown[] } };
}

export type ApiFailure =
  /** No answer at all: offline, server down, DNS… The device keeps working on what it has. */
  | { kind: 'network'; message: string }
  /**
   * The server answered with an error (`ErrorBody`), or at least a status. `retryAfter`: the
   * response's `Retry-After` header as it came (unparsed), when it had one: a 503 or 429 from
   * the server, a proxy or a load balancer, with a body or without.
   */
  | { kind: 'http'; status: number; code: ErrorCode | null; message: string; details?: unknown; retryAfter?: string }
  /** The server answered 2xx with something this version of the app does not understand. */
  | { kind: 'invalid-response'; status: number; message: string };

export type ApiResult<T> = { ok: true; data: T } | { ok: false; error: ApiFailure };

/** True when the server says the session is missing, expired or revoked. */
export function isSignedOut(error: ApiFailure): boolean {
  return error.kind === 'http' && error.status === 401;
}

export const NETWORK_MESSAGE = 'Cannot reach the server. Check the connection and try again.';
export const STALL_MESSAGE = `No answer from the server for ${STALL_MS / 1000} s: the signal is too weak to sync.`;

/** The failure for a request that threw: no network, a stall, or a cancel. */
export function thrownFailure(err: unknown): ApiFailure {
  if (err instanceof StallError) return { kind: 'network', message: STALL_MESSAGE };
  if (err instanceof DOMException && err.name === 'AbortError') return { kind: 'network', message: 'Stopped.' };
  return { kind: 'network', message: NETWORK_MESSAGE };
}

/** Every sync request names the protocol it speaks. */
export const SYNC_HEADERS = { [PROTOCOL_HEADER]: String(PROTOCOL_VERSION) };

/** One request to the server, its answer checked against `schema` (admin.ts uses it too). */
export async function request<T>(
  method: 'GET' | 'POST' | 'PUT',
  path: string,
  schema: Schema<T>,
  body?: unknown,
  extraHeaders: Record<string, string> = {},
  signal?: AbortSignal,
): Promise<ApiResult<T>> {
  let res: Response;
  try {
    // Given up when nothing moves for STALL_MS, not after a fixed time: a big pull on a slow
    // link keeps going while it moves; lie-fi is given up on (and shown) quickly.
    res = await fetchWithStall(
      path,
      {
        method,
        credentials: 'same-origin',
        cache: 'no-store',
        headers: {
          accept: 'application/json',
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          ...extraHeaders,
        },
        body: body === undefined ? null : JSON.stringify(body),
      },
      { signal },
    );
  } catch (err) {
    return { ok: false, error: thrownFailure(err) };
  }

  const json = await jsonOrUndefined(res);
  if (!res.ok) return { ok: false, error: httpFailure(res.status, json, res.headers.get('retry-after')) };

  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    console.error(`Unexpected response from ${method} ${path}`, parsed.error.issues);
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

/**
 * An error answer in the app's terms: the server's own words when it sent `ErrorBody`, and
 * its `Retry-After` header's raw value (`retryAfter`, null when absent) when it sent one.
 */
export function httpFailure(status: number, json: unknown, retryAfter: string | null = null): ApiFailure {
  const after = retryAfter === null ? {} : { retryAfter };
  const parsed = ErrorBody.safeParse(json);
  if (!parsed.success) return { kind: 'http', status, code: null, message: fallbackMessage(status), ...after };
  const { code, message, details } = parsed.data.error;
  return { kind: 'http', status, code, message, details, ...after };
}

/** The body as JSON, or undefined when it is not (a proxy's error page, an empty body…). */
export async function jsonOrUndefined(res: Response): Promise<unknown> {
  try {
    return await res.json();
  } catch {
    return undefined;
  }
}

function fallbackMessage(status: number): string {
  if (status === 401) return 'Your session ended. Sign in again.';
  if (status === 403) return 'You are not allowed to do that.';
  if (status === 404) return 'Not found on the server.';
  if (status === 429) return 'Too many attempts. Wait a minute and try again.';
  if (status >= 500) return 'The server had a problem. Try again in a moment.';
  return `The server answered ${status}.`;
}

/** `POST /api/auth/login`: on success the server sets the session cookie. */
export function login(email: string, password: string): Promise<ApiResult<SessionResponse>> {
  return request('POST', '/api/auth/login', SessionResponse, { email, password });
}

/** Any 2xx body will do. */
const Anything: Schema<unknown> = { safeParse: (data) => ({ success: true, data }) };

/** `POST /api/auth/logout`: ends the session on the server and clears the cookie. */
export function logout(): Promise<ApiResult<unknown>> {
  return request('POST', '/api/auth/logout', Anything);
}

/**
 * `POST /api/sync/push`: a batch of this device's changes, oldest first; one outcome each.
 * `sentAt` is stamped now, as the request leaves: the server measures the device's clock
 * offset with it and places each change at the time it was really made.
 */
export function push(body: Omit<PushRequest, 'sentAt'>, signal?: AbortSignal): Promise<ApiResult<PushResponse>> {
  const sent = { ...body, sentAt: new Date().toISOString() };
  return request('POST', '/api/sync/push', PushResponse, sent, SYNC_HEADERS, signal);
}

/**
 * `GET /api/sync/pull`: the next page of changes in this person's scope after `cursor`.
 * `behind`: the device knows of a change it has not pulled (a live hint, its own push, "Sync
 * now"), so the server asks its database rather than answer from what it read a moment ago.
 */
export function pull(
  cursor: string,
  limit: number,
  clientId: string,
  signal?: AbortSignal,
  behind = false,
  prime = false,
): Promise<ApiResult<PullResponse>> {
  const q = new URLSearchParams({
    cursor,
    limit: String(limit),
    clientId,
    ...(behind ? { behind: '1' } : {}),
    ...(prime ? { prime: '1' } : {}),
  });
  return request('GET', `/api/sync/pull?${q}`, PullResponse, undefined, SYNC_HEADERS, signal);
}

/** `GET /api/notices`: the lead's inbox, newest first (`all` includes acknowledged ones). */
export function fetchNotices(opts: { all?: boolean; department?: string } = {}): Promise<ApiResult<NoticesResponse>> {
  const q = new URLSearchParams();
  if (opts.all) q.set('all', '1');
  if (opts.department) q.set('department', opts.department);
  return request('GET', `/api/notices${q.size > 0 ? `?${q}` : ''}`, NoticesResponse);
}

/** `POST /api/notices/:id/ack`: the lead has read it. */
export function acknowledgeNotice(id: string): Promise<ApiResult<unknown>> {
  return request('POST', `/api/notices/${encodeURIComponent(id)}/ack`, Anything);
}

/** `GET /api/service-types`: the catalogue. */
export function fetchServiceTypes(signal?: AbortSignal): Promise<ApiResult<ServiceTypesResponse>> {
  return request('GET', '/api/service-types', ServiceTypesResponse, undefined, {}, signal);
}

/** `GET /api/cases/:id`: one case with its whole history, oldest first, and the names it mentions (staff in scope). */
export function fetchCaseWithHistory(id: string): Promise<ApiResult<CaseDetailResponse>> {
  return request('GET', `/api/cases/${encodeURIComponent(id)}`, CaseDetailResponse);
}

/**
 * `POST /api/cases/histories`: the histories of up to `MAX_HISTORIES` cases at once, with the
 * names they mention. Cases the person may not read are left out of the answer.
 */
export function fetchCaseHistories(ids: CaseHistoriesRequest['ids']): Promise<ApiResult<CaseHistoriesResponse>> {
  const body: CaseHistoriesRequest = { ids };
  return request('POST', '/api/cases/histories', CaseHistoriesResponse, body);
}

// ---- photo downloads -----------------------------------------------------------------------

export type PhotoDownload = { ok: true; bytes: ArrayBuffer; contentType: string } | { ok: false; error: ApiFailure };

/** `GET /api/photos/:id` (full size) or `…/thumb`: a complete photo's bytes. */
export async function fetchPhotoBytes(id: string, variant: 'full' | 'thumb'): Promise<PhotoDownload> {
  const path = `/api/photos/${encodeURIComponent(id)}${variant === 'thumb' ? '/thumb' : ''}`;
  let res: Response;
  try {
    // The bytes of a photo never change (its id is its identity): the HTTP cache may answer.
    res = await fetchWithStall(path, { credentials: 'same-origin' });
  } catch (err) {
    return { ok: false, error: thrownFailure(err) };
  }
  const contentType = res.headers.get('content-type')?.split(';')[0]?.trim() ?? '';
  if (res.ok && contentType.startsWith('image/')) {
    try {
      return { ok: true, bytes: await res.arrayBuffer(), contentType };
    } catch {
      return { ok: false, error: { kind: 'network', message: NETWORK_MESSAGE } };
    }
  }
  if (res.ok)
    return {
      ok: false,
      error: { kind: 'invalid-response', status: res.status, message: 'The server did not send a picture.' },
    };
  return { ok: false, error: httpFailure(res.status, await jsonOrUndefined(res), res.headers.get('retry-after')) };
}
