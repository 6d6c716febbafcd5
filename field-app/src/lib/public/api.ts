/**
 * The residents' pages' one way to the server (`/api/public/*`). Small on purpose: no schema
 * library in these pages (their JavaScript budget is tight); the answers' types come from
 * `@fieldfix/shared` (types only, nothing of it is bundled) and the server builds them from
 * the same schemas. Never throws: a page shows what went wrong in the reader's language.
 */
import type { ErrorBody } from '@fieldfix/shared';

export type PublicFailure =
  | { kind: 'network' }
  | {
      kind: 'http';
      status: number;
      code: string | null;
      message: string;
      /** The wait the server asked for: its `Retry-After` header as it came, else the body's seconds. */
      retryAfter?: string;
    };

export type PublicResult<T> = { ok: true; data: T } | { ok: false; error: PublicFailure };

const TIMEOUT_MS = 30_000;

export async function publicRequest<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<PublicResult<T>> {
  let res: Response;
  try {
    res = await fetch(path, {
      method,
      credentials: 'omit',
      cache: 'no-store',
      headers: {
        accept: 'application/json',
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? null : JSON.stringify(body),
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
  } catch {
    return { ok: false, error: { kind: 'network' } };
  }
  let json: unknown;
  try {
    json = await res.json();
  } catch {
    json = undefined;
  }
  if (!res.ok) {
    const e = (json as Partial<ErrorBody> | undefined)?.error;
    const details = e?.details as { retryAfterSeconds?: number } | undefined;
    const retryAfter =
      res.headers.get('retry-after') ??
      (details?.retryAfterSeconds === undefined ? undefined : String(details.retryAfterSeconds));
    return {
      ok: false,
      error: {
        kind: 'http',
        status: res.status,
        code: e?.code ?? null,
        message: e?.message ?? res.statusText,
        ...(retryAfter === undefined ? {} : { retryAfter }),
      },
    };
  }
  return { ok: true, data: json as T };
}
