/**
 * A server's `Retry-After` (RFC 9110 §10.2.3), read the same way by the crew's sync engine
 * (`#lib/sync/engine.ts`) and the residents' report sender (`#lib/public/report/send.ts`).
 * No imports: the residents' pages take it without any of the crew app.
 */

/**
 * The longest wait a server's `Retry-After` can impose on a crew device by default. Above the
 * sync engine's 60 s backoff, so a server may ask for a longer pause than the device would take
 * by itself (a rate limit's minute, a maintenance window); bounded, so a wrong header or a
 * far-off date cannot strand the changes on a device for hours. "Sync now" and coming back
 * online try at once whatever it says.
 */
export const RETRY_AFTER_MAX_MS = 5 * 60_000;

const DAY = '(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)';
const MONTH = '(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)';
/** Hours, minutes and seconds that exist (V8 would read 14:00:99 as 1999, or 23:59:60 as 23:59:00). */
const TIME = '(?:[01]\\d|2[0-3]):[0-5]\\d:[0-5]\\d';
/** RFC 9110 §5.6.7: IMF-fixdate, and the obsolete RFC 850 form a recipient accepts. Both say GMT. */
const HTTP_DATE = [
  new RegExp(`^${DAY}, \\d{2} ${MONTH} \\d{4} ${TIME} GMT$`),
  new RegExp(`^(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday), \\d{2}-${MONTH}-\\d{2} ${TIME} GMT$`),
];
/** The obsolete asctime form (`Sun Nov  6 08:49:37 1994`): it names no zone, and means GMT. */
const ASCTIME = new RegExp(`^(${DAY}) (${MONTH}) {1,2}(\\d{1,2}) (${TIME}) (\\d{4})$`);

/**
 * A `Retry-After` value as milliseconds to wait from `now`: delta-seconds, or an HTTP-date (one
 * already past: 0). Null when absent or not valid (negative, fractional, anything else); at
 * most `max`.
 */
export function retryAfterMs(
  header: string | null | undefined,
  now: number,
  max: number = RETRY_AFTER_MAX_MS,
): number | null {
  const value = header?.trim();
  if (!value) return null;
  let ms: number;
  if (/^\d+$/.test(value)) {
    ms = Number(value) * 1000;
  } else {
    // asctime is written as the IMF-fixdate it stands for: never read in the device's own zone.
    const a = ASCTIME.exec(value);
    const date = a ? `${a[1]}, ${a[3]} ${a[2]} ${a[5]} ${a[4]} GMT` : HTTP_DATE.some((f) => f.test(value)) && value;
    if (!date) return null;
    const at = Date.parse(date);
    if (Number.isNaN(at)) return null;
    ms = Math.max(0, at - now);
  }
  return Math.min(ms, max);
}
