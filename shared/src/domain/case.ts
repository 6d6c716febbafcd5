import { z } from 'zod';
import { CaseState, Priority } from './lifecycle.ts';

/** ISO 8601 date-time with a zone, as the wire carries it. */
export const IsoDateTime = z.iso.datetime({ offset: true });
/** A calendar day, `YYYY-MM-DD`. */
export const IsoDate = z.iso.date();

/**
 * A case as staff devices see it. Never carries the reporter's contact details: those stay
 * on the server (PRODUCT.md, privacy).
 */
export const CaseRecord = z.object({
  id: z.string(),
  serviceCode: z.string(),
  description: z.string(),
  lat: z.number(),
  long: z.number(),
  address: z.string(),
  districtId: z.string().nullable(),
  state: CaseState,
  priority: Priority,
  statusNotes: z.string().nullable(),
  holdReason: z.string().nullable(),
  resolutionCode: z.string().nullable(),
  closeReason: z.string().nullable(),
  attributes: z.record(z.string(), z.union([z.string(), z.array(z.string())])),
  requestedAt: IsoDateTime,
  updatedAt: IsoDateTime,
  expectedAt: IsoDateTime.nullable(),
  /** When the case was fixed or closed; null while open. */
  closedAt: IsoDateTime.nullable(),
  crewId: z.string().nullable(),
  assignedDay: IsoDate.nullable(),
  routePosition: z.number().int().nullable(),
  mediaUrl: z.string().nullable(),
  /**
   * The photos the resident sent with the report, oldest first (bytes at
   * `/api/photos/:id`, staff only). Empty when the report came without one.
   */
  reportPhotoIds: z.array(z.string()),
  /** Set when a lead merged this case into another (the surviving case). */
  mergedIntoId: z.string().nullable(),
  /** True when a lead cancelled the case (closed, not fixed, no work wanted). */
  cancelled: z.boolean(),
  version: z.number().int().positive(),
});
export type CaseRecord = z.infer<typeof CaseRecord>;

/** One entry of a case's append-only history. */
export const CaseEvent = z.object({
  id: z.string(),
  caseId: z.string(),
  at: IsoDateTime,
  kind: z.string(),
  actorName: z.string().nullable(),
  data: z.record(z.string(), z.unknown()),
});
export type CaseEvent = z.infer<typeof CaseEvent>;
