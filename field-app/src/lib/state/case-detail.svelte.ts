/**
 * The case page: one case as the device sees it (server truth with the device's changes
 * replayed), the changes still waiting to sync, and what the server said about earlier ones.
 */
import { cityTimeZone } from './day-list.ts';
import { describeOutcome, isOpen, type SessionResponse } from '@fieldfix/shared';
import { watchCase, type CaseData } from '#lib/db/index.ts';
import { actorOf, bridging, project, type Projection } from '#lib/sync/optimistic.ts';
import { PRIORITY_LABELS, attributeLines, caseBadges, navigateLinks, serviceName, stateLabel } from './case-view.ts';
import { OUTCOME_LABELS, describeChange, nextStep } from './change-words.ts';
import { Clock } from './clock.svelte.ts';
import { Live } from './live.svelte.ts';
import { formatDate, formatMoment } from './format.ts';

export interface WaitingChange {
  seq: number;
  text: string;
  savedAt: string;
  /** The rules expect the server not to apply it: why, in words. */
  expectation: string | null;
  /** The server refused it as malformed; it stays until tried again or discarded. */
  blocked: string | null;
}

export interface PastChange {
  mutationId: string;
  text: string;
  label: string;
  tone: 'ok' | 'warn' | 'bad';
  message: string;
  next: string | null;
  dismissed: boolean;
}

/** Which field actions make sense now (from the case's state as the device sees it). */
export interface AvailableActions {
  start: boolean;
  hold: boolean;
  resume: boolean;
  fix: boolean;
  /** The type needs an after-photo to fix: the fix form asks for at least one. */
  fixNeedsPhoto: boolean;
  close: boolean;
  transfer: boolean;
  note: boolean;
}

export class CaseDetail {
  // Create while a component initialises; deriveds are lazy (closures), see DayPage.
  #id: () => string;
  #session: () => SessionResponse | null;
  #clock = new Clock();
  #case = new Live<CaseData>(() => watchCase(this.#id()));

  constructor(id: () => string, session: () => SessionResponse | null) {
    this.#id = id;
    this.#session = session;
  }

  loaded = $derived.by(() => this.#case.current !== undefined);
  serviceType = $derived.by(() => this.#case.current?.serviceType ?? null);

  projection: Projection | null = $derived.by(() => {
    const data = this.#case.current;
    if (!data?.record) return null;
    const session = this.#session();
    const queued = [
      ...bridging(data.record, data.outcomes),
      ...data.pending.map((p) => ({ seq: p.seq, mutation: p.mutation, acknowledged: false })),
    ];
    return project(
      data.record,
      queued,
      data.serviceType,
      session ? actorOf(session) : null,
      this.#clock.now.toISOString(),
      cityTimeZone(session),
    );
  });

  record = $derived.by(() => this.projection?.record ?? null);
  /** The server's version of the case on the device (moves when a pull brings a change). */
  serverVersion = $derived.by(() => this.#case.current?.record?.version ?? null);
  /** This case's changes waiting in the outbox, oldest first. */
  pending = $derived.by(() => this.#case.current?.pending ?? []);

  waiting: WaitingChange[] = $derived.by(() => {
    const data = this.#case.current;
    const projection = this.projection;
    if (!data) return [];
    const predicted = new Map(projection?.changes.map((c) => [c.seq, c]) ?? []);
    return data.pending.map((p) => {
      const guess = predicted.get(p.seq);
      const unlikely = guess?.predicted === 'superseded' || guess?.predicted === 'rejected';
      return {
        seq: p.seq,
        text: describeChange(p.mutation, data.serviceType),
        savedAt: formatMoment(p.mutation.deviceTime, this.#clock.now),
        expectation:
          unlikely && guess.predicted
            ? describeOutcome(p.mutation.kind, p.caseId, guess.predicted, guess.reason)
            : null,
        blocked: p.blocked?.message ?? null,
      };
    });
  });

  history: PastChange[] = $derived.by(() =>
    (this.#case.current?.outcomes ?? []).map((o) => ({
      mutationId: o.mutationId,
      text: o.mutation ? describeChange(o.mutation, this.serviceType) : o.message,
      label: OUTCOME_LABELS[o.outcome],
      tone: o.outcome === 'applied' ? 'ok' : o.outcome === 'rejected' ? 'bad' : 'warn',
      message: o.message,
      next: o.outcome === 'applied' ? null : nextStep(o.outcome, o.reason, o.landedOnCaseId),
      dismissed: o.dismissed,
    })),
  );

  actions: AvailableActions = $derived.by(() => {
    const c = this.record;
    const none = {
      start: false,
      hold: false,
      resume: false,
      fix: false,
      fixNeedsPhoto: false,
      close: false,
      transfer: false,
      note: false,
    };
    if (!c) return none;
    const open = isOpen(c.state);
    const type = this.serviceType;
    return {
      start: c.state === 'assigned' || c.state === 'new',
      hold: c.state === 'in_progress' && !!type?.holdReasons.length,
      resume: c.state === 'on_hold',
      fix: open && !!type && type.resolutionCodes.length > 0,
      fixNeedsPhoto: open && !!type?.photoRequiredOnFix,
      close: open && !!type?.closeReasons.length,
      transfer: open,
      note: true,
    };
  });

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
      open: isOpen(c.state),
      cancelled: c.cancelled,
      mergedIntoId: c.mergedIntoId,
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
