/**
 * A case's history in plain words (pure): the server's events and this device's changes still
 * waiting to sync, as timeline entries — who, what, when. Codes (resolution, hold and close
 * reasons) are shown by their labels from the service type.
 */
import {
  FIELD_KINDS,
  LEAD_KINDS,
  describeKind,
  describeOutcome,
  type CaseEvent,
  type Mutation,
  type Names,
  type Reason,
  type ServiceType,
} from '@fieldfix/shared';
import { PRIORITY_LABELS } from './case-view.ts';
import { describeChange } from './change-words.ts';
import { formatDate, formatDay } from './format.ts';
import { dueDay } from './due-date.ts';

export interface TimelineEntry {
  key: string;
  /** ISO time, for ordering. */
  at: string;
  who: string;
  what: string;
  /** A note or comment that came with it. */
  detail: string | null;
  /** Set when the entry is not plain history: "Not applied", "Refused"… */
  tag: string | null;
  tone: 'ok' | 'warn' | 'bad';
  /** Why it was not applied, in words. */
  reason: string | null;
  /** Photos the entry shows (an added photo, a fix's after-photos). */
  photoIds: string[];
}

type Data = Record<string, unknown>;

const str = (v: unknown): string | null => (typeof v === 'string' && v.trim() !== '' ? v : null);

function label(list: { code: string; label: string }[] | undefined, code: unknown): string {
  const c = str(code);
  if (!c) return 'no reason given';
  return list?.find((x) => x.code === c)?.label ?? c;
}

function quote(text: string, max = 120): string {
  const t = text.trim().replace(/\s+/g, ' ');
  return `“${t.length > max ? `${t.slice(0, max - 1)}…` : t}”`;
}

/** The reason part of the shared outcome words ("the case was already closed"). */
export function reasonWords(outcome: 'superseded' | 'rejected' | 'merged', reason: Reason | null): string {
  const full = describeOutcome('start', '0', outcome, reason);
  const i = full.indexOf(': ');
  return (i >= 0 ? full.slice(i + 2) : full).replace(/\.$/, '');
}

const MUTATION_KINDS: readonly string[] = [...FIELD_KINDS, ...LEAD_KINDS];
const isMutationKind = (k: string): k is Mutation['kind'] => MUTATION_KINDS.includes(k);
/** Kinds whose payload survives in a refused change's event (others' `reason` is overwritten by the outcome's). */
const PAYLOAD_KEPT = new Set(['fix', 'add_note', 'attach_photo']);

/** A refused change's words; its payload may be the malformed one the server refused. */
function refusedChange(kind: Mutation['kind'], d: Data, type: ServiceType | null): string {
  if (!PAYLOAD_KEPT.has(kind)) return describeKind(kind);
  try {
    return describeChange({ kind, payload: { photoIds: [], ...d } } as unknown as Mutation, type);
  } catch {
    return describeKind(kind);
  }
}

/** Names for the crew and department ids a history mentions. */
export interface NameBook {
  crew(id: string): string;
  department(id: string): string;
}

/**
 * Names from the server's `names` (kept with the history), then the crews the caller knows
 * (their own, from the session); the id only when the name is truly unknown.
 */
export function nameBook(
  names: Partial<Names> | null | undefined,
  known: { id: string; name: string }[] = [],
): NameBook {
  const crews = new Map(known.map((c) => [c.id, c.name]));
  return {
    crew: (id) => names?.crews?.[id] ?? crews.get(id) ?? `crew ${id}`,
    department: (id) => names?.departments?.[id] ?? `department ${id}`,
  };
}

/** One server event as a timeline entry, crews and departments by name. */
export function describeEvent(
  e: CaseEvent,
  type: ServiceType | null,
  names: NameBook,
  timeZone?: string,
): TimelineEntry {
  const crewName = (id: string) => names.crew(id);
  const d: Data = e.data;
  const base = {
    key: `e${e.id}`,
    at: e.at,
    who: e.actorName ?? 'The city',
    detail: null,
    tag: null,
    tone: 'ok' as const,
    reason: null,
    photoIds: [] as string[],
  };
  const note = str(d.note) ?? str(d.comment);

  // A change that did not take: the server records it under the change's own kind.
  const outcome = str(d.outcome);
  if (isMutationKind(e.kind) && (outcome === 'superseded' || outcome === 'rejected')) {
    const reason = (str(d.reason) as Reason | null) ?? null;
    return {
      ...base,
      what: refusedChange(e.kind, d, type),
      tag: outcome === 'rejected' ? 'Refused' : 'Not applied',
      tone: outcome === 'rejected' ? 'bad' : 'warn',
      reason: reasonWords(outcome, reason),
    };
  }
  if (isMutationKind(e.kind) && str(d.redirectedTo)) {
    return {
      ...base,
      what: `${describeKind(e.kind)}, sent on to case #${str(d.redirectedTo)}`,
      tag: 'Merged case',
      tone: 'warn',
      reason: reasonWords('merged', 'landed-on-surviving-case'),
    };
  }

  switch (e.kind) {
    case 'reported': {
      const channel = str(d.channel);
      return { ...base, who: e.actorName ?? 'A resident', what: channel ? `Reported (by ${channel})` : 'Reported' };
    }
    case 'routed': {
      // Where a new report was sent, and why (district and type), with likely duplicates.
      const dupes = Array.isArray(d.likelyDuplicateIds)
        ? d.likelyDuplicateIds.filter((x): x is string => typeof x === 'string')
        : [];
      return {
        ...base,
        who: 'Fieldfix',
        what: str(d.message) ?? 'Routed',
        detail: dupes.length > 0 ? `Likely the same problem as ${dupes.map((id) => `#${id}`).join(', ')}` : null,
      };
    }
    case 'assigned': {
      const to = str(d.crewId);
      const from = str(d.fromCrewId);
      const day = str(d.day);
      if (to && from && from !== to)
        return { ...base, what: `Moved to ${crewName(to)}${day ? ` for ${formatDay(day)}` : ''}` };
      return { ...base, what: to ? `Assigned to ${crewName(to)}${day ? ` for ${formatDay(day)}` : ''}` : 'Assigned' };
    }
    case 'unassigned': {
      const from = str(d.fromCrewId);
      return { ...base, what: from ? `Taken off ${crewName(from)}’s list` : 'Taken off the crew’s list' };
    }
    case 'started':
      return { ...base, what: 'Started the job' };
    case 'held':
      return { ...base, what: `On hold: ${label(type?.holdReasons, d.reason)}`, detail: note };
    case 'resumed':
      return { ...base, what: 'Resumed the job' };
    case 'note':
      return { ...base, what: 'Added a note', detail: str(d.text) && quote(str(d.text)!) };
    case 'photo':
      return {
        ...base,
        what: `Added ${str(d.tag) === 'after' ? 'an after' : str(d.tag) === 'before' ? 'a before' : 'a'} photo`,
        photoIds: str(d.photoId) ? [str(d.photoId)!] : [],
      };
    case 'fixed': {
      const what = `Fixed: ${label(type?.resolutionCodes, d.resolutionCode)}`;
      const photoIds = Array.isArray(d.photoIds) ? d.photoIds.filter((p): p is string => typeof p === 'string') : [];
      if (d.duplicate === true)
        return {
          ...base,
          what,
          tag: 'Duplicate work',
          tone: 'warn',
          detail: note,
          reason: reasonWords('merged', 'duplicate-work'),
          photoIds,
        };
      return { ...base, what, detail: note, photoIds };
    }
    case 'closed_not_fixed':
      return { ...base, what: `Closed, not fixed: ${label(type?.closeReasons, d.reason)}`, detail: note };
    case 'transfer_requested': {
      const to = str(d.departmentId);
      return {
        ...base,
        what: to ? `Asked for a transfer to ${names.department(to)}` : 'Asked for a transfer',
        detail: str(d.reason) && quote(str(d.reason)!),
      };
    }
    case 'reordered':
      return { ...base, what: 'Changed the route order' };
    case 'priority_changed': {
      const to = str(d.to);
      return {
        ...base,
        what: `Priority set to ${to && to in PRIORITY_LABELS ? PRIORITY_LABELS[to as keyof typeof PRIORITY_LABELS] : (to ?? 'normal')}`,
      };
    }
    case 'due_changed': {
      const to = str(d.to);
      // The city's day, as the case's details name it (the end of that day is the due time).
      const day = to && timeZone ? formatDay(dueDay(to, timeZone)) : to && formatDate(to);
      return { ...base, what: day ? `Due date set to ${day}` : 'Due date removed' };
    }
    case 'merged':
      return { ...base, what: `Merged into case #${str(d.intoCaseId) ?? '?'}` };
    case 'cancelled':
      return { ...base, what: `Cancelled: ${label(type?.closeReasons, d.reason)}`, detail: note };
    case 'reopened':
      return { ...base, what: 'Reopened' };
    default:
      return { ...base, what: e.kind.replace(/_/g, ' ').replace(/^./, (c) => c.toUpperCase()) };
  }
}

/** Newest first. */
export function timeline(events: TimelineEntry[]): TimelineEntry[] {
  return [...events].sort((a, b) => b.at.localeCompare(a.at) || b.key.localeCompare(a.key, 'en', { numeric: true }));
}
