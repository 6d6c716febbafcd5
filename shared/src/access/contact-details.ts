/**
 * Contact details a person typed into free text that the public reads (a resident's
 * description, a crew's status note, a resident's reason to reopen): email addresses and phone
 * numbers are replaced by `HIDDEN` before the text leaves the server. Staff read the text as
 * written.
 *
 * A phone number here is any run of at least 7 digits (of any script), with up to three
 * spaces, dashes, dots, slashes, brackets or line breaks between two of them and a `+` or a
 * bracket before: every country's numbers, valid or not, and longer numbers that name a person
 * too (a card, an account). Kept as written, though they have seven digits:
 * - a date (2026-12-06, 12/06/2026, 06.12.2026), with a time after it or not, and a range of
 *   years (2019-2026);
 * - a position (42.350123, or 42.3501 -86.9712), a range of hours (9.30-17.30) and a US
 *   ZIP+4 code (49002-1234);
 * - a number after `#` (a case, a pole: `#1002345`), up to its first separator;
 * - a number followed by an ordinal or a time (`4500 148th Ave`, `2026-12-06 10:30`): its last
 *   part is the next word's.
 * Shorter runs (a house number, a case number, a time) are kept.
 */

/** What stands in for a hidden email address or phone number: the same in every language. */
export const HIDDEN = '[…]';

/**
 * An address: a local part of RFC 5322's characters (and any letter, mark or digit), `@`, and
 * a domain of two labels or more. A match starts only where a local part starts (the
 * lookbehind), so a long text with an `@` and no address is scanned once, not once per
 * character.
 */
const LOCAL = "\\p{L}\\p{M}\\p{N}!#$%&'*+/=?^_`{|}~.-";
const LABEL = '[\\p{L}\\p{M}\\p{N}-]+';
const EMAIL = new RegExp(`(?<![${LOCAL}])[${LOCAL}]+[@＠]${LABEL}(?:[.．]${LABEL})+`, 'gu');

/** What may stand between two digits of one number. */
const SEP = '[\\p{Zs}\\p{Pd}\\t\\n\\r.()/]';
/** A number: what leads it (group 1: `+`, `(`, `(+`), then its digits (group 2). */
const NUMBER = new RegExp(`((?:[(（][+＋]?|[+＋])?)(\\p{Nd}(?:${SEP}{0,3}\\p{Nd})*)`, 'gu');
/** A number's last part when it is the next word's (an ordinal, an hour): the part, and before it. */
const LAST_PART = new RegExp(`^(.*\\p{Nd})(${SEP}+)(\\p{Nd}+)$`, 'u');
/** A number's first part, what separates it from the rest, and the rest. */
const FIRST_PART = new RegExp(`^(\\p{Nd}+)(${SEP}+)(.*)$`, 'su');
const NEXT_WORD_OWNS_LAST_PART = /^(?:(?:st|nd|rd|th)(?![\p{L}\p{N}])|:\d)/iu;
const MIN_DIGITS = 7;

const between = (v: string, min: number, max: number) => Number(v) >= min && Number(v) <= max;
const isYear = (y: string) => between(y, 1900, 2099);
const isMonth = (m: string) => between(m, 1, 12);
const isDay = (d: string) => between(d, 1, 31);

function isDate(s: string): boolean {
  const ymd = /^(\d{4})([-/.])(\d{1,2})\2(\d{1,2})$/.exec(s);
  if (ymd) return isYear(ymd[1]!) && isMonth(ymd[3]!) && isDay(ymd[4]!);
  const dmy = /^(\d{1,2})([-/.])(\d{1,2})\2(\d{4})$/.exec(s);
  if (!dmy) return false;
  const [, a, , b, year] = dmy as unknown as [string, string, string, string, string];
  return isYear(year) && ((isMonth(a) && isDay(b)) || (isDay(a) && isMonth(b)));
}

/** Seven digits or more that are none of what is kept (above). */
function isPhone(digits: string): boolean {
  if (digits.replace(/\P{Nd}/gu, '').length < MIN_DIGITS) return false;
  if (isDate(digits)) return false;
  const years = /^(\d{4})\p{Pd}(\d{4})$/u.exec(digits);
  if (years && isYear(years[1]!) && isYear(years[2]!)) return false;
  const position = /^\d{1,3}\.\d{5,}$|^\d{1,3}\.\d{4,}\p{Zs}+\p{Pd}?\d{1,3}\.\d{4,}$/u;
  const hours = /^\d{1,2}\.\d{2}\p{Pd}\d{1,2}\.\d{2}$/u;
  const zipPlus4 = /^\d{5}-\d{4}$/;
  return !position.test(digits) && !hours.test(digits) && !zipPlus4.test(digits);
}

/** `text` with every email address and phone number replaced by `HIDDEN`. */
export function hideContactDetails(text: string): string {
  return text
    .replace(EMAIL, HIDDEN)
    .replace(NUMBER, (run: string, lead: string, digits: string, at: number, all: string) => {
      if (!lead && all[at - 1] === '#') {
        // Only its first part is the reference: what follows after a space may be a phone.
        const parts = FIRST_PART.exec(digits);
        if (!parts || !isPhone(parts[3]!)) return run;
        return `${parts[1]!}${parts[2]!}${HIDDEN}`;
      }
      const split = NEXT_WORD_OWNS_LAST_PART.test(all.slice(at + run.length)) && LAST_PART.exec(digits);
      if (split) {
        const [, head, sep, last] = split as unknown as [string, string, string, string];
        return `${isPhone(head) ? HIDDEN : lead + head}${sep}${last}`;
      }
      return isPhone(digits) ? HIDDEN : run;
    });
}
