import { describe, expect, it } from 'vitest';
import type { RoutingNames, RoutingRule } from '@fieldfix/shared';
import {
  describeRule,
  orderRows,
  problemsOf,
  rebaseRows,
  toRow,
  toRule,
  type RuleRow,
} from './routing-table.svelte.ts';

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

describe('a save refused because another administrator saved first', () => {
  const base = [
    rule({ crewId: 'streets-a' }),
    rule({ districtId: 'old-town', crewId: 'streets-a' }),
    rule({ departmentId: 'forestry', crewId: 'forestry' }),
  ];
  const words = (rows: RuleRow[]) =>
    rows.map((r) => `${r.departmentId}/${r.districtId || '*'}/${r.what || '*'}=${r.crewId || '-'}`);

  it('keeps my changes on top of theirs where we changed different rules', () => {
    // Mine: Old Town to no crew, a new Eastfield rule. Theirs: forestry's rule removed, a pothole rule.
    const mine = base.map(toRow).map((r) => (r.districtId === 'old-town' ? { ...r, crewId: '' } : r));
    mine.push(toRow(rule({ districtId: 'eastfield', crewId: 'streets-a' })));
    const theirs = [base[0]!, base[1]!, rule({ serviceCode: 'POTHOLE', crewId: 'streets-a' })];
    const out = rebaseRows(base, mine, theirs, names)!;
    expect(words(out.rows)).toEqual([
      'streets/*/*=streets-a',
      'streets/*/type:POTHOLE=streets-a',
      'streets/eastfield/*=streets-a',
      'streets/old-town/*=-',
    ]);
    expect(out.clashes).toEqual([]);
    // My rows keep their keys (what the page has in focus stays).
    expect(out.rows.find((r) => r.districtId === 'eastfield')!.key).toBe(mine.at(-1)!.key);
  });

  it('names each rule we both changed differently, keeping mine there; the same change is no clash', () => {
    const mine = base
      .map(toRow)
      .map((r) =>
        r.districtId === 'old-town' ? { ...r, crewId: '' } : r.departmentId === 'forestry' ? { ...r, crewId: '' } : r,
      );
    const theirs = [
      base[0]!,
      rule({ districtId: 'old-town', crewId: 'streets-b' }),
      rule({ departmentId: 'forestry', crewId: null }),
    ];
    const out = rebaseRows(base, mine, theirs, {
      ...names,
      crews: [...names.crews, { id: 'streets-b', name: 'Streets Crew B', departmentId: 'streets' }],
    })!;
    expect(words(out.rows)).toEqual(['streets/*/*=streets-a', 'streets/old-town/*=-', 'forestry/*/*=-']);
    const oldTown = out.rows.find((r) => r.districtId === 'old-town')!;
    expect(out.clashes).toEqual([
      {
        key: oldTown.key,
        message: 'Another administrator gave this rule to Streets Crew B meanwhile; yours is kept: save to keep it.',
      },
    ]);
  });

  it('a rule I removed that they changed stays removed, said; one they removed that I changed stays mine', () => {
    const mine = base.map(toRow).filter((r) => r.districtId !== 'old-town');
    mine[1] = { ...mine[1]!, crewId: '' }; // forestry: to the lead
    const theirs = [base[0]!, rule({ districtId: 'old-town', crewId: null })];
    const out = rebaseRows(base, mine, theirs, names)!;
    expect(words(out.rows)).toEqual(['streets/*/*=streets-a', 'forestry/*/*=-']);
    expect(out.clashes).toEqual([
      {
        key: null,
        message:
          'Another administrator changed “Any type in Old Town goes to the lead, with no crew.” meanwhile; you removed it, and it stays removed unless you add it again.',
      },
      {
        key: out.rows[1]!.key,
        message: 'Another administrator removed this rule meanwhile; yours is kept: save to keep it.',
      },
    ]);
  });

  it('cannot tell rows apart when two of mine are the same rule: none is merged', () => {
    const mine = [...base.map(toRow), toRow(base[0]!)];
    expect(rebaseRows(base, mine, base, names)).toBeNull();
  });
});
