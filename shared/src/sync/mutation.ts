import { z } from 'zod';
import { Priority } from '../domain/lifecycle.ts';
import { CODE_MAX, int4, isStorableText, SaneDate, SaneDateTime, TEXT_MAX } from '../domain/limits.ts';

/** A case id on the wire: the database's bigint as a decimal string. */
export const CaseId = z.string().regex(/^[1-9]\d{0,17}$/, 'a case id is a positive whole number');
const STORABLE = 'contains a character that cannot be stored (a NUL or a broken surrogate pair)';
const Code = z.string().min(1).max(CODE_MAX).refine(isStorableText, STORABLE);
/** Text a person typed: required. */
const Text = z.string().trim().min(1).max(TEXT_MAX).refine(isStorableText, STORABLE);
/** Text a person may leave empty. */
const OptionalText = z.string().trim().max(TEXT_MAX).refine(isStorableText, STORABLE);

/** The most photos a fix may name (the rest stay on the case, as photos of it). */
export const MAX_FIX_PHOTOS = 20;

/**
 * A UUID as the database writes it (lower case): ids are compared as strings before they reach
 * the database, so a device that writes them in capitals (iOS does) has its replay recognised
 * (R1) and its photo ids matched to the photos they name.
 */
const Uuid = <S extends z.ZodType<string>>(s: S) => s.transform((id) => id.toLowerCase());

/** What every mutation carries besides its kind and payload. */
const base = {
  /** Client-generated UUIDv7: the mutation's identity for R1 (idempotency). */
  id: Uuid(z.uuid({ version: 'v7' })),
  clientId: Code,
  /** Per-device sequence number, in the order the device made its changes. */
  seq: int4().nonnegative(),
  caseId: CaseId,
  /** The case version the device last saw from the server (0 for never). */
  baseVersion: int4().nonnegative(),
  /**
   * The device's clock when the change was made. The server decides the order; it uses
   * this, corrected for the device's clock offset, as the time the work was done.
   */
  deviceTime: SaneDateTime,
};

const m = <K extends string, P extends z.ZodType>(kind: K, payload: P) =>
  z.object({ ...base, kind: z.literal(kind), payload });

export const PhotoTag = z.enum(['before', 'after', 'other']);

/** Changes a crew makes in the field. */
export const FIELD_KINDS = [
  'start',
  'hold',
  'resume',
  'add_note',
  'attach_photo',
  'fix',
  'close_not_fixed',
  'transfer_request',
] as const;
/** Changes a lead (or admin) makes at the desk. */
export const LEAD_KINDS = [
  'assign',
  'unassign',
  'reorder',
  'set_priority',
  'set_due',
  'merge_duplicate',
  'cancel',
  'reopen',
] as const;

export const Mutation = z.discriminatedUnion('kind', [
  m('start', z.object({}).strict()),
  m('hold', z.object({ reason: Code, note: Text.optional() }).strict()),
  m('resume', z.object({}).strict()),
  m('add_note', z.object({ text: Text }).strict()),
  m(
    'attach_photo',
    z
      .object({
        photoId: Uuid(z.uuid()),
        tag: PhotoTag,
        contentType: z.enum(['image/jpeg', 'image/webp']),
        byteSize: z
          .number()
          .int()
          .positive()
          .max(20 * 1024 * 1024),
        width: z.number().int().positive().max(10_000),
        height: z.number().int().positive().max(10_000),
        takenAt: SaneDateTime.nullable(),
        lat: z.number().min(-90).max(90).nullable(),
        long: z.number().min(-180).max(180).nullable(),
      })
      .strict(),
  ),
  m(
    'fix',
    z
      .object({ resolutionCode: Code, note: OptionalText, photoIds: z.array(Uuid(z.uuid())).max(MAX_FIX_PHOTOS) })
      .strict(),
  ),
  m('close_not_fixed', z.object({ reason: Code, note: OptionalText }).strict()),
  m('transfer_request', z.object({ departmentId: Code.nullable(), reason: Text }).strict()),
  m('assign', z.object({ crewId: Code, day: SaneDate, position: int4().positive().nullable() }).strict()),
  m('unassign', z.object({}).strict()),
  // The route the lead reordered (crew and day, as the board showed it): a reorder made on a
  // board that had not caught up with a move to another crew or day is not applied there.
  // Optional: app versions before it sent the stop number alone.
  m('reorder', z.object({ position: int4().positive(), crewId: Code.optional(), day: SaneDate.optional() }).strict()),
  m('set_priority', z.object({ priority: Priority }).strict()),
  m('set_due', z.object({ expectedAt: SaneDateTime.nullable() }).strict()),
  m('merge_duplicate', z.object({ intoCaseId: CaseId }).strict()),
  m('cancel', z.object({ reason: Code, note: OptionalText }).strict()),
  m('reopen', z.object({ reason: Text }).strict()),
]);
export type Mutation = z.infer<typeof Mutation>;
export type MutationKind = Mutation['kind'];
export type FieldKind = (typeof FIELD_KINDS)[number];
export type LeadKind = (typeof LEAD_KINDS)[number];
export type PayloadOf<K extends MutationKind> = Extract<Mutation, { kind: K }>['payload'];

export function isFieldKind(kind: MutationKind): kind is FieldKind {
  return (FIELD_KINDS as readonly string[]).includes(kind);
}

export const MUTATION_KINDS = [...FIELD_KINDS, ...LEAD_KINDS] as const;

/**
 * What identifies a mutation even when its payload is refused: enough to record a
 * `rejected` outcome for it (R9) instead of refusing the device's whole batch.
 */
export const MutationIdentity = z.object({
  id: base.id,
  clientId: base.clientId,
  seq: base.seq,
  caseId: CaseId,
  kind: z.enum(MUTATION_KINDS),
});
export type MutationIdentity = z.infer<typeof MutationIdentity>;

/** A pushed mutation that identifies itself but fails the schema: `problem` names the field. */
export type RefusedMutation = MutationIdentity & { problem: string };

/** The first problem zod found, as `payload.text: contains a character …`. */
export function describeIssue(issue: { path: readonly PropertyKey[]; message: string }): string {
  return issue.path.length > 0 ? `${issue.path.map(String).join('.')}: ${issue.message}` : issue.message;
}
