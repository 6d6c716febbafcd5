import { createMiddleware } from 'hono/factory';
import { MIN_PROTOCOL_VERSION, PROTOCOL_HEADER, PROTOCOL_VERSION } from '@fieldfix/shared';
import { ApiError } from '../http/errors.ts';

/**
 * Sync requests name their protocol version. A device too old for this server is told to
 * update (426); one newer than this server (not yet deployed here) is told so (409).
 */
export const requireProtocol = createMiddleware(async (c, next) => {
  const raw = c.req.header(PROTOCOL_HEADER);
  const version = raw && /^\d{1,4}$/.test(raw) ? Number(raw) : NaN;
  if (Number.isNaN(version)) {
    throw new ApiError(
      400,
      'protocol-missing',
      `Send the sync protocol version in the ${PROTOCOL_HEADER} header (this server speaks ${PROTOCOL_VERSION}).`,
    );
  }
  if (version < MIN_PROTOCOL_VERSION) {
    throw new ApiError(
      426,
      'protocol-too-old',
      'This app is too old for the server. Reload the app to update it; your unsynced changes stay on the device.',
      {
        client: version,
        server: PROTOCOL_VERSION,
        minimum: MIN_PROTOCOL_VERSION,
      },
    );
  }
  if (version > PROTOCOL_VERSION) {
    throw new ApiError(
      409,
      'protocol-too-new',
      'The server is older than this app. Keep working: your changes stay on the device until the server is updated.',
      {
        client: version,
        server: PROTOCOL_VERSION,
      },
    );
  }
  await next();
});
