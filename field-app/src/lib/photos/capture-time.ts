/** When a photo was taken, as the camera says, kept only when it is believable. */

/**
 * The years a capture time may fall in: the sync protocol's (`EARLIEST_YEAR`, `LATEST_YEAR` in
 * `@fieldfix/shared`, which this module does not import: the residents' photo worker loads
 * it, and the shared package would bring the schema library with it).
 */
export const CAPTURE_YEARS = { earliest: 2000, latest: 2199 } as const;

/**
 * A capture time as ISO, or null when it is not one a camera could mean: a clock never set
 * (1970, 1980) or far off. No time rather than a wrong one: the photo's change would be
 * refused for it, and the worker told only "not complete".
 */
export function sensibleCaptureTime(when: Date): string | null {
  const year = when.getUTCFullYear();
  return Number.isFinite(when.getTime()) && year >= CAPTURE_YEARS.earliest && year <= CAPTURE_YEARS.latest
    ? when.toISOString()
    : null;
}
