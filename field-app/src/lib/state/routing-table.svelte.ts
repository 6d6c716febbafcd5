/**
 * The admin's routing table: which crew gets a new report, by department, district and type.
 * Edited as rows picked from lists (the server's names), saved whole; the server checks the
 * table and refuses it whole, and its problems are shown against the rows they name. A desk
 * job that needs a connection.
 */
import type { RoutingNames, RoutingRule, RoutingTable } from '@fieldfix/shared';
import { adminFailure, fetchRoutingNames, fetchRoutingTable, saveRoutingTable } from '#lib/api/admin.ts';
import type { ApiFailure } from '#lib/api/index.ts';

/**
 * One rule as the page edits it: `''` is "any" for the district and what it covers, and "no
 * crew" for the crew. `what` is `type:CODE` or `group:NAME`.
 */
export type RuleRow = { key: number; departmentId: string; districtId: string; what: string; crewId: string };

let nextKey = 1;

export function toRule(r: RuleRow): RoutingRule {
  return {
    departmentId: r.departmentId,
    districtId: r.districtId || null,
    serviceCode: r.what.startsWith('type:') ? r.what.slice('type:'.length) : null,
    group: r.what.startsWith('group:') ? r.what.slice('group:'.length) : null,
    crewId: r.crewId || null,
  };
}

export function toRow(r: RoutingRule): RuleRow {
  const what = r.serviceCode !== null ? `type:${r.serviceCode}` : r.group !== null ? `group:${r.group}` : '';
  return { key: nextKey++, departmentId: r.departmentId, districtId: r.districtId ?? '', what, crewId: r.crewId ?? '' };
}

/**
 * The rows department by department (in the names' order), in each any district first, then
 * the districts in order, and in each the most general first (any type, a group, a type): the
 * order the table is shown and sent in, so the server's `rules.N` is the N-th row here. A name
 * the lists lack comes after those they have.
 */
export function orderRows(rows: readonly RuleRow[], names: RoutingNames): RuleRow[] {
  const rank = (ids: string[], id: string) => (ids.indexOf(id) < 0 ? ids.length : ids.indexOf(id));
  const departments = names.departments.map((d) => d.id);
  const districts = names.districts.map((d) => d.id);
  const covers = [...new Set(names.types.map((t) => `group:${t.group}`)), ...names.types.map((t) => `type:${t.code}`)];
  const sortKey = (r: RuleRow) => [
    rank(departments, r.departmentId),
    r.districtId === '' ? -1 : rank(districts, r.districtId),
    r.what === '' ? -1 : rank(covers, r.what),
    r.key,
  ];
  return [...rows].sort((a, b) => {
    const [ka, kb] = [sortKey(a), sortKey(b)];
    return ka.map((x, i) => x - kb[i]!).find((d) => d !== 0) ?? 0;
  });
}

/** A rule in words: "Potholes in Old Town go to Streets Crew B." */
export function describeRule(r: RuleRow, names: RoutingNames): string {
  const what = r.what.startsWith('type:')
    ? (names.types.find((t) => t.code === r.what.slice(5))?.name ?? r.what.slice(5))
    : r.what.startsWith('group:')
      ? `Any type in ${r.what.slice(6)}`
      : 'Any type';
  const where = r.districtId
    ? (names.districts.find((d) => d.id === r.districtId)?.name ?? r.districtId)
    : 'any district';
  return `${what} in ${where} goes to ${crewWords(r.crewId, names)}.`;
}

const crewWords = (crewId: string, names: RoutingNames) =>
  crewId ? (names.crews.find((c) => c.id === crewId)?.name ?? crewId) : 'the lead, with no crew';

/** A rule's place in the table (its department, district and what it covers), not its crew. */
const slotOf = (r: RuleRow) => `${r.departmentId}\u0000${r.districtId}\u0000${r.what}`;

/**
 * My edits made again on the table another administrator saved meanwhile: each rule (by its
 * department, district and what it covers) as they left it where I did not change it, as I
 * left it where they did not; where we both changed it differently, mine, with a note naming
 * theirs. Null when two of my rows are the same rule (which of them is the edit cannot be told).
 */
export function rebaseRows(
  base: readonly RoutingRule[],
  mine: readonly RuleRow[],
  theirs: readonly RoutingRule[],
  names: RoutingNames,
): { rows: RuleRow[]; clashes: { key: number | null; message: string }[] } | null {
  const bySlot = (rows: RuleRow[]) => new Map(rows.map((r) => [slotOf(r), r]));
  const mineBy = bySlot([...mine]);
  if (mineBy.size !== mine.length) return null;
  const baseBy = bySlot(base.map(toRow));
  const theirsBy = bySlot(theirs.map(toRow));
  const rows: RuleRow[] = [];
  const clashes: { key: number | null; message: string }[] = [];
  for (const slot of new Set([...theirsBy.keys(), ...mineBy.keys()])) {
    const [b, m, t] = [baseBy.get(slot)?.crewId, mineBy.get(slot), theirsBy.get(slot)];
    const mineChanged = m?.crewId !== b;
    const theirsChanged = t?.crewId !== b;
    const kept = mineChanged ? m : t;
    if (kept) rows.push(kept);
    if (!mineChanged || !theirsChanged || m?.crewId === t?.crewId) continue;
    if (!m) {
      const said = describeRule(t!, names);
      clashes.push({
        key: null,
        message: `Another administrator changed “${said}” meanwhile; you removed it, and it stays removed unless you add it again.`,
      });
    } else {
      const theirWay = t ? `gave this rule to ${crewWords(t.crewId, names)}` : 'removed this rule';
      clashes.push({
        key: m.key,
        message: `Another administrator ${theirWay} meanwhile; yours is kept: save to keep it.`,
      });
    }
  }
  return { rows: orderRows(rows, names), clashes };
}

export class RoutingTableEditor {
  names = $state.raw<RoutingNames | null>(null);
  rows = $state<RuleRow[]>([]);
  /** The table as the server last answered it, to tell unsaved changes. */
  saved = $state.raw('');
  /** The version of that table: a save made on it is refused if another admin's came first. */
  version: string | undefined = undefined;
  loading = $state(true);
  saving = $state(false);
  error = $state('');
  /** The server's reasons for refusing the table, each with the row it names (by key) when it names one. */
  problems = $state.raw<{ key: number | null; message: string }[]>([]);
  /** Said once a save went through. */
  status = $state('');

  dirty = $derived(JSON.stringify(this.rows.map(toRule)) !== this.saved);

  async load(): Promise<void> {
    this.loading = true;
    const [names, table] = await Promise.all([fetchRoutingNames(), fetchRoutingTable()]);
    this.loading = false;
    if (!names.ok || !table.ok) {
      this.error = adminFailure((!names.ok ? names.error : !table.ok ? table.error : null)!, 'read the routing table');
      return;
    }
    this.error = '';
    this.names = names.data;
    this.take(table.data);
  }

  private take(table: RoutingTable): void {
    this.version = table.version;
    this.rows = orderRows(table.rules.map(toRow), this.names!);
    this.saved = JSON.stringify(this.rows.map(toRule));
    this.problems = [];
  }

  /** A new rule for the department: any district, any type, no crew (the admin then picks). */
  add(departmentId: string): RuleRow {
    const row = { key: nextKey++, departmentId, districtId: '', what: '', crewId: '' };
    this.rows = [...this.rows, row];
    this.status = '';
    return row;
  }

  remove(key: number): void {
    this.rows = this.rows.filter((r) => r.key !== key);
    this.problems = this.problems.filter((p) => p.key !== key);
    this.status = '';
  }

  /** Back to the table as saved. */
  undo(): void {
    const rules = JSON.parse(this.saved) as RoutingRule[];
    this.rows = rules.map(toRow);
    this.problems = [];
    this.status = '';
  }

  async save(): Promise<boolean> {
    this.saving = true;
    this.error = '';
    this.status = '';
    // Sent in the order shown: the server's `rules.N` is then the N-th row on the page.
    const rows = orderRows(this.rows, this.names!);
    this.rows = rows;
    const res = await saveRoutingTable(rows.map(toRule), this.version);
    this.saving = false;
    if (res.ok) {
      this.take(res.data);
      this.status = 'Saved. New reports are routed by this table from now on.';
      return true;
    }
    if (res.error.kind === 'http' && res.error.status === 409) return this.rebase(rows);
    this.problems = problemsOf(res.error, rows);
    this.error =
      this.problems.length > 0
        ? 'The table was not saved: the server found the problems marked below. Nothing changed.'
        : adminFailure(res.error, 'save the table');
    return false;
  }

  /**
   * Another administrator saved the table after this page read it: theirs is read, and these
   * edits are made again on it (`rebaseRows`), for the admin to check and save.
   */
  private async rebase(rows: RuleRow[]): Promise<false> {
    const latest = await fetchRoutingTable();
    const merged =
      latest.ok && rebaseRows(JSON.parse(this.saved) as RoutingRule[], rows, latest.data.rules, this.names!);
    if (!latest.ok || !merged) {
      this.problems = [];
      this.error =
        'Not saved: another administrator saved the table after you opened it. Press “Undo changes”, then “Reload” to see theirs, then make your changes again.';
      return false;
    }
    this.take(latest.data);
    this.rows = merged.rows;
    this.problems = merged.clashes;
    this.error = this.dirty
      ? `Not saved yet: another administrator saved the table after you opened it. Your changes are now on top of theirs${
          merged.clashes.length > 0 ? ', except where marked' : ''
        }: check the table and save again.`
      : '';
    if (!this.dirty) this.status = 'Another administrator had saved the same changes: the table is as you wanted it.';
    return false;
  }
}

/** The server's `rules.N: what` problems, each against its row. */
export function problemsOf(error: ApiFailure, rows: readonly RuleRow[]): { key: number | null; message: string }[] {
  if (error.kind !== 'http' || error.status !== 400) return [];
  const issues = (error.details as { issues?: unknown } | undefined)?.issues;
  if (!Array.isArray(issues)) return [];
  return issues
    .filter((i): i is string => typeof i === 'string')
    .map((issue) => {
      const m = /^rules\.(\d+): (.*)$/.exec(issue);
      const row = m ? rows[Number(m[1])] : undefined;
      return row ? { key: row.key, message: m![2]! } : { key: null, message: issue };
    });
}
