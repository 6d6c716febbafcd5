/**
 * Proof of a fix: the after-photo should have been taken near the reported place and not
 * long before the fix. The resident's notice states where and when; a lead is told when no
 * photo of the fix fits, so a doubtful fix is checked, not hidden.
 */
import { distanceText, haversineMetres, type LatLong } from './geo.ts';

/** Farther than this from the report, a photo does not show the reported place. */
export const FIX_PHOTO_MAX_METRES = 250;
/** Longer than this before the fix, a photo does not show the fix. */
export const FIX_PHOTO_MAX_HOURS = 24;

export type PhotoWhereWhen = { takenAt: string | null; lat: number | null; long: number | null };

/**
 * Why a fix's photos do not prove it, in words for the lead ("its photo was taken 850 m from
 * the report"), or null when one of them fits, when there are none, or when none says where
 * or when it was taken (nothing to doubt).
 */
export function fixPhotoConcern(photos: PhotoWhereWhen[], place: LatLong, fixedAt: string): string | null {
  const fixed = Date.parse(fixedAt);
  const concerns: string[] = [];
  for (const p of photos) {
    const metres = p.lat !== null && p.long !== null ? haversineMetres({ lat: p.lat, long: p.long }, place) : null;
    const hours = p.takenAt ? (fixed - Date.parse(p.takenAt)) / 3_600_000 : null;
    if (metres === null && hours === null) return null;
    const far = metres !== null && metres > FIX_PHOTO_MAX_METRES;
    const old = hours !== null && hours > FIX_PHOTO_MAX_HOURS;
    if (!far && !old) return null;
    const words = [
      far ? `${distanceText(metres!)} from the report` : null,
      old
        ? `${Math.round(hours! / 24) >= 1 ? `${Math.round(hours! / 24)} d` : `${Math.round(hours!)} h`} before the fix`
        : null,
    ].filter(Boolean);
    concerns.push(words.join(' and '));
  }
  if (concerns.length === 0) return null;
  return `its photo${photos.length > 1 ? 's were' : ' was'} taken ${concerns.join('; ')}`;
}
