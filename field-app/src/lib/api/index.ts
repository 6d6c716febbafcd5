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

/** What this module needs of a schema (the zod schemas in @fieldfix/shared fit). */
interface Schema<T> {
  safeParse(value: unknown): { success: true; data: T } | { success: false; error: { issues: readonly unknown[] } };
}

export type ApiFailure =
  /** No answer at all: offline, server down, DNS… The device keeps working on what it has. */
  | { kind: 'network'; message: string }
  /** The server answered with an error (`ErrorBody`), or at least a status. */
  | { kind: 'http'; status: number; code: ErrorCode | null; message: string; details?: unknown }
  /** The server answered 2xx with something this version of the app does not understand. */
  | { kind: 'invalid-response'; status: number; message: string };

export type ApiResult<T> = { ok: true; data: T } | { ok: false; error: ApiFailure };

/** True when the server says the session is missing, expired or revoked. */
export function isSignedOut(error: ApiFailure): boolean {
  return error.kind === 'http' && error.status === 401;
}

const NETWORK_MESSAGE = 'Cannot reach the server. Check the connection and try again.';
/** A request with no answer by then is treated as no network (a dead zone can hang a socket). */
const TIMEOUT_MS = 30_000;

/** Every sync request names the protocol it speaks. */
const SYNC_HEADERS = { [PROTOCOL_HEADER]: String(PROTOCOL_VERSION) };

/** One request to the server, its answer checked against `schema` (admin.ts uses it too). */
export async function request<T>(
  method: 'GET' | 'POST',
  path: string,
  schema: Schema<T>,
  body?: unknown,
  extraHeaders: Record<string, string> = {},
): Promise<ApiResult<T>> {
  let res: Response;
  try {
    res = await fetch(path, {
      method,
      credentials: 'same-origin',
      cache: 'no-store',
      headers: {
        accept: 'application/json',
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...extraHeaders,
      },
      body: body === undefined ? null : JSON.stringify(body),
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
  } catch {
    return { ok: false, error: { kind: 'network', message: NETWORK_MESSAGE } };
  }

  const json = await jsonOrUndefined(res);
  if (!res.ok) return { ok: false, error: httpFailure(res.status, json) };

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

/** An error answer in the app's terms: the server's own words when it sent `ErrorBody`. */
function httpFailure(status: number, json: unknown): ApiFailure {
  const parsed = ErrorBody.safeParse(json);
  if (!parsed.success) return { kind: 'http', status, code: null, message: fallbackMessage(status) };
  const { code, message, details } = parsed.data.error;
  return { kind: 'http', status, code, message, details };
}

/** The body as JSON, or undefined when it is not (a proxy's error page, an empty body…). */
async function jsonOrUndefined(res: Response): Promise<unknown> {
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
export function push(body: Omit<PushRequest, 'sentAt'>): Promise<ApiResult<PushResponse>> {
  return request('POST', '/api/sync/push', PushResponse, { ...body, sentAt: new Date().toISOString() }, SYNC_HEADERS);
}

/** `GET /api/sync/pull`: the next page of changes in this person's scope after `cursor`. */
export function pull(cursor: string, limit: number, clientId: string): Promise<ApiResult<PullResponse>> {
  const q = new URLSearchParams({ cursor, limit: String(limit), clientId });
  return request('GET', `/api/sync/pull?${q}`, PullResponse, undefined, SYNC_HEADERS);
}

/** `GET /api/notices`: the lead's inbox, newest first (`all` includes acknowledged ones). */
export function fetchNotices(all = false): Promise<ApiResult<NoticesResponse>> {
  return request('GET', `/api/notices${all ? '?all=1' : ''}`, NoticesResponse);
}

/** `POST /api/notices/:id/ack`: the lead has read it. */
export function acknowledgeNotice(id: string): Promise<ApiResult<unknown>> {
  return request('POST', `/api/notices/${encodeURIComponent(id)}/ack`, Anything);
}

/** `GET /api/service-types`: the catalogue. */
export function fetchServiceTypes(): Promise<ApiResult<ServiceTypesResponse>> {
  return request('GET', '/api/service-types', ServiceTypesResponse);
}

// ---- photo uploads (resumable, tus-like: HEAD for the offset, PATCH chunks at it) ---------

/**
 * An upload request's answer: the server's `Upload-Offset` when it sent one (also on a 409,
 * where it says where to continue from).
 */
export type UploadResult = { ok: true; offset: number } | { ok: false; error: ApiFailure; offset: number | null };

/** Uploads move more bytes than a sync request: a slow link gets longer before "no answer". */
const UPLOAD_TIMEOUT_MS = 60_000;

function offsetOf(res: Response): number | null {
  const raw = res.headers.get('upload-offset');
  if (raw === null || !/^\d+$/.test(raw.trim())) return null;
  return Number(raw.trim());
}

async function uploadRequest(
  method: 'HEAD' | 'PATCH',
  id: string,
  offset?: number,
  chunk?: ArrayBuffer,
): Promise<UploadResult> {
  let res: Response;
  try {
    res = await fetch(`/api/photos/${encodeURIComponent(id)}/upload`, {
      method,
      credentials: 'same-origin',
      cache: 'no-store',
      headers: {
        ...SYNC_HEADERS,
        ...(method === 'PATCH'
          ? { 'content-type': 'application/offset+octet-stream', 'upload-offset': String(offset ?? 0) }
          : {}),
      },
      body: method === 'PATCH' ? (chunk ?? null) : null,
      signal: AbortSignal.timeout(UPLOAD_TIMEOUT_MS),
    });
  } catch {
    return { ok: false, error: { kind: 'network', message: NETWORK_MESSAGE }, offset: null };
  }
  const offset2 = offsetOf(res);
  if (res.ok) {
    if (offset2 === null) {
      return {
        ok: false,
        error: {
          kind: 'invalid-response',
          status: res.status,
          message: 'The server did not say how much of the photo it has. Try again later.',
        },
        offset: null,
      };
    }
    return { ok: true, offset: offset2 };
  }
  const json = method === 'HEAD' ? undefined : await jsonOrUndefined(res);
  return { ok: false, error: httpFailure(res.status, json), offset: offset2 };
}

/** `HEAD /api/photos/:id/upload`: how many bytes of the photo the server holds. */
export function uploadOffset(id: string): Promise<UploadResult> {
  return uploadRequest('HEAD', id);
}

/** `PATCH /api/photos/:id/upload`: the next chunk, at `offset`; answers the new offset. */
export function uploadChunk(id: string, offset: number, chunk: ArrayBuffer): Promise<UploadResult> {
  return uploadRequest('PATCH', id, offset, chunk);
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
    res = await fetch(path, { credentials: 'same-origin', signal: AbortSignal.timeout(UPLOAD_TIMEOUT_MS) });
  } catch {
    return { ok: false, error: { kind: 'network', message: NETWORK_MESSAGE } };
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
  return { ok: false, error: httpFailure(res.status, await jsonOrUndefined(res)) };
}
