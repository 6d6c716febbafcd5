import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RoutingNames, RoutingTable, type RoutingRule } from '@fieldfix/shared';
import { createTestApp, type TestApp } from '../../test/test-app.ts';
import { DEMO_API_KEY, DEMO_ROUTING } from '../demo/demo-open311.ts';
import { districtAt, likelyDuplicates, routeRequest } from './routing.service.ts';

let t: TestApp;
let admin: Record<string, string>;
const POTHOLE = { code: 'POTHOLE', group: 'Streets & sidewalks', departmentId: 'streets' };
const GRAFFITI = { code: 'GRAFFITI', group: 'Trash & recycling', departmentId: 'sanitation' };
const DUMPING = { code: 'DUMPING', group: 'Trash & recycling', departmentId: 'sanitation' };
// Points in the demo city's districts (its grid: avenues 148 m apart, streets 122 m).
const OLD_TOWN = { lat: 42.3555, long: -86.975 };
const EASTFIELD = { lat: 42.345, long: -86.96 };
const NORTHSIDE = { lat: 42.365, long: -86.975 };

beforeAll(async () => {
  t = await createTestApp();
  admin = await t.login('admin@riverton.example');
});
afterAll(async () => {
  await t?.close();
});

const put = (rules: RoutingRule[]) =>
  t.app.request('/api/admin/routing', {
    method: 'PUT',
    headers: { 'content-type': 'application/json', ...admin },
    body: JSON.stringify({ rules }),
  });

describe('automatic routing', () => {
  it('finds the district by its polygon; a point outside every district is outside the city', async () => {
    expect((await districtAt(t.db.sql, OLD_TOWN.lat, OLD_TOWN.long))?.id).toBe('old-town');
    expect((await districtAt(t.db.sql, EASTFIELD.lat, EASTFIELD.long))?.id).toBe('eastfield');
    expect(await districtAt(t.db.sql, 42.2, -86.97)).toBeNull();
    expect(await districtAt(t.db.sql, 0, 0)).toBeNull();
  });

  it('the district and the type pick the crew, and the history says why', async () => {
    expect(await routeRequest(t.db.sql, OLD_TOWN, POTHOLE)).toEqual({
      districtId: 'old-town',
      departmentId: 'streets',
      crewId: 'streets-a',
      message: 'Routed to Streets, Streets Crew A: district Old Town, type Pothole.',
      publicMessage: 'Sent to Streets.',
    });
    expect((await routeRequest(t.db.sql, EASTFIELD, POTHOLE))?.crewId).toBe('streets-b');
    // A rule for one type beats the district's rule for the department.
    expect((await routeRequest(t.db.sql, NORTHSIDE, DUMPING))?.crewId).toBe('sanitation-n');
    expect((await routeRequest(t.db.sql, NORTHSIDE, GRAFFITI))?.crewId).toBe('sanitation-s');
    expect(await routeRequest(t.db.sql, { lat: 42.2, long: -86.97 }, POTHOLE)).toBeNull();
  });

  it('an admin reads and replaces the table; the next request follows it', async () => {
    const got = RoutingTable.parse(await (await t.app.request('/api/admin/routing', { headers: admin })).json());
    expect(got.rules).toHaveLength(DEMO_ROUTING.length);
    const changed = [
      ...DEMO_ROUTING,
      // Potholes in Old Town go to Crew B; everything else of Streets there stays with Crew A.
      { departmentId: 'streets', districtId: 'old-town', serviceCode: 'POTHOLE', group: null, crewId: 'streets-b' },
      // Any Streets type in a group with no crew: waits for the lead.
      { departmentId: 'streets', districtId: null, serviceCode: null, group: 'Streets & sidewalks', crewId: null },
    ];
    const res = await put(changed);
    expect(res.status).toBe(200);
    expect((await routeRequest(t.db.sql, OLD_TOWN, POTHOLE))?.crewId).toBe('streets-b');

    const created = await t.app.request('/open311/v2/requests.json', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        api_key: DEMO_API_KEY,
        service_code: 'POTHOLE',
        lat: String(OLD_TOWN.lat),
        long: String(OLD_TOWN.long),
        'attribute[size]': 'small',
      }).toString(),
    });
    const id = ((await created.json()) as { service_request_id: string }[])[0]!.service_request_id;
    const [c] = await t.db.sql`select assigned_crew_id, state from cases where id = ${id}`;
    expect(c).toEqual({ assigned_crew_id: 'streets-b', state: 'assigned' });

    // A rule without a crew leaves the case new, for the lead.
    await put([{ departmentId: 'streets', districtId: null, serviceCode: null, group: null, crewId: null }]);
    const route = await routeRequest(t.db.sql, OLD_TOWN, POTHOLE);
    expect(route).toMatchObject({
      crewId: null,
      message: 'Routed to Streets (waiting for a crew): district Old Town, type Pothole.',
    });
    expect((await put(DEMO_ROUTING)).status).toBe(200);
  });

  it('an admin reads what a table may name, with names; others may not', async () => {
    const res = await t.app.request('/api/admin/routing/names', { headers: admin });
    expect(res.status).toBe(200);
    const names = RoutingNames.parse(await res.json());
    expect(names.departments).toContainEqual({ id: 'streets', name: 'Streets' });
    expect(names.districts.map((d) => d.name)).toContain('Old Town');
    expect(names.types).toContainEqual({ ...POTHOLE, name: 'Pothole' });
    expect(names.crews).toContainEqual({ id: 'streets-b', name: 'Streets Crew B', departmentId: 'streets' });
    // Every rule of the demo table names only what is listed.
    for (const r of DEMO_ROUTING) {
      expect(names.departments.map((d) => d.id)).toContain(r.departmentId);
      if (r.districtId) expect(names.districts.map((d) => d.id)).toContain(r.districtId);
      if (r.crewId) expect(names.crews.find((c) => c.id === r.crewId)?.departmentId).toBe(r.departmentId);
    }
    for (const who of ['lead@riverton.example', 'worker@riverton.example']) {
      const refused = await t.app.request('/api/admin/routing/names', { headers: await t.login(who) });
      expect(refused.status, who).toBe(403);
    }
    expect((await t.app.request('/api/admin/routing/names')).status).toBe(401);
  });

  it('a table that names what does not exist, or mixes departments, is refused whole', async () => {
    const before = await (await t.app.request('/api/admin/routing', { headers: admin })).json();
    for (const [rule, message] of [
      [
        { departmentId: 'streets', districtId: 'nowhere', serviceCode: null, group: null, crewId: null },
        /no district nowhere/,
      ],
      [
        { departmentId: 'streets', districtId: null, serviceCode: 'GRAFFITI', group: null, crewId: null },
        /GRAFFITI belongs to sanitation/,
      ],
      [
        { departmentId: 'streets', districtId: null, serviceCode: null, group: null, crewId: 'forestry' },
        /crew forestry is of forestry/,
      ],
      [
        { departmentId: 'streets', districtId: null, serviceCode: null, group: 'Trees', crewId: null },
        /no type of streets is in Trees/,
      ],
      [
        {
          departmentId: 'streets',
          districtId: null,
          serviceCode: 'POTHOLE',
          group: 'Streets & sidewalks',
          crewId: null,
        },
        /not both/,
      ],
    ] as [RoutingRule, RegExp][]) {
      const res = await put([...DEMO_ROUTING, rule]);
      expect(res.status).toBe(400);
      const body = (await res.json()) as { error: { code: string; message: string } };
      expect(body.error.code).toBe('invalid-body');
      expect(body.error.message).toMatch(message);
    }
    const dup = await put([...DEMO_ROUTING, DEMO_ROUTING[0]!]);
    expect(dup.status).toBe(400);
    expect(await (await t.app.request('/api/admin/routing', { headers: admin })).json()).toEqual(before);
  });
});

describe('two administrators editing the table at once', () => {
  it('the second save made on the table as it was is refused, and the first stays; a save naming no version replaces it', async () => {
    const read = async () =>
      RoutingTable.parse(await (await t.app.request('/api/admin/routing', { headers: admin })).json());
    const save = (body: unknown) =>
      t.app.request('/api/admin/routing', {
        method: 'PUT',
        headers: { 'content-type': 'application/json', ...admin },
        body: JSON.stringify(body),
      });
    const opened = await read(); // both admins open the page
    expect(opened.version).toMatch(/^[0-9a-f]{32}$/);
    const theirs = DEMO_ROUTING.map((r) =>
      r.districtId === 'eastfield' && r.departmentId === 'streets' ? { ...r, crewId: 'streets-a' } : r,
    );
    const first = await save({ rules: theirs, version: opened.version });
    expect(first.status).toBe(200);
    const afterFirst = RoutingTable.parse(await first.json());
    expect(afterFirst.version).not.toBe(opened.version);

    const mine = DEMO_ROUTING.filter((r) => r.districtId !== 'northside');
    const second = await save({ rules: mine, version: opened.version });
    expect(second.status).toBe(409);
    expect((await second.json()) as unknown).toMatchObject({
      error: { code: 'conflict', message: expect.stringMatching(/^Another administrator saved the routing table/) },
    });
    expect(await read()).toEqual(afterFirst);
    // Saved again on the table as it is now: taken.
    expect((await save({ rules: DEMO_ROUTING, version: afterFirst.version })).status).toBe(200);
    // An API client that names no version replaces the table, as before.
    expect((await save({ rules: DEMO_ROUTING })).status).toBe(200);
  });
});

describe('likely duplicates', () => {
  it('each type’s distance is read and changed by an admin with the routing table', async () => {
    const table = RoutingTable.parse(await (await t.app.request('/api/admin/routing', { headers: admin })).json());
    expect(table.duplicateRadiusM).toMatchObject({ POTHOLE: 30, GRAFFITI: 50 });
    const res = await t.app.request('/api/admin/routing', {
      method: 'PUT',
      headers: { 'content-type': 'application/json', ...admin },
      body: JSON.stringify({ rules: DEMO_ROUTING, duplicateRadiusM: { GRAFFITI: 120 } }),
    });
    expect(RoutingTable.parse(await res.json()).duplicateRadiusM).toMatchObject({ POTHOLE: 30, GRAFFITI: 120 });
    const bad = await t.app.request('/api/admin/routing', {
      method: 'PUT',
      headers: { 'content-type': 'application/json', ...admin },
      body: JSON.stringify({ rules: DEMO_ROUTING, duplicateRadiusM: { NOPE: 10, GRAFFITI: 10 } }),
    });
    expect(bad.status).toBe(400);
    const after = RoutingTable.parse(await (await t.app.request('/api/admin/routing', { headers: admin })).json());
    expect(after.duplicateRadiusM!.GRAFFITI).toBe(120);
    await t.db.sql`update service_types set duplicate_radius_m = 50 where code = 'GRAFFITI'`;
  });

  it('open cases of the same type within the type’s distance, nearest first', async () => {
    const [open] = await t.db.sql<{ id: string; lat: number; long: number }[]>`
      select id::text, lat, long from cases
      where service_code = 'POTHOLE' and state = 'new' and merged_into_id is null order by id limit 1`;
    const near = await likelyDuplicates(t.db.sql, {
      serviceCode: 'POTHOLE',
      lat: open!.lat + 0.0001,
      long: open!.long,
    });
    expect(near?.[0]).toEqual({ id: open!.id, metres: 11 });
    // POTHOLE's distance is 30 m: 0.0004° of latitude (about 44 m) is too far.
    const far = await likelyDuplicates(t.db.sql, { serviceCode: 'POTHOLE', lat: open!.lat + 0.0004, long: open!.long });
    expect(far?.map((c) => c.id)).not.toContain(open!.id);
    expect(await likelyDuplicates(t.db.sql, { serviceCode: 'NOPE', lat: 0, long: 0 })).toBeNull();
  });
});
