import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { HIDDEN, hideContactDetails } from './contact-details.ts';

describe('contact details in public text', () => {
  it.each([
    ['Call 269-555-0134 after 5', 'Call […] after 5'],
    ['a number that only ends like a date: 61 2026-12-06', `a number that only ends like a date: ${HIDDEN}`],
    ['or starts like one: 2026-12-06 555 0134', `or starts like one: ${HIDDEN}`],
    ['the same, year last: 61 12/06/2026', `the same, year last: ${HIDDEN}`],
    ['and 12/06/2026 555 0134', `and ${HIDDEN}`],
    ['Call (269) 555-0134.', `Call ${HIDDEN}.`],
    ['tel 269.555.0134', `tel ${HIDDEN}`],
    ['+1 269 555 0134 is my cell', `${HIDDEN} is my cell`],
    ['Llame al +34 612 34 56 78 por favor', `Llame al ${HIDDEN} por favor`],
    ['local 555-0134', `local ${HIDDEN}`],
    ['card 4111 1111 1111 1111 found on the curb', `card ${HIDDEN} found on the curb`],
    ['write to ana.ruiz@example.org today', `write to ${HIDDEN} today`],
    ['José.Núñez+311@correo.example.mx', HIDDEN],
    ['two: a@b.example, 269 555 0134', `two: ${HIDDEN}, ${HIDDEN}`],
  ])('hides %j', (text, shown) => {
    expect(hideContactDetails(text)).toBe(shown);
  });

  it.each([
    'Pothole outside 1234 Main St, apt 5B',
    'See case #10234, reported on 2026-12-06 at 10:30',
    'Reported before (2026-12-06) and again (+12/06/2026)',
    'Since 12/06/2026, about 3 ft wide and 6.5 in deep',
    'Since 6.12.26 near the bus stop',
    'Between 42.3501, -86.9712 and the bridge',
    'Streetlight 55-1203 is out',
    '@ the corner of Elm & 5th',
  ])('keeps %j as written', (text) => {
    expect(hideContactDetails(text)).toBe(text);
  });

  it('leaves no run of seven digits, and no address, whatever the text around them', () => {
    const phone = fc
      .tuple(
        fc.constantFrom('', '+1 ', '(', '+34 '),
        fc.array(fc.integer({ min: 0, max: 9 }), { minLength: 7, maxLength: 12 }),
      )
      .chain(([lead, digits]) =>
        fc
          .array(fc.constantFrom('', ' ', '-', '.', ') '), {
            minLength: digits.length - 1,
            maxLength: digits.length - 1,
          })
          .map((seps) => lead + digits.map((d, i) => `${i === 0 ? '' : (seps[i - 1] ?? '')}${d}`).join('')),
      )
      // A space or a bracket somewhere: never the shape of a date, which is kept as written.
      .filter((p) => /[ (]/.test(p));
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

  it('takes linear time on long text with no address in it', () => {
    const long = 'a'.repeat(20_000) + '@' + 'b'.repeat(20_000);
    const t0 = performance.now();
    expect(hideContactDetails(long)).toBe(long);
    // A quadratic scan of 40,000 characters takes seconds; this takes milliseconds.
    expect(performance.now() - t0).toBeLessThan(1_000);
  });
});
