import { z } from 'zod';

/** An Open311 service attribute (GeoReport v2 service definition). */
export const ServiceAttribute = z.object({
  code: z.string(),
  description: z.string(),
  datatype: z.enum(['string', 'number', 'datetime', 'text', 'singlevaluelist', 'multivaluelist']),
  required: z.boolean(),
  variable: z.boolean(),
  order: z.number().int(),
  datatypeDescription: z.string().nullable(),
  values: z.array(z.object({ key: z.string(), name: z.string() })),
});
export type ServiceAttribute = z.infer<typeof ServiceAttribute>;

/** A choice offered to a worker (resolution code, hold reason, close reason). */
export const Choice = z.object({ code: z.string(), label: z.string() });
export type Choice = z.infer<typeof Choice>;

/**
 * A kind of problem a resident can report, with the rules the field app follows for it.
 * `code` is the Open311 `service_code`.
 */
export const ServiceType = z.object({
  code: z.string(),
  name: z.string(),
  group: z.string(),
  description: z.string(),
  departmentId: z.string(),
  keywords: z.array(z.string()),
  icon: z.string(),
  attributes: z.array(ServiceAttribute),
  photoRequiredOnFix: z.boolean(),
  estimatedMinutes: z.number().int().positive(),
  slaDays: z.number().int().positive(),
  resolutionCodes: z.array(Choice),
  holdReasons: z.array(Choice),
  closeReasons: z.array(Choice),
});
export type ServiceType = z.infer<typeof ServiceType>;
