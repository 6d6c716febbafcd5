/**
 * The dispatch board's calls to the server (leads and admins). Moves are not made here: they
 * are sync mutations in the outbox, pushed by the sync loop like a crew's work.
 */
import { BalanceResponse, BoardResponse, LiveEvent, type BalanceRequest, type QueueFilter } from '@fieldfix/shared';
import { request, type ApiResult } from './index.ts';

/** `GET /api/dispatch/board`: one department's day, crew by crew, with the unassigned queue. */
export function fetchBoard(
  date: string,
  department?: string,
  queue: QueueFilter = {},
): Promise<ApiResult<BoardResponse>> {
  const q = new URLSearchParams({ date });
  if (department) q.set('department', department);
  for (const [key, value] of Object.entries(queue)) q.set(key, String(value));
  return request('GET', `/api/dispatch/board?${q}`, BoardResponse);
}

/** `POST /api/dispatch/balance`: a suggested plan for the day (nothing changes until accepted). */
export function requestBalance(body: BalanceRequest): Promise<ApiResult<BalanceResponse>> {
  return request('POST', '/api/dispatch/balance', BalanceResponse, body);
}

/** Where the board's live events come from (`EventSource`, same origin, the session cookie). */
export function liveUrl(department?: string): string {
  return `/api/dispatch/live${department ? `?${new URLSearchParams({ department })}` : ''}`;
}

/** One server-sent event's data, checked; null when this version does not understand it. */
export function parseLiveEvent(data: string): LiveEvent | null {
  try {
    const parsed = LiveEvent.safeParse(JSON.parse(data));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}
