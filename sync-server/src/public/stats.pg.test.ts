import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PublicStatsResponse, PublicStatsRow, PublicStatsWeek } from '@fieldfix/shared';
import { CLOSED, DAY, NOW, OPEN, PERSONAL, recordFixture, type RawCase, type RecordFixture } from './record-fixture.ts';
import { TYPES_HEADER, WEEKS_HEADER } from './stats-csv.ts';

// The city's figures on the demo city and 5,000 generated cases, against the same figures
// recomputed here from the raw rows (in JavaScript, not SQL), CSV and JSON agreeing, 4xx
// naming the problem, and no personal data.

const TZ = 'America/Detroit';
let f: RecordFixture;
let stats: PublicStatsResponse;

beforeAll(async () => {
  f = await recordFixture(5000);
  const res = await f.app.request('/api/public/stats');
  expect(res.status).toBe(200);
  stats = (await res.json()) as PublicStatsResponse;
}, 120_000);
afterAll(async () => {
  await f?.close();
});

const counted = (c: RawCase) => !c.cancelled && c.merged_into_id === null;
const ageDays = (c: RawCase) => Math.floor((NOW.getTime() - c.requested_at.getTime()) / DAY);
const isClosed = (c: RawCase) => CLOSED.has(c.state) && c.closed_at !== null;
const daysToClose = (c: RawCase) => (c.closed_at!.getTime() - c.requested_at.getTime()) / DAY;
const onTime = (c: RawCase) => c.closed_at!.getTime() - c.requested_at.getTime() <= c.sla_days * DAY;

function median(xs: number[]): number | null {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  const mid = (s.length - 1) / 2;
  return s[Math.floor(mid)]! + (s[Math.ceil(mid)]! - s[Math.floor(mid)]!) * (mid - Math.floor(mid));
}

/** The figures of a group of cases, recomputed. */
function expectRow(row: PublicStatsRow, cases: RawCase[]) {
  const open = cases.filter((c) => OPEN.has(c.state));
  const band = (lo: number, hi: number) => open.filter((c) => ageDays(c) >= lo && ageDays(c) <= hi).length;
  expect(row.open).toEqual([band(-1e9, 7), band(8, 30), band(31, 90), band(91, 1e9)]);
  expect(row.openTotal).toBe(open.length);
  const closed = cases.filter((c) => isClosed(c) && c.closed_at!.getTime() >= NOW.getTime() - 365 * DAY);
  expect(row.closed).toBe(closed.length);
  const m = median(closed.map(daysToClose));
  if (m === null) expect(row.medianDaysToClose).toBeNull();
  else expect(Math.abs(row.medianDaysToClose! - m)).toBeLessThanOrEqual(0.051);
  const within = closed.filter(onTime).length;
  expect(row.closedWithinTarget).toBe(within);
  if (closed.length === 0) expect(row.shareWithinTarget).toBeNull();
  else expect(Math.abs(row.shareWithinTarget! - within / closed.length)).toBeLessThanOrEqual(0.0005);
}

/** The Monday (YYYY-MM-DD) of the city's week that `d` falls in. */
const LOCAL_DAY = new Intl.DateTimeFormat('en-CA', { timeZone: TZ, year: 'numeric', month: '2-digit', day: '2-digit' });
const weeks = new Map<number, string>();
function weekOf(d: Date): string {
  const known = weeks.get(d.getTime());
  if (known) return known;
  const local = LOCAL_DAY.format(d);
  const day = new Date(`${local}T00:00:00Z`);
  day.setUTCDate(day.getUTCDate() - ((day.getUTCDay() + 6) % 7));
  const week = day.toISOString().slice(0, 10);
  weeks.set(d.getTime(), week);
  return week;
}

describe('GET /api/public/stats', () => {
  it('has the figures of the city, every department and every type, recomputed from the cases', () => {
    const cases = f.cases.filter(counted);
    expect(stats.rows[0]).toMatchObject({ departmentId: null, serviceCode: null });
    expectRow(stats.rows[0]!, cases);
    const depts = stats.rows.filter((r) => r.departmentId !== null && r.serviceCode === null);
    expect(depts.map((r) => r.departmentId).sort()).toEqual(['forestry', 'sanitation', 'streets', 'traffic']);
    for (const r of depts)
      expectRow(
        r,
        cases.filter((c) => c.department_id === r.departmentId),
      );
    const types = stats.rows.filter((r) => r.serviceCode !== null);
    expect(types.length).toBeGreaterThanOrEqual(11);
    for (const r of types) {
      const of = cases.filter((c) => c.service_code === r.serviceCode);
      expect(r.targetDays).toBe(of[0]?.sla_days ?? r.targetDays);
      expectRow(r, of);
    }
    // There is something to see in every band and a mix of on-time and late closes.
    expect(stats.rows[0]!.open.every((n) => n > 0)).toBe(true);
    expect(stats.rows[0]!.shareWithinTarget).toBeGreaterThan(0);
    expect(stats.rows[0]!.shareWithinTarget).toBeLessThan(1);
  });

  it('has 26 weeks of trend for each row, recomputed from the cases in the city time zone', () => {
    expect(stats.weeks).toBe(26);
    const shown = [...new Set(stats.trend.map((w) => w.week))];
    expect(shown).toHaveLength(26);
    expect(shown.at(-1)).toBe(weekOf(NOW));
    expect(stats.trend).toHaveLength(26 * stats.rows.length);
    const cases = f.cases.filter(counted);
    const groups: [string | null, string | null, RawCase[]][] = [
      [null, null, cases],
      ['streets', null, cases.filter((c) => c.department_id === 'streets')],
      ['sanitation', 'GRAFFITI', cases.filter((c) => c.service_code === 'GRAFFITI')],
    ];
    for (const [dept, type, of] of groups) {
      const rows = stats.trend.filter((w) => w.departmentId === dept && w.serviceCode === type);
      expect(rows.map((w) => w.week)).toEqual(shown);
      for (const w of rows) {
        expect(w.reported).toBe(of.filter((c) => weekOf(c.requested_at) === w.week).length);
        const closed = of.filter((c) => isClosed(c) && weekOf(c.closed_at!) === w.week);
        expect(w.closed).toBe(closed.length);
        expect(w.closedWithinTarget).toBe(closed.filter(onTime).length);
        const m = median(closed.map(daysToClose));
        if (m === null) expect(w.medianDaysToClose).toBeNull();
        else expect(Math.abs(w.medianDaysToClose! - m)).toBeLessThanOrEqual(0.051);
      }
    }
    expect(stats.trend.filter((w) => w.departmentId === null).reduce((t, w) => t + w.reported, 0)).toBeGreaterThan(
      1000,
    );
  });

  it('answers the same figures as CSV, one table by type and one by week', async () => {
    const parse = (text: string) =>
      text
        .trimEnd()
        .split('\r\n')
        .map((l) => l.split(','));
    const res = await f.app.request('/api/public/stats?format=csv');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/csv/);
    expect(res.headers.get('content-disposition')).toMatch(/attachment; filename=".*types.*\.csv"/);
    const [head, ...lines] = parse(await res.text());
    expect(head).toEqual(TYPES_HEADER);
    expect(lines).toHaveLength(stats.rows.length);
    const num = (s: string) => (s === '' ? null : Number(s));
    lines.forEach((l, i) => {
      const r = stats.rows[i]!;
      const rec = Object.fromEntries(head!.map((h, j) => [h, l[j]!]));
      expect(rec.department_id || null).toBe(r.departmentId);
      expect(rec.service_code || null).toBe(r.serviceCode);
      expect([rec.open_0_7_days, rec.open_8_30_days, rec.open_31_90_days, rec.open_over_90_days].map(Number)).toEqual(
        r.open,
      );
      expect(num(rec.open_total!)).toBe(r.openTotal);
      expect(num(rec.closed_last_365_days!)).toBe(r.closed);
      expect(num(rec.median_days_to_close!)).toBe(r.medianDaysToClose);
      expect(num(rec.closed_within_target!)).toBe(r.closedWithinTarget);
      expect(num(rec.share_closed_within_target!)).toBe(r.shareWithinTarget);
      expect(num(rec.target_days!)).toBe(r.targetDays);
    });

    const weekly = await f.app.request('/api/public/stats?format=csv&table=weeks');
    const [wHead, ...wLines] = parse(await weekly.text());
    expect(wHead).toEqual(WEEKS_HEADER);
    expect(wLines).toHaveLength(stats.trend.length);
    wLines.forEach((l, i) => {
      const w: PublicStatsWeek = stats.trend[i]!;
      expect([l[0], l[2] || null, l[3] || null]).toEqual([w.week, w.departmentId, w.serviceCode]);
      expect(l.slice(4).map(num)).toEqual([
        w.reported,
        w.closed,
        w.medianDaysToClose,
        w.closedWithinTarget,
        w.shareWithinTarget,
      ]);
    });
  });

  it('says what is wrong with a bad format or table (400)', async () => {
    for (const [q, message] of [
      ['format=xml', /format must be json or csv/],
      ['format=csv&table=people', /table must be types or weeks/],
      ['table=weeks', /table is for format=csv only/],
    ] as const) {
      const res = await f.app.request(`/api/public/stats?${q}`);
      expect(res.status, q).toBe(400);
      expect(((await res.json()) as { error: { message: string } }).error.message, q).toMatch(message);
    }
  });

  it('carries no personal data and no case: counts only', async () => {
    for (const q of ['', '?format=csv', '?format=csv&table=weeks']) {
      const text = await (await f.app.request(`/api/public/stats${q}`)).text();
      for (const p of PERSONAL) expect(text).not.toContain(p);
      expect(text).not.toMatch(/Generated St|Alder/);
    }
  });
});
