/**
 * Contact details a person typed into free text that the public reads (a resident's
 * description, a crew's status note): email addresses and phone numbers are replaced by
 * `HIDDEN` before the text leaves the server. Staff read the text as written.
 *
 * A phone number here is any run of at least 7 digits, written with spaces, dots, dashes,
 * slashes or brackets between them and an optional leading `+`: every country's numbers,
 * valid or not, and longer numbers that name a person too (a card, an account). Runs shaped
 * like a date (2026-12-06, 12/06/2026) are kept. Shorter runs (a house number, a case
 * number, a time) are kept.
 */

/** What stands in for a hidden email address or phone number: the same in every language. */
export const HIDDEN = '[…]';

/**
 * An address: a local part of RFC 5322's characters (and any letter or digit), `@`, and a
 * domain of two labels or more. A match starts only where a local part starts (the
 * lookbehind), so a long text with an `@` and no address is scanned once, not once per
 * character.
 */
const LOCAL = "\\p{L}\\p{N}!#$%&'*+/=?^_`{|}~.-";
const EMAIL = new RegExp(`(?<![${LOCAL}])[${LOCAL}]+@[\\p{L}\\p{N}-]+(?:\\.[\\p{L}\\p{N}-]+)+`, 'gu');
/**
 * A phone number's digits: a digit, then any digits each after at most two separators. A `+`
 * or an opening bracket may lead (group 1), apart from the digits (group 2).
 */
const DIGIT_RUN = /([+(]?)(\d(?:[ \t.()/-]{0,2}\d)*)/g;
/** Dates with seven digits or more: year first, or year last (a two-digit year has six at most). */
const DATE_LIKE = [/^\d{4}([-/.])\d{1,2}\1\d{1,2}$/, /^\d{1,2}([-/.])\d{1,2}\1\d{4}$/];
const MIN_DIGITS = 7;

function isPhone(digits: string): boolean {
  return digits.replace(/\D/g, '').length >= MIN_DIGITS && !DATE_LIKE.some((d) => d.test(digits));
}

/** `text` with every email address and phone number replaced by `HIDDEN`. */
export function hideContactDetails(text: string): string {
  // No `@`, no address: the email pattern is not run over the text at all.
  const withoutEmails = text.includes('@') ? text.replace(EMAIL, HIDDEN) : text;
  return withoutEmails.replace(DIGIT_RUN, (run, _lead: string, digits: string) => (isPhone(digits) ? HIDDEN : run));
}
