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

  it('says each rule in words', () => {
    expect(
      describeRule(toRow(rule({ districtId: 'old-town', serviceCode: 'POTHOLE', crewId: 'streets-a' })), names),
    ).toBe('Pothole in Old Town goes to Streets Crew A.');
    expect(describeRule(toRow(rule({ group: 'Streets & sidewalks' })), names)).toBe(
      'Any type in Streets & sidewalks in any district goes to the lead, with no crew.',
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
  });
});
