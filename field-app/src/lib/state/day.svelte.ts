/** The "My day" page: the crew's cases as stored on the device, in route order. */
import type { SessionResponse } from '@fieldfix/shared';
import { watchDay, type DayView } from '#lib/db/index.ts';
import { Clock } from './clock.svelte.ts';
import { Live } from './live.svelte.ts';
import { ageText, caseBadges, serviceName, stateLabel, type Badge } from './case-view.ts';
import { formatDay } from './format.ts';

export interface DayRow {
  id: string;
  stop: number;
  serviceName: string;
  icon: string;
  address: string;
  age: string;
  state: string;
  badges: Badge[];
}

export class DayPage {
  // Create while a component initialises (the live query and the clock follow its lifecycle).
  // Deriveds read fields through closures: they are evaluated lazily, after the constructor.
  #session: () => SessionResponse;
  #clock = new Clock();
  #day = new Live<DayView>(() => watchDay(this.#session().crew));

  constructor(session: () => SessionResponse) {
    this.#session = session;
  }

  /** False until the device has been read once. */
  loaded = $derived.by(() => this.#day.current !== undefined);
  readError = $derived.by(() => this.#day.error !== undefined);

  crewName = $derived.by(() => this.#day.current?.crew?.name ?? this.#session().crew?.name ?? null);

  /** The day the server last sent, else today on this device. */
  dateLabel = $derived.by(() => formatDay(this.#day.current?.date ?? localIsoDate(this.#clock.now)));

  rows: DayRow[] = $derived.by(() => {
    const day = this.#day.current;
    if (!day) return [];
    const now = this.#clock.now;
    return day.cases.map((c, i) => {
      const type = day.serviceTypes[c.serviceCode];
      return {
        id: c.id,
        stop: i + 1,
        serviceName: serviceName(c, type),
        icon: type?.icon ?? 'wrench',
        address: c.address,
        age: ageText(c, now),
        state: stateLabel(c),
        badges: caseBadges(c, now),
      };
    });
  });

  neverSynced = $derived.by(() => this.#day.current !== undefined && this.#day.current.lastSyncedAt === null);
}

function localIsoDate(d: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}`;
}
