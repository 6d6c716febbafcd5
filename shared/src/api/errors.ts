import { z } from 'zod';

/**
 * Every error code the API can answer with, in one place. Codes are kebab-case; a client
 * switches on the code and shows the message to a person.
 */
export const ERROR_CODES = [
  'bad-request',
  'invalid-body',
  'invalid-query',
  'not-authenticated',
  'session-expired',
  'bad-credentials',
  'forbidden',
  'not-found',
  'case-not-in-scope',
  'method-not-allowed',
  'payload-too-large',
  'upload-offset-mismatch',
  'upload-in-progress',
  'rate-limited',
  'report-refused',
  'unsupported-media-type',
  'invalid-link',
  'link-expired',
  'conflict',
  'unavailable',
  'protocol-missing',
  'protocol-too-old',
  'protocol-too-new',
  'internal',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

/** The one JSON shape of every error response. */
export const ErrorBody = z.object({
  error: z.object({
    code: z.enum(ERROR_CODES),
    message: z.string(),
    details: z.unknown().optional(),
  }),
});
export type ErrorBody = z.infer<typeof ErrorBody>;
