import { z } from 'zod';
import { SaneDateTime } from '../domain/limits.ts';
import { describeIssue, Mutation, MutationIdentity, type RefusedMutation } from './mutation.ts';
import { Outcome } from './outcome.ts';

export const MAX_PUSH_BATCH = 500;

/** `POST /api/sync/push`: a device's pending mutations, oldest first. */
export const PushRequest = z.object({
  clientId: z.string().min(1).max(64),
  mutations: z.array(Mutation).min(1).max(MAX_PUSH_BATCH),
  /**
   * The device's clock when it sent this batch. The server's clock minus this is the
   * device's clock offset, which places each change at the time it was really made
   * (`deviceTime` + offset). Absent from protocol 3 devices.
   */
  sentAt: SaneDateTime.optional(),
});
export type PushRequest = z.infer<typeof PushRequest>;

/** One outcome per pushed mutation, in the order pushed. A replay returns the first outcomes (R1). */
export const PushResponse = z.object({
  outcomes: z.array(Outcome),
});
export type PushResponse = z.infer<typeof PushResponse>;

/**
 * The server reads a push as an envelope first, then each mutation on its own: one
 * malformed change gets its own `rejected` outcome (R9) and the rest of the batch applies.
 */
export const PushEnvelope = z.object({
  clientId: z.string().min(1).max(64),
  mutations: z.array(z.unknown()).min(1).max(MAX_PUSH_BATCH),
  sentAt: SaneDateTime.optional(),
});

export type PushEntry = { ok: true; mutation: Mutation } | { ok: false; refused: RefusedMutation };

/**
 * Parses each pushed mutation. One that does not even say which change it is (id, device,
 * sequence, case, kind) cannot be answered by its own outcome: `error` names its field, and
 * the whole request is refused (the device narrows the batch down and sets that one aside).
 */
export function parsePushEntries(raw: unknown[]): { entries: PushEntry[] } | { error: string } {
  const entries: PushEntry[] = [];
  for (const [i, value] of raw.entries()) {
    const full = Mutation.safeParse(value);
    if (full.success) {
      entries.push({ ok: true, mutation: full.data });
      continue;
    }
    const identity = MutationIdentity.safeParse(value);
    if (!identity.success) return { error: `mutations.${i}.${describeIssue(identity.error.issues[0]!)}` };
    entries.push({ ok: false, refused: { ...identity.data, problem: describeIssue(full.error.issues[0]!) } });
  }
  return { entries };
}
