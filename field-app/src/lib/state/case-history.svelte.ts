/**
 * The case page's history: the server's full history (`GET /api/cases/:id`), kept on the
 * device so it shows offline too, fetched again when the case changes while online.
 */
import type { ServiceType, SessionResponse } from '@fieldfix/shared';
import { fetchCaseWithHistory } from '#lib/api/index.ts';
import { saveCaseHistory, watchCaseHistory, type CaseHistoryRow } from '#lib/db/index.ts';
import { Live } from './live.svelte.ts';
import { describeEvent, timeline, type TimelineEntry } from './history-words.ts';

export interface HistoryInput {
  serviceType: ServiceType | null;
  session: SessionResponse | null;
}

export type HistoryFetch = 'idle' | 'loading' | 'failed' | 'offline';

export class CaseHistory {
  #id: () => string;
  #version: () => number | null;
  #input: () => HistoryInput;
  #stored = new Live<CaseHistoryRow | null>(() => watchCaseHistory(this.#id()));
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
        if (!cancelled) void this.#fetch(caseId, () => cancelled);
      };
      load();
      window.addEventListener('online', load);
      return () => {
        cancelled = true;
        window.removeEventListener('online', load);
      };
    });
  }

  async #fetch(caseId: string, cancelled: () => boolean): Promise<void> {
    if (!navigator.onLine) {
      this.fetchState = 'offline';
      return;
    }
    this.fetchState = 'loading';
    const res = await fetchCaseWithHistory(caseId);
    if (cancelled()) return;
    if (res.ok) {
      await saveCaseHistory(caseId, res.data.events);
      this.fetchState = 'idle';
      this.fetchError = null;
    } else {
      this.fetchState = res.error.kind === 'network' ? 'offline' : 'failed';
      this.fetchError = res.error.message;
    }
  }

  get caseId(): string {
    return this.#id();
  }

  loaded = $derived.by(() => this.#stored.current !== undefined);
  /** When the stored history was received (ISO), or null when never. */
  asOf = $derived.by(() => this.#stored.current?.fetchedAt ?? null);

  entries: TimelineEntry[] = $derived.by(() => {
    // The device's own changes not yet sent are listed apart (CaseChanges, "Waiting to sync").
    const { serviceType, session } = this.#input();
    const own = session?.crew;
    const crewName = (id: string) => (own && own.id === id ? own.name : `crew ${id}`);
    return timeline((this.#stored.current?.events ?? []).map((e) => describeEvent(e, serviceType, crewName)));
  });
}
