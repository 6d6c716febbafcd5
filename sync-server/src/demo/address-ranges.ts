/**
 * The demo city's street address ranges (`address_ranges`, migration 0012), which the
 * residents' form suggests addresses from: no external geocoder is needed.
 */
import type { Queryable } from '../db/database.ts';
import { addressRanges } from './city.ts';

/**
 * Fills `address_ranges` from the demo city when it is empty and the database holds the demo
 * city (its districts); a real city's ranges are loaded by the city, never overwritten here.
 * Answers how many rows were written.
 */
export async function seedDemoAddressRanges(sql: Queryable): Promise<number> {
  const [state] = await sql<{ ranges: boolean; demo: boolean }[]>`
    select exists (select 1 from address_ranges) as ranges,
      exists (select 1 from districts where id = 'old-town') as demo`;
  if (state!.ranges || !state!.demo) return 0;
  const rows = addressRanges().map((r) => ({
    street: r.street,
    from_number: r.fromNumber,
    to_number: r.toNumber,
    parity: r.parity,
    from_lat: r.from[1],
    from_long: r.from[0],
    to_lat: r.to[1],
    to_long: r.to[0],
    zipcode: r.zipcode,
  }));
  for (let i = 0; i < rows.length; i += 1000) {
    const chunk = rows.slice(i, i + 1000);
    await sql`insert into address_ranges ${sql(chunk)}`;
  }
  return rows.length;
}
