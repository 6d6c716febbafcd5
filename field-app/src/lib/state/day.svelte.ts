/**
 * The "My day" page: the crew's cases as the device sees them (server truth with the
 * device's changes replayed on top), in route order.
 */
import type { CaseRecord, SessionResponse } from '@fieldfix/shared';
import { watchDeviceCases, type DeviceCases } from '#lib/db/index.ts';
import { actorOf, bridging, project } from '#lib/sync/optimistic.ts';
import { Clock } from './clock.svelte.ts';
import { Live } from './live.svelte.ts';
import { ageText, caseBadges, placeName, serviceName, stateLabel, type Badge } from './case-view.ts';
import { cityTimeZone, dayList } from './day-list.ts';
import { dateIn } from '@fieldfix/shared';
import { formatDay } from './format.ts';
import { hasFilters, matchesFilters, statusBucket, type DayFilters, type StatusFilter } from './day-filters.ts';
import { distanceText, haversineMetres, type LatLong } from './geo.ts';

/** Shown when the signed-in person has no crew (leads, admins): there is no "my day". */
export const NO_CREW_MESSAGE = 'Your account is not on a crew, so there is no day to show here.';

export interface DayRow {
  id: string;
  stop: number;
  serviceName: string;
  icon: string;
  address: string;
  age: string;
  state: string;
  badges: Badge[];
  /** Changes to this case wait on the device. */
  waiting: boolean;
  serviceCode: string;
  bucket: StatusFilter;
  lat: number;
  long: number;
}

export interface TypeOption {
  code: string;
  name: string;
  icon: string;
  count: number;
}

/**
 * Every case on the device with the signed-in person's changes replayed (pure). Another
 * person's changes waiting on a shared tablet are not theirs to show as made: they go when
 * that person signs in again (the status bar counts them).
 */
export function optimisticCases(
  data: DeviceCases,
  session: SessionResponse,
): { cases: CaseRecord[]; waiting: Set<string> } {
  const actor = actorOf(session);
  const byCase = new Map<string, DeviceCases['pending']>();
  for (const p of data.pending) {
    if (p.userId === session.user.id) byCase.set(p.caseId, [...(byCase.get(p.caseId) ?? []), p]);
  }
  const cases = data.cases.map((c) => {
    const queued = [
      ...bridging(c, data.outcomes),
      ...(byCase.get(c.id) ?? []).map((p) => ({ seq: p.seq, mutation: p.mutation, acknowledged: false })),
    ];
    return queued.length
      ? project(c, queued, data.serviceTypes[c.serviceCode], actor, cityTimeZone(session)).record
      : c;
  });
  return { cases, waiting: new Set(byCase.keys()) };
}

export class DayPage {
  // Create while a component initialises (the live query and the clock follow its lifecycle).
  // Deriveds read fields through closures: they are evaluated lazily, after the constructor.
  #session: () => SessionResponse;
  #clock = new Clock();
  #data = new Live<DeviceCases>(() => watchDeviceCases());
  #filters: () => DayFilters;
  #position: () => LatLong | null;

  constructor(session: () => SessionResponse, filters: () => DayFilters, position: () => LatLong | null) {
    this.#session = session;
    this.#filters = filters;
    this.#position = position;
  }

  /** False until the device has been read once. */
  loaded = $derived.by(() => this.#data.current !== undefined);
  readError = $derived.by(() => this.#data.error !== undefined);

  crewName = $derived.by(() => this.#session().crew?.name ?? null);

  #timeZone = $derived.by(() => cityTimeZone(this.#session()));
  #today = $derived.by(() => dateIn(this.#clock.now, this.#timeZone));
  dateLabel = $derived.by(() => formatDay(this.#today));

  rows: DayRow[] = $derived.by(() => {
    const data = this.#data.current;
    const crew = this.#session().crew;
    if (!data || !crew) return [];
    const now = this.#clock.now;
    const { cases, waiting } = optimisticCases(data, this.#session());
    return dayList(cases, crew.id, this.#today, this.#timeZone).map((c, i) => {
      const type = data.serviceTypes[c.serviceCode];
      return {
        id: c.id,
        stop: i + 1,
        serviceName: serviceName(c, type),
        icon: type?.icon ?? 'wrench',
        address: placeName(c),
        age: ageText(c, now),
        state: stateLabel(c),
        badges: caseBadges(c, now, this.#timeZone),
        waiting: waiting.has(c.id),
        serviceCode: c.serviceCode,
        bucket: statusBucket(c),
        lat: c.lat,
        long: c.long,
      };
    });
  });

  filters = $derived.by(() => this.#filters());
  filtering = $derived.by(() => hasFilters(this.filters));

  /** The day's rows the filters let through, with the distance when the position is known. */
  shown: (DayRow & { distance: string | null })[] = $derived.by(() => {
    const f = this.filters;
    const here = this.#position();
    return this.rows
      .filter((r) => matchesFilters(r, f))
      .map((r) => ({ ...r, distance: here ? distanceText(haversineMetres(here, r)) : null }));
  });

  /** The service types on today's list (and any still selected in the URL), by name. */
  typeOptions: TypeOption[] = $derived.by(() => {
    const types = this.#data.current?.serviceTypes ?? {};
    const byCode = new Map<string, TypeOption>();
    for (const r of this.rows) {
      const o = byCode.get(r.serviceCode) ?? { code: r.serviceCode, name: r.serviceName, icon: r.icon, count: 0 };
      o.count++;
      byCode.set(r.serviceCode, o);
    }
    for (const code of this.filters.types) {
      if (!byCode.has(code))
        byCode.set(code, { code, name: types[code]?.name ?? code, icon: types[code]?.icon ?? 'wrench', count: 0 });
    }
    return [...byCode.values()].sort((a, b) => a.name.localeCompare(b.name));
  });

  /** How many of the day's cases fall under each status toggle. */
  statusCounts: Record<StatusFilter, number> = $derived.by(() => {
    const counts: Record<StatusFilter, number> = { open: 0, in_progress: 0, on_hold: 0, done: 0 };
    for (const r of this.rows) counts[r.bucket]++;
    return counts;
  });

  neverSynced = $derived.by(() => this.#data.current !== undefined && this.#data.current.lastSyncedAt === null);
}
