import { z } from 'zod';
import { CaseEvent, CaseRecord } from '../domain/case.ts';
import { ServiceType } from '../domain/service-type.ts';
import { CaseId } from '../sync/mutation.ts';

/** Names for the ids a history mentions (crews, departments), so nobody reads a raw id. */
export const Names = z.object({
  crews: z.record(z.string(), z.string()),
  departments: z.record(z.string(), z.string()),
});
export type Names = z.infer<typeof Names>;

/** `GET /api/cases/:id`: one case with its whole history, oldest first (staff in scope). */
export const CaseDetailResponse = z.object({
  case: CaseRecord,
  events: z.array(CaseEvent),
  names: Names,
});
export type CaseDetailResponse = z.infer<typeof CaseDetailResponse>;

/** At most this many cases' histories in one request. */
export const MAX_HISTORIES = 200;

/** `POST /api/cases/histories`: the histories of several cases, for a device to keep offline. */
export const CaseHistoriesRequest = z.object({
  ids: z.array(CaseId).min(1).max(MAX_HISTORIES),
});
export type CaseHistoriesRequest = z.infer<typeof CaseHistoriesRequest>;

/**
 * The histories of the asked cases the caller may read (others are left out, not refused:
 * a case may have left the device's scope meanwhile), each at the case's current version.
 */
export const CaseHistoriesResponse = z.object({
  histories: z.array(z.object({ caseId: CaseId, version: z.number().int().positive(), events: z.array(CaseEvent) })),
  names: Names,
});
export type CaseHistoriesResponse = z.infer<typeof CaseHistoriesResponse>;

/** `GET /api/service-types`: the catalogue of active service types. */
export const ServiceTypesResponse = z.array(ServiceType);
export type ServiceTypesResponse = z.infer<typeof ServiceTypesResponse>;
