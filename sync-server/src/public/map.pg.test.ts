import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PublicMapFilters, PublicMapListResponse, PublicMapResponse } from '@fieldfix/shared';
import { PublicCase } from '@fieldfix/shared';
import {
  onMap,
  PERSONAL,
  recordFixture,
  type RawCase,
  type RecordFixture,
  OPEN,
  CLOSED,
  NOW,
  DAY,
} from './record-fixture.ts';
import { cellSize } from './map.routes.ts';

// The public map's API on the demo city and 5,000 generated cases: the cells of a box hold
// exactly the record's cases inside it (recomputed here from the raw rows), filters, the list,
// 4xx naming the problem, and no personal data.

let f: RecordFixture;
let city: [number, number, number, number];

beforeAll(async () => {
  f = await recordFixture(5000);
  const filters = (await (await f.app.request('/api/public/map/filters')).json()) as PublicMapFilters;
  city = filters.bounds!;
}, 120_000);
afterAll(async () => {
  await f?.close();
});

const get = async <T>(path: string): Promise<{ status: number; body: T; text: string }> => {
  const res = await f.app.request(path);
  const text = await res.text();
  return { status: res.status, body: JSON.parse(text) as T, text };
};

const inBox = (b: number[], c: RawCase) => c.long >= b[0]! && c.long <= b[2]! && c.lat >= b[1]! && c.lat <= b[3]!;

/** The box's middle half (a zoomed-in view). */
const inner = (b: [number, number, number, number]): [number, number, number, number] => {
  const dx = (b[2] - b[0]) / 4;
  const dy = (b[3] - b[1]) / 4;
  return [b[0] + dx, b[1] + dy, b[2] - dx, b[3] - dy];
};

describe('GET /api/public/map', () => {
  it('answers cells whose counts add up to the record cases inside the box, at every zoom', async () => {
    for (const [box, zoom] of [
      [city, 12],
      [city, 14],
      [inner(city), 15],
      [inner(inner(inner(city))), 17],
    ] as const) {
      const expected = f.cases.filter((c) => onMap(c) && inBox(box, c));
      const { status, body } = await get<PublicMapResponse>(`/api/public/map?bbox=${box.join(',')}&zoom=${zoom}`);
      expect(status, JSON.stringify(body)).toBe(200);
      expect(body.total).toBe(expected.length);
      expect(body.cells.reduce((t, c) => t + c.n, 0)).toBe(expected.length);
      // The same grid, recomputed: the same cells with the same counts.
      const [cx, cy] = cellSize(zoom, (box[1] + box[3]) / 2);
      expect(body.cell).toEqual([cx, cy]);
      const grid = new Map<string, RawCase[]>();
      for (const c of expected) {
        const k = `${Math.floor(c.long / cx)},${Math.floor(c.lat / cy)}`;
        grid.set(k, [...(grid.get(k) ?? []), c]);
      }
      expect(body.cells.map((c) => c.n).sort((a, b) => a - b)).toEqual(
        [...grid.values()].map((g) => g.length).sort((a, b) => a - b),
      );
      const ids = new Set(expected.map((c) => c.id));
      for (const cell of body.cells) {
        expect(cell.long).toBeGreaterThanOrEqual(box[0] - 1e-6);
        expect(cell.long).toBeLessThanOrEqual(box[2] + 1e-6);
        expect(cell.lat).toBeGreaterThanOrEqual(box[1] - 1e-6);
        expect(cell.lat).toBeLessThanOrEqual(box[3] + 1e-6);
        if (cell.n === 1) {
          expect(ids.has(cell.id!)).toBe(true);
          const raw = expected.find((c) => c.id === cell.id)!;
          expect(cell.state).toBe(raw.state);
          expect(cell.type).toBe(raw.service_code);
          expect(cell.open).toBe(OPEN.has(raw.state) ? 1 : 0);
          const days = Math.floor(((raw.closed_at ?? NOW).getTime() - raw.requested_at.getTime()) / DAY);
          expect(cell.age).toBe(Math.max(0, days));
        } else {
          expect(cell.id).toBeUndefined();
        }
      }
      // Open cases and their ages add up too.
      const open = expected.filter((c) => OPEN.has(c.state));
      expect(body.cells.reduce((t, c) => t + c.open, 0)).toBe(open.length);
      const ageSum = open.reduce((t, c) => t + Math.floor((NOW.getTime() - c.requested_at.getTime()) / DAY), 0);
      expect(body.cells.reduce((t, c) => t + c.ageSum, 0)).toBe(ageSum);
    }
  });

  it('leaves out cases closed more than 90 days ago, cancelled ones and merged duplicates', async () => {
    const shown = new Set<string>();
    for (let offset = 0; ; offset += 200) {
      const { body } = await get<PublicMapListResponse>(
        `/api/public/map/cases?bbox=${city.join(',')}&limit=200&offset=${offset}`,
      );
      body.cases.forEach((c) => shown.add(c.id));
      if (offset + 200 >= body.total) break;
    }
    expect(shown.size).toBe(f.cases.filter((c) => onMap(c) && inBox(city, c)).length);
    const old = f.cases.filter(
      (c) => CLOSED.has(c.state) && c.closed_at && c.closed_at.getTime() < NOW.getTime() - 90 * DAY,
    );
    expect(old.length).toBeGreaterThan(100);
    for (const c of old) expect(shown.has(c.id)).toBe(false);
    const gone = f.cases.filter((c) => c.cancelled || c.merged_into_id !== null);
    expect(gone).toHaveLength(2);
    for (const c of gone) expect(shown.has(c.id)).toBe(false);
  });

  it('filters by type, district, department and status, alone and together', async () => {
    const queries: [string, (c: RawCase) => boolean][] = [
      ['type=POTHOLE', (c) => c.service_code === 'POTHOLE'],
      ['type=POTHOLE,GRAFFITI', (c) => ['POTHOLE', 'GRAFFITI'].includes(c.service_code)],
      ['district=old-town', (c) => c.district_id === 'old-town'],
      ['department=sanitation', (c) => c.department_id === 'sanitation'],
      ['status=open', (c) => OPEN.has(c.state)],
      ['status=closed', (c) => CLOSED.has(c.state)],
      ['status=on_hold,fixed', (c) => ['on_hold', 'fixed'].includes(c.state)],
      [
        'department=streets&district=riverside&status=open',
        (c) => c.department_id === 'streets' && c.district_id === 'riverside' && OPEN.has(c.state),
      ],
    ];
    for (const [q, pred] of queries) {
      const expected = f.cases.filter((c) => onMap(c) && inBox(city, c) && pred(c));
      expect(expected.length, q).toBeGreaterThan(0);
      const { status, body } = await get<PublicMapResponse>(`/api/public/map?bbox=${city.join(',')}&zoom=13&${q}`);
      expect(status, q).toBe(200);
      expect(body.total, q).toBe(expected.length);
      expect(
        body.cells.reduce((t, c) => t + c.n, 0),
        q,
      ).toBe(expected.length);
    }
  });

  it('says what is wrong with a bad box, zoom or filter (400), never a 500', async () => {
    const bad: [string, RegExp][] = [
      ['zoom=12', /bbox is required/],
      [`bbox=${city.join(',')}&bbox=${city.join(',')}&zoom=12`, /bbox must be given once/],
      ['bbox=0x2A,2,3,4&zoom=12', /west "0x2A" is not a number in decimal degrees/],
      ['bbox=-87, ,-86,43&zoom=12', /south " " is not a number/],
      ['bbox=-87,4e1,-86,43&zoom=12', /south "4e1" is not a number/],
      ['bbox=1,2,3&zoom=12', /bbox needs four numbers/],
      ['bbox=a,2,3,4&zoom=12', /west "a" is not a number/],
      ['bbox=-86,42,-87,43&zoom=12', /west must be less than east/],
      ['bbox=-87,43,-86,42&zoom=12', /south must be less than north/],
      ['bbox=-200,42,-86,43&zoom=12', /between -180 and 180/],
      ['bbox=-87,-95,-86,43&zoom=12', /between -90 and 90/],
      [`bbox=${city.join(',')}`, /zoom/],
      [`bbox=${city.join(',')}&zoom=23`, /zoom must be a number from 0 to 22/],
      [`bbox=${city.join(',')}&zoom=big`, /zoom must be a number from 0 to 22/],
      ['bbox=-180,-85,180,85&zoom=14', /bbox is too large for zoom 14/],
      [`bbox=${city.join(',')}&zoom=12&type=NOPE`, /type: no service type NOPE/],
      [`bbox=${city.join(',')}&zoom=12&district=atlantis`, /district: no district atlantis/],
      [`bbox=${city.join(',')}&zoom=12&department=parks`, /department: no department parks/],
      [`bbox=${city.join(',')}&zoom=12&status=lost`, /"lost" is not a status/],
      [`bbox=${city.join(',')}&zoom=12&type=${encodeURIComponent("x';drop table cases;--")}`, /is not a type code/],
    ];
    for (const [q, message] of bad) {
      const res = await f.app.request(`/api/public/map?${q}`);
      const body = (await res.json()) as { error: { code: string; message: string } };
      expect(res.status, q).toBe(400);
      expect(body.error.message, q).toMatch(message);
      expect(JSON.stringify(body), q).not.toMatch(/at .*\.ts:\d+/);
    }
  });

  it('carries no personal data: no reporter, description, crew or note', async () => {
    const { text, body } = await get<PublicMapResponse>(`/api/public/map?bbox=${city.join(',')}&zoom=15`);
    for (const p of PERSONAL) expect(text).not.toContain(p);
    expect(body.cells.filter((c) => c.n === 1).length).toBeGreaterThan(100);
    for (const cell of body.cells) {
      expect(
        Object.keys(cell).every((k) =>
          ['lat', 'long', 'n', 'open', 'ageSum', 'id', 'state', 'type', 'age'].includes(k),
        ),
      ).toBe(true);
    }
  });
});

describe('GET /api/public/map/cases (the list)', () => {
  it('lists the record cases inside the box only, oldest first, public fields only', async () => {
    const box = inner(city);
    const expected = f.cases
      .filter((c) => onMap(c) && inBox(box, c) && c.department_id === 'forestry')
      .sort((a, b) => a.requested_at.getTime() - b.requested_at.getTime() || Number(a.id) - Number(b.id));
    const seen: string[] = [];
    for (let offset = 0; offset < expected.length; offset += 200) {
      const { status, body, text } = await get<PublicMapListResponse>(
        `/api/public/map/cases?bbox=${box.join(',')}&department=forestry&limit=200&offset=${offset}`,
      );
      expect(status).toBe(200);
      expect(body.total).toBe(expected.length);
      for (const p of PERSONAL) expect(text).not.toContain(p);
      for (const c of body.cases) {
        expect(c.long >= box[0] && c.long <= box[2] && c.lat >= box[1] && c.lat <= box[3]).toBe(true);
        // The public fields of a case (the access model's) and its age: nothing else.
        const { ageDays, ...rest } = c;
        expect(ageDays).toBeGreaterThanOrEqual(0);
        expect(PublicCase.partial().strict().safeParse(rest).success).toBe(true);
        seen.push(c.id);
      }
    }
    expect(seen).toEqual(expected.map((c) => c.id));
  });

  it('hides a phone number or an email address typed into an address, as every public answer does', async () => {
    const c = f.cases.find((x) => onMap(x) && inBox(city, x))!;
    const [was] = await f.db.sql<{ address: string }[]>`select address from cases where id = ${c.id}`;
    await f.db.sql`
      update cases set address = 'Flat of Bob, tel 269-555-0145, bob3.pii@example.org' where id = ${c.id}`;
    try {
      const box = [c.long - 1e-5, c.lat - 1e-5, c.long + 1e-5, c.lat + 1e-5];
      const { status, body, text } = await get<PublicMapListResponse>(`/api/public/map/cases?bbox=${box.join(',')}`);
      expect(status).toBe(200);
      expect(body.cases.find((x) => x.id === c.id)?.address).toBe('Flat of Bob, tel […], […]');
      for (const secret of ['269-555-0145', '555-0145', 'bob3.pii', 'example.org']) expect(text).not.toContain(secret);
    } finally {
      await f.db.sql`update cases set address = ${was!.address} where id = ${c.id}`;
    }
  });

  it('refuses a bad page size naming it', async () => {
    const res = await f.app.request(`/api/public/map/cases?bbox=${city.join(',')}&limit=5000`);
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { message: string } }).error.message).toMatch(/limit must be/);
  });
});

describe('GET /api/public/map/filters', () => {
  it('offers the catalogue: types, departments, districts and the city extent', async () => {
    const { body } = await get<PublicMapFilters>('/api/public/map/filters');
    expect(body.services.map((s) => s.code)).toContain('POTHOLE');
    expect(body.departments.map((d) => d.id).sort()).toEqual(['forestry', 'sanitation', 'streets', 'traffic']);
    expect(body.districts).toHaveLength(5);
    expect(body.closedDays).toBe(90);
    const [w, s, e, n] = body.bounds!;
    expect(w).toBeLessThan(e);
    expect(s).toBeLessThan(n);
  });
});
