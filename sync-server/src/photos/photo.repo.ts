import type { Queryable } from '../db/database.ts';
import type { PhotoContentType } from './photo-type.ts';

/** A photo row with what the scope rules need to know about its case. */
export type Photo = {
  id: string;
  caseId: string;
  uploadedBy: string | null;
  contentType: PhotoContentType;
  byteSize: number;
  storageKey: string;
  complete: boolean;
  sha256: string | null;
  thumbKey: string | null;
  /** When the bytes were deleted under the retention policy (the row stays); null while kept. */
  removedAt: Date | null;
  /** The crew the case is assigned to now, and that crew's department. */
  crewId: string | null;
  crewDepartmentId: string | null;
  /** The department that owns the case's service type. */
  caseDepartmentId: string;
};

type PhotoRow = {
  id: string;
  case_id: string;
  uploaded_by: string | null;
  content_type: PhotoContentType;
  byte_size: number;
  storage_key: string;
  complete: boolean;
  sha256: string | null;
  thumb_key: string | null;
  removed_at: Date | null;
  crew_id: string | null;
  crew_department_id: string | null;
  case_department_id: string;
};

function toPhoto(r: PhotoRow): Photo {
  return {
    id: r.id,
    caseId: r.case_id,
    uploadedBy: r.uploaded_by,
    contentType: r.content_type,
    byteSize: r.byte_size,
    storageKey: r.storage_key,
    complete: r.complete,
    sha256: r.sha256,
    thumbKey: r.thumb_key,
    removedAt: r.removed_at,
    crewId: r.crew_id,
    crewDepartmentId: r.crew_department_id,
    caseDepartmentId: r.case_department_id,
  };
}

/** One photo and its case's scope (one writer of its bytes at a time: the upload lease). */
export async function findPhoto(sql: Queryable, id: string): Promise<Photo | undefined> {
  const [r] = await sql<PhotoRow[]>`
    select p.id::text, p.case_id::text, p.uploaded_by, p.content_type, p.byte_size, p.storage_key, p.complete,
      p.sha256, p.thumb_key, p.removed_at, c.assigned_crew_id as crew_id, cr.department_id as crew_department_id,
      st.department_id as case_department_id
    from photos p
    join cases c on c.id = p.case_id
    join service_types st on st.code = c.service_code
    left join crews cr on cr.id = c.assigned_crew_id
    where p.id = ${id}`;
  return r && toPhoto(r);
}

/**
 * Marks an upload finished: its bytes are under `storageKey`, hashed, with a thumbnail (or
 * none). Only while `token` holds its upload lease: false when the lease was lost (or the
 * photo is already complete).
 */
export async function markPhotoComplete(
  sql: Queryable,
  id: string,
  token: string,
  done: { storageKey: string; sha256: string; thumbKey: string | null },
): Promise<boolean> {
  const rows = await sql`
    update photos
    set complete = true, storage_key = ${done.storageKey}, sha256 = ${done.sha256}, thumb_key = ${done.thumbKey},
      completed_at = now(), upload_lease = null, upload_lease_until = null
    where id = ${id} and upload_lease = ${token} and not complete
    returning id`;
  return rows.length === 1;
}

/**
 * Takes the upload lease of an unfinished photo for `seconds`: true when it is now `token`'s.
 * False when the photo is complete, unknown, or another request's lease is still live.
 * One autocommit statement: no transaction is held while the bytes arrive.
 */
export async function takeUploadLease(sql: Queryable, id: string, token: string, seconds: number): Promise<boolean> {
  const rows = await sql`
    update photos set upload_lease = ${token}, upload_lease_until = now() + make_interval(secs => ${seconds})
    where id = ${id} and not complete and (upload_lease is null or upload_lease_until < now())
    returning id`;
  return rows.length === 1;
}

/** Extends `token`'s lease; false when it is no longer `token`'s (it ran out and was taken). */
export async function renewUploadLease(sql: Queryable, id: string, token: string, seconds: number): Promise<boolean> {
  const rows = await sql`
    update photos set upload_lease_until = now() + make_interval(secs => ${seconds})
    where id = ${id} and upload_lease = ${token}
    returning id`;
  return rows.length === 1;
}

/** Gives the lease back (only `token`'s own). */
export async function releaseUploadLease(sql: Queryable, id: string, token: string): Promise<void> {
  await sql`update photos set upload_lease = null, upload_lease_until = null where id = ${id} and upload_lease = ${token}`;
}

/** Who holds the upload lease of a photo. */
export async function uploadLeaseOf(tx: Queryable, id: string): Promise<string | null> {
  const [r] = await tx<{ upload_lease: string | null }[]>`select upload_lease from photos where id = ${id}`;
  return r?.upload_lease ?? null;
}

/** When a live lease runs out, for telling the second uploader how long to wait; null when none. */
export async function uploadLeaseUntil(sql: Queryable, id: string): Promise<Date | null> {
  const [r] = await sql<{ until: Date | null }[]>`
    select upload_lease_until as until from photos where id = ${id} and upload_lease_until >= now()`;
  return r?.until ?? null;
}

/** A complete photo whose bytes the retention policy deletes. */
export type ExpiredPhoto = { id: string; storageKey: string; thumbKey: string | null };

/**
 * Inside a transaction: up to `limit` complete photos, not yet removed, of cases closed
 * (fixed, closed not fixed, cancelled) before `closedBefore`. Their rows are locked to
 * commit and rows another instance holds are skipped, so two instances never take the same
 * photo; the case rows are share-locked too (skipped when busy), so a case reopened meanwhile
 * keeps its photos.
 */
export async function claimExpiredPhotos(tx: Queryable, closedBefore: Date, limit: number): Promise<ExpiredPhoto[]> {
  const rows = await tx<{ id: string; storage_key: string; thumb_key: string | null }[]>`
    select p.id::text, p.storage_key, p.thumb_key
    from photos p
    join cases c on c.id = p.case_id
    where p.complete and p.removed_at is null
      and (c.state in ('fixed', 'closed_not_fixed') or c.cancelled)
      and c.closed_at < ${closedBefore}
    order by p.id
    limit ${limit}
    for update of p skip locked
    for share of c skip locked`;
  return rows.map((r) => ({ id: r.id, storageKey: r.storage_key, thumbKey: r.thumb_key }));
}

/** Records that the photos' bytes were deleted under the retention policy, now. Returns how many rows changed. */
export async function markPhotosRemoved(tx: Queryable, ids: string[]): Promise<number> {
  if (ids.length === 0) return 0;
  const rows = await tx`
    update photos set removed_at = now(), removed_reason = 'retention'
    where id = any(${ids}::uuid[]) and removed_at is null
    returning id`;
  return rows.length;
}

/**
 * Inside a transaction: locks a complete photo's row (none when another transaction holds
 * it); true when it is locked now. The sweep of leftover upload bytes of finished photos.
 */
export async function lockCompletePhoto(tx: Queryable, id: string): Promise<boolean> {
  const rows = await tx`select id from photos where id = ${id} and complete for update skip locked`;
  return rows.length === 1;
}

/** Whether a photo row exists and is complete; undefined when there is no such photo. */
export async function photoComplete(sql: Queryable, id: string): Promise<boolean | undefined> {
  const [r] = await sql<{ complete: boolean }[]>`select complete from photos where id = ${id}`;
  return r?.complete;
}
