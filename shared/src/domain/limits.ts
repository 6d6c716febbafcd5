/**
 * Limits every layer agrees on: the schemas that check input at the boundary, the forms of
 * the app, and the database columns behind them. Input past them is refused with a 4xx that
 * names the field, never stored half-way or answered with a 500.
 */
import { z } from 'zod';

/** Text a person types (notes, reasons): characters at most. */
export const TEXT_MAX = 4000;
/** A code from a list (resolution code, hold reason, crew id…): characters at most. */
export const CODE_MAX = 64;
/** The largest value of a PostgreSQL `integer` column (sequence numbers, versions, route positions). */
export const INT4_MAX = 2_147_483_647;
/** The largest value of a PostgreSQL `bigint` (change-log cursors, case ids). */
export const INT8_MAX = 9_223_372_036_854_775_807n;
/** Dates outside these years are typing or clock errors, not work (PostgreSQL would store year 0 oddly). */
export const EARLIEST_YEAR = 2000;
export const LATEST_YEAR = 2199;

/** A NUL, or half of a surrogate pair: text PostgreSQL cannot store. */
// eslint-disable-next-line no-control-regex -- finding NUL is the point
const UNSTORABLE = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** True when PostgreSQL can store `s` as text (no NUL, no broken surrogate pair). */
export function isStorableText(s: string): boolean {
  return !UNSTORABLE.test(s);
}

/** A string that can be stored as text, at most `max` characters. */
export function storableString(max: number) {
  return z
    .string()
    .max(max)
    .refine(isStorableText, 'contains a character that cannot be stored (a NUL or a broken surrogate pair)');
}

function saneYear(iso: string): boolean {
  const year = Number(iso.slice(0, 4));
  return year >= EARLIEST_YEAR && year <= LATEST_YEAR;
}
const YEAR_MESSAGE = `must be a date between the years ${EARLIEST_YEAR} and ${LATEST_YEAR}`;

/** ISO 8601 date-time with a zone, in a sane range of years. */
export const SaneDateTime = z.iso.datetime({ offset: true }).refine(saneYear, YEAR_MESSAGE);
/** A calendar day, `YYYY-MM-DD`, in a sane range of years. */
export const SaneDate = z.iso.date().refine(saneYear, YEAR_MESSAGE);

/** A whole number that fits an `integer` column. */
export function int4() {
  return z.number().int().max(INT4_MAX);
}
