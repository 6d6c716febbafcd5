/** What a person reads about a case, derived from the stored record (pure). */
import {
  addDays,
  dateIn,
  formatAge,
  ROUTE_STATES,
  slaState,
  STATE_LABELS,
  type CaseRecord,
  type Priority,
  type ServiceType,
  type SlaState,
} from '@fieldfix/shared';
import { formatDay } from './format.ts';

export interface Badge {
  label: string;
  tone: 'overdue' | 'due-today' | 'urgent' | 'high' | 'state' | 'carried';
}

export const PRIORITY_LABELS: Record<Priority, string> = {
  low: 'Low',
  normal: 'Normal',
  high: 'High priority',
  urgent: 'Urgent',
};

const SLA_BADGES: Partial<Record<SlaState, Badge>> = {
  overdue: { label: 'Overdue', tone: 'overdue' },
  due_today: { label: 'Due today', tone: 'due-today' },
};

/** "Reported under a day ago", "Reported 3 d ago" (spans of 24 hours, not calendar days). */
export function ageText(c: CaseRecord, now: Date): string {
  const age = formatAge(c.requestedAt, now);
  return age === 'today' ? 'Reported under a day ago' : `Reported ${age} ago`;
}

/**
 * "From yesterday", "From Friday, November 27": an open case still on its crew's route from an
 * earlier day than `day` (carried over: it comes first in the day, before the day's own).
 */
export function carriedOver(c: Pick<CaseRecord, 'state' | 'assignedDay'>, day: string): Badge | null {
  if (!c.assignedDay || c.assignedDay >= day || !(ROUTE_STATES as readonly string[]).includes(c.state)) return null;
  return {
    label: c.assignedDay === addDays(day, -1) ? 'From yesterday' : `From ${formatDay(c.assignedDay)}`,
    tone: 'carried',
  };
}

/** Badges worth a glance: SLA first, then priority when high or urgent, then work carried over. */
export function caseBadges(c: CaseRecord, now: Date, timeZone: string): Badge[] {
  const badges: Badge[] = [];
  const sla = SLA_BADGES[slaState(c.state, c.expectedAt, now, timeZone)];
  if (sla) badges.push(sla);
  if (c.priority === 'urgent') badges.push({ label: PRIORITY_LABELS.urgent, tone: 'urgent' });
  if (c.priority === 'high') badges.push({ label: PRIORITY_LABELS.high, tone: 'high' });
  const carried = carriedOver(c, dateIn(now, timeZone));
  if (carried) badges.push(carried);
  return badges;
}

export function stateLabel(c: CaseRecord): string {
  return STATE_LABELS[c.state];
}

export function serviceName(c: CaseRecord, type: ServiceType | null | undefined): string {
  return type?.name ?? c.serviceCode;
}

export interface AttributeLine {
  code: string;
  label: string;
  value: string;
}

/** The case's attributes with the service type's wording, in the type's order. */
export function attributeLines(c: CaseRecord, type: ServiceType | null | undefined): AttributeLine[] {
  const defs = [...(type?.attributes ?? [])].sort((a, b) => a.order - b.order);
  const known = new Set(defs.map((d) => d.code));
  const valueName = (code: string, key: string): string =>
    defs.find((d) => d.code === code)?.values.find((v) => v.key === key)?.name ?? key;
  const show = (code: string, raw: string | string[]): string =>
    (Array.isArray(raw) ? raw : [raw]).map((k) => valueName(code, k)).join(', ');

  const lines: AttributeLine[] = [];
  for (const def of defs) {
    const raw = c.attributes[def.code];
    if (raw === undefined || raw === '' || (Array.isArray(raw) && raw.length === 0)) continue;
    lines.push({ code: def.code, label: def.description, value: show(def.code, raw) });
  }
  for (const [code, raw] of Object.entries(c.attributes)) {
    if (!known.has(code)) lines.push({ code, label: code, value: show(code, raw) });
  }
  return lines;
}

/**
 * Where a case is, in words: its address, or for a point no street address is near (a park,
 * a river bank) its coordinates, so no heading or card is left empty.
 */
export function placeName(c: Pick<CaseRecord, 'address' | 'lat' | 'long'>): string {
  return c.address.trim() || `No street address: ${c.lat.toFixed(5)}, ${c.long.toFixed(5)}`;
}

/** A link that opens the device's maps app (geo:) or, on desktops, OpenStreetMap. */
export function navigateLinks(c: CaseRecord): { geo: string; osm: string } {
  const lat = c.lat.toFixed(6);
  const lon = c.long.toFixed(6);
  return {
    geo: `geo:${lat},${lon}?q=${lat},${lon}(${encodeURIComponent(c.address)})`,
    osm: `https://www.openstreetmap.org/?mlat=${lat}&mlon=${lon}#map=18/${lat}/${lon}`,
  };
}
