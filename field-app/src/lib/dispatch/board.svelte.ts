/**
 * The dispatch board's state: the server's board (kept on the device, so it opens offline),
 * the lead's desk changes replayed on it, live events, selection, moves and their undo.
 *
 * Every move is an ordinary sync mutation queued in the outbox (`enqueue`), shown at once
 * from the outbox and pushed by the sync loop when there is signal. Create the board while a
 * component initialises: it loads and listens while the component is there.
 */
import { untrack } from 'svelte';
import type {
  BoardCase,
  CaseState,
  BoardCrew,
  BoardResponse,
  LeadNotice,
  MutationKind,
  PayloadOf,
  QueueFilter,
} from '@fieldfix/shared';
import { acknowledgeNotice, fetchNotices } from '#lib/api/index.ts';
import { fetchBoard, liveUrl, parseLiveEvent } from '#lib/api/dispatch.ts';
import { SaveError, addPendingBatch, dismissOutcome } from '#lib/db/index.ts';
import { getBoard, pruneBoards, saveBoard, watchDeskChanges } from '#lib/db/dispatch.ts';
import { enqueue, syncEngine } from '#lib/sync/engine.ts';
import { Live } from '#lib/state/live.svelte.ts';
import { QUEUE, crewLoad, deskChanges, locate, projectBoard, type CrewLoad, type Lists } from './board-model.ts';
import {
  leftoversOf,
  listsAfterMove,
  placedBy,
  planMove,
  planUndo,
  snapshot,
  startedSince,
  strayedSince,
  type DeskMove,
  type Snapshot,
} from './moves.ts';
import { changesOf, crossingsArrived, crossingsOf, type Crossing } from './crossings.ts';

export type StreamState = 'connecting' | 'open' | 'down';

export interface Column {
  key: string;
  crew: BoardCrew | null;
  name: string;
  cases: BoardCase[];
  load: CrewLoad | null;
}

export type { Crossing };

interface UndoEntry {
  label: string;
  snap: Snapshot[];
  /** The work carried over from earlier days before the move, with its day. */
  carried: Map<string, string>;
  /** The column the move put each case in: an undo checks they are still there. */
  placed: Map<string, string>;
}

/** How long a queued move may take to show on the board before the next one plans without it. */
const SHOWN_WITHIN_MS = 2_000;

/** Said when a change is asked for while the last one is still being saved. */
const BUSY = 'Not saved: another change is still being saved. Try again in a moment.';

/** Live events come in bursts (a crew's push touches many cases): one refetch per burst. */
const REFETCH_DELAY_MS = 300;
/** A stream the server closed (or a server without it) is tried again this often. */
const STREAM_RETRY_MS = 10_000;

export class DispatchBoard {
  board = $state.raw<BoardResponse | null>(null);
  /** When the shown board was received (device clock). */
  fetchedAt = $state<string | null>(null);
  loading = $state(false);
  /** Why the board could not be refreshed, for the person (the kept one still shows). */
  error = $state('');
  stream = $state<StreamState>('connecting');
  online = $state(typeof navigator === 'undefined' ? true : navigator.onLine);
  notices = $state.raw<LeadNotice[]>([]);
  /** Said to screen readers (and shown) after each move. */
  announcement = $state('');
  selected = $state.raw<ReadonlySet<string>>(new Set());
  /** The moves made on each board (day and department), newest last, at most 20 a board. */
  #undoBy = $state.raw<ReadonlyMap<string, UndoEntry[]>>(new Map());
  busy = $state(false);
  /**
   * A card the keyboard should land on once it is drawn in its new place (after a move it is
   * drawn again when the outbox has it, a moment later): its grip, or its "Move to…" button.
   */
  focusRequest = $state<{ caseId: string; part: 'grip' | 'move' } | null>(null);
  #focusTimer: ReturnType<typeof setTimeout> | undefined;

  /** Whether the queue shown was narrowed by the server to the lead's filters. */
  queueFiltered = $state(false);
  #queueFilter: QueueFilter = {};
  #date: () => string;
  /** The board's department; undefined until one is named (the server asks an admin to name one). */
  #department: () => string | undefined;
  #desk = new Live(() => watchDeskChanges());
  #source: EventSource | null = null;
  #refetchTimer: ReturnType<typeof setTimeout> | null = null;
  /** Boards asked for, in order; the one whose answer the board shows. */
  #asked = 0;
  #shown = 0;
  #retryTimer: ReturnType<typeof setTimeout> | null = null;
  /** The lead's notices have been read once (what was there then is not announced as new). */
  #noticesAsked = $state(false);
  #crossingsSeen = new Set<string>();
  #crossingsBaseline = false;

  constructor(date: () => string, department: () => string | undefined) {
    this.#date = date;
    this.#department = department;
    // Crossings that arrive while the board is open are said; those there when it opened
    // (once the device's outcomes and the server's notices are read) are only shown.
    $effect(() => {
      const crossings = this.crossings;
      if (this.#desk.current === undefined || !this.#noticesAsked) return;
      untrack(() => {
        const fresh = crossings.filter((x) => !this.#crossingsSeen.has(x.id));
        for (const x of fresh) this.#crossingsSeen.add(x.id);
        if (this.#crossingsBaseline && fresh.length > 0) this.announcement = crossingsArrived(fresh);
        this.#crossingsBaseline = true;
      });
    });
    // A new day or department: the kept board first, then the server's, and a new stream.
    $effect(() => {
      const date = this.#date();
      const department = this.#department();
      untrack(() => {
        // What was ticked on the other board is not on this one.
        this.selected = new Set();
        void this.#show(date, department);
        this.#connect(department);
      });
    });
    $effect(() => {
      const onOnline = () => {
        this.online = true;
        this.refresh();
      };
      const onOffline = () => (this.online = false);
      window.addEventListener('online', onOnline);
      window.addEventListener('offline', onOffline);
      // The lead's own moves reach the server with the sync loop: refetch once it is done.
      let wasRunning = syncEngine.status.running;
      const unsubscribe = syncEngine.subscribe((s) => {
        if (wasRunning && !s.running && !s.problem) this.#soon();
        wasRunning = s.running;
      });
      return () => {
        window.removeEventListener('online', onOnline);
        window.removeEventListener('offline', onOffline);
        unsubscribe();
        this.#disconnect();
        if (this.#refetchTimer) clearTimeout(this.#refetchTimer);
      };
    });
  }

  // ---- what is shown ------------------------------------------------------------------------

  #changes = $derived.by(() => {
    const b = this.board;
    const desk = this.#desk.current;
    if (!b || !desk) return [];
    return deskChanges(b, desk.pending, desk.outcomes);
  });

  projected = $derived.by(() => (this.board ? projectBoard(this.board, this.#changes) : null));

  /** The columns in the board's order: the queue, then each crew. */
  columns: Column[] = $derived.by(() => {
    const b = this.board;
    const p = this.projected;
    if (!b || !p) return [];
    const pick = (ids: readonly string[]) => ids.map((id) => p.cases.get(id)!).filter(Boolean);
    return [
      { key: QUEUE, crew: null, name: 'Unassigned', cases: pick(p.lists.get(QUEUE) ?? []), load: null },
      ...b.crews.map((crew) => {
        const ids = p.lists.get(crew.id) ?? [];
        return { key: crew.id, crew, name: crew.name, cases: pick(ids), load: crewLoad(crew, ids, p.cases) };
      }),
    ];
  });

  lists: Lists = $derived.by(() => this.projected?.lists ?? new Map());

  /** Desk changes still waiting on this device. */
  waiting: ReadonlySet<string> = $derived.by(() => this.projected?.waiting ?? new Set());

  /** Desk changes that did not take and inbox notices, newest first. */
  crossings: Crossing[] = $derived.by(() => crossingsOf(this.#desk.current?.outcomes ?? [], this.notices));

  crossingsFor(caseId: string): Crossing[] {
    return this.crossings.filter((c) => c.caseIds.includes(caseId));
  }

  crewName(crewId: string | null): string {
    if (crewId === null) return 'Unassigned';
    return this.board?.crews.find((c) => c.id === crewId)?.name ?? `crew ${crewId}`;
  }

  // ---- loading and live -----------------------------------------------------------------------

  async #show(date: string, department: string | undefined): Promise<void> {
    // No department named yet (an admin who has not chosen one): nothing to ask the server for.
    if (department === undefined) {
      this.board = null;
      this.fetchedAt = null;
      return;
    }
    const kept = await getBoard(date, department).catch(() => undefined);
    if (kept && date === this.#date()) {
      this.board = kept.board;
      this.fetchedAt = kept.fetchedAt;
    } else if (!kept) {
      this.board = null;
      this.fetchedAt = null;
    }
    await this.#fetch();
    void pruneBoards(date).catch(() => {}); // what the device keeps: not worth a word
  }

  /**
   * Asks the server for the queue narrowed to the lead's filters: its cap (the oldest 5,000)
   * then applies to the cases that match, so a big backlog can be searched, not only its oldest.
   */
  filterQueue(filter: QueueFilter): void {
    if (JSON.stringify(filter) === JSON.stringify(this.#queueFilter)) return;
    this.#queueFilter = filter;
    this.#soon();
  }

  /** Refetch now (the Refresh button, back online). */
  refresh(): void {
    void this.#fetch();
  }

  #soon(): void {
    if (this.#refetchTimer) clearTimeout(this.#refetchTimer);
    this.#refetchTimer = setTimeout(() => {
      this.#refetchTimer = null;
      void this.#fetch();
    }, REFETCH_DELAY_MS);
  }

  async #fetch(): Promise<void> {
    const date = this.#date();
    const department = this.#department();
    const filter = this.#queueFilter;
    if (department === undefined) return;
    const asked = ++this.#asked;
    this.loading = true;
    const [res] = await Promise.all([fetchBoard(date, department, filter), this.#loadNotices()]);
    if (asked === this.#asked) this.loading = false;
    if (date !== this.#date() || department !== this.#department() || filter !== this.#queueFilter) return;
    // Refreshes overlap (a live event, the signal's return, Refresh): an answer to an earlier
    // one, slow on a weak link, never replaces the picture a later one brought.
    if (asked < this.#shown) return;
    if (res.ok) {
      this.#shown = asked;
      this.board = res.data;
      this.fetchedAt = new Date().toISOString();
      this.error = '';
      const filtered = Object.keys(filter).length > 0;
      this.queueFiltered = filtered;
      // The device keeps the whole board for a day with no signal, not a filtered one.
      if (!filtered)
        await saveBoard(res.data, this.fetchedAt).catch((err: unknown) =>
          console.warn('Keeping the board on this device failed', err),
        );
      return;
    }
    const e = res.error;
    if (e.kind === 'network') {
      this.error = this.board
        ? 'No connection: the board shows the last picture this device received. Moves you make are kept and sent when there is signal.'
        : 'No connection, and this device has no board for this day yet. Connect once to load it.';
    } else if (e.kind === 'http' && e.status === 404) {
      this.error = 'This server does not offer the dispatch board yet. Ask your administrator to update it.';
    } else if (e.kind === 'http' && e.status === 401) {
      this.error = 'Your session ended. Sign in again to refresh the board (your moves are kept on this device).';
    } else {
      this.error = `The board could not be refreshed: ${e.message}`;
    }
  }

  async #loadNotices(): Promise<void> {
    // The board's department's (an admin's board is of one department; a lead's, their own);
    // an answer for the department shown before is not this board's.
    const department = this.#department();
    const res = await fetchNotices({ department });
    if (!res.ok || department !== this.#department()) return; // read: the notices there already are not news when they come
    this.notices = res.data.notices.filter((n) => n.acknowledgedAt === null);
    this.#noticesAsked = true;
  }

  #connect(department: string | undefined): void {
    this.#disconnect();
    if (typeof EventSource === 'undefined' || department === undefined) return;
    this.stream = 'connecting';
    const source = new EventSource(liveUrl(department));
    this.#source = source;
    source.onopen = () => {
      this.stream = 'open';
      // Whatever happened while the stream was down.
      this.#soon();
    };
    source.onmessage = (msg: MessageEvent<string>) => {
      const event = parseLiveEvent(msg.data);
      if (!event) return;
      if (event.type === 'crew-synced' && this.board) {
        const b = this.board;
        this.board = {
          ...b,
          crews: b.crews.map((c) =>
            c.id === event.crewId ? { ...c, lastSyncedAt: event.at, position: event.position ?? c.position } : c,
          ),
        };
      }
      this.#soon();
    };
    source.onerror = () => {
      this.stream = 'down';
      // The browser retries a dropped stream by itself; a refused one (closed) we retry here.
      if (source.readyState === EventSource.CLOSED) {
        if (this.#retryTimer) clearTimeout(this.#retryTimer);
        this.#retryTimer = setTimeout(() => {
          if (this.#source === source) this.#connect(department);
        }, STREAM_RETRY_MS);
      }
    };
  }

  #disconnect(): void {
    this.#source?.close();
    this.#source = null;
    if (this.#retryTimer) clearTimeout(this.#retryTimer);
    this.#retryTimer = null;
  }

  // ---- selection ------------------------------------------------------------------------------

  toggle(caseId: string): void {
    const next = new Set(this.selected);
    if (next.has(caseId)) next.delete(caseId);
    else next.add(caseId);
    this.selected = next;
  }

  select(ids: Iterable<string>): void {
    this.selected = new Set(ids);
  }

  clearSelection(): void {
    this.selected = new Set();
  }

  /** The selected cases in board order (queue, then crews, each top to bottom). */
  selectedInOrder(): string[] {
    const out: string[] = [];
    for (const ids of this.lists.values()) for (const id of ids) if (this.selected.has(id)) out.push(id);
    return out;
  }

  /** The column's cases without `ids`: a move's slots are the gaps between these. */
  others(column: string, ids: readonly string[]): string[] {
    return (this.lists.get(column) ?? []).filter((id) => !ids.includes(id));
  }

  /** Slot `slot` among the others as an index into the whole column (what `move` takes). */
  slotIndex(column: string, ids: readonly string[], slot: number): number {
    const all = this.lists.get(column) ?? [];
    const rest = this.others(column, ids);
    return slot < rest.length ? all.indexOf(rest[slot]!) : all.length;
  }

  /** Puts the keyboard on a card's grip or "Move to…" button as soon as it is (re)drawn. */
  focusCard(caseId: string, part: 'grip' | 'move'): void {
    this.focusRequest = { caseId, part };
    clearTimeout(this.#focusTimer);
    // Long enough for a busy tablet to redraw (a device still priming thousands of cases takes
    // seconds); the card takes the keyboard only if it is lost meanwhile, never from elsewhere.
    this.#focusTimer = setTimeout(() => (this.focusRequest = null), 10_000);
  }

  // ---- moves ----------------------------------------------------------------------------------

  #dayOf = (caseId: string): string | null => this.projected?.cases.get(caseId)?.case.assignedDay ?? null;
  #stateOf = (caseId: string): CaseState | null => this.projected?.cases.get(caseId)?.case.state ?? null;

  /**
   * Moves `caseIds` (in this order) into `column` before `index` (an index into the column's
   * full list, hidden cases included). Announces the result; remembers it for undo.
   */
  async move(caseIds: readonly string[], column: string, index: number): Promise<boolean> {
    if (!this.board) return false;
    if (caseIds.length === 0) {
      this.announcement = 'Nothing moved: none of the cases chosen is on this board now.';
      return false;
    }
    const before = this.lists;
    const snap = snapshot(before, caseIds);
    const carried = leftoversOf(before, this.board.date, this.#dayOf);
    const moves = planMove(before, caseIds, column, index, this.board.date, this.#dayOf);
    const key = this.#boardKey(this.board); // the board it was made on, whatever shows when it is saved
    if (moves.length === 0) {
      this.announcement = 'Nothing moved: the cases are already there.';
      return false;
    }
    const ok = await this.#queue(moves);
    if (!ok) return false;
    const placed = placedBy(moves);
    const where = column === QUEUE ? 'the unassigned queue' : this.crewName(column);
    const what = caseIds.length === 1 ? `Case #${caseIds[0]}` : `${caseIds.length} cases`;
    const at = locate(listsAfterMove(before, caseIds, column, index), caseIds[0]!);
    const position = column === QUEUE || !at ? '' : ` at stop ${at.index + 1}`;
    const label = `${what} moved to ${where}${position}`;
    this.#remember(key, { label, snap, carried, placed });
    this.announcement = `${label}.${this.online ? '' : ' It will reach the crew when there is signal.'}`;
    return true;
  }

  /**
   * The moves made on the board shown (its day and department), newest last: what Undo takes
   * back. Another day's or department's moves wait for their own board: undone here, they
   * would land on this board's day.
   */
  get undoStack(): readonly UndoEntry[] {
    return this.board ? (this.#undoBy.get(this.#boardKey(this.board)) ?? []) : [];
  }

  #boardKey = (b: BoardResponse) => `${b.date}|${b.departmentId}`;

  /** `key`: the board the move was made on (the board shown may have turned meanwhile). */
  #remember(key: string, entry: UndoEntry) {
    const list = this.#undoBy.get(key) ?? [];
    this.#undoBy = new Map(this.#undoBy).set(key, [...list.slice(-19), entry]);
  }

  /** Drops `entry` from `key`'s list (not whatever is last on the board shown now). */
  #forget(key: string, entry: UndoEntry) {
    const list = this.#undoBy.get(key) ?? [];
    this.#undoBy = new Map(this.#undoBy).set(
      key,
      list.filter((e) => e !== entry),
    );
  }

  /**
   * Undoes the last move on this board: the inverse moves are queued like any other. A move
   * whose cases someone has moved since (another lead, a crew's transfer) is not undone: that
   * would overwrite their change; nor one whose cases their new crew has started since. The
   * lead is told, and the entry is dropped.
   */
  async undo(): Promise<void> {
    const last = this.undoStack.at(-1);
    if (!last || !this.board) return;
    if (this.busy) {
      this.announcement = BUSY;
      return;
    }
    const key = this.#boardKey(this.board);
    const strayed = strayedSince(this.lists, last.placed);
    if (strayed.length > 0) {
      this.#forget(key, last);
      const which = strayed.map((id) => `#${id}`).join(', ');
      this.announcement =
        strayed.length === 1
          ? `Not undone: case ${which} has moved since. Move it by hand if it should go back.`
          : `Not undone: cases ${which} have moved since. Move them by hand if they should go back.`;
      return;
    }
    const started = startedSince(last.snap, last.placed, this.#stateOf);
    if (started.length > 0) {
      this.#forget(key, last);
      const which = started.map((id) => `#${id}`).join(', ');
      this.announcement =
        started.length === 1
          ? `Not undone: case ${which} was started by its new crew since. Move it by hand if it should still go back.`
          : `Not undone: cases ${which} were started by their new crews since. Move them by hand if they should still go back.`;
      return;
    }
    const moves = planUndo(this.lists, last.snap, this.board.date, this.#dayOf, last.carried);
    if (moves.length > 0 && !(await this.#queue(moves))) return;
    this.#forget(key, last);
    this.announcement = `Undone: ${last.label}.`;
  }

  /** Queues plain desk changes (already planned), e.g. an accepted balance plan. */
  async queueMoves(moves: readonly DeskMove[], label: string): Promise<boolean> {
    if (!this.board || moves.length === 0) return false;
    const ids = [...new Set(moves.map((m) => m.caseId))];
    const snap = snapshot(this.lists, ids);
    const carried = leftoversOf(this.lists, this.board.date, this.#dayOf);
    const placed = placedBy(moves);
    const key = this.#boardKey(this.board);
    if (!(await this.#queue(moves))) return false;
    this.#remember(key, { label, snap, carried, placed });
    this.announcement = `${label}.`;
    return true;
  }

  /**
   * Queues the moves, and waits (a moment at most) until the board shows them: the next move
   * or undo is planned from the board, and must not plan from the picture before this one.
   */
  async #queue(moves: readonly DeskMove[]): Promise<boolean> {
    return this.save(async () => {
      // All or none: a move of ten cases is not left half made when the device refuses one.
      // Each based on the version the board shows: a job the board did not show under way is
      // left with its crew by the server, and the lead told (a move from an old picture).
      const onBoard = (id: string) => this.projected?.cases.get(id)?.case.version;
      const ids = (await addPendingBatch(moves.map((m) => ({ ...m, shown: onBoard(m.caseId) })))).map(
        (r) => r.mutation.id,
      );
      syncEngine.nudge();
      const shown = () => {
        const desk = this.#desk.current;
        const known = new Set([
          ...(desk?.pending ?? []).map((p) => p.mutation.id),
          ...(desk?.outcomes ?? []).map((o) => o.mutationId),
        ]);
        return ids.every((id) => known.has(id));
      };
      const until = Date.now() + SHOWN_WITHIN_MS;
      while (!shown() && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
    });
  }

  /** One desk change to a case (priority, due date, merge, cancel). */
  change<K extends MutationKind>(kind: K, caseId: string, payload: PayloadOf<K>, said: string): Promise<boolean> {
    return this.save(async () => {
      await enqueue(kind, caseId, payload);
      this.announcement = said;
    });
  }

  async save(fn: () => Promise<void>): Promise<boolean> {
    // A drop or a key press while a big change saves: said, not silently dropped.
    if (this.busy) {
      this.announcement = BUSY;
      return false;
    }
    this.busy = true;
    try {
      await fn();
      return true;
    } catch (err) {
      if (err instanceof SaveError) this.announcement = err.message;
      else {
        console.error('Saving a desk change failed', err);
        this.announcement =
          'This device could not save the change. Try again; if it keeps failing, free some storage and reload the app.';
      }
      return false;
    } finally {
      this.busy = false;
    }
  }

  // ---- crossed paths ----------------------------------------------------------------------------

  /** Dismisses a desk change that did not take, or marks a notice as read; says which. */
  async acknowledge(c: Crossing): Promise<boolean> {
    const where = c.caseIds.length === 1 ? ` (case #${c.caseIds[0]})` : '';
    if (c.source === 'outcome') {
      await dismissOutcome(c.id);
      this.announcement = `Dismissed${where}.`;
      return true;
    }
    const res = await acknowledgeNotice(c.id);
    if (res.ok) {
      const notice = this.notices.find((n) => n.id === c.id);
      // Its changes made on this desk stay read: they do not come back as the desk's own.
      for (const id of notice ? changesOf(notice) : []) await dismissOutcome(id);
      this.notices = this.notices.filter((n) => n.id !== c.id);
      this.announcement = `Marked as read${where}.`;
      return true;
    }
    this.announcement = `Could not mark it as read: ${res.error.message}`;
    return false;
  }
}
