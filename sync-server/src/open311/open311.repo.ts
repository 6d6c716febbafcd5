/**
 * What Open311 reads, in SQL. Cases are read with the staff columns (`caseColumns`) and
 * handed to the access model, which keeps their public part; nothing here joins
 * `case_reporters`. The extras are about the place and the type, never the reporter.
 */
import type { ServiceType } from '@fieldfix/shared';
import type { Queryable } from '../db/database.ts';
import { caseColumns, toCaseRecord, type CaseRow } from '../cases/case.repo.ts';
import type { CaseRecord } from '@fieldfix/shared';

export type Open311Service = Pick<
  ServiceType,
  'code' | 'name' | 'group' | 'description' | 'keywords' | 'attributes'
> & {
  departmentId: string;
  departmentName: string;
  slaDays: number;
};

type ServiceRow = {
  code: string;
  name: string;
  group_name: string;
  description: string;
  keywords: string[];
  attributes: ServiceType['attributes'];
  department_id: string;
  department_name: string;
  sla_days: number;
};

/**
 * The active service types of the catalogue, by code; `retired` too the ones taken out of it
 * (what a case of such a type, still open or long closed, is read with).
 */
export async function listServices(
  sql: Queryable,
  { retired = false }: { retired?: boolean } = {},
): Promise<Open311Service[]> {
  const rows = await sql<ServiceRow[]>`
    select t.code, t.name, t.group_name, t.description, t.keywords, t.attributes, t.department_id,
      d.name as department_name, t.sla_days
    from service_types t join departments d on d.id = t.department_id
    where t.active or ${retired}
    order by t.group_name, t.name`;
  return rows.map((r) => ({
    code: r.code,
    name: r.name,
    group: r.group_name,
    description: r.description,
    keywords: r.keywords,
    attributes: r.attributes,
    departmentId: r.department_id,
    departmentName: r.department_name,
    slaDays: r.sla_days,
  }));
}

/** A case as Open311 reads it: the record (for the access model) and public extras. */
export type Open311CaseRow = {
  record: CaseRecord;
  departmentId: string;
  addressId: string | null;
  zipcode: string | null;
  /** The first complete report photo still kept (`publicPhoto`): the request's `media_url`. */
  mediaPhotoId: string | null;
};

export type RequestFilter =
  | { kind: 'ids'; ids: string[] }
  | {
      kind: 'window';
      serviceCodes: string[] | null;
      states: readonly string[] | null;
      from: Date;
      to: Date;
      limit: number;
      offset: number;
    };

/** Cases by id list, or by window (newest first), with what Open311 needs beside them. */
export async function findRequests(sql: Queryable, f: RequestFilter): Promise<Open311CaseRow[]> {
  const where =
    f.kind === 'ids'
      ? sql`c.id = any(${f.ids}::bigint[])`
      : sql`c.requested_at >= ${f.from} and c.requested_at <= ${f.to}
          and ${f.serviceCodes ? sql`c.service_code = any(${f.serviceCodes}::text[])` : sql`true`}
          and ${f.states ? sql`c.state = any(${f.states as string[]}::text[])` : sql`true`}`;
  const page = f.kind === 'ids' ? sql`limit 1000` : sql`limit ${f.limit} offset ${f.offset}`;
  const rows = await sql<
    (CaseRow & {
      department_id: string;
      address_id: string | null;
      zipcode: string | null;
      media_photo_id: string | null;
    })[]
  >`
    select ${caseColumns(sql, 'c')}, c.address_id, c.zipcode,
      (select p.id::text from photos p where p.case_id = c.id and p.kind = 'report' and ${publicPhoto(sql)}
        order by p.created_at, p.id limit 1) as media_photo_id,
      (select t.department_id from service_types t where t.code = c.service_code) as department_id
    from cases c
    where ${where}
    order by c.requested_at desc, c.id desc
    ${page}`;
  return rows.map((r) => ({
    record: toCaseRecord(r),
    departmentId: r.department_id,
    addressId: r.address_id,
    zipcode: r.zipcode,
    mediaPhotoId: r.media_photo_id,
  }));
}

/** One public timeline entry of a case: a change of its state, never a staff note or a name. */
export type TimelineEvent = { id: string; caseId: string; at: Date; kind: string; data: Record<string, unknown> };

/** The kinds of history entry the public sees (what happened, not who or what was said). */
export const PUBLIC_EVENT_KINDS = [
  'reported',
  'routed',
  'assigned',
  'started',
  'held',
  'resumed',
  'fixed',
  'closed_not_fixed',
  'reopened',
  'merged',
  'cancelled',
] as const;

/**
 * The history entries (`e`) the public hears of: of a public kind, taken (applied, or work
 * landed from a merged case), and never a second crew's fix of a fixed case (R3: duplicate
 * work; the public heard of the fix once).
 */
const publicEvent = (sql: Queryable) => sql`
  e.kind = any(${[...PUBLIC_EVENT_KINDS]}::text[])
  and (e.outcome is null or e.outcome in ('applied', 'merged'))
  and not (e.kind = 'fixed' and e.data @> '{"duplicate": true}')`;

/**
 * A photo (`p`) the public may see: complete, and not yet removed by the city's retention (its
 * bytes are gone). Which kinds (a resident's report photo, a crew's after-photo) is the caller's.
 */
export const publicPhoto = (sql: Queryable) => sql`p.completed_at is not null and p.removed_at is null`;

export async function findTimelines(sql: Queryable, caseIds: string[]): Promise<Map<string, TimelineEvent[]>> {
  const rows = await sql<{ id: string; case_id: string; at: Date; kind: string; data: Record<string, unknown> }[]>`
    select e.id::text, e.case_id::text, e.at, e.kind, e.data from case_events e
    where e.case_id = any(${caseIds}::bigint[]) and ${publicEvent(sql)}
    order by e.case_id, e.at, e.id`;
  const out = new Map<string, TimelineEvent[]>();
  for (const r of rows) {
    const list = out.get(r.case_id) ?? [];
    list.push({ id: r.id, caseId: r.case_id, at: r.at, kind: r.kind, data: r.data });
    out.set(r.case_id, list);
  }
  return out;
}

/**
 * A timeline entry of the updates feed, with when the server received it (work done offline
 * arrives after it was done) and what access needs to know about its case.
 */
export type UpdateRow = TimelineEvent & {
  receivedAt: Date;
  crewId: string | null;
  departmentId: string;
  /** A fix's first after-photo, complete: what its `media_url` shows (a before-photo never). */
  mediaPhotoId: string | null;
};

/** Public timeline entries received in a window (the updates feed), oldest arrival first. */
export async function findUpdates(
  sql: Queryable,
  q: { from: Date; to: Date; limit: number; offset: number },
): Promise<UpdateRow[]> {
  const rows = await sql<
    {
      id: string;
      case_id: string;
      at: Date;
      received_at: Date;
      kind: string;
      data: Record<string, unknown>;
      crew_id: string | null;
      department_id: string;
      media_photo_id: string | null;
    }[]
  >`
    select e.id::text, e.case_id::text, e.at, e.received_at, e.kind, e.data, c.assigned_crew_id as crew_id,
      t.department_id,
      (select p.id::text from jsonb_array_elements_text(
          case when e.kind = 'fixed' and jsonb_typeof(e.data->'photoIds') = 'array' then e.data->'photoIds' end
        ) with ordinality named(id, n)
        join photos p on p.id = named.id::uuid and p.kind = 'after' and ${publicPhoto(sql)}
        order by named.n limit 1) as media_photo_id
    from case_events e
    join cases c on c.id = e.case_id
    join service_types t on t.code = c.service_code
    where e.received_at >= ${q.from} and e.received_at <= ${q.to} and ${publicEvent(sql)}
    order by e.received_at, e.id
    limit ${q.limit} offset ${q.offset}`;
  return rows.map((r) => ({
    id: r.id,
    caseId: r.case_id,
    at: r.at,
    receivedAt: r.received_at,
    kind: r.kind,
    data: r.data,
    crewId: r.crew_id,
    departmentId: r.department_id,
    mediaPhotoId: r.media_photo_id,
  }));
}

/**
 * A photo Open311 may show: a complete resident's report photo or a crew's after-photo, by
 * its thumbnail (re-encoded by the server, so no EXIF: no place, device or owner). `removed`:
 * it was public, and the city's retention has since deleted it.
 */
export async function findPublicPhotoThumb(
  sql: Queryable,
  id: string,
): Promise<{ thumbKey: string | null; removed: boolean } | null> {
  const [row] = await sql<{ thumb_key: string | null; removed: boolean }[]>`
    select thumb_key, removed_at is not null as removed from photos p
    where id = ${id}::uuid and kind in ('report', 'after') and completed_at is not null`;
  return row ? { thumbKey: row.thumb_key, removed: row.removed } : null;
}

/** The case a GeoReport token stands for. */
export async function findToken(sql: Queryable, token: string): Promise<string | null> {
  const [row] = await sql<{ case_id: string }[]>`select case_id::text from open311_tokens where token = ${token}`;
  return row?.case_id ?? null;
}
