import { describe, expect, it } from 'vitest';
import type { RoutingNames, RoutingRule } from '@fieldfix/shared';
import { describeRule, orderRows, problemsOf, toRow, toRule } from './routing-table.svelte.ts';

const names: RoutingNames = {
  departments: [
    { id: 'streets', name: 'Streets' },
    { id: 'forestry', name: 'Forestry' },
  ],
  districts: [
    { id: 'eastfield', name: 'Eastfield' },
    { id: 'old-town', name: 'Old Town' },
  ],
  types: [
    { code: 'POTHOLE', name: 'Pothole', group: 'Streets & sidewalks', departmentId: 'streets' },
    { code: 'ASPHALT', name: 'Worn asphalt', group: 'Streets & sidewalks', departmentId: 'streets' },
    { code: 'TREE', name: 'Fallen tree', group: 'Trees', departmentId: 'forestry' },
  ],
  crews: [
    { id: 'streets-a', name: 'Streets Crew A', departmentId: 'streets' },
    { id: 'forestry', name: 'Forestry Crew', departmentId: 'forestry' },
  ],
};
const rule = (over: Partial<RoutingRule>): RoutingRule => ({
  departmentId: 'streets',
  districtId: null,
  serviceCode: null,
  group: null,
  crewId: null,
  ...over,
});

describe('the routing table as the admin edits it', () => {
  it('turns each kind of rule into a row and back unchanged', () => {
    for (const r of [
      rule({}),
      rule({ districtId: 'old-town', serviceCode: 'POTHOLE', crewId: 'streets-a' }),
      rule({ group: 'Streets & sidewalks' }),
      rule({ group: 'A: group with a colon' }),
    ]) {
      expect(toRule(toRow(r))).toEqual(r);
    }
  });

  it('orders rows by department as listed, then any district first, then the most general type first', () => {
    const rows = [
      rule({ departmentId: 'forestry', crewId: 'forestry' }),
      rule({ districtId: 'old-town', serviceCode: 'POTHOLE' }),
      rule({ districtId: 'old-town' }),
      rule({ districtId: 'eastfield' }),
      rule({ group: 'Streets & sidewalks' }),
      rule({}),
    ].map(toRow);
    expect(orderRows(rows, names).map((r) => `${r.departmentId}/${r.districtId || '*'}/${r.what || '*'}`)).toEqual([
      'streets/*/*',
      'streets/*/group:Streets & sidewalks',
      'streets/eastfield/*',
      'streets/old-town/*',
      'streets/old-town/type:POTHOLE',
      'forestry/*/*',
    ]);
  });

  it('orders types and groups as the lists do, not by their codes, and names the lists lack last', () => {
    const rows = [
      rule({ departmentId: 'parks' }),
      rule({ districtId: 'atlantis' }),
      rule({ serviceCode: 'ASPHALT' }),
      rule({ serviceCode: 'POTHOLE' }),
      rule({ group: 'Streets & sidewalks' }),
      rule({ districtId: 'old-town', serviceCode: 'ASPHALT' }),
      rule({ districtId: 'old-town', group: 'Streets & sidewalks' }),
    ].map(toRow);
    expect(orderRows(rows, names).map((r) => `${r.departmentId}/${r.districtId || '*'}/${r.what || '*'}`)).toEqual([
      'streets/*/group:Streets & sidewalks',
      'streets/*/type:POTHOLE',
      'streets/*/type:ASPHALT',
      'streets/old-town/group:Streets & sidewalks',
      'streets/old-town/type:ASPHALT',
      'streets/atlantis/*',
      'parks/*/*',
    ]);
    // Rules alike keep the order they were made in.
    const twins = [rule({ crewId: 'streets-a' }), rule({ crewId: 'x' })].map(toRow);
    expect(orderRows([...twins].reverse(), names)).toEqual(twins);
  });

  it('says each rule in words', () => {
    expect(
      describeRule(toRow(rule({ districtId: 'old-town', serviceCode: 'POTHOLE', crewId: 'streets-a' })), names),
    ).toBe('Pothole in Old Town goes to Streets Crew A.');
    expect(describeRule(toRow(rule({ group: 'Streets & sidewalks' })), names)).toBe(
      'Any type in Streets & sidewalks in any district goes to the lead, with no crew.',
    );
    expect(describeRule(toRow(rule({})), names)).toBe('Any type in any district goes to the lead, with no crew.');
    // A name the lists lack (renamed or removed since) is shown by its id, not left out.
    expect(describeRule(toRow(rule({ districtId: 'atlantis', serviceCode: 'GONE', crewId: 'crew-x' })), names)).toBe(
      'GONE in atlantis goes to crew-x.',
    );
  });

  it("puts each of the server's problems against the row it names, and keeps the others apart", () => {
    const rows = [rule({}), rule({ districtId: 'old-town' })].map(toRow);
    const error = {
      kind: 'http' as const,
      status: 400,
      code: 'invalid-body' as const,
      message: 'The routing table was not changed: …',
      details: {
        issues: ['rules.1: the same department, district and type as an earlier rule', 'rules.9: lost', 'odd'],
      },
    };
    expect(problemsOf(error, rows)).toEqual([
      { key: rows[1]!.key, message: 'the same department, district and type as an earlier rule' },
      { key: null, message: 'rules.9: lost' },
      { key: null, message: 'odd' },
    ]);
    expect(problemsOf({ kind: 'network', message: 'offline' }, rows)).toEqual([]);
    // Only a 400's list of strings is read; `rules.N` must be the whole of its prefix.
    expect(problemsOf({ ...error, status: 409 }, rows)).toEqual([]);
    expect(problemsOf({ ...error, details: undefined }, rows)).toEqual([]);
    expect(problemsOf({ ...error, details: { issues: 'rules.0: x' } }, rows)).toEqual([]);
    expect(
      problemsOf({ ...error, details: { issues: [7, 'no rules.0: x', 'rules.0: x', 'rules.1x: y'] } }, rows),
    ).toEqual([
      { key: null, message: 'no rules.0: x' },
      { key: rows[0]!.key, message: 'x' },
      { key: null, message: 'rules.1x: y' },
    ]);
    const many = Array.from({ length: 12 }, () => toRow(rule({})));
    expect(problemsOf({ ...error, details: { issues: ['rules.11: last'] } }, many)).toEqual([
      { key: many[11]!.key, message: 'last' },
    ]);
  });
});
