import { describe, expect, it } from 'vitest';
import { refusalOf } from './refusal.ts';

describe('a refused report: what it is about, and the field to go back to', () => {
  it('the place, when the point is outside the city', () => {
    expect(refusalOf('The point 40, -100 is outside the city: this city cannot take a request there.')).toEqual({
      kind: 'outside',
      field: 'report-address',
    });
  });

  it('the type, when it has gone from the list', () => {
    expect(refusalOf('No service has the code OLD_TYPE: pick a problem type again.')).toEqual({
      kind: 'type',
      field: 'type-search',
    });
  });

  it('the question the refusal names', () => {
    expect(refusalOf('attribute[size] must be one of small, medium, large; "huge" is not.')).toEqual({
      kind: 'answers',
      field: 'attr-size',
    });
  });

  it('robots, and anything else at the top of the form', () => {
    expect(refusalOf('This report was refused: its proof of work does not check out.').kind).toBe('robot');
    expect(refusalOf('description is longer than 4000 characters.')).toEqual({ kind: 'other', field: 'report-title' });
  });
});
