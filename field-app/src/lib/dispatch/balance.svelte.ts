/**
 * "Balance the day" and "Order this route": the server's solver suggests, the lead chooses.
 * A plan is a preview on the board and the map until accepted; accepted changes (all, some or
 * none) become ordinary moves in the outbox, undoable like any other.
 */
import type { BalanceResponse } from '@fieldfix/shared';
import { requestBalance } from '#lib/api/dispatch.ts';
import type { DispatchBoard } from './board.svelte.ts';
import { planAccept, stillAsPlanned } from './moves.ts';
import { isBetterPlan } from './plan-quality.ts';

/** The first suggestion comes within a second; a longer search then looks for a better one. */
const FIRST_MS = 1000;
const REFINE_MS = 6000;

export class BalancePlan {
  plan = $state.raw<BalanceResponse | null>(null);
  mode = $state<'balance' | 'order-route'>('balance');
  /** The crew whose route is being ordered (mode `order-route`). */
  crewId = $state<string | null>(null);
  running = $state(false);
  /** A longer search for a better plan is running behind the preview. */
  improving = $state(false);
  /** Said once the preview was replaced by a better plan. */
  improved = $state('');
  error = $state('');
  /** The changes the lead keeps ticked (case ids). */
  chosen = $state.raw<ReadonlySet<string>>(new Set());

  #board: DispatchBoard;
  /** The board a plan was asked for: its day and department. */
  #askedFor: { date: string; department: string } | null = null;

  constructor(board: DispatchBoard) {
    this.#board = board;
  }

  /** Whether the board still shows the day and department the plan was asked for. */
  #boardUnchanged(): boolean {
    const b = this.#board.board;
    return !!b && !!this.#askedFor && b.date === this.#askedFor.date && b.departmentId === this.#askedFor.department;
  }

  /** Per case, the planned change in words: "to Streets Crew B, stop 3". */
  notes: ReadonlyMap<string, string> = $derived.by(() => {
    const out = new Map<string, string>();
    for (const c of this.plan?.changes ?? []) {
      const to = c.toCrewId === null ? 'the unassigned queue' : this.#board.crewName(c.toCrewId);
      out.set(
        c.caseId,
        c.toCrewId === c.fromCrewId
          ? `stop ${c.toPosition}`
          : `to ${to}${c.toPosition ? `, stop ${c.toPosition}` : ''}`,
      );
    }
    return out;
  });

  async suggest(mode: 'balance' | 'order-route', crewId: string | null = null): Promise<void> {
    const b = this.#board.board;
    if (!b || this.running) return;
    this.running = true;
    this.mode = mode;
    this.crewId = crewId;
    this.error = '';
    this.plan = null;
    this.improved = '';
    const body = {
      date: b.date,
      department: b.departmentId,
      mode,
      ...(crewId ? { crewIds: [crewId] } : {}),
    };
    this.#askedFor = { date: body.date, department: body.department };
    const res = await requestBalance({ ...body, timeLimitMs: FIRST_MS });
    this.running = false;
    // The lead turned to another day or department meanwhile: this plan is not for that board.
    if (!this.#boardUnchanged()) return;
    if (!res.ok) {
      this.error =
        res.error.kind === 'network'
          ? 'A suggestion needs a connection to the server. Connect, then try again; moving cases by hand works offline.'
          : `No suggestion: ${res.error.message}`;
      return;
    }
    this.plan = res.data;
    this.chosen = new Set(res.data.changes.map((c) => c.caseId));
    if (res.data.changes.length === 0) this.error = '';
    if (mode === 'balance') void this.#refine(res.data, body);
  }

  /**
   * Keeps searching while the lead reads the first plan, and swaps in the longer search's
   * plan only if it is clearly better and the lead has not started choosing (nothing unticked).
   */
  async #refine(first: BalanceResponse, body: Omit<Parameters<typeof requestBalance>[0], 'timeLimitMs'>) {
    this.improving = true;
    const res = await requestBalance({ ...body, timeLimitMs: REFINE_MS });
    const untouched = this.plan === first && this.chosen.size === first.changes.length && this.#boardUnchanged();
    this.improving = false;
    if (!res.ok || !untouched || !isBetterPlan(res.data, first)) return;
    const km = (p: BalanceResponse) => p.after.reduce((sum, c) => sum + c.routeKm, 0);
    this.plan = res.data;
    this.chosen = new Set(res.data.changes.map((c) => c.caseId));
    const saved = km(first) - km(res.data);
    this.improved = `A better plan was found after ${Math.round(res.data.solveMs / 1000)} s: ${
      saved >= 0.1 ? `${saved.toFixed(1)} km less driving` : "the crews' days are more even"
    }.`;
    this.#board.announcement = this.improved;
  }

  toggle(caseId: string): void {
    const next = new Set(this.chosen);
    if (next.has(caseId)) next.delete(caseId);
    else next.add(caseId);
    this.chosen = next;
  }

  setAll(on: boolean): void {
    this.chosen = new Set(on ? (this.plan?.changes ?? []).map((c) => c.caseId) : []);
  }

  /** Queues the chosen changes as moves; the plan goes. */
  async accept(all = false): Promise<boolean> {
    const board = this.#board;
    const plan = this.plan;
    if (!plan || !board.board) return false;
    if (!this.#boardUnchanged()) {
      // Accepted on another day's board, its moves would put the cases on that day.
      this.discard();
      this.error = 'That suggestion was for another day or department. Ask for a new one for this board.';
      return false;
    }
    const changes = plan.changes.filter((c) => all || this.chosen.has(c.caseId));
    if (changes.length === 0) {
      this.discard();
      return true;
    }
    // Only cases still where the plan found them, and not started since by their crew.
    const onBoard = stillAsPlanned(changes, board.lists, (id) => board.projected?.cases.get(id)?.case.state ?? null);
    const moves = planAccept(
      board.lists,
      onBoard,
      board.board.date,
      (id) => board.projected?.cases.get(id)?.case.assignedDay ?? null,
    );
    const skipped = changes.length - onBoard.length;
    const label = `${onBoard.length} suggested ${onBoard.length === 1 ? 'change' : 'changes'} accepted${skipped ? ` (${skipped} skipped: those cases moved or were started since)` : ''}`;
    if (moves.length > 0 && !(await board.queueMoves(moves, label))) return false;
    if (moves.length === 0) board.announcement = `${label}.`;
    this.plan = null;
    return true;
  }

  discard(): void {
    this.plan = null;
    this.chosen = new Set();
    this.#board.announcement = 'Suggestion put aside: nothing changed.';
  }
}
