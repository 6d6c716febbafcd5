/**
 * What the residents' report form reads and writes apart from the intake itself: the service
 * types with their glyphs and questions, the phone's report tokens (`public_reports`), and the
 * report's photos (rows of `photos`, kind `report`, complete once their bytes are stored).
 */
import type { PublicService, ServiceAttribute } from '@fieldfix/shared';
import type { Queryable } from '../db/database.ts';

/** The active types, grouped and named as the catalogue has them. */
export async function publicServices(sql: Queryable): Promise<PublicService[]> {
  const rows = await sql<
    {
      code: string;
      name: string;
      group_name: string;
      description: string;
      keywords: string[];
      icon: string;
      attributes: ServiceAttribute[];
    }[]
  >`
    select code, name, group_name, description, keywords, icon, attributes
    from service_types where active order by group_name, name`;
  return rows.map((r) => ({
    code: r.code,
    name: r.name,
    group: r.group_name,
    description: r.description,
    keywords: r.keywords,
    icon: r.icon,
    attributes: r.attributes,
  }));
}

/** The case a report token made, with when; null when the token has made none. */
export async function reportByToken(
  sql: Queryable,
  token: string,
): Promise<{ caseId: string; createdAt: Date } | null> {
  const [row] = await sql<{ case_id: string; created_at: Date }[]>`
    select case_id::text, created_at from public_reports where client_token = ${token}::uuid`;
  return row ? { caseId: row.case_id, createdAt: row.created_at } : null;
}

/** The first key of the report's advisory lock (the two-integer form: never read as a change cursor). */
const REPORT_LOCK = 7311005;

/** Waits for any other send of the same token to finish (inside the creating transaction). */
export async function lockToken(tx: Queryable, token: string): Promise<void> {
  await tx`select pg_advisory_xact_lock(${REPORT_LOCK}::int, hashtext(${token}))`;
}

export async function recordToken(tx: Queryable, token: string, caseId: string, now: Date): Promise<void> {
  await tx`insert into public_reports (client_token, case_id, created_at) values (${token}::uuid, ${caseId}::bigint, ${now})`;
}

/** The report photos of a case, and the case a photo id belongs to (if it exists at all). */
export async function reportPhotoFacts(
  sql: Queryable,
  caseId: string,
  photoId: string,
): Promise<{ photos: number; photoCase: string | null }> {
  const [row] = await sql<{ photos: number; photo_case: string | null }[]>`
    select (select count(*)::int from photos where case_id = ${caseId}::bigint and kind = 'report') as photos,
      (select case_id::text from photos where id = ${photoId}::uuid) as photo_case`;
  return { photos: row!.photos, photoCase: row!.photo_case };
}

export type NewReportPhoto = {
  id: string;
  caseId: string;
  contentType: string;
  byteSize: number;
  width: number | null;
  height: number | null;
  storageKey: string;
  thumbKey: string | null;
  sha256: string;
  now: Date;
};

/**
 * Records a stored report photo, complete, and moves the case to the head of the change log
 * so crews' devices that already have it pull it again with its photo. False when the photo
 * id was taken meanwhile.
 */
export async function insertReportPhoto(sql: Queryable, p: NewReportPhoto): Promise<boolean> {
  const rows = await sql`
    insert into photos (id, case_id, uploaded_by, kind, content_type, byte_size, width, height, storage_key,
      thumb_key, sha256, complete, created_at, completed_at)
    values (${p.id}::uuid, ${p.caseId}::bigint, null, 'report', ${p.contentType}, ${p.byteSize}, ${p.width},
      ${p.height}, ${p.storageKey}, ${p.thumbKey}, ${p.sha256}, true, ${p.now}, ${p.now})
    on conflict (id) do nothing`;
  if (rows.count === 0) return false;
  await sql`update cases set updated_at = updated_at where id = ${p.caseId}::bigint`;
  return true;
}
