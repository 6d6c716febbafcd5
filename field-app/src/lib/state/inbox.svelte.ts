/**
 * The lead inbox (R2, R6, R9): crossed paths, and the changes from a crew that did not take,
 * the ones of one push grouped in one notice. Read from the server when there is a connection
 * (a desk job), marked as read one notice (one group) at a time.
 */
import type { LeadNotice, LeadNoticeItem } from '@fieldfix/shared';
import { acknowledgeNotice, fetchNotices } from '#lib/api/index.ts';

export class Inbox {
  notices = $state.raw<LeadNotice[]>([]);
  /** How many wait to be read in all: more than the list when it holds only the newest. */
  waiting = $state(0);
  loading = $state(false);
  loaded = $state(false);
  /** What went wrong, for the person; empty when nothing did. */
  error = $state('');
  /** Ids being marked as read. */
  busy = $state.raw<ReadonlySet<string>>(new Set());

  async load(): Promise<void> {
    this.loading = true;
    this.error = '';
    const res = await fetchNotices();
    this.loading = false;
    if (res.ok) {
      this.notices = res.data.notices;
      this.waiting = res.data.waiting ?? res.data.notices.filter((n) => !n.acknowledgedAt).length;
      this.loaded = true;
    } else {
      this.error =
        res.error.kind === 'network' ? 'The inbox needs a connection. Connect, then press Refresh.' : res.error.message;
    }
  }

  /** Said after a notice was marked as read (and read out). */
  said = $state('');

  /** Marks a notice as read; for a group, every change in it. True when it was. */
  async acknowledge(id: string): Promise<boolean> {
    if (this.busy.has(id)) return false;
    this.busy = new Set([...this.busy, id]);
    this.said = '';
    const res = await acknowledgeNotice(id);
    this.busy = new Set([...this.busy].filter((b) => b !== id));
    if (!res.ok) {
      this.error = `Could not mark it as read: ${res.error.message}`;
      return false;
    }
    // A failure before (a blip, then "Mark as read" again) no longer holds.
    this.error = '';
    this.notices = this.notices.filter((n) => n.id !== id);
    this.waiting = Math.max(this.notices.length, this.waiting - 1);
    this.said = `Marked as read. ${leftWords(this.waiting)}`;
    // The list held the newest only: once they are read, the older ones come.
    if (this.notices.length === 0 && this.waiting > 0) await this.load();
    return true;
  }
}

/** A group's notice is a summary of several changes; the others stand for one. */
export function isGroup(n: LeadNotice): boolean {
  return n.count > 1;
}

/** What the notice is about, in a word for its tag. */
export function noticeTag(n: LeadNotice): string {
  if (n.kind === 'crossed-path') return 'Crossed path';
  if (n.kind === 'not-applied') return isGroup(n) ? `${n.count} not applied` : 'Not applied';
  return 'Notice';
}

/**
 * One change of a group, as listed under its summary: without the person's name when the
 * summary already starts with it ("Ann Worker: …").
 */
export function itemText(n: LeadNotice, item: LeadNoticeItem): string {
  const colon = n.message.indexOf(': ');
  const prefix = colon > 0 ? n.message.slice(0, colon + 2) : '';
  return prefix && item.message.startsWith(prefix) ? item.message.slice(prefix.length) : item.message;
}

/** What is left to read, after one was marked as read. */
export function leftWords(waiting: number): string {
  return waiting === 0 ? 'Nothing else waiting.' : waiting === 1 ? '1 notice left.' : `${waiting} notices left.`;
}

/** Said above a list that holds only the newest of what waits; null when it holds them all. */
export function olderWords(shown: number, waiting: number): string | null {
  const older = waiting - shown;
  return older > 0
    ? `The newest ${shown} of ${waiting} are listed. Mark these as read and the ${older} older ${older === 1 ? 'one comes' : 'ones come'} next.`
    : null;
}
