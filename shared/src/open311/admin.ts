/**
 * The admin API of Open311 intake: the routing table and the API keys. Request and response
 * schemas; the types are derived from them.
 */
import { z } from 'zod';
import { CODE_MAX, isStorableText } from '../domain/limits.ts';

const Code = z.string().min(1).max(CODE_MAX);

/**
 * One row of the routing table: requests of a department's types in a district (null: any)
 * and of a type or a group of types (both null: any of the department's) go to `crewId`
 * (null: unassigned, for the department's lead). The most specific row wins: a type before
 * a group before any type, then a named district before any district.
 */
export const RoutingRule = z.strictObject({
  departmentId: Code,
  districtId: Code.nullable(),
  serviceCode: Code.nullable(),
  group: z.string().min(1).max(200).nullable(),
  crewId: Code.nullable(),
});
export type RoutingRule = z.infer<typeof RoutingRule>;

/** The largest distance, in metres, within which a report may be a likely duplicate. */
export const DUPLICATE_RADIUS_MAX_M = 5000;

/**
 * `GET /api/admin/routing` answers it; `PUT /api/admin/routing` replaces the table with it.
 * `duplicateRadiusM`: for each service type, the metres within which a report of that type is
 * a likely duplicate of an open case; a `PUT` changes the types it names and keeps the others.
 */
export const RoutingTable = z.strictObject({
  rules: z.array(RoutingRule).max(5000),
  duplicateRadiusM: z.record(Code, z.number().int().min(0).max(DUPLICATE_RADIUS_MAX_M)).optional(),
  /**
   * Read: the table's version as answered. Saved: the version the admin edited, so that a
   * table another admin saved meanwhile is not overwritten unseen (409). Left out, the table
   * is replaced whatever it is now.
   */
  version: z.string().max(64).optional(),
});
export type RoutingTable = z.infer<typeof RoutingTable>;

/**
 * `GET /api/admin/routing/names`: what a routing table may name, with the names people read,
 * so an admin picks from lists instead of typing ids.
 */
export const RoutingNames = z.strictObject({
  departments: z.array(z.strictObject({ id: z.string(), name: z.string() })),
  districts: z.array(z.strictObject({ id: z.string(), name: z.string() })),
  types: z.array(z.strictObject({ code: z.string(), name: z.string(), group: z.string(), departmentId: z.string() })),
  crews: z.array(z.strictObject({ id: z.string(), name: z.string(), departmentId: z.string() })),
});
export type RoutingNames = z.infer<typeof RoutingNames>;

export const ApiKeyInfo = z.strictObject({
  id: z.string(),
  name: z.string(),
  createdAt: z.iso.datetime({ offset: true }),
  createdBy: z.string().nullable(),
  /** The creator's name (null when they are gone or unknown). */
  createdByName: z.string().nullable(),
  revokedAt: z.iso.datetime({ offset: true }).nullable(),
  lastUsedAt: z.iso.datetime({ offset: true }).nullable(),
  rateLimitPerMinute: z.number().int().positive(),
});
export type ApiKeyInfo = z.infer<typeof ApiKeyInfo>;

export const ApiKeysResponse = z.strictObject({ keys: z.array(ApiKeyInfo) });
export type ApiKeysResponse = z.infer<typeof ApiKeysResponse>;

/** `POST /api/admin/api-keys`. */
export const CreateApiKeyRequest = z.strictObject({
  name: z
    .string()
    .trim()
    .min(1)
    .max(200)
    .refine(isStorableText, 'contains a character that cannot be stored (a NUL or a broken surrogate pair)'),
  rateLimitPerMinute: z.number().int().min(1).max(100_000).default(60),
});
export type CreateApiKeyRequest = z.infer<typeof CreateApiKeyRequest>;
/** What a client sends (the limit may be left out). */
export type CreateApiKeyInput = z.input<typeof CreateApiKeyRequest>;

/** The new key's secret is in this answer only: it is stored hashed. */
export const CreateApiKeyResponse = z.strictObject({ key: ApiKeyInfo, secret: z.string() });
export type CreateApiKeyResponse = z.infer<typeof CreateApiKeyResponse>;

/** `POST /api/admin/api-keys/{id}/revoke`: the key as it now is. */
export const RevokeApiKeyResponse = z.strictObject({ key: ApiKeyInfo });
export type RevokeApiKeyResponse = z.infer<typeof RevokeApiKeyResponse>;
