/**
 * What anyone may read of a case (the public, Open311 clients): `caseReadLevel` answers
 * 'public' for them, and this is all 'public' means of the case's record. Nothing about who
 * reported it, which crew works it or where it sits in a route. Photos are not part of it:
 * Open311 publishes a request's first photo apart (`media_url`), served re-encoded with no
 * EXIF and nothing that names a person.
 */
import type { z } from 'zod';
import { CaseRecord } from '../domain/case.ts';
import { hideContactDetails } from './contact-details.ts';

export const PublicCase = CaseRecord.pick({
  id: true,
  serviceCode: true,
  description: true,
  lat: true,
  long: true,
  address: true,
  state: true,
  statusNotes: true,
  requestedAt: true,
  updatedAt: true,
  expectedAt: true,
  closedAt: true,
}).strict();
export type PublicCase = z.infer<typeof PublicCase>;

/**
 * The public fields of a case, and nothing else. Its free text (the resident's description and
 * address, the crew's status note) with any email address or phone number hidden
 * (`hideContactDetails`).
 */
export function toPublicCase(c: CaseRecord): PublicCase {
  return {
    id: c.id,
    serviceCode: c.serviceCode,
    description: hideContactDetails(c.description),
    lat: c.lat,
    long: c.long,
    address: hideContactDetails(c.address),
    state: c.state,
    statusNotes: c.statusNotes === null ? null : hideContactDetails(c.statusNotes),
    requestedAt: c.requestedAt,
    updatedAt: c.updatedAt,
    expectedAt: c.expectedAt,
    closedAt: c.closedAt,
  };
}
