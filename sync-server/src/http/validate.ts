import { zValidator } from '@hono/zod-validator';
import type { ValidationTargets } from 'hono';
import type { z } from 'zod';
import { ApiError } from './errors.ts';

const TARGET_NAMES = { json: 'request body', query: 'query string', param: 'path', form: 'form' } as const;
const CODES = { json: 'invalid-body', query: 'invalid-query', param: 'bad-request', form: 'invalid-body' } as const;

/**
 * Validates one part of a request with a zod schema; a failure is a 400 naming each field
 * and what is wrong with it, before the handler runs (so nothing changes).
 */
export function validate<T extends z.ZodType, Target extends keyof typeof CODES & keyof ValidationTargets>(
  target: Target,
  schema: T,
) {
  return zValidator(target, schema, (result) => {
    if (!result.success) {
      const issues = result.error.issues.map((i) => ({ path: i.path.join('.') || '(root)', message: i.message }));
      const summary = issues.map((i) => `${i.path}: ${i.message}`).join('; ');
      throw new ApiError(400, CODES[target], `Invalid ${TARGET_NAMES[target]}: ${summary}`, { issues });
    }
  });
}
