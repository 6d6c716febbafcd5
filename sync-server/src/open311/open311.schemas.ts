/**
 * The GeoReport v2 responses Fieldfix sends, as it states them (from the spec's facts in
 * `../shared/open311/README.md`). Every endpoint's tests check both formats against these,
 * and against the Open311 project's published JSON Schemas.
 */
import { z } from 'zod';

const DateTime = z.iso.datetime({ offset: true });
const Nullable = <T extends z.ZodType>(t: T) => t.nullable();

export const Discovery = z.strictObject({
  changeset: DateTime,
  contact: z.string(),
  key_service: z.string(),
  endpoints: z.array(
    z.strictObject({
      specification: z.literal('http://wiki.open311.org/GeoReport_v2'),
      url: z.url(),
      changeset: DateTime,
      type: z.enum(['production', 'test']),
      formats: z.array(z.enum(['text/xml', 'application/json'])),
    }),
  ),
});

export const Service = z.strictObject({
  service_code: z.string(),
  service_name: z.string(),
  description: Nullable(z.string()),
  metadata: z.boolean(),
  type: z.enum(['realtime', 'batch', 'blackbox']),
  keywords: Nullable(z.string()),
  group: Nullable(z.string()),
});
export const Services = z.array(Service);

export const ServiceDefinition = z.strictObject({
  service_code: z.string(),
  attributes: z.array(
    z.strictObject({
      variable: z.boolean(),
      code: z.string(),
      datatype: z.enum(['string', 'number', 'datetime', 'text', 'singlevaluelist', 'multivaluelist']),
      required: z.boolean(),
      datatype_description: Nullable(z.string()),
      order: z.number().int(),
      description: z.string(),
      values: z.array(z.strictObject({ key: z.string(), name: z.string() })),
    }),
  ),
});

export const Note = z.strictObject({ datetime: DateTime, description: z.string(), type: z.string() });

export const Request = z.strictObject({
  service_request_id: z.string(),
  status: z.enum(['open', 'closed']),
  status_notes: Nullable(z.string()),
  service_name: Nullable(z.string()),
  service_code: z.string(),
  description: Nullable(z.string().max(4000)),
  agency_responsible: Nullable(z.string()),
  service_notice: Nullable(z.string()),
  requested_datetime: DateTime,
  updated_datetime: Nullable(DateTime),
  expected_datetime: Nullable(DateTime),
  address: Nullable(z.string()),
  address_id: Nullable(z.string()),
  zipcode: Nullable(z.string()),
  lat: Nullable(z.number()),
  long: Nullable(z.number()),
  media_url: Nullable(z.url()),
  // extensions=true
  extended_attributes: z.record(z.string(), z.union([z.string(), z.array(z.string())])).optional(),
  notes: z.array(Note).optional(),
});
export const Requests = z.array(Request);

export const CreatedRequest = z.strictObject({
  service_request_id: z.string(),
  token: z.string(),
  service_notice: Nullable(z.string()),
  account_id: Nullable(z.string()),
});
export const CreatedRequests = z.array(CreatedRequest).length(1);

export const TokenAnswer = z.array(z.strictObject({ service_request_id: z.string(), token: z.string() })).length(1);

export const FMS_STATUSES = [
  'OPEN',
  'ACTION_SCHEDULED',
  'IN_PROGRESS',
  'FIXED',
  'DUPLICATE',
  'NOT_COUNCILS_RESPONSIBILITY',
  'NO_FURTHER_ACTION',
  'CLOSED',
  'REOPEN',
] as const;
export type FmsStatus = (typeof FMS_STATUSES)[number];

export const RequestUpdate = z.strictObject({
  update_id: z.string(),
  service_request_id: z.string(),
  status: z.enum(FMS_STATUSES),
  updated_datetime: DateTime,
  description: z.string(),
  media_url: Nullable(z.url()),
});
export const RequestUpdates = z.array(RequestUpdate);

export const Errors = z.array(z.strictObject({ code: z.number().int(), description: z.string().min(1) })).min(1);
