import { z } from 'zod';
import { IsoDate, IsoDateTime } from '../domain/case.ts';
import { Priority } from '../domain/lifecycle.ts';

/** A case id on the wire: the database's bigint as a decimal string. */
export const CaseId = z.string().regex(/^[1-9]\d{0,17}$/, 'a case id is a positive whole number');
const Code = z.string().min(1).max(64);
const Text = z.string().trim().min(1).max(4000);

/** What every mutation carries besides its kind and payload. */
const base = {
  /** Client-generated UUIDv7: the mutation's identity for R1 (idempotency). */
  id: z.uuid({ version: 'v7' }),
  clientId: z.string().min(1).max(64),
  /** Per-device sequence number, in the order the device made its changes. */
  seq: z.number().int().nonnegative(),
  caseId: CaseId,
  /** The case version the device last saw from the server (0 for never). */
  baseVersion: z.number().int().nonnegative(),
  /** The device's clock when the change was made (informational: the server decides order). */
  deviceTime: IsoDateTime,
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
        photoId: z.uuid(),
        tag: PhotoTag,
        contentType: z.enum(['image/jpeg', 'image/webp']),
        byteSize: z
          .number()
          .int()
          .positive()
          .max(20 * 1024 * 1024),
        width: z.number().int().positive().max(10_000),
        height: z.number().int().positive().max(10_000),
        takenAt: IsoDateTime.nullable(),
        lat: z.number().min(-90).max(90).nullable(),
        long: z.number().min(-180).max(180).nullable(),
      })
      .strict(),
  ),
  m(
    'fix',
    z.object({ resolutionCode: Code, note: z.string().trim().max(4000), photoIds: z.array(z.uuid()).max(20) }).strict(),
  ),
  m('close_not_fixed', z.object({ reason: Code, note: z.string().trim().max(4000) }).strict()),
  m('transfer_request', z.object({ departmentId: Code.nullable(), reason: Text }).strict()),
  m('assign', z.object({ crewId: Code, day: IsoDate, position: z.number().int().positive().nullable() }).strict()),
  m('unassign', z.object({}).strict()),
  m('reorder', z.object({ position: z.number().int().positive() }).strict()),
  m('set_priority', z.object({ priority: Priority }).strict()),
  m('set_due', z.object({ expectedAt: IsoDateTime.nullable() }).strict()),
  m('merge_duplicate', z.object({ intoCaseId: CaseId }).strict()),
  m('cancel', z.object({ reason: Code, note: z.string().trim().max(4000) }).strict()),
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
