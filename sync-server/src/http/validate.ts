import { zValidator } from '@hono/zod-validator';
import type { ValidationTargets } from 'hono';
import type { z } from 'zod';
import { isStorableText } from '@fieldfix/shared';
import { ApiError } from './errors.ts';

const TARGET_NAMES = { json: 'request body', query: 'query string', param: 'path', form: 'form' } as const;
const CODES = { json: 'invalid-body', query: 'invalid-query', param: 'bad-request', form: 'invalid-body' } as const;

/** `application/json` or a `+json` type: what Hono's validator reads as JSON. */
const JSON_TYPE = /^application\/([\w.-]+\+)?json$/i;
const mediaType = (contentType: string) => contentType.split(';')[0]!.trim();

const UNSTORABLE = 'contains a character that cannot be stored (a NUL or a broken surrogate pair)';

/**
 * The first field of a validated path or query string whose text PostgreSQL cannot store
 * (`%00` decodes to a NUL): read from what the schema let through, so the query string is
 * not parsed again (a device's pull is the busiest request there is).
 */
function unstorableField(data: unknown): string | undefined {
  if (typeof data !== 'object' || data === null) return undefined;
  return Object.entries(data).find(([, v]) =>
    [v].flat().some((s: unknown) => typeof s === 'string' && !isStorableText(s)),
  )?.[0];
}

/**
 * Validates one part of a request with a zod schema; a failure is a 400 naming each field
 * and what is wrong with it, before the handler runs (so nothing changes). A path parameter
 * or query value with a NUL is refused too, whatever the schema says: it would reach the
 * database as text, which cannot hold one. (Bodies say so in their own schemas.)
 */
export function validate<T extends z.ZodType, Target extends keyof typeof CODES & keyof ValidationTargets>(
  target: Target,
  schema: T,
) {
  return zValidator(target, schema, (result, c) => {
    // Hono reads a body of another type as `{}`: the schema would then name missing fields,
    // not the real problem.
    if (target === 'json' && !JSON_TYPE.test(mediaType(c.req.header('content-type') ?? ''))) {
      throw new ApiError(415, 'invalid-body', 'Send the request body as JSON, with Content-Type: application/json.');
    }
    if (!result.success) {
      const issues = result.error.issues.map((i) => ({ path: i.path.join('.') || '(root)', message: i.message }));
      const summary = issues.map((i) => `${i.path}: ${i.message}`).join('; ');
      throw new ApiError(400, CODES[target], `Invalid ${TARGET_NAMES[target]}: ${summary}`, { issues });
    }
    const field = target === 'query' || target === 'param' ? unstorableField(result.data) : undefined;
    if (field !== undefined) {
      throw new ApiError(400, CODES[target], `Invalid ${TARGET_NAMES[target]}: ${field}: ${UNSTORABLE}`, {
        issues: [{ path: field, message: UNSTORABLE }],
      });
    }
  });
}
