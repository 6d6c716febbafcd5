/**
 * The "My day" page: the crew's cases as the device sees them (server truth with the
 * device's changes replayed on top), in route order.
 */
import type { CaseRecord, SessionResponse } from '@fieldfix/shared';
import { watchDeviceCases, type DeviceCases } from '#lib/db/index.ts';
import { actorOf, bridging, project } from '#lib/sync/optimistic.ts';
import { Clock } from './clock.svelte.ts';
import { Live } from './live.svelte.ts';
import { ageText, caseBadges, serviceName, stateLabel, type Badge } from './case-view.ts';
import { cityTimeZone, dayList } from './day-list.ts';
import { dateIn } from '@fieldfix/shared';
import { formatDay } from './format.ts';

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
}

/** Every case on the device with the device's changes replayed (pure). */
export function optimisticCases(data: DeviceCases, session: SessionResponse, now: Date): { cases: CaseRecord[]; waiting: Set<string> } {
  const actor = actorOf(session);
  const byCase = new Map<string, DeviceCases['pending']>();
  for (const p of data.pending) byCase.set(p.caseId, [...(byCase.get(p.caseId) ?? []), p]);
  const iso = now.toISOString();
  const cases = data.cases.map((c) => {
    const queued = [
      ...bridging(c, data.outcomes),
      ...(byCase.get(c.id) ?? []).map((p) => ({ seq: p.seq, mutation: p.mutation, acknowledged: false })),
    ];
    return queued.length ? project(c, queued, data.serviceTypes[c.serviceCode], actor, iso, cityTimeZone(session)).record : c;
  });
  return { cases, waiting: new Set(byCase.keys()) };
}

export class DayPage {
  // Create while a component initialises (the live query and the clock follow its lifecycle).
  // Deriveds read fields through closures: they are evaluated lazily, after the constructor.
  #session: () => SessionResponse;
  #clock = new Clock();
  #data = new Live<DeviceCases>(() => watchDeviceCases());

  constructor(session: () => SessionResponse) {
    this.#session = session;
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
    const { cases, waiting } = optimisticCases(data, this.#session(), now);
    return dayList(cases, crew.id, this.#today, this.#timeZone).map((c, i) => {
      const type = data.serviceTypes[c.serviceCode];
      return {
        id: c.id,
        stop: i + 1,
        serviceName: serviceName(c, type),
        icon: type?.icon ?? 'wrench',
        address: c.address,
        age: ageText(c, now),
        state: stateLabel(c),
        badges: caseBadges(c, now),
        waiting: waiting.has(c.id),
      };
    });
  });

  neverSynced = $derived.by(() => this.#data.current !== undefined && this.#data.current.lastSyncedAt === null);
}
