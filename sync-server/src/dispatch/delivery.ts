/**
 * Delivery receipts: whether a crew's device holds a case as the board shows it.
 *
 * A pull answered with cursor C gives the device everything in its crew's scope up to C
 * (pages take the lowest cursors first, and cursors become visible in order: migration
 * 0003). So a case whose last change has cursor N is on the crew's device since the first
 * pull of any of its devices answered with a cursor at or after N.
 */
import type { Delivery } from '@fieldfix/shared';

export type Pull = { cursor: bigint; at: Date };

export type CrewReceipts = (changeCursor: bigint) => Delivery;

/**
 * Receipts for one crew from its devices' pull log (any order) and its newest pull.
 * Sorting once and keeping the earliest time from each cursor up answers each case in
 * O(log pulls).
 */
export function crewReceipts(pulls: Pull[], lastSyncedAt: Date | null): CrewReceipts {
  const sorted = [...pulls].sort((a, b) => (a.cursor < b.cursor ? -1 : a.cursor > b.cursor ? 1 : 0));
  // earliest[i]: the earliest time any pull at index i or later (a cursor at least sorted[i]'s) happened.
  const earliest: number[] = new Array<number>(sorted.length);
  let min = Infinity;
  for (let i = sorted.length - 1; i >= 0; i--) {
    min = Math.min(min, sorted[i]!.at.getTime());
    earliest[i] = min;
  }
  const waiting: Delivery = { state: 'waiting', crewLastSyncedAt: lastSyncedAt?.toISOString() ?? null };
  return (changeCursor) => {
    // The first pull with cursor >= changeCursor.
    let lo = 0;
    let hi = sorted.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (sorted[mid]!.cursor < changeCursor) lo = mid + 1;
      else hi = mid;
    }
    if (lo === sorted.length) return waiting;
    return { state: 'on-device', since: new Date(earliest[lo]!).toISOString() };
  };
}
