import { describe, expect, it } from 'vitest';
import { parseAddressQuery } from './address.repo.ts';

// What people type for an address, read as the city's address table spells streets.

describe('an address as typed', () => {
  it('abbreviates the suffixes written in full, and drops their dots', () => {
    expect(parseAddressQuery('412 Beech Avenue')).toEqual({ number: 412, street: 'beech ave' });
    expect(parseAddressQuery('412 Beech Ave.')).toEqual({ number: 412, street: 'beech ave' });
    expect(parseAddressQuery('12 Mill Road')).toEqual({ number: 12, street: 'mill rd' });
    expect(parseAddressQuery('7 Lake Shore Boulevard')).toEqual({ number: 7, street: 'lake shore blvd' });
    expect(parseAddressQuery('  9   Main   Street ')).toEqual({ number: 9, street: 'main st' });
  });

  it('leaves out an apartment, unit or suite and what follows', () => {
    expect(parseAddressQuery('412 Beech Ave Apt 2')).toEqual({ number: 412, street: 'beech ave' });
    expect(parseAddressQuery('412 Beech Ave, Unit 3B')).toEqual({ number: 412, street: 'beech ave' });
    expect(parseAddressQuery('412 Beech Ave # 4')).toEqual({ number: 412, street: 'beech ave' });
    expect(parseAddressQuery('412 Beech Ave Suite 100, Riverton')).toEqual({ number: 412, street: 'beech ave' });
  });

  it('abbreviates the suffix only: a street named like one keeps its name; a name alone stays', () => {
    expect(parseAddressQuery('Court Street')).toEqual({ number: null, street: 'court st' });
    expect(parseAddressQuery('5 Avenue')).toEqual({ number: 5, street: 'avenue' });
    expect(parseAddressQuery('beech')).toEqual({ number: null, street: 'beech' });
  });
});
