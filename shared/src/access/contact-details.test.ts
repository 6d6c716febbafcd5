import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { HIDDEN, hideContactDetails } from './contact-details.ts';

describe('contact details in public text', () => {
  it.each([
    ['Call 269-555-0134 after 5', 'Call […] after 5'],
    ['Call (269) 555-0134.', `Call ${HIDDEN}.`],
    ['tel 269.555.0134', `tel ${HIDDEN}`],
    ['+1 269 555 0134 is my cell', `${HIDDEN} is my cell`],
    ['Llame al +34 612 34 56 78 por favor', `Llame al ${HIDDEN} por favor`],
    ['Llame al (+34) 612 34 56 78', `Llame al ${HIDDEN}`],
    ['Tel. 55 1234 5678', `Tel. ${HIDDEN}`],
    ['local 555-0134', `local ${HIDDEN}`],
    ['spaced out: 269 - 555 - 0134', `spaced out: ${HIDDEN}`],
    [
      'en dashes 269–555–0134, no-break hyphens 269\u2011555\u20110134',
      `en dashes ${HIDDEN}, no-break hyphens ${HIDDEN}`,
    ],
    ['no-break spaces 269\u00a0555\u00a00134', `no-break spaces ${HIDDEN}`],
    ['over two lines 269 555\n0134', `over two lines ${HIDDEN}`],
    ['full width ２６９５５５０１３４', `full width ${HIDDEN}`],
    ['card 4111 1111 1111 1111 found on the curb', `card ${HIDDEN} found on the curb`],
    ['a number that only ends like a date: 61 2026-12-06', `a number that only ends like a date: ${HIDDEN}`],
    ['or starts like one: 2026-12-06 555 0134', `or starts like one: ${HIDDEN}`],
    ['the same, year last: 61 12/06/2026', `the same, year last: ${HIDDEN}`],
    ['and 12/06/2026 555 0134', `and ${HIDDEN}`],
    [
      'no such day: 12-34-5678, 5555-12-34, 2026/99/99, 1899-01-01',
      `no such day: ${HIDDEN}, ${HIDDEN}, ${HIDDEN}, ${HIDDEN}`,
    ],
    ['no such year range: 1234-5678', `no such year range: ${HIDDEN}`],
    ['no such dates, year last: 13/13/2026, 12/06/1850', `no such dates, year last: ${HIDDEN}, ${HIDDEN}`],
    // Numbers that only start or end like what is kept.
    ...['61 2019-2026', '2019-2026 61', '1 42.350123', '42.350123 5', '1 42.3501 -86.9712', '42.3501 -86.9712 5']
      .concat(['1 9.30-17.30', '9.30-17.30 5', '1 49002-1234', '49002-1234 5'])
      .map((n) => [`near ${n}.`, `near ${HIDDEN}.`] as [string, string]),
    ['a reference SR-2026-0012345', `a reference SR-${HIDDEN}`],
    ['call 269-555-0134 at 10:30', `call ${HIDDEN} at 10:30`],
    ['call 269 555 0134 3rd ring', `call ${HIDDEN} 3rd ring`],
    ['write to ana.ruiz@example.org today', `write to ${HIDDEN} today`],
    ['José.Núñez+311@correo.example.mx', HIDDEN],
    ['decomposed: Jose\u0301.nunez@correo.example.mx', `decomposed: ${HIDDEN}`],
    ['full width at: ana＠example.org', `full width at: ${HIDDEN}`],
    ['two: a@b.example, 269 555 0134', `two: ${HIDDEN}, ${HIDDEN}`],
    ['a case, then a phone: #12 269 555 0134', `a case, then a phone: #12 ${HIDDEN}`],
  ])('hides %j', (text, shown) => {
    expect(hideContactDetails(text)).toBe(shown);
  });

  it.each([
    'Pothole outside 1234 Main St, apt 5B',
    'See case #10234, reported on 2026-12-06 at 10:30',
    'Since 12/06/2026, about 3 ft wide and 6.5 in deep',
    'Since 06.12.2026 and 6.12.26 near the bus stop',
    'Between 42.3501, -86.9712 and the bridge',
    'Streetlight 55-1203 is out',
    '@ the corner of Elm & 5th',
    '4500 148th Ave NE, by 2 12th St and 300 1st St',
    'Seen 2026-12-06 10:30 and 12/06/2026 9:15am',
    'Broken 2019-2026, every winter',
    'GPS 42.350123, -86.971234 or 42.3501 -86.9712',
    'Open 9.30-17.30',
    'Riverton, MI 49002-1234',
    'Same as case #1002345 and pole #8801234',
    'From 2026-01-01, 25/12/2026 and 12/25/2026, or 1900-01-01',
    'Positions 42.3501  -86.9712 and 42.3501 86.9712, hours 10.30-17.30',
  ])('keeps %j as written', (text) => {
    expect(hideContactDetails(text)).toBe(text);
  });

  it('leaves no run of seven digits, and no address, whatever the text around them', () => {
    // Separators without a dot, and a space or a bracket in each: never a date, a position,
    // hours or a code kept as written.
    const phone = fc
      .tuple(
        fc.constantFrom('', '+1 ', '(', '+34 '),
        fc.array(fc.integer({ min: 0, max: 9 }), { minLength: 7, maxLength: 12 }),
      )
      .chain(([lead, digits]) =>
        fc
          .array(fc.constantFrom('', ' ', '-', ') ', '\u00a0', '–'), {
            minLength: digits.length - 1,
            maxLength: digits.length - 1,
          })
          .map((seps) => lead + digits.map((d, i) => `${i === 0 ? '' : (seps[i - 1] ?? '')}${d}`).join('')),
      )
      .filter((p) => /[ (\u00a0]/.test(p));
    const email = fc.emailAddress();
    const words = fc.string({ unit: fc.constantFrom('a', 'Z', ' ', ',', 'ñ', '#', '1', '\n'), maxLength: 12 });
    fc.assert(
      fc.property(words, fc.oneof(phone, email), words, (before, secret, after) => {
        const shown = hideContactDetails(`${before} ${secret} ${after}`);
        expect(shown).not.toContain(secret);
        expect(shown.replace(/\D/g, ' ')).not.toMatch(/\d{7}/);
        expect(shown).not.toMatch(/@\S+\.\S/);
      }),
      { numRuns: 500 },
    );
  });

  it('guards against catastrophic backtracking: a long text with an @ and no address is read at once', () => {
    const long = 'a'.repeat(20_000) + '@' + 'b'.repeat(20_000);
    const t0 = performance.now();
    expect(hideContactDetails(long)).toBe(long);
    // A scan once per character (the pattern without its lookbehind) took 3.5 s here; this takes milliseconds.
    expect(performance.now() - t0).toBeLessThan(1_000);
  });
});
