/**
 * "Balance the day" and "Order this route": the server's solver suggests, the lead chooses.
 * A plan is a preview on the board and the map until accepted; accepted changes (all, some or
 * none) become ordinary moves in the outbox, undoable like any other.
 */
import type { BalanceResponse } from '@fieldfix/shared';
import { requestBalance } from '#lib/api/dispatch.ts';
import { QUEUE } from './board-model.ts';
import type { DispatchBoard } from './board.svelte.ts';
import { planAccept } from './moves.ts';

export class BalancePlan {
  plan = $state.raw<BalanceResponse | null>(null);
  mode = $state<'balance' | 'order-route'>('balance');
  /** The crew whose route is being ordered (mode `order-route`). */
  crewId = $state<string | null>(null);
  running = $state(false);
  error = $state('');
  /** The changes the lead keeps ticked (case ids). */
  chosen = $state.raw<ReadonlySet<string>>(new Set());

  #board: DispatchBoard;

  constructor(board: DispatchBoard) {
    this.#board = board;
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
    const res = await requestBalance({
      date: b.date,
      department: b.departmentId,
      mode,
      timeLimitMs: 1000,
      ...(crewId ? { crewIds: [crewId] } : {}),
    });
    this.running = false;
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
    const changes = plan.changes.filter((c) => all || this.chosen.has(c.caseId));
    if (changes.length === 0) {
      this.discard();
      return true;
    }
    // Only cases still on the board where the plan found them (a crew may have moved on).
    const onBoard = changes.filter((c) => board.lists.get(c.fromCrewId ?? QUEUE)?.includes(c.caseId));
    const moves = planAccept(
      board.lists,
      onBoard,
      board.board.date,
      (id) => board.projected?.cases.get(id)?.case.assignedDay ?? null,
    );
    const skipped = changes.length - onBoard.length;
    const label = `${onBoard.length} suggested ${onBoard.length === 1 ? 'change' : 'changes'} accepted${skipped ? ` (${skipped} skipped: those cases moved since)` : ''}`;
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
