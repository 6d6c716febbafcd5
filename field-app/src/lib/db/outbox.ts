/**
 * The outbox: changes made on the device, kept until the server has acknowledged each by its
 * id, and the outcomes the server sent back.
 *
 * Invariants
 * - A pending mutation is deleted only in the transaction that stores the server's outcome
 *   for its id (push response or pull). Nothing else deletes one, except the person
 *   discarding a change the server refused as malformed.
 * - `seq` is taken from `meta.nextSeq` in the same transaction that stores the mutation, so
 *   two tabs never reuse one.
 */
import { v7 as uuidv7 } from 'uuid';
import { Mutation, type MutationKind, type Outcome, type PayloadOf } from '@fieldfix/shared';
import { db, type MetaRow, type OutcomeRow, type PendingRow } from './database.ts';

/** Thrown when a change cannot be saved; `message` is for the person. */
export class SaveError extends Error {}

/**
 * Stores a new change in the outbox and resolves once it is on disk. Builds the whole
 * mutation: id (UUIDv7), this device's id, the next `seq`, the case version last pulled (or
 * the version `shown` on the screen the change was made on: what the server judges a lead's
 * move by, the picture the lead acted on).
 */
export async function addPending<K extends MutationKind>(
  kind: K,
  caseId: string,
  payload: PayloadOf<K>,
  shown?: number,
): Promise<PendingRow> {
  const d = db();
  return d.transaction('rw', [d.meta, d.cases, d.pending, d.session], async () => {
    const session = (await d.session.get('current'))?.session;
    if (!session) throw new SaveError('You are signed out. Sign in again to record changes.');
    const [clientIdRow, nextSeqRow, serverCase, leftRow] = await Promise.all([
      d.meta.get('clientId'),
      d.meta.get('nextSeq'),
      d.cases.get(caseId),
      d.meta.get('leftVersions'),
    ]);
    // A case a sync took off the device while its page was open (moved to another crew): the
    // change is based on the version the device last held, so the server can tell the work
    // was done while the case was the crew's (R8).
    const leftVersion = ((leftRow?.value as [string, number][] | undefined) ?? []).find(([id]) => id === caseId)?.[1];
    let clientId = clientIdRow?.value as string | undefined;
    if (!clientId) {
      clientId = uuidv7();
      await d.meta.put({ key: 'clientId', value: clientId });
    }
    const seq = (nextSeqRow?.value as number | undefined) ?? 1;
    const parsed = Mutation.safeParse({
      id: uuidv7(),
      clientId,
      seq,
      caseId,
      baseVersion: shown ?? serverCase?.version ?? leftVersion ?? 0,
      deviceTime: new Date().toISOString(),
      kind,
      payload,
    });
    if (!parsed.success) {
      console.error('Refusing to queue an invalid change', parsed.error.issues);
      // A clock gone wrong (a flat battery in a dead zone) makes every change fail: say so.
      if (parsed.error.issues.some((i) => i.path[0] === 'deviceTime')) {
        throw new SaveError(
          `This device's clock is wrong (it says ${new Date().getFullYear()}). Set the date and time in the device's settings, then save again.`,
        );
      }
      throw new SaveError('This change is not complete. Check the form and try again.');
    }
    const row: PendingRow = {
      seq,
      id: parsed.data.id,
      caseId,
      userId: session.user.id,
      userName: session.user.name,
      mutation: parsed.data,
    };
    await d.pending.add(row);
    await d.meta.put({ key: 'nextSeq', value: seq + 1 } satisfies MetaRow);
    return row;
  });
}

/** One change of a batch (`addPendingBatch`). */
/**
 * One change of a batch. `shown`: the case's version on the screen the change was made on (the
 * lead's board, kept apart from the device's last pull).
 */
export type PendingItem = {
  [K in MutationKind]: { kind: K; caseId: string; payload: PayloadOf<K>; shown?: number };
}[MutationKind];

/**
 * Stores several changes as one: all of them, in order, or none (a lead's move of ten cases
 * is not left half made when the device refuses the fourth). Throws as `addPending` does.
 */
export async function addPendingBatch(items: readonly PendingItem[]): Promise<PendingRow[]> {
  const d = db();
  return d.transaction('rw', [d.meta, d.cases, d.pending, d.session], async () => {
    const rows: PendingRow[] = [];
    for (const item of items)
      rows.push(await addPending(item.kind, item.caseId, item.payload as PayloadOf<typeof item.kind>, item.shown));
    return rows;
  });
}

/** The oldest changes of `userId` that may be pushed (not blocked), at most `limit`. */
export async function pendingBatch(userId: string, limit: number): Promise<PendingRow[]> {
  return db()
    .pending.orderBy('seq')
    .filter((r) => r.userId === userId && !r.blocked)
    .limit(limit)
    .toArray();
}

/** How many of `userId`'s changes still wait to be pushed. */
export async function pushableCount(userId: string): Promise<number> {
  return db()
    .pending.where('userId')
    .equals(userId)
    .filter((r) => !r.blocked)
    .count();
}

/** The outcome row for a server outcome, keeping what the device already knew of it. */
export function outcomeRow(
  o: Outcome,
  sent: PendingRow | undefined,
  known: OutcomeRow | undefined,
  now: string,
): OutcomeRow {
  return {
    mutationId: o.mutationId,
    userId: sent?.userId ?? known?.userId ?? null,
    caseId: o.caseId,
    landedOnCaseId: o.landedOnCaseId,
    kind: sent?.mutation.kind ?? known?.kind ?? null,
    outcome: o.outcome,
    reason: o.reason,
    message: o.message,
    caseVersion: o.caseVersion,
    at: known?.at ?? now,
    dismissed: known?.dismissed ?? false,
    mutation: sent?.mutation ?? known?.mutation ?? null,
    seq: sent?.seq ?? known?.seq ?? null,
  };
}

/**
 * Records the outcomes of a push in one transaction and deletes exactly the pending
 * mutations that got one. Returns how many were acknowledged.
 */
export async function acknowledge(outcomes: Outcome[]): Promise<number> {
  const d = db();
  const now = new Date().toISOString();
  return d.transaction('rw', [d.pending, d.outcomes], async () => {
    let done = 0;
    for (const o of outcomes) {
      const [sent, known] = await Promise.all([
        d.pending.where('id').equals(o.mutationId).first(),
        d.outcomes.get(o.mutationId),
      ]);
      await d.outcomes.put(outcomeRow(o, sent, known, now));
      if (sent) {
        await d.pending.delete(sent.seq);
        done++;
      }
    }
    return done;
  });
}

/** The server refused this change as malformed: keep it, stop pushing it, show it. */
export async function blockPending(seq: number, message: string): Promise<void> {
  await db().pending.update(seq, { blocked: { message, at: new Date().toISOString() } });
}

/** The person asks to try a blocked change again. */
export async function unblockPending(seq: number): Promise<void> {
  const d = db();
  await d.transaction('rw', [d.pending], async () => {
    const row = await d.pending.get(seq);
    if (row?.blocked) {
      delete row.blocked;
      await d.pending.put(row);
    }
  });
}

/** How the words of a photo whose attach change was not applied begin. */
export const NOT_ATTACHED = 'Not added to the case:';

/** Why a photo will not upload when its attach change was not applied, and what that means. */
export function notAttachedWords(serverWords: string): string {
  return `${NOT_ATTACHED} ${serverWords} The photo stays on this device; ask your lead if it is needed.`;
}

/** The person gives up on a change the server refused as malformed (never done silently). */
export async function discardBlocked(seq: number, userId: string): Promise<void> {
  const d = db();
  await d.transaction('rw', [d.pending, d.photos], async () => {
    const row = await d.pending.get(seq);
    // Only its maker may give a change up (another person signed in here never sees it).
    if (!row?.blocked || row.userId !== userId) return;
    await d.pending.delete(seq);
    // A photo whose attach change is given up will never be on the server: it stays here,
    // marked, instead of waiting to upload for ever (and holding up every sync).
    if (row.mutation.kind === 'attach_photo') {
      await d.photos.update(row.mutation.payload.photoId, {
        state: 'failed',
        error: notAttachedWords('you discarded the change that adds it.'),
        notAttached: true,
      });
    }
  });
}

/** The person has read an outcome. */
export async function dismissOutcome(mutationId: string): Promise<void> {
  await db().outcomes.update(mutationId, { dismissed: true });
}
