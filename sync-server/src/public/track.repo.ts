/**
 * What the tracking page reads and the follow form writes. Cases and their timelines are read
 * with Open311's reads (`findRequests`, `findTimelines`: through the access model's
 * `toPublicCase`, never joining `case_reporters`). Followers are this module's: the
 * `case_followers` rows a confirmed follow writes, and the unsubscribe it lifts.
 */
import type { Queryable } from '../db/database.ts';
import { publicPhoto } from '../open311/open311.repo.ts';

/** The public photos (report photos and crews' after-photos, complete and kept) among `ids`. */
export async function completePublicPhotos(sql: Queryable, ids: string[]): Promise<Set<string>> {
  const uuids = ids.filter((id) => /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id));
  if (uuids.length === 0) return new Set();
  const rows = await sql<{ id: string }[]>`
    select p.id::text from photos p
    where p.id = any(${uuids}::uuid[]) and p.kind in ('report', 'after') and ${publicPhoto(sql)}`;
  return new Set(rows.map((r) => r.id));
}

/** Department names by id (they are public: the timeline says where a case was sent). */
export async function departmentNames(sql: Queryable): Promise<Map<string, string>> {
  const rows = await sql<{ id: string; name: string }[]>`select id, name from departments`;
  return new Map(rows.map((r) => [r.id, r.name]));
}

/** True when the case exists. */
export async function caseExists(sql: Queryable, caseId: string): Promise<boolean> {
  const rows = await sql`select 1 from cases where id = ${caseId}::bigint`;
  return rows.length > 0;
}

/**
 * A confirmed follow: the address receives the case's notices in `language`. Following again
 * after unsubscribing lifts that unsubscribe (the person asked, and confirmed, again).
 */
export async function addFollower(sql: Queryable, f: { caseId: string; email: string; language: string }) {
  const email = f.email.trim().toLowerCase();
  await sql`
    insert into case_followers (case_id, email, language) values (${f.caseId}::bigint, ${email}, ${f.language})
    on conflict (case_id, lower(email)) do update set language = excluded.language`;
  await sql`delete from notice_unsubscribes where case_id = ${f.caseId}::bigint and email = ${email}`;
}

/** Stops following; returns true when the address followed the case. */
export async function removeFollower(sql: Queryable, caseId: string, email: string): Promise<boolean> {
  const rows = await sql`
    delete from case_followers where case_id = ${caseId}::bigint and lower(email) = ${email.trim().toLowerCase()}`;
  return rows.count > 0;
}
