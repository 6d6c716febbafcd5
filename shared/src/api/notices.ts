import { z } from 'zod';
import { IsoDateTime } from '../domain/case.ts';

/** Something a lead must hear about: a crossed path, or a change that did not take (R2, R6, R9). */
export const LeadNotice = z.object({
  id: z.string(),
  caseId: z.string(),
  mutationId: z.string().nullable(),
  message: z.string(),
  createdAt: IsoDateTime,
  acknowledgedAt: IsoDateTime.nullable(),
});
export type LeadNotice = z.infer<typeof LeadNotice>;

/** `GET /api/notices` (`?all=1` includes acknowledged ones), newest first. */
export const NoticesResponse = z.object({ notices: z.array(LeadNotice) });
export type NoticesResponse = z.infer<typeof NoticesResponse>;
