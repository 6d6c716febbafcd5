/**
 * Photos from the server kept on the device, so the crew sees them with no signal: the
 * resident's report photos of the crew's cases, and thumbnails in opened cases' histories.
 * A photo's bytes never change, so a stored copy is good for as long as its case is here.
 */
import { db, type ServerPhotoRow } from './database.ts';

export type PhotoVariant = ServerPhotoRow['variant'];

const key = (photoId: string, variant: PhotoVariant) => `${photoId}/${variant}`;

/** The stored bytes of a photo: the variant asked for, else the other one (full for a thumb). */
export async function readServerPhoto(photoId: string, variant: PhotoVariant): Promise<ServerPhotoRow | undefined> {
  const [wanted, other] = await db().serverPhotos.bulkGet([
    key(photoId, variant),
    key(photoId, variant === 'full' ? 'thumb' : 'full'),
  ]);
  return wanted ?? (variant === 'thumb' ? other : undefined);
}

export async function storeServerPhoto(row: Omit<ServerPhotoRow, 'key' | 'fetchedAt'>): Promise<void> {
  await db().serverPhotos.put({ ...row, key: key(row.photoId, row.variant), fetchedAt: new Date().toISOString() });
}

/** The resident's photos of the cases on the device that are not stored full size yet. */
export async function reportPhotosMissing(): Promise<{ photoId: string; caseId: string }[]> {
  const d = db();
  const wanted: { photoId: string; caseId: string }[] = [];
  await d.cases.each((c) => {
    for (const photoId of c.reportPhotoIds ?? []) wanted.push({ photoId, caseId: c.id });
  });
  if (wanted.length === 0) return [];
  const have = await d.serverPhotos.bulkGet(wanted.map((w) => key(w.photoId, 'full')));
  return wanted.filter((_, i) => !have[i]);
}

/** A photo taken on this device, by id (its thumbnail or its bytes), if it is here. */
export async function readDevicePhoto(
  photoId: string,
  variant: PhotoVariant,
): Promise<{ bytes: ArrayBuffer; contentType: string } | undefined> {
  const p = await db().photos.get(photoId);
  if (!p) return undefined;
  return variant === 'thumb'
    ? { bytes: p.thumb, contentType: p.thumbType }
    : { bytes: p.bytes, contentType: p.contentType };
}
