/**
 * The lead's inbox of crossed paths (R2, R6, R9): read from the server when there is a
 * connection (a desk job), marked as read one by one.
 */
import type { LeadNotice } from '@fieldfix/shared';
import { acknowledgeNotice, fetchNotices } from '#lib/api/index.ts';

export class Inbox {
  notices = $state.raw<LeadNotice[]>([]);
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
      this.loaded = true;
    } else {
      this.error =
        res.error.kind === 'network' ? 'The inbox needs a connection. Connect, then press Refresh.' : res.error.message;
    }
  }

  async acknowledge(id: string): Promise<void> {
    this.busy = new Set([...this.busy, id]);
    const res = await acknowledgeNotice(id);
    this.busy = new Set([...this.busy].filter((b) => b !== id));
    if (res.ok) this.notices = this.notices.filter((n) => n.id !== id);
    else this.error = `Could not mark it as read: ${res.error.message}`;
  }
}
