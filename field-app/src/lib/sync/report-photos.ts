/**
 * After each sync: downloads the resident's photos of the cases on the device that are not
 * stored yet, so the crew can look at what was reported with no signal. Small (a report
 * photo is tens of kilobytes) and best effort: a photo that cannot be fetched now is tried
 * after the next sync, and never holds the sync up.
 */
import { fetchPhotoBytes } from '#lib/api/index.ts';
import { reportPhotosMissing, storeServerPhoto } from '#lib/db/server-photos.ts';

/** Answers how many photos were stored. */
export async function downloadReportPhotos(): Promise<number> {
  let stored = 0;
  for (const { photoId, caseId } of await reportPhotosMissing()) {
    if (!navigator.onLine) break;
    const res = await fetchPhotoBytes(photoId, 'full');
    if (res.ok) {
      await storeServerPhoto({ photoId, caseId, variant: 'full', bytes: res.bytes, contentType: res.contentType });
      stored++;
    } else if (res.error.kind === 'network') {
      break; // the signal went: the rest would fail the same way
    }
    // Refused or not found (the case just moved away): skipped until a later sync.
  }
  return stored;
}
