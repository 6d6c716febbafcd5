/**
 * The admin's view of resident notices (R10): the messages kept in the mailbox when the
 * server has no SMTP_URL, and every notice's delivery state (pending, sent, failed with the
 * reason) with a retry. Read from the server: a desk job that needs a connection.
 */
import type { MailboxMessage, OutboxEntry, OutboxStatus } from '@fieldfix/shared';
import { fetchMailbox, fetchOutboxStatus, retryOutboxEntry } from '#lib/api/admin.ts';

export class Mailbox {
  transport = $state<'smtp' | 'mailbox' | null>(null);
  messages = $state.raw<MailboxMessage[]>([]);
  entries = $state.raw<OutboxEntry[]>([]);
  filter = $state<OutboxStatus | 'all'>('all');
  selectedId = $state<string | null>(null);
  /** True from the start: the page reads at once, and must not say the read failed before it began. */
  loading = $state(true);
  /** Whether `entries` are what the server answered for `filter` (false after a failed read). */
  entriesRead = $state(false);
  error = $state('');
  busy = $state.raw<ReadonlySet<string>>(new Set());

  selected = $derived(this.messages.find((m) => m.id === this.selectedId) ?? null);
  /** The latest read asked for: an earlier one answering late (another filter) is dropped. */
  #asked = 0;

  async load(): Promise<void> {
    const ask = ++this.#asked;
    this.loading = true;
    this.error = '';
    const [mail, outbox] = await Promise.all([
      fetchMailbox(),
      fetchOutboxStatus(this.filter === 'all' ? undefined : this.filter),
    ]);
    if (ask !== this.#asked) return;
    this.loading = false;
    if (mail.ok) {
      this.transport = mail.data.transport;
      this.messages = mail.data.messages;
      if (!this.selected) this.selectedId = this.messages[0]?.id ?? null;
    }
    // A filter that could not be read shows nothing, not the rows of the filter before it.
    this.entries = outbox.ok ? outbox.data.entries : [];
    this.entriesRead = outbox.ok;
    const failure = !mail.ok ? mail.error : !outbox.ok ? outbox.error : null;
    if (failure) {
      this.error =
        failure.kind === 'network' ? 'The mailbox needs a connection. Connect, then press Refresh.' : failure.message;
    }
  }

  async showOnly(filter: OutboxStatus | 'all'): Promise<void> {
    this.filter = filter;
    await this.load();
  }

  /** Sends a failed or waiting notice again now; true when the server took it. */
  async retry(id: string): Promise<boolean> {
    // The button stays pressable while it works (it keeps the keyboard): a second press waits.
    if (this.busy.has(id)) return false;
    this.busy = new Set([...this.busy, id]);
    const res = await retryOutboxEntry(id);
    this.busy = new Set([...this.busy].filter((b) => b !== id));
    if (!res.ok) {
      const error = `Could not retry notice ${id}: ${res.error.message}`;
      // Sent meanwhile (another admin, the worker), or gone: the table shows where it stands now.
      if (res.error.kind !== 'network') await this.load();
      this.error = error;
      return false;
    }
    await this.load();
    return true;
  }
}

/** What the delivery table says when the filter `filter` shows no notice. */
export function noEntries(filter: OutboxStatus | 'all'): string {
  switch (filter) {
    case 'all':
      return "No notices yet. One is queued each time a resident's case is received, scheduled, fixed, closed or reopened.";
    case 'pending':
      return 'No notice is waiting to be sent.';
    case 'sent':
      return 'No notice has been sent yet.';
    case 'failed':
      return 'No notice has failed.';
  }
}

/** A notice's state in a word or two, with the reason when it failed. */
export function entryState(e: OutboxEntry): string {
  if (e.status === 'sent') return `Sent to ${e.recipients} ${e.recipients === 1 ? 'person' : 'people'}`;
  if (e.status === 'failed') return `Failed after ${e.attempts} ${e.attempts === 1 ? 'attempt' : 'attempts'}`;
  return e.attempts > 0 ? `Waiting to retry (${e.attempts} failed)` : 'Waiting';
}
