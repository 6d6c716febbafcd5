import { z } from 'zod';
import { CaseId } from './mutation.ts';

/** R9: every mutation ends in exactly one of these. */
export const OUTCOMES = ['applied', 'merged', 'superseded', 'rejected'] as const;
export const OutcomeKind = z.enum(OUTCOMES);
export type OutcomeKind = z.infer<typeof OutcomeKind>;

/** Why a mutation was merged, superseded or rejected. Kebab-case, listed once. */
export const REASONS = [
  // merged
  'landed-on-surviving-case', // R6: the case was merged; the work went to the surviving case
  'duplicate-work', // R3: another fix was already recorded; this one is kept as duplicate work
  // superseded
  'case-closed', // R2/R5: the case was closed meanwhile
  'case-cancelled', // R6: a lead cancelled the case meanwhile; the work is recorded, the lead told
  'invalid-transition', // R5: the change no longer makes sense in the case's state
  'already-in-state', // R5: the case is already where this change would take it
  // rejected
  'not-your-crew', // R8
  'not-your-department', // R8
  'role-not-allowed', // R8: a worker sent a lead's change
  'case-not-found',
  'invalid-payload', // e.g. a resolution code the service type does not have
  'photo-required', // the service type needs an after-photo to fix
  'photo-not-on-case', // a fix names a photo that is not a crew's photo of this case
  'photo-id-taken', // attach_photo with the id of a photo already recorded
] as const;
export const Reason = z.enum(REASONS);
export type Reason = z.infer<typeof Reason>;

export const Outcome = z.object({
  mutationId: z.uuid(),
  /** The case the mutation was sent for. */
  caseId: CaseId,
  /** Where it took effect: differs from `caseId` when it landed on a surviving case (R6). */
  landedOnCaseId: CaseId.nullable(),
  outcome: OutcomeKind,
  reason: Reason.nullable(),
  /** Plain words for the person who made the change. */
  message: z.string(),
  /** The case's version after this mutation (null when the case does not exist). */
  caseVersion: z.number().int().nonnegative().nullable(),
});
export type Outcome = z.infer<typeof Outcome>;
