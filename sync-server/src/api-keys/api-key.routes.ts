import { randomBytes } from 'node:crypto';
import { Hono } from 'hono';
import { createMiddleware } from 'hono/factory';
import { z } from 'zod';
import {
  canManageApiKeys,
  CreateApiKeyRequest,
  type ApiKeysResponse,
  type CreateApiKeyResponse,
  type RevokeApiKeyResponse,
} from '@fieldfix/shared';
import { requireStaff } from '../auth/auth.middleware.ts';
import { callerOf } from '../access/caller.ts';
import { ApiError } from '../http/errors.ts';
import { validate } from '../http/validate.ts';
import type { AppDeps, AppEnv } from '../http/deps.ts';
import { insertApiKey, listApiKeys, newApiKeyToken, revokeApiKey } from './api-key.repo.ts';

/**
 * Open311 API keys, for administrators: list (never a secret), create (the secret is shown in
 * that answer only), revoke. Mounted at `/api/admin/api-keys`.
 */
export function apiKeyRoutes({ sql }: AppDeps) {
  return new Hono<AppEnv>()
    .use(requireStaff(sql), apiKeyAdmin)
    .get('/', async (c) => c.json({ keys: await listApiKeys(sql) } satisfies ApiKeysResponse))
    .post('/', validate('json', CreateApiKeyRequest), async (c) => {
      const body = c.req.valid('json');
      const secret = newApiKeyToken();
      const key = await insertApiKey(sql, {
        id: `k_${randomBytes(8).toString('hex')}`,
        name: body.name,
        token: secret,
        createdBy: c.var.staff.id,
        rateLimitPerMinute: body.rateLimitPerMinute,
      });
      return c.json({ key, secret } satisfies CreateApiKeyResponse, 201);
    })
    .post(
      '/:id/revoke',
      validate('param', z.object({ id: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'a key id') })),
      async (c) => {
        const key = await revokeApiKey(sql, c.req.valid('param').id);
        if (!key) throw new ApiError(404, 'not-found', 'There is no such API key.');
        return c.json({ key } satisfies RevokeApiKeyResponse);
      },
    );
}

const apiKeyAdmin = createMiddleware<AppEnv>(async (c, next) => {
  if (!canManageApiKeys(callerOf(c.var.staff))) {
    throw new ApiError(403, 'forbidden', 'API keys are for administrators.');
  }
  await next();
});
