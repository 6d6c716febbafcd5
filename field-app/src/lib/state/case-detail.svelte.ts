/** The case page: one case as stored on the device. */
import { watchCase, type CaseView } from '#lib/db/index.ts';
import { PRIORITY_LABELS, attributeLines, caseBadges, navigateLinks, serviceName, stateLabel } from './case-view.ts';
import { Clock } from './clock.svelte.ts';
import { Live } from './live.svelte.ts';
import { formatDate, formatMoment } from './format.ts';

export class CaseDetail {
  // Create while a component initialises; deriveds are lazy (closures), see DayPage.
  #id: () => string;
  #clock = new Clock();
  #case = new Live<CaseView>(() => watchCase(this.#id()));

  constructor(id: () => string) {
    this.#id = id;
  }

  loaded = $derived.by(() => this.#case.current !== undefined);
  record = $derived.by(() => this.#case.current?.record ?? null);
  serviceType = $derived.by(() => this.#case.current?.serviceType ?? null);

  view = $derived.by(() => {
    const c = this.record;
    if (!c) return null;
    const now = this.#clock.now;
    const links = navigateLinks(c);
    const android = typeof navigator !== 'undefined' && /Android/i.test(navigator.userAgent);
    return {
      id: c.id,
      serviceName: serviceName(c, this.serviceType),
      icon: this.serviceType?.icon ?? 'wrench',
      description: c.description,
      address: c.address,
      state: stateLabel(c),
      priority: PRIORITY_LABELS[c.priority],
      badges: caseBadges(c, now),
      requested: formatMoment(c.requestedAt, now),
      requestedDate: formatDate(c.requestedAt),
      due: c.expectedAt ? formatDate(c.expectedAt) : null,
      attributes: attributeLines(c, this.serviceType),
      lat: c.lat.toFixed(5),
      long: c.long.toFixed(5),
      /** Android opens its maps app from `geo:`; elsewhere OpenStreetMap in the browser. */
      navigateHref: android ? links.geo : links.osm,
      osmHref: links.osm,
    };
  });
}
