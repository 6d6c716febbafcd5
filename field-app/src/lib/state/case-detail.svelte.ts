/**
 * The case page: one case as the device sees it (server truth with the device's changes
 * replayed), the changes still waiting to sync, and what the server said about earlier ones.
 */
import { cityTimeZone } from './day-list.ts';
import {
  describeOutcome,
  isOpen,
  mayOffer,
  staffCaller,
  type CaseDetailResponse,
  type MutationKind,
  type ServiceType,
  type SessionResponse,
} from '@fieldfix/shared';
import { fetchCaseWithHistory } from '#lib/api/index.ts';
import { saveCaseHistory, serviceTypeFor, watchCase, type CaseData, type StoredHistory } from '#lib/db/index.ts';
import { actorOf, bridging, project, type Projection } from '#lib/sync/optimistic.ts';
import {
  PRIORITY_LABELS,
  attributeLines,
  caseBadges,
  navigateLinks,
  placeName,
  serviceName,
  stateLabel,
} from './case-view.ts';
import { OUTCOME_LABELS, describeChange, nextStep } from './change-words.ts';
import { Clock } from './clock.svelte.ts';
import { Live } from './live.svelte.ts';
import { dueDay } from './due-date.ts';
import { formatDate, formatDay, formatMoment } from './format.ts';

export interface WaitingChange {
  seq: number;
  /** The change's id (the key of the server's outcome, once it comes). */
  mutationId: string;
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

/**
 * Which actions to offer now: those that fit the case's state as the device sees it and that
 * the person may make (the shared access model: field status changes are the case's crew's
 * alone; anyone who may work on the case adds notes and photos).
 */
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
  /** A closed case may be opened again (a lead's or an admin's: R10). */
  reopen: boolean;
  /** The field work on this case is a crew's, not this person's (a lead, an admin, another crew). */
  crewOnly: boolean;
}

/** Reading a case that is not on the device from the server (a lead's, a link's). */
export type RemoteState = 'idle' | 'loading' | 'offline' | 'failed';

const NO_ACTIONS: AvailableActions = {
  start: false,
  hold: false,
  resume: false,
  fix: false,
  fixNeedsPhoto: false,
  close: false,
  transfer: false,
  note: false,
  reopen: false,
  crewOnly: false,
};

export class CaseDetail {
  // Create while a component initialises; deriveds are lazy (closures), see DayPage.
  #id: () => string;
  #session: () => SessionResponse | null;
  #clock = new Clock();
  #case = new Live<CaseData>(() => watchCase(this.#id()));

  /** The case as the server sent it when it is not on the device (with its history and names). */
  #remote = $state.raw<{ id: string; data: CaseDetailResponse; serviceType: ServiceType | null; at: string } | null>(
    null,
  );
  remoteState = $state<RemoteState>('idle');
  /**
   * The record the device last held for the case shown, for when a sync takes the case off the
   * device while the page is open (moved to another crew): the page stays, with what the
   * person was writing, until the server's copy comes (or for good without one).
   */
  #lastHeld = $state.raw<{ id: string; data: CaseData } | null>(null);
  /** Why the server would not send the case (not found, not in the person's scope…). */
  remoteError = $state<string | null>(null);

  constructor(id: () => string, session: () => SessionResponse | null) {
    this.#id = id;
    this.#session = session;
    $effect(() => {
      const data = this.#case.current;
      // By the record's own id: on a turn to another case the page's id changes before the read does.
      if (data?.record) this.#lastHeld = { id: data.record.id, data };
    });
    // A case that is not on the device (a lead opening any case of the department, a link
    // from a notice): read it from the server, and again when the signal returns.
    $effect(() => {
      const caseId = this.#id();
      if (!this.#missing || !this.#signedIn) return;
      let cancelled = false;
      const load = () => {
        if (!cancelled) void this.#load(caseId, () => cancelled);
      };
      load();
      window.addEventListener('online', load);
      return () => {
        cancelled = true;
        window.removeEventListener('online', load);
      };
    });
  }

  async #load(caseId: string, cancelled: () => boolean): Promise<void> {
    if (this.#remote?.id === caseId) return;
    if (!navigator.onLine) {
      this.remoteState = 'offline';
      return;
    }
    this.remoteState = 'loading';
    const res = await fetchCaseWithHistory(caseId);
    if (cancelled()) return;
    if (!res.ok) {
      this.remoteState = res.error.kind === 'network' ? 'offline' : 'failed';
      this.remoteError = res.error.message;
      return;
    }
    const { case: c, events, names } = res.data;
    const at = new Date().toISOString();
    const serviceType = await serviceTypeFor(c.serviceCode);
    if (cancelled()) return;
    this.#remote = { id: caseId, data: res.data, serviceType, at };
    this.remoteState = 'idle';
    this.remoteError = null;
    // Kept like any opened case's history (it goes when the sync finds the case is not the device's).
    await saveCaseHistory({ caseId, version: c.version, events, names }, at);
  }

  /** The device has been read and does not hold the case. */
  #missing = $derived.by(() => this.#case.current !== undefined && !this.#case.current.record);
  #signedIn = $derived.by(() => !!this.#session());

  /** The case's record as the server has it: the device's copy, else the one read from the server. */
  #server = $derived.by(() => {
    const data = this.#case.current;
    if (data?.record) return data.record;
    const remote = this.#remote;
    if (remote && remote.id === this.#id()) return remote.data.case;
    return this.#departed?.record ?? null;
  });

  /** What the device held of the case shown before a sync took it off (see `#lastHeld`). */
  #departed = $derived.by(() => {
    const last = this.#lastHeld;
    return !this.#case.current?.record && last?.id === this.#id() ? last.data : null;
  });

  /** True when the case shown was read from the server, not from the device. */
  fromServer = $derived.by(() => !this.#case.current?.record && this.#remote?.id === this.#id());

  /**
   * The case was on the device when the page opened and a sync has taken it off since (moved
   * to another crew, say), and the server's copy has not come: the page shows it as it was.
   */
  departed = $derived.by(() => !this.fromServer && this.#departed !== null);

  /** The history that came with a case read from the server (the case page shows it until one is stored). */
  remoteHistory: StoredHistory | null = $derived.by(() => {
    const remote = this.#remote;
    if (!remote || remote.id !== this.#id()) return null;
    const { case: c, events, names } = remote.data;
    return { caseId: c.id, version: c.version, events, names, fetchedAt: remote.at };
  });

  loaded = $derived.by(() => this.#case.current !== undefined);
  serviceType = $derived.by(
    () =>
      this.#case.current?.serviceType ??
      (this.fromServer ? (this.#remote?.serviceType ?? null) : (this.#departed?.serviceType ?? null)),
  );

  projection: Projection | null = $derived.by(() => {
    const data = this.#case.current;
    const server = this.#server;
    if (!data || !server) return null;
    const session = this.#session();
    const queued = [
      ...bridging(server, data.outcomes),
      ...this.pending.map((p) => ({ seq: p.seq, mutation: p.mutation, acknowledged: false })),
    ];
    return project(server, queued, data.serviceType, session ? actorOf(session) : null, cityTimeZone(session));
  });

  record = $derived.by(() => this.projection?.record ?? null);
  /** The server's version of the case (moves when a pull brings a change). */
  serverVersion = $derived.by(() => this.#server?.version ?? null);
  /**
   * This case's changes the signed-in person left waiting in the outbox, oldest first: another
   * person's, on a shared tablet, are not theirs (they go when that person signs in again).
   */
  pending = $derived.by(() => {
    const me = this.#session()?.user.id;
    return (this.#case.current?.pending ?? []).filter((p) => p.userId === me);
  });

  waiting: WaitingChange[] = $derived.by(() => {
    const data = this.#case.current;
    const projection = this.projection;
    if (!data) return [];
    const predicted = new Map(projection?.changes.map((c) => [c.seq, c]) ?? []);
    return this.pending.map((p) => {
      const guess = predicted.get(p.seq);
      const unlikely = guess?.predicted === 'superseded' || guess?.predicted === 'rejected';
      return {
        seq: p.seq,
        mutationId: p.id,
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

  /** True when the signed-in person may make a change of `kind` on this case (the shared access model). */
  may = (kind: MutationKind): boolean => {
    const session = this.#session();
    const c = this.record;
    const type = this.serviceType;
    if (!session || !c) return false;
    // The department is the service type's; without the catalogue only a crew's own work can be told.
    return mayOffer(staffCaller(session.user), kind, { crewId: c.crewId, departmentId: type?.departmentId ?? '' });
  };

  actions: AvailableActions = $derived.by(() => {
    const c = this.record;
    if (!c) return NO_ACTIONS;
    const open = isOpen(c.state);
    const type = this.serviceType;
    const fits = {
      start: c.state === 'assigned' || c.state === 'new',
      hold: c.state === 'in_progress' && !!type?.holdReasons.length,
      resume: c.state === 'on_hold',
      fix: open && !!type && type.resolutionCodes.length > 0,
      close: open && !!type?.closeReasons.length,
      transfer: open,
    };
    const crew = {
      start: fits.start && this.may('start'),
      hold: fits.hold && this.may('hold'),
      resume: fits.resume && this.may('resume'),
      fix: fits.fix && this.may('fix'),
      close: fits.close && this.may('close_not_fixed'),
      transfer: fits.transfer && this.may('transfer_request'),
    };
    return {
      ...crew,
      fixNeedsPhoto: crew.fix && !!type?.photoRequiredOnFix,
      note: this.may('add_note'),
      reopen: !open && this.may('reopen'),
      crewOnly: open && !this.may('start'),
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
      address: placeName(c),
      state: stateLabel(c),
      open: isOpen(c.state),
      cancelled: c.cancelled,
      mergedIntoId: c.mergedIntoId,
      priority: PRIORITY_LABELS[c.priority],
      badges: caseBadges(c, now, cityTimeZone(this.#session())),
      requested: formatMoment(c.requestedAt, now),
      requestedDate: formatDate(c.requestedAt),
      // A day of the city, as the overdue badge counts it.
      due: c.expectedAt ? formatDay(dueDay(c.expectedAt, cityTimeZone(this.#session()))) : null,
      attributes: attributeLines(c, this.serviceType),
      lat: c.lat.toFixed(5),
      long: c.long.toFixed(5),
      /** Android opens its maps app from `geo:`; elsewhere OpenStreetMap in the browser. */
      navigateHref: android ? links.geo : links.osm,
      osmHref: links.osm,
    };
  });
}
