/**
 * What anyone may read of a case (the public, Open311 clients): `caseReadLevel` answers
 * 'public' for them, and this is all 'public' means. Nothing about who reported it, which
 * crew works it, where it sits in a route or what photos the resident sent.
 */
import { z } from 'zod';
import { IsoDateTime, type CaseRecord } from '../domain/case.ts';
import { CaseState } from '../domain/lifecycle.ts';

export const PublicCase = z
  .object({
    id: z.string(),
    serviceCode: z.string(),
    description: z.string(),
    lat: z.number(),
    long: z.number(),
    address: z.string(),
    state: CaseState,
    statusNotes: z.string().nullable(),
    requestedAt: IsoDateTime,
    updatedAt: IsoDateTime,
    expectedAt: IsoDateTime.nullable(),
    closedAt: IsoDateTime.nullable(),
  })
  .strict();
export type PublicCase = z.infer<typeof PublicCase>;

/** The public fields of a case, and nothing else. */
export function toPublicCase(c: CaseRecord): PublicCase {
  return {
    id: c.id,
    serviceCode: c.serviceCode,
    description: c.description,
    lat: c.lat,
    long: c.long,
    address: c.address,
    state: c.state,
    statusNotes: c.statusNotes,
    requestedAt: c.requestedAt,
    updatedAt: c.updatedAt,
    expectedAt: c.expectedAt,
    closedAt: c.closedAt,
  };
}
