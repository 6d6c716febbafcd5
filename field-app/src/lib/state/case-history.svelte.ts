/**
 * The case page's history: the server's full history, kept on the device so it shows offline
 * too. The sync keeps every case's history on the device (`#lib/sync/case-histories.ts`);
 * opening a case online fetches it again (`GET /api/cases/:id`) unless the stored one was
 * received moments ago at the case's version. Crews and departments show by name (the
 * server's `names`, kept with the history) for every role.
 */
import type { ServiceType, SessionResponse } from '@fieldfix/shared';
import { fetchCaseWithHistory } from '#lib/api/index.ts';
import { getCaseHistory, saveCaseHistory, watchCaseHistory, type StoredHistory } from '#lib/db/index.ts';
import { Live } from './live.svelte.ts';
import { describeEvent, nameBook, timeline, type TimelineEntry } from './history-words.ts';
import { cityTimeZone } from './day-list.ts';

export interface HistoryInput {
  serviceType: ServiceType | null;
  session: SessionResponse | null;
  /**
   * A history received with a case that is not on the device (read from the server): shown
   * while nothing is stored (the sync drops stored histories of cases not on the device).
   */
  fallback: StoredHistory | null;
}

export type HistoryFetch = 'idle' | 'loading' | 'failed' | 'offline';

/**
 * A history received this recently, at the case's version, is not asked for again (the sync
 * or the case read from the server just brought it). Otherwise opening a case online asks:
 * a note or a refused change adds to a history without moving the case's version.
 */
const FRESH_MS = 10_000;

function isFresh(h: StoredHistory | null, version: number, now = Date.now()): boolean {
  return !!h && h.version !== undefined && h.version >= version && now - Date.parse(h.fetchedAt) < FRESH_MS;
}

export class CaseHistory {
  #id: () => string;
  #version: () => number | null;
  #input: () => HistoryInput;
  #stored = new Live<StoredHistory | null>(() => watchCaseHistory(this.#id()));
  fetchState = $state<HistoryFetch>('idle');
  fetchError = $state<string | null>(null);

  /** Create while a component initialises (the live query and the fetch follow its lifecycle). */
  constructor(id: () => string, version: () => number | null, input: () => HistoryInput) {
    this.#input = input;
    this.#id = id;
    this.#version = version;
    // Again whenever the case's version moves (a pull brought a change) or the signal returns.
    $effect(() => {
      const caseId = this.#id();
      const version = this.#version();
      if (version === null) return;
      let cancelled = false;
      const load = () => {
        if (!cancelled) void this.#fetch(caseId, version, () => cancelled);
      };
      load();
      window.addEventListener('online', load);
      return () => {
        cancelled = true;
        window.removeEventListener('online', load);
      };
    });
  }

  async #fetch(caseId: string, version: number, cancelled: () => boolean): Promise<void> {
    if (!navigator.onLine) {
      this.fetchState = 'offline';
      return;
    }
    const have = (await getCaseHistory(caseId)) ?? this.#fallback(caseId);
    if (cancelled()) return;
    if (isFresh(have, version)) {
      this.fetchState = 'idle';
      this.fetchError = null;
      return;
    }
    this.fetchState = 'loading';
    const res = await fetchCaseWithHistory(caseId);
    if (cancelled()) return;
    if (res.ok) {
      const { case: c, events, names } = res.data;
      await saveCaseHistory({ caseId, version: c.version, events, names });
      this.fetchState = 'idle';
      this.fetchError = null;
    } else {
      this.fetchState = res.error.kind === 'network' ? 'offline' : 'failed';
      this.fetchError = res.error.message;
    }
  }

  #fallback(caseId: string): StoredHistory | null {
    const f = this.#input().fallback;
    return f && f.caseId === caseId ? f : null;
  }

  get caseId(): string {
    return this.#id();
  }

  /** The stored history, or the one received with a case read from the server. */
  #shown = $derived.by(() => this.#stored.current ?? this.#fallback(this.#id()));

  loaded = $derived.by(() => this.#stored.current !== undefined);
  /** The shown history's events, as the server sent them. */
  events = $derived.by(() => this.#shown?.events ?? []);
  /** When the shown history was received (ISO), or null when never. */
  asOf = $derived.by(() => this.#shown?.fetchedAt ?? null);

  entries: TimelineEntry[] = $derived.by(() => {
    // The device's own changes not yet sent are listed apart (CaseChanges, "Waiting to sync").
    const { serviceType, session } = this.#input();
    const names = nameBook(this.#shown?.names, session?.crew ? [session.crew] : []);
    return timeline(this.events.map((e) => describeEvent(e, serviceType, names, cityTimeZone(session))));
  });
}
