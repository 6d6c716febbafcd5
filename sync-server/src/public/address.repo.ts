/**
 * Address suggestions from the city's own street address ranges (`address_ranges`): a typed
 * "123 main" becomes "123 Main St" at its place along the block face, and a point on the map
 * becomes the nearest house number. No external geocoder.
 */
import type { AddressSuggestion } from '@fieldfix/shared';
import type { Queryable } from '../db/database.ts';

type RangeRow = {
  street: string;
  from_number: number;
  to_number: number;
  parity: number;
  from_lat: number;
  from_long: number;
  to_lat: number;
  to_long: number;
  zipcode?: string | null;
};

const LIMIT = 8;
const round6 = (n: number) => Math.round(n * 1e6) / 1e6;

/** The place of house `n` along a block face (linear between its first and last numbers). */
function placeOf(r: RangeRow, n: number): { lat: number; long: number } {
  const f = r.to_number === r.from_number ? 0 : (n - r.from_number) / (r.to_number - r.from_number);
  return {
    lat: round6(r.from_lat + f * (r.to_lat - r.from_lat)),
    long: round6(r.from_long + f * (r.to_long - r.from_long)),
  };
}

/** The street suffixes people write in full, as the city's table abbreviates them (USPS). */
const SUFFIXES: Record<string, string> = {
  street: 'st',
  avenue: 'ave',
  av: 'ave',
  road: 'rd',
  drive: 'dr',
  boulevard: 'blvd',
  lane: 'ln',
  court: 'ct',
  place: 'pl',
  terrace: 'ter',
  parkway: 'pkwy',
  highway: 'hwy',
  circle: 'cir',
  square: 'sq',
};

/**
 * A street's words as the table spells the street: the last one, its suffix, abbreviated
 * ("Lake Shore Boulevard" is "lake shore blvd"; "Court Street" stays "court st").
 */
function spelled(words: readonly string[]): string {
  const last = words.length > 1 ? words.at(-1)! : '';
  return [...words.slice(0, -1), SUFFIXES[last] ?? words.at(-1) ?? ''].join(' ');
}

/** A street's words as typed: lower case, the first line, without a unit or the dots. */
function streetWords(typed: string): string[] {
  return typed
    .replace(/,.*$/, '')
    .replace(/\s+(?:apt|apartment|unit|suite|ste|fl|floor|#)\.?\s*#?\s*[\w-]*.*$/, '')
    .replace(/\.(?=\s|$)/g, '')
    .split(/\s+/)
    .filter(Boolean);
}

/**
 * "123 Main Street" → { number: 123, street: "main st" }: what people type, as the table
 * spells it (the suffix abbreviated, "Ave." without its dot, "Apt 2" and what follows, or
 * what follows a comma, left out).
 */
export function parseAddressQuery(q: string): { number: number | null; street: string } {
  const m = /^\s*(\d{1,6})?\s*[,#]?\s*(.*?)\s*$/.exec(q.toLowerCase()) ?? [];
  return { number: m[1] ? Number(m[1]) : null, street: spelled(streetWords(m[2] ?? '')) };
}

/** Up to 8 addresses matching what was typed: a house number and the start of a street's name. */
export async function suggestAddresses(sql: Queryable, q: string): Promise<AddressSuggestion[]> {
  const { number, street } = parseAddressQuery(q);
  if (street === '' && number === null) return [];
  const pattern = `${street.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
  if (number === null) {
    // A street without a number: its first block, one line per street.
    const rows = await sql<RangeRow[]>`
      select distinct on (street) street, from_number, to_number, parity, from_lat, from_long, to_lat, to_long
      from address_ranges
      where lower(street) like ${pattern} escape '\\' and parity = 0
      order by street, from_number
      limit ${LIMIT}`;
    return rows.map((r) => ({ address: `${r.from_number} ${r.street}`, ...placeOf(r, r.from_number) }));
  }
  const rows = await sql<RangeRow[]>`
    select street, from_number, to_number, parity, from_lat, from_long, to_lat, to_long
    from address_ranges
    where lower(street) like ${pattern} escape '\\'
      and ${number} between from_number and to_number and parity = ${number % 2}
    order by street, from_number, id
    limit ${LIMIT}`;
  // Block faces that overlap (a divided road, a block split between ZIP codes) name one
  // address once, at its first face: a list a resident picks from has no address twice.
  const byAddress = new Map<string, AddressSuggestion>();
  for (const r of rows) {
    const address = `${number} ${r.street}`;
    if (!byAddress.has(address)) byAddress.set(address, { address, ...placeOf(r, number) });
  }
  return [...byAddress.values()];
}

/** Where a written address is: one house on one street of the city, or why it cannot be placed. */
export type PlacedAddress =
  | { kind: 'found'; place: AddressSuggestion }
  | { kind: 'incomplete' }
  | { kind: 'none' }
  | { kind: 'several'; candidates: string[] };

/**
 * Places an address as a client wrote it (Open311's `address_string`): its first line ("412
 * Beech Ave, Riverton" is 412 Beech Ave), a house number and a street, the street's name
 * exact or the start of only one street's.
 */
export async function placeAddress(sql: Queryable, text: string): Promise<PlacedAddress> {
  const m = /^\s*(\d{1,6})(?:\s*[,#]\s*|\s+)([^,\n]*[^,\n\s])/.exec(text);
  if (!m) return { kind: 'incomplete' };
  const number = Number(m[1]);
  const words = streetWords(m[2]!.toLowerCase());
  if (words.length === 0) return { kind: 'incomplete' };
  // "412 Beech Ave Riverton MI" (the town with no comma): a street's words from the longest,
  // the last ones dropped while nothing matches (a few at most).
  for (let n = words.length; n >= Math.max(1, words.length - 3); n--) {
    const name = spelled(words.slice(0, n));
    const found = await suggestAddresses(sql, `${number} ${name}`);
    if (found.length === 0) continue;
    const exact = found.filter((s) => s.address.toLowerCase() === `${number} ${name}`);
    const pick = exact.length === 1 ? exact : found;
    if (pick.length === 1) return { kind: 'found', place: pick[0]! };
    return { kind: 'several', candidates: pick.map((s) => s.address) };
  }
  return { kind: 'none' };
}

/** Metres per degree of latitude (and of longitude at the equator). */
const M_PER_DEG = 111_320;
/** Farther than this from every block face, a point has no street address. */
const NEAR_M = 80;

/**
 * The nearest house number to a point (within 80 m of a block face), with that block face's
 * ZIP code where the city's ranges have one, or null.
 */
export async function nearestAddress(
  sql: Queryable,
  at: { lat: number; long: number },
): Promise<(AddressSuggestion & { zipcode: string | null }) | null> {
  // Block faces are short (a block): one whose first house is within ~300 m can be the nearest.
  const dLat = 0.003;
  const dLong = 0.003 / Math.max(0.1, Math.cos((at.lat * Math.PI) / 180));
  const rows = await sql<RangeRow[]>`
    select street, from_number, to_number, parity, from_lat, from_long, to_lat, to_long, zipcode
    from address_ranges
    where from_lat between ${at.lat - dLat} and ${at.lat + dLat}
      and from_long between ${at.long - dLong} and ${at.long + dLong}`;
  const kx = Math.cos((at.lat * Math.PI) / 180) * M_PER_DEG;
  let best: { row: RangeRow; f: number; metres: number } | null = null;
  for (const r of rows) {
    const ax = r.from_long * kx;
    const ay = r.from_lat * M_PER_DEG;
    const bx = r.to_long * kx - ax;
    const by = r.to_lat * M_PER_DEG - ay;
    const px = at.long * kx - ax;
    const py = at.lat * M_PER_DEG - ay;
    const len2 = bx * bx + by * by;
    const f = len2 === 0 ? 0 : Math.min(1, Math.max(0, (px * bx + py * by) / len2));
    const metres = Math.hypot(px - f * bx, py - f * by);
    if (!best || metres < best.metres) best = { row: r, f, metres };
  }
  if (!best || best.metres > NEAR_M) return null;
  const r = best.row;
  const steps = Math.round((best.f * (r.to_number - r.from_number)) / 2);
  const number = Math.min(r.to_number, r.from_number + 2 * steps);
  return { address: `${number} ${r.street}`, lat: at.lat, long: at.long, zipcode: r.zipcode ?? null };
}
