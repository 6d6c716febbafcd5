/**
 * The board's words for people (pure): delivery receipts, how old the picture is, loads.
 * Times are the device's clock and locale; "ago" is measured against `now`.
 */
import type { Delivery } from '@fieldfix/shared';

function clock(iso: string): string {
  return new Intl.DateTimeFormat(undefined, { hour: 'numeric', minute: '2-digit' }).format(new Date(iso));
}

/** "just now", "12 min ago", "2 h ago", "3 days ago". */
export function ago(iso: string, now: Date): string {
  const ms = now.getTime() - Date.parse(iso);
  if (!Number.isFinite(ms)) return '';
  const min = Math.floor(ms / 60_000);
  if (min < 1) return 'just now';
  if (min < 60) return `${min} min ago`;
  const h = Math.floor(min / 60);
  if (h < 48) return `${h} h ago`;
  return `${Math.floor(h / 24)} days ago`;
}

/** A moment as the board says it: "10:05" today, "Mon 23 Nov 10:05" another day. */
export function moment(iso: string, now: Date): string {
  const at = new Date(iso);
  if (Number.isNaN(at.getTime())) return iso;
  if (at.toDateString() === now.toDateString()) return clock(iso);
  const day = new Intl.DateTimeFormat(undefined, { weekday: 'short', day: 'numeric', month: 'short' }).format(at);
  return `${day} ${clock(iso)}`;
}

export type ReceiptTone = 'ok' | 'waiting' | 'never' | 'local';

/** Whether the crew's tablet has the case as the board shows it, in words. */
export function receiptWords(
  delivery: Delivery | null,
  waitingHere: boolean,
  now: Date,
): { text: string; tone: ReceiptTone } | null {
  if (waitingHere) return { text: 'Waiting: this move has not left this device yet', tone: 'local' };
  if (!delivery) return null;
  if (delivery.state === 'on-device') return { text: `On the tablet since ${moment(delivery.since, now)}`, tone: 'ok' };
  if (delivery.crewLastSyncedAt === null) return { text: 'Waiting: the crew has never synced', tone: 'never' };
  return { text: `Waiting: crew last synced ${ago(delivery.crewLastSyncedAt, now)}`, tone: 'waiting' };
}

/** "as of 10:42, 12 min ago". */
export function asOf(iso: string, now: Date): string {
  return `as of ${moment(iso, now)}, ${ago(iso, now)}`;
}

/** "3 h 20 min", "45 min". */
export function minutes(total: number): string {
  const m = Math.round(total);
  if (m < 60) return `${m} min`;
  const h = Math.floor(m / 60);
  const rest = m % 60;
  return rest ? `${h} h ${rest} min` : `${h} h`;
}

/** How old a case is, in whole days since it was reported. */
export function ageDays(requestedAt: string, now: Date): number {
  return Math.max(0, Math.floor((now.getTime() - Date.parse(requestedAt)) / 86_400_000));
}

/** What a lead does next about a desk change that did not take (by the server's reason). */
export function deskNextStep(reason: string | null): string {
  switch (reason) {
    case 'case-closed':
      return 'The crew’s work in the field stands: nothing to undo. If the problem is still there, reopen the case from its page.';
    case 'case-cancelled':
      return 'The case was cancelled meanwhile: nothing to do unless it still needs work.';
    case 'invalid-transition':
    case 'already-in-state':
      return 'Check where the case is now on the board, and move it again if it still needs to go.';
    case 'not-your-department':
    case 'role-not-allowed':
      return 'This case or crew belongs to another department: ask that department’s lead.';
    case 'case-not-found':
      return 'The case no longer exists. Refresh the board.';
    case 'invalid-payload':
      return 'Refresh the board, then make the change again with another choice.';
    default:
      return 'Open the case to see what happened, then decide.';
  }
}

/** What a lead does next about an inbox notice shown on the board. */
export function noticeNextStep(kind: string | null): string {
  if (kind === 'crossed-path')
    return 'The crew’s field work stands. Check the case, move it again if it still needs another crew, then mark this as read.';
  return 'Nothing was lost: check the cases listed, then mark this as read.';
}
