import { z } from 'zod';
import { Mutation } from './mutation.ts';
import { Outcome } from './outcome.ts';

export const MAX_PUSH_BATCH = 500;

/** `POST /api/sync/push`: a device's pending mutations, oldest first. */
export const PushRequest = z.object({
  clientId: z.string().min(1).max(64),
  mutations: z.array(Mutation).min(1).max(MAX_PUSH_BATCH),
});
export type PushRequest = z.infer<typeof PushRequest>;

/** One outcome per pushed mutation, in the order pushed. A replay returns the first outcomes (R1). */
export const PushResponse = z.object({
  outcomes: z.array(Outcome),
});
export type PushResponse = z.infer<typeof PushResponse>;
