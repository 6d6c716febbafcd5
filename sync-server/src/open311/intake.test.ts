import { describe, expect, it } from 'vitest';
import type { ServiceAttribute } from '@fieldfix/shared';
import { checkAttributes, languageOf } from './intake.ts';
import { Open311Error } from './open311-format.ts';

const attr = (a: Partial<ServiceAttribute> & Pick<ServiceAttribute, 'code' | 'datatype'>): ServiceAttribute => ({
  description: `the ${a.code}`,
  required: false,
  variable: true,
  order: 1,
  datatypeDescription: null,
  values: [],
  ...a,
});
const DEFS = [
  attr({
    code: 'size',
    datatype: 'singlevaluelist',
    required: true,
    values: [
      { key: 's', name: 'Small' },
      { key: 'l', name: 'Large' },
    ],
  }),
  attr({
    code: 'sides',
    datatype: 'multivaluelist',
    values: [
      { key: 'n', name: 'North' },
      { key: 's', name: 'South' },
    ],
  }),
  attr({ code: 'count', datatype: 'number' }),
  attr({ code: 'seen', datatype: 'datetime' }),
  attr({ code: 'pole', datatype: 'string' }),
  // Information shown to the person, not asked: never required of the client.
  attr({ code: 'info', datatype: 'text', required: true, variable: false }),
];

function refusal(form: Record<string, string | string[]>): string {
  try {
    checkAttributes(DEFS, form);
  } catch (err) {
    expect(err).toBeInstanceOf(Open311Error);
    expect((err as Open311Error).status).toBe(400);
    return (err as Error).message;
  }
  throw new Error('accepted');
}

describe('POST requests: attributes checked against the service definition', () => {
  it('keeps the values of a valid form, lists of several values as lists', () => {
    expect(
      checkAttributes(DEFS, {
        'attribute[size]': 'l',
        'attribute[sides][]': ['n', 's', 'n'],
        'attribute[count]': '3',
        'attribute[seen]': '2026-06-10T08:00:00Z',
        'attribute[pole]': ' RL-1234 ',
        description: 'not an attribute',
      }),
    ).toEqual({ size: 'l', sides: ['n', 's'], count: '3', seen: '2026-06-10T08:00:00Z', pole: 'RL-1234' });
    expect(checkAttributes(DEFS, { 'attribute[size]': 's' })).toEqual({ size: 's' });
  });

  it('refuses a missing required value, a value off the list, a wrong type and an unknown attribute', () => {
    expect(refusal({})).toBe('attribute[size] is required: the size');
    expect(refusal({ 'attribute[size]': '  ' })).toBe('attribute[size] is required: the size');
    expect(refusal({ 'attribute[size]': 'm' })).toBe('attribute[size] must be one of s, l; "m" is not.');
    expect(refusal({ 'attribute[size]': ['s', 'l'] })).toBe('attribute[size] takes one value.');
    expect(refusal({ 'attribute[size]': 's', 'attribute[sides][]': ['n', 'e'] })).toMatch(/"e" is not/);
    expect(refusal({ 'attribute[size]': 's', 'attribute[count]': 'three' })).toBe('attribute[count] must be a number.');
    expect(refusal({ 'attribute[size]': 's', 'attribute[seen]': 'last week' })).toMatch(/date and time/);
    // What Date.parse takes but GeoReport's date-times are not: no zone, no time, a bare number.
    for (const seen of ['2026-06-01T10:00', 'June 5', '1', '2026-06-01'])
      expect(refusal({ 'attribute[size]': 's', 'attribute[seen]': seen }), seen).toMatch(/with its zone/);
    for (const count of ['0x1A', '1e3', 'Infinity', '3 4'])
      expect(refusal({ 'attribute[size]': 's', 'attribute[count]': count }), count).toBe(
        'attribute[count] must be a number.',
      );
    expect(
      checkAttributes(DEFS, {
        'attribute[size]': 's',
        'attribute[count]': '-2.5',
        'attribute[seen]': '2026-06-10T08:00:00-04:00',
      }),
    ).toEqual({ size: 's', count: '-2.5', seen: '2026-06-10T08:00:00-04:00' });
    expect(refusal({ 'attribute[size]': 's', 'attribute[colour]': 'red' })).toBe(
      'attribute[colour] is not an attribute of this service.',
    );
    expect(refusal({ 'attribute[size]': 's', 'attribute[pole]': 'x'.repeat(4001) })).toMatch(/longer than 4000/);
    expect(refusal({ 'attribute[size]': 's', 'attribute[pole]': 'a\u0000b' })).toMatch(/cannot be stored/);
  });
});

describe('the reporter’s language', () => {
  it.each([
    [{ language: 'es' }, undefined, 'es'],
    [{ locale: 'es-MX' }, undefined, 'es'],
    [{}, 'es-US,es;q=0.9,en;q=0.8', 'es'],
    [{ language: 'EN_gb' }, 'es', 'en'],
    [{}, undefined, null],
    [{ language: 'not a language' }, undefined, null],
  ])('%j with Accept-Language %s → %s', (form, accept, expected) => {
    expect(languageOf(form, accept)).toBe(expected);
  });
});
