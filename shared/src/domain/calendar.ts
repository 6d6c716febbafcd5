/** One formatter per time zone: building an `Intl.DateTimeFormat` costs far more than using one. */
const formatters = new Map<string, Intl.DateTimeFormat>();

/** The calendar day (`YYYY-MM-DD`) it is in `timeZone` at `instant`: the city's "today". */
export function dateIn(instant: Date, timeZone: string): string {
  let f = formatters.get(timeZone);
  if (!f) {
    // en-CA formats dates as YYYY-MM-DD.
    f = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' });
    formatters.set(timeZone, f);
  }
  return f.format(instant);
}

/** The calendar day `days` after `isoDate` (`YYYY-MM-DD`; negative: before). */
export function addDays(isoDate: string, days: number): string {
  return new Date(Date.parse(`${isoDate}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
}

const HOUR_MS = 3_600_000;

/**
 * The instant `isoDate`'s day ends in `timeZone`: when the next day begins there (daylight
 * saving included), to the second.
 */
export function dayEndsAt(isoDate: string, timeZone: string): Date {
  const next = Date.parse(`${addDays(isoDate, 1)}T00:00:00Z`);
  // The next day begins within 14 hours either side of its UTC midnight (zones span −12…+14):
  // 15 hours before it is still `isoDate` there, 13 hours after it is the next day.
  let lo = next - 15 * HOUR_MS;
  let hi = next + 13 * HOUR_MS;
  while (hi - lo > 1000) {
    const mid = lo + Math.floor((hi - lo) / 2000) * 1000;
    if (dateIn(new Date(mid), timeZone) > isoDate) hi = mid;
    else lo = mid;
  }
  return new Date(hi);
}

/**
 * The end of the city's day `days` days after `from`: a window said to a person as "by June
 * 16" lasts all of June 16 there, whatever time of day it began.
 */
export function windowEndsAt(from: Date, days: number, timeZone: string): Date {
  // Calendar days there, not 24-hour spans: a window across a clock change ends on the right day.
  return dayEndsAt(addDays(dateIn(from, timeZone), days), timeZone);
}
