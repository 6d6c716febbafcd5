/**
 * What the residents' report form (`/report`) reads and sends: the service types, address
 * suggestions from the city's own streets, open cases of the same type nearby, the report
 * itself and its photos. A report is made idempotent by the token the phone makes for it, and
 * carries a small proof of work over that token (no third-party service): sending it again
 * answers the same case, and every new case costs its sender a moment of computing.
 */
import { z } from 'zod';
import { CODE_MAX, storableString, TEXT_MAX } from '../domain/limits.ts';
import { IsoDateTime } from '../domain/case.ts';
import { CaseState } from '../domain/lifecycle.ts';
import { ServiceAttribute } from '../domain/service-type.ts';
import { PublicEmail, PublicLocale } from './public.ts';

export {
  leadingZeroBits,
  REPORT_PHOTO_MAX_BYTES,
  REPORT_PHOTO_WINDOW_DAYS,
  REPORT_PHOTOS_MAX,
  REPORT_PROOF_BITS,
  reportProofText,
} from './report-proof.ts';

const Uuid = z.uuid();
/**
 * An attribute's code as a report names it: a code of the catalogue's kind. Anything else could
 * not be told apart in the Open311 form the report is checked through (`attribute[a]b]`).
 */
const AttributeCode = z.string().regex(new RegExp(`^[A-Za-z0-9_.-]{1,${CODE_MAX}}$`));

/** `GET /api/public/services`: the types a resident may report, with their group. */
export const PublicService = z.object({
  code: z.string(),
  name: z.string(),
  group: z.string(),
  description: z.string(),
  keywords: z.array(z.string()),
  /** The type's glyph key (`pothole`, `bin`, `light`…). */
  icon: z.string(),
  /** The questions the type asks (Open311 attributes); required ones must be answered. */
  attributes: z.array(ServiceAttribute),
});
export type PublicService = z.infer<typeof PublicService>;
export const PublicServicesResponse = z.object({ services: z.array(PublicService) });
export type PublicServicesResponse = z.infer<typeof PublicServicesResponse>;

/** `GET /api/public/addresses?q=` and `GET /api/public/addresses/near?lat=&long=`. */
export const AddressSuggestion = z.object({ address: z.string(), lat: z.number(), long: z.number() });
export type AddressSuggestion = z.infer<typeof AddressSuggestion>;
export const AddressSuggestionsResponse = z.object({ suggestions: z.array(AddressSuggestion) });
export type AddressSuggestionsResponse = z.infer<typeof AddressSuggestionsResponse>;

/** `GET /api/public/nearby?service=&lat=&long=`: open cases of the type near the point. */
export const NearbyCase = z.object({
  id: z.string(),
  address: z.string(),
  description: z.string(),
  state: CaseState,
  requestedAt: IsoDateTime,
  metres: z.number().int(),
});
export type NearbyCase = z.infer<typeof NearbyCase>;
export const NearbyCasesResponse = z.object({
  cases: z.array(NearbyCase),
  /** The city's time zone (IANA), for the reports' dates. */
  timeZone: z.string(),
});
export type NearbyCasesResponse = z.infer<typeof NearbyCasesResponse>;

/** `POST /api/public/reports`. */
export const PublicReportRequest = z.object({
  /** Made by the phone when the report is begun; the same report sent again carries the same one. */
  token: Uuid,
  serviceCode: z.string().min(1).max(64),
  lat: z.number().min(-90).max(90),
  long: z.number().min(-180).max(180),
  /** The address the resident typed or picked; empty when placed by position only. */
  address: storableString(500).default(''),
  description: storableString(TEXT_MAX).default(''),
  /** Answers to the type's questions, by attribute code. */
  attributes: z
    .record(AttributeCode, storableString(TEXT_MAX), {
      error: (issue) =>
        issue.code === 'invalid_key'
          ? `${JSON.stringify(issue.input)} is not an attribute code (1 to ${CODE_MAX} letters, digits, _ . or -)`
          : undefined,
    })
    .default({}),
  email: PublicEmail.nullable().default(null),
  /** The language of the notices (and of the answers' messages). */
  language: PublicLocale,
  /** A random id this phone keeps (limits per device). */
  device: z.string().min(8).max(64),
  /** The nonce with which `reportProofText(token, nonce)` hashes to REPORT_PROOF_BITS zero bits. */
  proof: z.string().min(1).max(32),
  /** The form's hidden field that people leave empty (a honeypot for robots). */
  website: z.string().max(2000).default(''),
});
export type PublicReportRequest = z.input<typeof PublicReportRequest>;

export const PublicReportResponse = z.object({
  caseId: z.string(),
  /** The notices' tracking key for this case ("still a problem?" from this phone). */
  trackKey: z.string(),
  /** True when the token had already made this case (the report was sent twice). */
  replayed: z.boolean(),
});
export type PublicReportResponse = z.infer<typeof PublicReportResponse>;

/** `PUT /api/public/reports/:token/photos/:photoId` (the JPEG or WebP bytes as the body). */
export const ReportPhotoResponse = z.object({ photoId: z.string(), caseId: z.string() });
export type ReportPhotoResponse = z.infer<typeof ReportPhotoResponse>;
