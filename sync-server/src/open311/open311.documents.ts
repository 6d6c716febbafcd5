/**
 * GeoReport v2 documents as data: the one place each response is built, whichever format it
 * is sent in. Cases pass through the access model (`caseReadLevel`, `toPublicCase`) first:
 * an Open311 document is made from a `PublicCase` and public facts of its place and type.
 */
import {
  caseReadLevel,
  hideContactDetails,
  open311Status,
  toPublicCase,
  type Caller,
  type PublicCase,
} from '@fieldfix/shared';
import type { Open311CaseRow, Open311Service, TimelineEvent, UpdateRow } from './open311.repo.ts';
import type { SandboxRequest } from './intake.ts';
import type { FmsStatus } from './open311.schemas.ts';
import type { Value } from './open311-format.ts';

export const SPECIFICATION = 'http://wiki.open311.org/GeoReport_v2';
/** When this endpoint's behaviour last changed (the discovery `changeset`). */
export const CHANGESET = '2026-12-06T00:00:00Z';

/** The endpoint roots: the production one and the sandbox that creates no work. */
export const ROOTS = { production: '/open311/v2', test: '/open311/v2-test' } as const;

export function discoveryDoc(base: string): Value {
  return {
    changeset: CHANGESET,
    contact: `Fieldfix Open311 endpoint. Ask the city's 311 administrator for an API key; the demo key is in the README.`,
    key_service: `${base}/`,
    endpoints: (['production', 'test'] as const).map((type) => ({
      specification: SPECIFICATION,
      url: `${base}${ROOTS[type]}`,
      changeset: CHANGESET,
      type,
      formats: ['text/xml', 'application/json'],
    })),
  };
}

export function serviceDoc(s: Open311Service): Value {
  return {
    service_code: s.code,
    service_name: s.name,
    description: s.description || null,
    metadata: s.attributes.length > 0,
    type: 'realtime',
    keywords: s.keywords.length > 0 ? s.keywords.join(',') : null,
    group: s.group || null,
  };
}

export function serviceDefinitionDoc(s: Open311Service): Value {
  return {
    service_code: s.code,
    attributes: [...s.attributes]
      .sort((a, b) => a.order - b.order)
      .map((a) => ({
        variable: a.variable,
        code: a.code,
        datatype: a.datatype,
        required: a.required,
        datatype_description: a.datatypeDescription,
        order: a.order,
        description: a.description,
        values: a.values.map((v) => ({ key: v.key, name: v.name })),
      })),
  };
}

/** The promise a new request gets: the service type's target (SLA) in days. */
export function serviceNotice(s: Pick<Open311Service, 'slaDays'> | undefined): string | null {
  return s ? `The city aims to deal with this within ${s.slaDays} day${s.slaDays === 1 ? '' : 's'}.` : null;
}

/** A public timeline entry in plain words: what happened, never who did it or what staff wrote. */
export function describeEvent(e: Pick<TimelineEvent, 'kind' | 'data'>): string {
  switch (e.kind) {
    case 'reported':
      return 'Reported.';
    case 'routed':
      return typeof e.data.publicMessage === 'string' ? e.data.publicMessage : 'Sent to the department responsible.';
    case 'assigned':
      return 'Scheduled for a crew.';
    case 'started':
    case 'resumed':
      return 'Work in progress.';
    case 'held':
      return 'Work paused.';
    case 'fixed':
      return 'Fixed.';
    case 'closed_not_fixed':
      return `Closed, not fixed${typeof e.data.reason === 'string' ? ` (${e.data.reason.replaceAll('_', ' ')})` : ''}.`;
    case 'reopened':
      return 'Reopened.';
    case 'merged':
      return 'Merged into another request about the same problem.';
    case 'cancelled':
      return 'Cancelled.';
    default:
      return 'Updated.';
  }
}

/** FixMyStreet's finer status for a timeline entry. */
export function fmsStatus(e: Pick<TimelineEvent, 'kind' | 'data'>): FmsStatus {
  switch (e.kind) {
    case 'assigned':
      return 'ACTION_SCHEDULED';
    case 'started':
    case 'resumed':
    case 'held':
      return 'IN_PROGRESS';
    case 'fixed':
      return 'FIXED';
    case 'merged':
      return 'DUPLICATE';
    // A crew's close and a lead's cancellation carry the same reasons, said alike.
    case 'closed_not_fixed':
    case 'cancelled':
      switch (e.data.reason) {
        case 'duplicate':
          return 'DUPLICATE';
        case 'not_city_responsibility':
          return 'NOT_COUNCILS_RESPONSIBILITY';
        case 'no_action_needed':
          return 'NO_FURTHER_ACTION';
        default:
          return e.kind === 'cancelled' ? 'NO_FURTHER_ACTION' : 'CLOSED';
      }
    case 'reopened':
      return 'REOPEN';
    default:
      return 'OPEN';
  }
}

export type RequestContext = {
  caller: Caller;
  base: string;
  services: Map<string, Open311Service>;
  /** With `extensions=true`: each case's public timeline. */
  timelines?: Map<string, TimelineEvent[]>;
};

export const mediaUrl = (base: string, photoId: string) => `${base}${ROOTS.production}/media/${photoId}.jpg`;

/**
 * A case as a GeoReport request, or null when the caller may not read it. The case's fields
 * come from `toPublicCase` alone; the extras are its type's and place's public facts.
 */
export function requestDoc(row: Open311CaseRow, ctx: RequestContext): Value | null {
  const level = caseReadLevel(ctx.caller, { crewId: row.record.crewId, departmentId: row.departmentId });
  if (level === 'none') return null;
  // Open311 shows every caller the public part, staff included: it is a public interface.
  const p: PublicCase = toPublicCase(row.record);
  const service = ctx.services.get(p.serviceCode);
  const doc: Record<string, Value> = {
    service_request_id: p.id,
    status: open311Status(p.state),
    status_notes: p.statusNotes,
    service_name: service?.name ?? null,
    service_code: p.serviceCode,
    description: p.description || null,
    agency_responsible: service?.departmentName ?? null,
    service_notice: serviceNotice(service),
    requested_datetime: p.requestedAt,
    updated_datetime: p.closedAt ?? p.updatedAt,
    expected_datetime: p.expectedAt,
    address: p.address || null,
    // The client's own words like the address beside it: no contact details.
    address_id: row.addressId === null ? null : hideContactDetails(row.addressId),
    zipcode: row.zipcode,
    lat: p.lat,
    long: p.long,
    media_url: row.mediaPhotoId ? mediaUrl(ctx.base, row.mediaPhotoId) : null,
  };
  if (ctx.timelines) {
    // The type's declared attributes only: a catalogue attribute is about the problem.
    const declared = new Set(service?.attributes.map((a) => a.code) ?? []);
    // A free-text answer (a pole's number, a surface) is the resident's words: no contact details.
    doc.extended_attributes = Object.fromEntries(
      Object.entries(row.record.attributes)
        .filter(([k]) => declared.has(k))
        .map(([k, v]) => [k, typeof v === 'string' ? hideContactDetails(v) : v]),
    ) as Value;
    doc.notes = (ctx.timelines.get(p.id) ?? []).map((e) => ({
      datetime: e.at.toISOString(),
      description: describeEvent(e),
      type: e.kind,
    }));
  }
  return doc;
}

/**
 * A request the sandbox answered, from what its id carries (it stored nothing): open, at its
 * point, with its type's public facts. Its description and address were not kept.
 */
export function sandboxRequestDoc(id: string, r: SandboxRequest, ctx: RequestContext, extensions: boolean): Value {
  const service = ctx.services.get(r.serviceCode);
  const requested = r.requestedAt.toISOString();
  const doc: Record<string, Value> = {
    service_request_id: id,
    status: 'open',
    status_notes: 'A test request: it was checked and answered, and no work was created.',
    service_name: service?.name ?? null,
    service_code: r.serviceCode,
    description: null,
    agency_responsible: service?.departmentName ?? null,
    service_notice: serviceNotice(service),
    requested_datetime: requested,
    updated_datetime: requested,
    expected_datetime: service ? new Date(r.requestedAt.getTime() + service.slaDays * 86_400_000).toISOString() : null,
    address: null,
    address_id: null,
    zipcode: null,
    lat: r.lat,
    long: r.long,
    media_url: null,
  };
  if (extensions) {
    doc.extended_attributes = {};
    doc.notes = [{ datetime: requested, description: describeEvent({ kind: 'reported', data: {} }), type: 'reported' }];
  }
  return doc;
}

/**
 * One entry of the updates feed. Its `updated_datetime` is when the server received the change,
 * the time the feed is selected by: work done offline reaches the server after it was done, and
 * a client (FixMyStreet) drops any update whose time lies outside the window it asked for, so
 * the time the work was done would hide every late sync. That time is not repeated here: it is
 * each of the request's `notes` (`requests/{id}` with `extensions=true`).
 */
export function updateDoc(e: UpdateRow, base: string): Value {
  const photo = e.mediaPhotoId;
  return {
    update_id: e.id,
    service_request_id: e.caseId,
    status: fmsStatus(e),
    updated_datetime: e.receivedAt.toISOString(),
    description: describeEvent(e),
    media_url: photo ? mediaUrl(base, photo) : null,
  };
}
