/**
 * What the lead must see on the board (pure): the desk's changes that did not take, and the
 * inbox's notices, newest first. A desk change the server also filed in the inbox (R9: every
 * change that does not take is told) is shown once, as the notice: marked as read, it goes
 * for every lead and from the inbox too.
 */
import type { LeadNotice } from '@fieldfix/shared';
import type { OutcomeRow } from '#lib/db/index.ts';
import { deskNextStep, noticeNextStep } from './words.ts';

/** Something the lead must see on a case: a desk change that did not take, or an inbox notice. */
export interface Crossing {
  id: string;
  source: 'outcome' | 'notice';
  caseIds: string[];
  message: string;
  next: string;
  at: string;
}

export function crossingsOf(outcomes: readonly OutcomeRow[], notices: readonly LeadNotice[]): Crossing[] {
  const told = new Set(notices.flatMap((n) => n.items.flatMap((i) => (i.mutationId ? [i.mutationId] : []))));
  const out: Crossing[] = [];
  for (const o of outcomes) {
    if (o.outcome === 'applied' || o.outcome === 'merged' || o.dismissed || told.has(o.mutationId)) continue;
    out.push({
      id: o.mutationId,
      source: 'outcome',
      caseIds: [o.caseId],
      message: o.message,
      next: deskNextStep(o.reason),
      at: o.at,
    });
  }
  for (const n of notices) {
    out.push({
      id: n.id,
      source: 'notice',
      caseIds: [...new Set([...(n.caseId ? [n.caseId] : []), ...n.items.map((i) => i.caseId)])],
      message: n.message,
      next: noticeNextStep(n.kind),
      at: n.createdAt,
    });
  }
  return out.sort((a, b) => b.at.localeCompare(a.at));
}

/**
 * What a screen reader hears when crossings arrive while the board is open (the section
 * appears, but a lead who listens would not know): one in its words, several counted.
 */
export function crossingsArrived(fresh: readonly Crossing[]): string {
  if (fresh.length === 1) return `Crossed paths: ${fresh[0]!.message} ${fresh[0]!.next}`;
  return `${fresh.length} changes crossed paths with others' work: see "Crossed paths" at the top of the board.`;
}

/** The desk changes a notice stands for: dismissed on this device when it is marked as read. */
export function changesOf(notice: LeadNotice): string[] {
  return notice.items.flatMap((i) => (i.mutationId ? [i.mutationId] : []));
}
