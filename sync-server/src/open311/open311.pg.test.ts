import sharp from 'sharp';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { PROTOCOL_HEADER, PROTOCOL_VERSION } from '@fieldfix/shared';
import { createTestApp, quietLogger, type TestApp } from '../../test/test-app.ts';
import { FilePhotoStore } from '../photos/photo-store.ts';
import { DEMO_API_KEY } from '../demo/demo-open311.ts';
import { hashApiKey } from '../api-keys/api-key.repo.ts';
import * as S from './open311.schemas.ts';
import { asXmlText, loadPublishedSchemas, readXml, SCHEMA_DIR, validateAgainst } from './published-schemas.ts';

// Known contact details on every case and on a request sent through Open311: no response
// body of any endpoint, in either format, may contain any of them.
const SECRETS = {
  first_name: 'Zebediah',
  last_name: 'Quuxworthy',
  email: 'leak.check@reporter.example',
  phone: '+1 555 0100 9999',
  device_id: 'device-SECRET-7731',
  account_id: 'account-SECRET-4410',
};
const published = loadPublishedSchemas();
const WHY_SKIPPED = published ? '' : ` (skipped: the Open311 schemas are not at ${SCHEMA_DIR})`;

let t: TestApp;
let photosDir: string;
const bodies: { url: string; body: string }[] = [];
// A window that holds the seeded demo cases (reported up to 400 days before 2026-06-10).
const JUNE = 'start_date=2026-04-01T00:00:00Z&end_date=2026-06-11T00:00:00Z';

async function get(url: string): Promise<Response> {
  const res = await t.app.request(url);
  const body = await res.clone().text();
  bodies.push({ url, body });
  return res;
}
async function post(url: string, form: Record<string, string | string[]>, headers: Record<string, string> = {}) {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(form)) for (const x of Array.isArray(v) ? v : [v]) params.append(k, x);
  const res = await t.app.request(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8', ...headers },
    body: params.toString(),
  });
  bodies.push({ url, body: await res.clone().text() });
  return res;
}

/**
 * Fetches `path` (with `.{fmt}` for the format) in JSON and XML; checks both content types,
 * the XML declaration, that the XML carries the JSON's data, and the JSON against `schema`.
 */
async function both<T extends z.ZodType>(path: (fmt: string) => string, schema: T, status = 200) {
  const json = await get(path('json'));
  const xml = await get(path('xml'));
  expect(json.status, path('json')).toBe(status);
  expect(xml.status, path('xml')).toBe(status);
  expect(json.headers.get('content-type')).toBe('application/json; charset=utf-8');
  expect(xml.headers.get('content-type')).toBe('text/xml; charset=utf-8');
  const data = (await json.json()) as unknown;
  const text = await xml.text();
  expect(text.startsWith('<?xml version="1.0" encoding="utf-8"?>\n')).toBe(true);
  expect(text).not.toMatch(/xmlns/);
  expect(readXml(text).value, 'XML carries the same data as JSON').toEqual(asXmlText(data));
  const parsed = schema.safeParse(data);
  expect(parsed.success ? [] : parsed.error.issues, path('json')).toEqual([]);
  return { data: data as z.infer<T>, xml: text };
}

/** A POST of `body` as it is, bytes and all, with `contentType`. */
async function postRaw(
  url: string,
  body: string | Uint8Array,
  contentType: string,
  headers: Record<string, string> = {},
) {
  const res = await t.app.request(url, {
    method: 'POST',
    headers: { 'content-type': contentType, ...headers },
    body: typeof body === 'string' ? body : new Uint8Array(body),
  });
  bodies.push({ url, body: await res.clone().text() });
  return res;
}

async function countCases(): Promise<number> {
  const [row] = await t.db.sql<{ n: number }[]>`select count(*)::int as n from cases`;
  return row!.n;
}

function conforms(file: string, value: unknown) {
  expect(validateAgainst(published!, published!.get(file)!, value), file).toEqual([]);
}

beforeAll(async () => {
  photosDir = await mkdtemp(join(tmpdir(), 'fieldfix-open311-'));
  // The sandbox signs its tokens with the link key: one of the test's own, not the data folder's.
  t = await createTestApp({ photosDir, linkSecret: 'open311-test-link-secret' });
  await t.db.sql`update case_reporters set ${t.db.sql(SECRETS)}`;
});
afterAll(async () => {
  await t?.close();
  if (photosDir) await rm(photosDir, { recursive: true, force: true });
});

describe('Open311 GeoReport v2: reading', () => {
  it(`discovery lists the production and the test endpoint, each in XML and JSON${WHY_SKIPPED}`, async () => {
    const { data, xml } = await both((f) => `/open311/v2/discovery.${f}`, S.Discovery);
    expect(data.endpoints.map((e) => [e.type, e.url, e.formats])).toEqual([
      ['production', 'http://localhost/open311/v2', ['text/xml', 'application/json']],
      ['test', 'http://localhost/open311/v2-test', ['text/xml', 'application/json']],
    ]);
    expect(xml).toContain('<endpoints>\n    <endpoint>');
    expect(xml).toContain('<format>text/xml</format>');
    // The sandbox answers the same reads; any site may call it from a browser.
    const sandbox = await t.app.request('/open311/v2-test/discovery.json', {
      headers: { origin: 'https://civic.example' },
    });
    expect(sandbox.status).toBe(200);
    expect(sandbox.headers.get('access-control-allow-origin')).toBe('*');
  });

  it(`services come from the catalogue, with groups, keywords and metadata${WHY_SKIPPED}`, async () => {
    const { data } = await both((f) => `/open311/v2/services.${f}`, S.Services);
    const pothole = data.find((s) => s.service_code === 'POTHOLE')!;
    expect(pothole).toEqual({
      service_code: 'POTHOLE',
      service_name: 'Pothole',
      description: 'A hole or sunken patch in the road surface.',
      metadata: true,
      type: 'realtime',
      keywords: 'road,hole,asphalt',
      group: 'Streets & sidewalks',
    });
    if (published) conforms('services.json', data);
  });

  it(`a service definition lists its attributes with their values; an unknown code is a 404${WHY_SKIPPED}`, async () => {
    const { data } = await both((f) => `/open311/v2/services/POTHOLE.${f}`, S.ServiceDefinition);
    expect(data.attributes[0]).toMatchObject({
      code: 'size',
      datatype: 'singlevaluelist',
      required: true,
      variable: true,
      values: [{ key: 'small' }, { key: 'medium' }, { key: 'large' }],
    });
    if (published) conforms('service-definition.json', data);
    const { data: err, xml } = await both((f) => `/open311/v2/services/NOPE.${f}`, S.Errors, 404);
    expect(err).toEqual([{ code: 404, description: 'No service has the code NOPE.' }]);
    expect(xml).toContain('<errors>\n  <error>\n    <code>404</code>');
  });

  it(`requests in a window, newest first, with expected_datetime from the type's SLA${WHY_SKIPPED}`, async () => {
    const { data } = await both((f) => `/open311/v2/requests.${f}?${JUNE}`, S.Requests);
    expect(data.length).toBeGreaterThan(100);
    const times = data.map((r) => Date.parse(r.requested_datetime));
    expect(times).toEqual([...times].sort((a, b) => b - a));
    for (const r of data) {
      expect(r.requested_datetime >= '2026-04-01' && r.requested_datetime <= '2026-06-11').toBe(true);
    }
    const pothole = data.find((r) => r.service_code === 'POTHOLE')!;
    expect(Date.parse(pothole.expected_datetime!) - Date.parse(pothole.requested_datetime)).toBe(5 * 86_400_000);
    expect(pothole.agency_responsible).toBe('Streets');
    if (published) conforms('requests.json', data);
  });

  it('filters: service codes, status, the id list overriding the rest, and paging', async () => {
    const { data: codes } = await both(
      (f) => `/open311/v2/requests.${f}?${JUNE}&service_code=POTHOLE,GRAFFITI`,
      S.Requests,
    );
    expect(new Set(codes.map((r) => r.service_code))).toEqual(new Set(['POTHOLE', 'GRAFFITI']));
    const { data: closed } = await both((f) => `/open311/v2/requests.${f}?${JUNE}&status=closed`, S.Requests);
    expect(closed.length).toBeGreaterThan(0);
    expect(closed.every((r) => r.status === 'closed')).toBe(true);
    const { data: open } = await both((f) => `/open311/v2/requests.${f}?${JUNE}&status=open`, S.Requests);
    expect(open.every((r) => r.status === 'open')).toBe(true);
    const { data: all } = await both((f) => `/open311/v2/requests.${f}?${JUNE}&status=open,closed`, S.Requests);
    expect(all.length).toBe(open.length + closed.length);

    const ids = [open[0]!.service_request_id, closed[0]!.service_request_id];
    const { data: byId } = await both(
      (f) => `/open311/v2/requests.${f}?service_request_id=${ids.join(',')}&status=open&service_code=NONE`,
      S.Requests,
    );
    expect(byId.map((r) => r.service_request_id).sort()).toEqual([...ids].sort());

    const { data: page1 } = await both((f) => `/open311/v2/requests.${f}?${JUNE}&page_size=10`, S.Requests);
    const { data: page2 } = await both((f) => `/open311/v2/requests.${f}?${JUNE}&page_size=10&page=2`, S.Requests);
    expect(page1.map((r) => r.service_request_id)).toEqual(all.slice(0, 10).map((r) => r.service_request_id));
    expect(page2.map((r) => r.service_request_id)).toEqual(all.slice(10, 20).map((r) => r.service_request_id));
    // jurisdiction_id is accepted (one endpoint, one jurisdiction).
    expect((await get(`/open311/v2/requests.json?${JUNE}&jurisdiction_id=riverton.example`)).status).toBe(200);
  });

  it('the default is the last 90 days, at most 1,000', async () => {
    const { data } = await both((f) => `/open311/v2/requests.${f}`, S.Requests);
    expect(data.length).toBeLessThanOrEqual(1000);
    for (const r of data) expect(Date.now() - Date.parse(r.requested_datetime)).toBeLessThanOrEqual(90 * 86_400_000);
  });

  it('wrong filters are the spec’s 400, in the format asked for', async () => {
    for (const q of [
      'start_date=2026-01-01T00:00:00Z&end_date=2026-06-01T00:00:00Z',
      'start_date=2026-06-01T00:00:00Z&end_date=2026-05-01T00:00:00Z',
      'start_date=yesterday',
      'start_date=2026-06-01T00:00:00',
      'status=pending',
      'page_size=0',
      'page_size=1001',
      'page=x',
    ]) {
      const { data } = await both((f) => `/open311/v2/requests.${f}?${q}`, S.Errors, 400);
      expect(data[0]!.code, q).toBe(400);
    }
  });

  it(`one request by id; an unknown or malformed id is a 404${WHY_SKIPPED}`, async () => {
    const { data } = await both((f) => `/open311/v2/requests/1.${f}`, S.Requests);
    expect(data.map((r) => r.service_request_id)).toEqual(['1']);
    if (published) conforms('requests.json', data);
    await both((f) => `/open311/v2/requests/999999.${f}`, S.Errors, 404);
    await both((f) => `/open311/v2/requests/abc.${f}`, S.Errors, 404);
    await both((f) => `/open311/v2/nothing-here.${f}`, S.Errors, 404);
  });

  it('extensions=true adds the public timeline as notes and the extended attributes', async () => {
    const { data } = await both((f) => `/open311/v2/requests.${f}?${JUNE}&extensions=true&status=closed`, S.Requests);
    const fixed = data.find((r) => r.notes?.some((n) => n.type === 'fixed'))!;
    expect(fixed.notes![0]).toMatchObject({ type: 'reported', description: 'Reported.' });
    expect(fixed.extended_attributes).toBeTypeOf('object');
    const names = (await t.db.sql<{ name: string }[]>`select name from users`).map((u) => u.name);
    const text = JSON.stringify(data);
    for (const n of names) expect(text).not.toContain(n);
  });

  it('the updates feed speaks FixMyStreet’s statuses', async () => {
    const { data } = await both((f) => `/open311/v2/servicerequestupdates.${f}`, S.RequestUpdates);
    const statuses = new Set(data.map((u) => u.status));
    expect(statuses.has('FIXED')).toBe(true);
    expect(statuses.has('ACTION_SCHEDULED')).toBe(true);
    await both((f) => `/open311/v2/servicerequestupdates.${f}?start_date=2026-01-01T00:00:00Z`, S.RequestUpdates);
    const { data: first } = await both((f) => `/open311/v2/servicerequestupdates.${f}?page_size=5`, S.RequestUpdates);
    const { data: second } = await both(
      (f) => `/open311/v2/servicerequestupdates.${f}?page_size=5&page=2`,
      S.RequestUpdates,
    );
    expect([...first, ...second].map((u) => u.update_id)).toEqual(data.slice(0, 10).map((u) => u.update_id));
  });

  it('media_url is the first report photo, served at a public URL as the server’s re-encoded copy', async () => {
    const store = new FilePhotoStore(photosDir);
    const jpeg = await sharp({ create: { width: 32, height: 24, channels: 3, background: '#884422' } })
      .jpeg()
      .toBuffer();
    const ids = { report: crypto.randomUUID(), before: crypto.randomUUID() };
    for (const [kind, id] of Object.entries(ids)) {
      await store.put(`thumbs/${id}.jpg`, jpeg);
      await t.db.sql`
        insert into photos (id, case_id, kind, content_type, byte_size, storage_key, complete, completed_at, thumb_key, sha256)
        values (${id}, 2, ${kind}, 'image/jpeg', ${jpeg.length}, ${`photos/${id}`}, true, now(), ${`thumbs/${id}.jpg`}, 'x')`;
    }
    const { data } = await both((f) => `/open311/v2/requests/2.${f}`, S.Requests);
    expect(data[0]!.media_url).toBe(`http://localhost/open311/v2/media/${ids.report}.jpg`);
    const media = await t.app.request(`/open311/v2/media/${ids.report}.jpg`);
    expect(media.status).toBe(200);
    expect(media.headers.get('content-type')).toBe('image/jpeg');
    expect(new Uint8Array(await media.arrayBuffer())).toEqual(new Uint8Array(jpeg));
    // A crew's "before" photo is not public, and an unknown id is not found.
    expect((await t.app.request(`/open311/v2/media/${ids.before}.jpg`)).status).toBe(404);
    expect((await t.app.request(`/open311/v2/media/${crypto.randomUUID()}.jpg`)).status).toBe(404);
    // Deleted under the city's photo retention: no longer the media_url (nor on /track), and gone (410).
    await t.db.sql`update photos set removed_at = now(), removed_reason = 'retention' where id = ${ids.report}`;
    const { data: after } = await both((f) => `/open311/v2/requests/2.${f}`, S.Requests);
    expect(after[0]!.media_url ?? null).toBeNull();
    const gone = await t.app.request(`/open311/v2/media/${ids.report}.jpg`);
    expect(gone.status).toBe(410);
    expect(await gone.text()).toMatch(/was deleted under the city/);
    const track = await (await t.app.request('/api/public/cases/2')).text();
    expect(track).not.toContain(ids.report);
  });
});

const OLD_TOWN = { lat: '42.3555', long: '-86.975' }; // Old Town: Streets Crew A, Sanitation North

describe('Open311 GeoReport v2: the updates feed and late syncs', () => {
  it('an update is timed by its arrival: work done hours before it synced is in the window it arrived in', async () => {
    const now = Date.now();
    const [event] = await t.db.sql<{ id: string }[]>`
      insert into case_events (case_id, at, received_at, kind, data, version, crew_id)
      values (3, ${new Date(now - 5 * 3_600_000)}, ${new Date(now - 10 * 60_000)}, 'started', ${t.db.sql.json({})}, 90,
        'streets-a')
      returning id::text`;
    const start = new Date(now - 3_600_000).toISOString();
    const end = new Date(now + 60_000).toISOString();
    const { data } = await both(
      (f) => `/open311/v2/servicerequestupdates.${f}?start_date=${start}&end_date=${end}`,
      S.RequestUpdates,
    );
    const update = data.find((u) => u.update_id === event!.id)!;
    expect(update).toMatchObject({ service_request_id: '3', status: 'IN_PROGRESS' });
    // FixMyStreet drops an update whose time lies outside the window it asked for.
    expect(update.updated_datetime).toBe(new Date(now - 10 * 60_000).toISOString());
    for (const u of data) {
      expect(Date.parse(u.updated_datetime)).toBeGreaterThanOrEqual(Date.parse(start));
      expect(Date.parse(u.updated_datetime)).toBeLessThanOrEqual(Date.parse(end));
    }
    // When the work was done stays in the request's public timeline.
    const { data: request } = await both((f) => `/open311/v2/requests/3.${f}?extensions=true`, S.Requests);
    expect(request[0]!.notes).toContainEqual({
      datetime: new Date(now - 5 * 3_600_000).toISOString(),
      description: 'Work in progress.',
      type: 'started',
    });
  });

  it("a fix's media_url is its after-photo, though it named a before-photo first; none if it has no after-photo", async () => {
    const ids = { before: crypto.randomUUID(), after: crypto.randomUUID() };
    for (const [kind, id] of Object.entries(ids)) {
      await t.db.sql`
        insert into photos (id, case_id, kind, content_type, byte_size, storage_key, complete, completed_at, thumb_key, sha256)
        values (${id}, 5, ${kind}, 'image/jpeg', 10, ${`photos/${id}`}, true, now(), ${`thumbs/${id}.jpg`}, 'x')`;
    }
    const at = new Date(Date.now() - 60_000);
    const fix = (photoIds: string[]) => t.db.sql.json({ resolutionCode: 'patched', note: '', photoIds });
    const [both_, beforeOnly] = await t.db.sql<{ id: string }[]>`
      insert into case_events (case_id, at, received_at, kind, data, version, crew_id, outcome)
      values (5, ${at}, ${at}, 'fixed', ${fix([ids.before, ids.after])}, 92, 'streets-a', 'applied'),
        (5, ${at}, ${at}, 'fixed', ${fix([ids.before])}, 93, 'streets-a', 'applied')
      returning id::text`;
    const start = new Date(Date.now() - 3_600_000).toISOString();
    const { data } = await both((f) => `/open311/v2/servicerequestupdates.${f}?start_date=${start}`, S.RequestUpdates);
    expect(data.find((u) => u.update_id === both_!.id)!.media_url).toBe(
      `http://localhost/open311/v2/media/${ids.after}.jpg`,
    );
    expect(data.find((u) => u.update_id === beforeOnly!.id)!.media_url ?? null).toBeNull();
    await t.db.sql`delete from case_events where id in (${both_!.id}, ${beforeOnly!.id})`;
  });

  it("a second crew's fix of a fixed case (R3, duplicate work) is not announced again", async () => {
    const now = Date.now();
    const at = new Date(now - 60_000);
    const [first, second] = await t.db.sql<{ id: string }[]>`
      insert into case_events (case_id, at, received_at, kind, data, version, crew_id, outcome)
      values (4, ${at}, ${at}, 'fixed', ${t.db.sql.json({ resolutionCode: 'patched', note: '', photoIds: [] })}, 91,
          'streets-a', 'applied'),
        (4, ${at}, ${at}, 'fixed', ${t.db.sql.json({ resolutionCode: 'patched', note: '', photoIds: [], duplicate: true })},
          91, 'streets-b', 'merged')
      returning id::text`;
    const start = new Date(now - 3_600_000).toISOString();
    const { data } = await both((f) => `/open311/v2/servicerequestupdates.${f}?start_date=${start}`, S.RequestUpdates);
    const ids = data.map((u) => u.update_id);
    expect(ids).toContain(first!.id);
    expect(ids).not.toContain(second!.id);
    // Nor twice in the request's public notes.
    const { data: request } = await both((f) => `/open311/v2/requests/4.${f}?extensions=true`, S.Requests);
    const fixes = (request[0]!.notes as { type: string }[]).filter((n) => n.type === 'fixed');
    expect(fixes).toHaveLength(1);
    await t.db.sql`delete from case_events where id in (${first!.id}, ${second!.id})`;
  });
});

describe('Open311 GeoReport v2: dates', () => {
  const refusals: [string, RegExp][] = [
    ['start_date=0000-01-01T00:00:00Z', /^start_date must lie between 1970-01-01/],
    ['end_date=0001-01-01T00:00:00Z', /^end_date must lie between 1970-01-01/],
    ['start_date=1969-12-31T23:59:59Z&end_date=1970-01-02T00:00:00Z', /^start_date must lie between/],
    ['end_date=9999-12-31T23:59:00-14:00', /^end_date must lie between/],
    ['start_date=2026-02-30T00:00:00Z', /^start_date must be a real day and time, as a W3C date-time with a zone/],
    ['start_date=2025-02-29', /^start_date must be a real day and time/],
    ['end_date=2026-13-01T00:00:00Z', /^end_date must be a real day and time/],
    ['start_date=2026-06-01T24:00:00Z', /^start_date must be a real day and time/],
    ['start_date=2026-06-01T10:60:00Z', /^start_date must be a real day and time/],
    ['start_date=2026-06-01T10:00:00%2B25:00', /^start_date must be a real day and time/],
    ['start_date=2026-06-01T10:00:00', /^start_date must be a real day and time/],
    ['end_date=June 1', /^end_date must be a real day and time/],
    ['start_date=2999-01-01T00:00:00Z', /^start_date is in the future: without an end_date the window ends now/],
  ];

  it('a date PostgreSQL cannot hold, a day not in the calendar or a start in the future is a 400 naming it', async () => {
    for (const endpoint of ['requests', 'servicerequestupdates']) {
      for (const [q, message] of refusals) {
        const { data } = await both((f) => `/open311/v2/${endpoint}.${f}?${q}`, S.Errors, 400);
        expect(data[0]!.description, `${endpoint} ${q}`).toMatch(message);
      }
    }
    expect(quietLogger.errors).toEqual([]);
  });

  it('zones, bare dates and the earliest end_date are read as written', async () => {
    const utc = await both((f) => `/open311/v2/requests.${f}?${JUNE}`, S.Requests);
    const zoned = await both(
      (f) => `/open311/v2/requests.${f}?start_date=2026-04-01T02:00:00%2B02:00&end_date=2026-06-10T17:00:00-07:00`,
      S.Requests,
    );
    expect(zoned.data).toEqual(utc.data);
    const bare = await both((f) => `/open311/v2/requests.${f}?start_date=2026-04-01&end_date=2026-06-11`, S.Requests);
    expect(bare.data).toEqual(utc.data);
    // The same instant in minutes only, or across the date line: the same requests.
    const minutes = await both(
      (f) => `/open311/v2/requests.${f}?start_date=2026-04-01T00:00Z&end_date=2026-06-11T14:00%2B14:00`,
      S.Requests,
    );
    expect(minutes.data).toEqual(utc.data);
    // A zone read the wrong way round would move the window by hours: the last request of the
    // window is in it up to its own second, and out of it a second earlier.
    const last = utc.data.map((r) => Date.parse(r.requested_datetime)).reduce((a, b) => Math.max(a, b));
    const at = (ms: number, zone: number) => {
      const local = new Date(ms + zone * 3_600_000).toISOString().slice(0, 19);
      const sign = zone < 0 ? '-' : '%2B';
      return `${local}${sign}${String(Math.abs(zone)).padStart(2, '0')}:00`;
    };
    for (const zone of [-7, 0, 5]) {
      const upTo = await both(
        (f) => `/open311/v2/requests.${f}?start_date=2026-04-01T00:00:00Z&end_date=${at(last, zone)}`,
        S.Requests,
      );
      expect(upTo.data.length, `zone ${zone}`).toBe(utc.data.length);
      const before = await both(
        (f) => `/open311/v2/requests.${f}?start_date=2026-04-01T00:00:00Z&end_date=${at(last - 1000, zone)}`,
        S.Requests,
      );
      expect(before.data.length, `zone ${zone}`).toBeLessThan(utc.data.length);
    }
    // An empty date is no date; a start alone opens a window of 90 days from it.
    const empty = await both((f) => `/open311/v2/requests.${f}?${JUNE}&status=&service_code=`, S.Requests);
    expect(empty.data).toEqual(utc.data);
    const blank = await both((f) => `/open311/v2/requests.${f}?start_date=&end_date=`, S.Requests);
    const plain = await both((f) => `/open311/v2/requests.${f}`, S.Requests);
    expect(blank.data).toEqual(plain.data);
    const startOnly = await both((f) => `/open311/v2/requests.${f}?start_date=2026-04-01T00:00:00Z`, S.Requests);
    expect(startOnly.data).toEqual(utc.data);
    // A start in the future is fine when the end is given too: nothing is in that window.
    const ahead = await both(
      (f) => `/open311/v2/requests.${f}?start_date=2999-01-01T00:00:00Z&end_date=2999-01-02T00:00:00Z`,
      S.Requests,
    );
    expect(ahead.data).toEqual([]);
    const leap = await both((f) => `/open311/v2/requests.${f}?start_date=2024-02-29T00:00:00.5Z`, S.Requests);
    expect(leap.data).toEqual([]);
    const early = await both(
      (f) => `/open311/v2/servicerequestupdates.${f}?end_date=1970-01-01T00:00:00Z`,
      S.RequestUpdates,
    );
    expect(early.data).toEqual([]);
  });
});

describe('Open311 GeoReport v2: reads are public, whatever api_key they carry', () => {
  it('a GET with an unknown key, or with a key past its limit, is answered and counts nothing', async () => {
    const key = 'ff311_tight-read-key';
    await t.db.sql`
      insert into api_keys (id, name, key_hash, rate_limit_per_minute)
      values ('k_tight_reads', 'Tight reads', ${hashApiKey(key)}, 2)`;
    for (const k of ['bogus', key]) {
      for (const path of [
        `/open311/v2/requests.json?${JUNE}`,
        '/open311/v2/requests/1.xml',
        '/open311/v2/servicerequestupdates.json',
        '/open311/v2/duplicates.json?service_code=POTHOLE&lat=42.36&long=-86.98',
        '/open311/v2-test/requests.json',
      ]) {
        for (let i = 0; i < 3; i += 1) {
          const res = await get(`${path}${path.includes('?') ? '&' : '?'}api_key=${k}`);
          expect(res.status, `${path} with api_key=${k}`).toBe(200);
        }
      }
    }
    const [row] = await t.db.sql<{ last_used_at: Date | null; window_start: Date | null; window_count: number }[]>`
      select last_used_at, window_start, window_count from api_keys where id = 'k_tight_reads'`;
    expect(row).toEqual({ last_used_at: null, window_start: null, window_count: 0 });

    // A POST still needs the key and counts against it; past the limit a browser script can
    // read how long to wait.
    const form = {
      api_key: key,
      service_code: 'POTHOLE',
      ...OLD_TOWN,
      'attribute[size]': 'small',
    };
    const origin = { origin: 'https://civic.example' };
    expect((await post('/open311/v2-test/requests.json', form, origin)).status).toBe(200);
    expect((await post('/open311/v2-test/requests.json', form, origin)).status).toBe(200);
    const limited = await post('/open311/v2-test/requests.json', form, origin);
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(limited.headers.get('access-control-allow-origin')).toBe('*');
    expect(limited.headers.get('access-control-expose-headers')?.toLowerCase()).toBe('retry-after');
  });
});

describe('Open311 GeoReport v2: POST requests', () => {
  const valid = {
    api_key: DEMO_API_KEY,
    service_code: 'POTHOLE',
    ...OLD_TOWN,
    address_string: '412 Beech Ave',
    description: 'Deep hole by the bus stop.',
    'attribute[size]': 'large',
    ...SECRETS,
    language: 'es',
  };

  it(`creates a case through the change log: routed, history, reporter apart, "received" queued${WHY_SKIPPED}`, async () => {
    const [head] = await t.db.sql<{ cursor: string }[]>`select max(change_cursor)::text as cursor from cases`;
    const before = head!.cursor;
    const crew = await t.login('worker@riverton.example');
    for (const fmt of ['json', 'xml']) {
      const res = await post(`/open311/v2/requests.${fmt}`, valid);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toContain(fmt === 'json' ? 'application/json' : 'text/xml');
    }
    const res = await post('/open311/v2/requests.json', valid);
    const created = S.CreatedRequests.parse(await res.json());
    const id = created[0]!.service_request_id;
    expect(created[0]!.service_notice).toBe('The city aims to deal with this within 5 days.');
    expect(created[0]!.account_id).toBeNull();

    const [c] = await t.db.sql<{ state: string; assigned_crew_id: string; district_id: string; version: number }[]>`
      select state, assigned_crew_id, district_id, version from cases where id = ${id}`;
    expect(c).toEqual({ state: 'assigned', assigned_crew_id: 'streets-a', district_id: 'old-town', version: 2 });
    const events = await t.db.sql<{ kind: string; data: { message?: string } }[]>`
      select kind, data from case_events where case_id = ${id} order by version`;
    expect(events.map((e) => e.kind)).toEqual(['reported', 'routed']);
    // The two sent just before at the same place are named as likely duplicates.
    expect(events[1]!.data.message).toMatch(
      /^Routed to Streets, Streets Crew A: district Old Town, type Pothole\. Likely a duplicate of #\d+ \(0 m away\), #\d+ \(0 m away\)\.$/,
    );
    const [reporter] = await t.db
      .sql`select email, phone, first_name, language from case_reporters where case_id = ${id}`;
    expect(reporter).toEqual({
      email: SECRETS.email,
      phone: SECRETS.phone,
      first_name: SECRETS.first_name,
      language: 'es',
    });
    const outbox = await t.db.sql`select template from notification_outbox where case_id = ${id}`;
    expect(outbox.map((o) => o.template)).toEqual(['received']);

    // The crew's device sees it on its next pull.
    const pull = await t.app.request(`/api/sync/pull?cursor=${before}&clientId=open311-test`, {
      headers: { ...crew, [PROTOCOL_HEADER]: String(PROTOCOL_VERSION) },
    });
    const pulled = (await pull.json()) as { cases: { id: string }[] };
    expect(pulled.cases.map((x) => x.id)).toContain(id);

    // GET it back; the token finds it.
    const { data } = await both((f) => `/open311/v2/requests/${id}.${f}`, S.Requests);
    expect(data[0]).toMatchObject({ status: 'open', service_code: 'POTHOLE', address: '412 Beech Ave' });
    if (published) conforms('requests.json', data);
    const { data: token } = await both((f) => `/open311/v2/tokens/${created[0]!.token}.${f}`, S.TokenAnswer);
    expect(token[0]!.service_request_id).toBe(id);
    await both((f) => `/open311/v2/tokens/no-such-token.${f}`, S.Errors, 404);
  });

  it('places a request sent with an address alone on the city’s streets (one location of the three the spec allows)', async () => {
    const res = await post('/open311/v2/requests.json', {
      ...valid,
      lat: '',
      long: '',
      address_string: '412 beech, Riverton MI',
    });
    expect(res.status, await res.clone().text()).toBe(200);
    const id = S.CreatedRequests.parse(await res.json())[0]!.service_request_id!;
    const [c] = await t.db.sql<{ address: string; lat: number; long: number; district_id: string }[]>`
      select address, lat, long, district_id from cases where id = ${id}`;
    const [block] = await t.db.sql<{ from_lat: number; to_lat: number; from_long: number; to_long: number }[]>`
      select from_lat, to_lat, from_long, to_long from address_ranges
      where street = 'Beech Ave' and 412 between from_number and to_number and parity = 0`;
    // The address as the city writes it, at its place along its block face.
    expect(c!.address).toBe('412 Beech Ave');
    expect(c!.lat).toBeGreaterThanOrEqual(Math.min(block!.from_lat, block!.to_lat));
    expect(c!.lat).toBeLessThanOrEqual(Math.max(block!.from_lat, block!.to_lat));
    expect(c!.long).toBeGreaterThanOrEqual(Math.min(block!.from_long, block!.to_long));
    expect(c!.long).toBeLessThanOrEqual(Math.max(block!.from_long, block!.to_long));
    expect(c!.district_id).not.toBeNull();
    // As people write it: a dot, the suffix in full, a unit, the town with no comma.
    for (const written of ['412 Beech Ave.', '412 Beech Avenue Apt 2', '412 Beech Ave Riverton MI']) {
      const again = await post('/open311/v2/requests.json', { ...valid, lat: '', long: '', address_string: written });
      expect(again.status, `${written}: ${await again.clone().text()}`).toBe(200);
      const placed = S.CreatedRequests.parse(await again.json())[0]!.service_request_id!;
      const [row] = await t.db.sql<{ address: string }[]>`select address from cases where id = ${placed}`;
      expect(row!.address, written).toBe('412 Beech Ave');
    }
  });

  it('names a request sent with lat and long alone by the nearest house number, as the residents’ form does', async () => {
    const res = await post('/open311/v2/requests.json', { ...valid, address_string: '' });
    expect(res.status, await res.clone().text()).toBe(200);
    const id = S.CreatedRequests.parse(await res.json())[0]!.service_request_id!;
    const [c] = await t.db.sql<{ address: string; lat: number; long: number }[]>`
      select address, lat, long from cases where id = ${id}`;
    // The point stays where it was sent; the address is the one the residents' form suggests there.
    expect(c).toMatchObject({ lat: Number(OLD_TOWN.lat), long: Number(OLD_TOWN.long) });
    const near = await t.app.request(`/api/public/addresses/near?lat=${OLD_TOWN.lat}&long=${OLD_TOWN.long}`);
    const [{ address }] = ((await near.json()) as { suggestions: { address: string }[] }).suggestions as [
      { address: string },
    ];
    expect(address).toMatch(/^\d+ \S/);
    expect(c!.address).toBe(address);
    // Its ZIP code is that block face's, in the request as GeoReport reads it.
    const { data } = await both((f) => `/open311/v2/requests/${id}.${f}`, S.Requests);
    expect(data[0]!.zipcode).toBe('49602');
  });

  it('refuses as the spec says: 403 without a good key, 404 unknown code, 400 for the rest', async () => {
    const cases: [Record<string, string | string[]>, number, RegExp][] = [
      [{ ...valid, api_key: '' }, 403, /api_key is required/],
      [{ ...valid, api_key: 'wrong' }, 403, /not valid/],
      [{ ...valid, service_code: '' }, 400, /service_code is required/],
      [{ ...valid, service_code: 'NOPE' }, 404, /No service has the code NOPE/],
      [{ ...valid, lat: '', long: '', address_string: '' }, 400, /send lat and long, or an address_string/],
      [{ ...valid, lat: '', long: '', address_string: '', address_id: 'parcel-77' }, 400, /cannot place an address_id/],
      [{ ...valid, lat: '', long: '', address_string: 'Beech Ave' }, 400, /"Beech Ave" needs a house number/],
      [{ ...valid, lat: '', long: '', address_string: '99999 Nowhere Rd' }, 400, /is not an address in this city/],
      [{ ...valid, lat: '', long: '', address_string: '412 B' }, 400, /could be 412 Beech Ave or 412 Birch Ave/],
      [{ ...valid, long: '' }, 400, /together/],
      [{ ...valid, lat: '91' }, 400, /lat must be a number/],
      [{ ...valid, lat: '40.0', long: '-80.0' }, 400, /outside the city/],
      [{ ...valid, 'attribute[size]': '' }, 400, /attribute\[size\] is required/],
      [{ ...valid, 'attribute[size]': 'huge' }, 400, /must be one of small, medium, large/],
      [{ ...valid, 'attribute[colour]': 'red' }, 400, /not an attribute of this service/],
      [{ ...valid, description: 'x'.repeat(4001) }, 400, /description is longer than 4000/],
      [{ ...valid, email: 'not-an-email' }, 400, /email/],
      // A control character would be stored and mailed to: refused like the residents' form's.
      [{ ...valid, email: 'a\u0001b@example.org' }, 400, /email is not an email address/],
      [{ ...valid, email: 'a\u007fb@example.org' }, 400, /email is not an email address/],
    ];
    const before = await countCases();
    for (const [form, status, message] of cases) {
      const json = await post('/open311/v2/requests.json', form);
      expect(json.status, JSON.stringify(form).slice(0, 80)).toBe(status);
      const body = S.Errors.parse(await json.json());
      expect(body[0]!.description).toMatch(message);
      const xml = await post('/open311/v2/requests.xml', form);
      expect(xml.status).toBe(status);
      expect(await xml.text()).toContain(`<code>${status}</code>`);
    }
    const notForm = await t.app.request('/open311/v2/requests.json', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(valid),
    });
    expect(notForm.status).toBe(400);
    const after = await countCases();
    expect(after).toBe(before);
  });

  it('the test endpoint checks and answers, and creates no work', async () => {
    const before = await countCases();
    const res = await post('/open311/v2-test/requests.json', valid);
    expect(res.status).toBe(200);
    const [answer] = S.CreatedRequests.parse(await res.json());
    expect(answer!.service_request_id).toMatch(/^test-/);
    expect((await post('/open311/v2-test/requests.json', { ...valid, service_code: 'NOPE' })).status).toBe(404);
    expect((await post('/open311/v2-test/requests.json', { ...valid, api_key: '' })).status).toBe(403);
    const after = await countCases();
    expect(after).toBe(before);
  });

  it('address_id is the client’s words: shown without the contact details in it, in JSON, XML and lists', async () => {
    const addressId = 'jane.doe@example.org 555 867 5309';
    const res = await post('/open311/v2/requests.json', {
      ...valid,
      lat: '42.3561',
      long: '-86.9771',
      address_id: addressId,
    });
    const id = S.CreatedRequests.parse(await res.json())[0]!.service_request_id;
    const one = await both((f) => `/open311/v2/requests/${id}.${f}`, S.Requests);
    expect(one.data[0]!.address_id).toBe('[…] […]');
    expect(one.xml).toContain('<address_id>[…] […]</address_id>');
    const listed = await both((f) => `/open311/v2/requests.${f}?service_request_id=${id}`, S.Requests);
    const near = await both(
      (f) => `/open311/v2/duplicates.${f}?service_code=POTHOLE&lat=42.3561&long=-86.9771`,
      S.Requests,
    );
    for (const text of [JSON.stringify(one.data), one.xml, JSON.stringify(listed.data), listed.xml, near.xml]) {
      expect(text).not.toContain('jane.doe');
      expect(text).not.toContain('867');
    }
    // Staff keep what was sent.
    const [row] = await t.db.sql<{ address_id: string }[]>`select address_id from cases where id = ${id}`;
    expect(row!.address_id).toBe(addressId);
  });

  it('a body that is not UTF-8 is refused, naming what is wrong; UTF-8 is kept as sent', async () => {
    const form = new URLSearchParams({ ...valid, description: 'x' });
    const urlencoded = 'application/x-www-form-urlencoded';
    const multipart = (field: string, value: Uint8Array) => {
      const parts = Object.entries({ ...valid, [field]: '' }).map(([k, v]) =>
        Buffer.concat([
          Buffer.from(`--b0undary\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n`),
          k === field ? Buffer.from(value) : Buffer.from(v),
          Buffer.from('\r\n'),
        ]),
      );
      return new Uint8Array(Buffer.concat([...parts, Buffer.from('--b0undary--\r\n')]));
    };
    const before = await countCases();
    const refusals: [string | Uint8Array, string, RegExp][] = [
      [form.toString().replace('description=x', 'description=%ff%fe'), urlencoded, /^description is not valid UTF-8/],
      [form.toString().replace('description=x', 'description=caf%E9'), urlencoded, /^description is not valid UTF-8/],
      [form.toString().replace('description=x', 'desc%ffription=x'), urlencoded, /^A field name is not valid UTF-8/],
      [
        new Uint8Array([...Buffer.from(form.toString().replace('description=x', 'description=caf')), 0xe9]),
        urlencoded,
        /^The request body is not valid UTF-8/,
      ],
      [
        form.toString(),
        `${urlencoded}; charset=ISO-8859-1`,
        /^The request body is declared charset=ISO-8859-1: .* UTF-8/,
      ],
      [form.toString(), `${urlencoded}; charset="windows-1252"`, /charset=windows-1252/],
      [
        multipart('description', new Uint8Array([0x63, 0x61, 0x66, 0xe9])),
        'multipart/form-data; boundary=b0undary',
        /^description is not valid UTF-8/,
      ],
    ];
    for (const root of ['/open311/v2', '/open311/v2-test']) {
      for (const [body, type, message] of refusals) {
        const res = await postRaw(`${root}/requests.json`, body, type);
        expect(res.status, `${root} ${type}`).toBe(400);
        expect(S.Errors.parse(await res.json())[0]!.description).toMatch(message);
      }
    }
    expect(await countCases()).toBe(before);

    const words = 'Nid-de-poule près du café, 30 cm — ½ voie';
    const sent: [string | Uint8Array, string][] = [
      [
        new URLSearchParams({ ...valid, lat: '42.3564', description: words }).toString(),
        `${urlencoded}; charset=UTF-8`,
      ],
      [
        new Uint8Array(
          Buffer.from(
            `${new URLSearchParams({ ...valid, lat: '42.3565', description: 'x' }).toString().replace('description=x', `description=${words}`)}`,
          ),
        ),
        urlencoded,
      ],
      [multipart('description', new TextEncoder().encode(words)), 'multipart/form-data; boundary=b0undary'],
      [multipart('description', new TextEncoder().encode(`\uFFFD ${words}`)), 'multipart/form-data; boundary=b0undary'],
    ];
    for (const [body, type] of sent) {
      const res = await postRaw('/open311/v2/requests.json', body, type);
      expect(res.status, await res.clone().text()).toBe(200);
      const id = S.CreatedRequests.parse(await res.json())[0]!.service_request_id;
      const [row] = await t.db.sql<{ description: string }[]>`select description from cases where id = ${id}`;
      expect(row!.description.replace('\uFFFD ', '')).toBe(words);
    }
  });

  it('a form is read as the spec writes it: + is a space, a name alone is empty, a repeated name is a list', async () => {
    const urlencoded = 'application/x-www-form-urlencoded';
    const base = new URLSearchParams({ ...valid, lat: '42.3566' }).toString();
    // On the test endpoint: checked as a real POST, nothing made.
    const send = (body: string, type = urlencoded) => postRaw('/open311/v2-test/requests.json', body, type);
    for (const type of [
      `${urlencoded}; charset=utf8`,
      `${urlencoded}; charset="UTF-8"`,
      `${urlencoded};charset=utf-8`,
      'Application/X-WWW-Form-Urlencoded',
    ]) {
      expect((await send(base, type)).status, type).toBe(200);
    }
    for (const [type, message] of [
      [`${urlencoded}; charset=utf-88`, /charset=utf-88/],
      [`${urlencoded}; charset=xutf-8`, /charset=xutf-8/],
      [`${urlencoded};charset=latin1`, /charset=latin1/],
      [`${urlencoded}; charset=`, /charset=:/],
      ['text/plain', /^Send the request as application\/x-www-form-urlencoded/],
      [`${urlencoded}x`, /^Send the request as application\/x-www-form-urlencoded/],
    ] as const) {
      const res = await send(base, type);
      expect(res.status, type).toBe(400);
      expect(S.Errors.parse(await res.json())[0]!.description, type).toMatch(message);
    }
    // `+` in a value is a space; empty pairs are nothing; a name with no `=` is an empty value.
    const spaced = await send(`${base}&&description=Deep+hole+by+the+stop&&email`);
    expect(spaced.status).toBe(200);
    // A single-choice answer given twice: a list, refused by name.
    const twice = await send(`${base}&attribute%5Bsize%5D=small`);
    expect(twice.status).toBe(400);
    expect(S.Errors.parse(await twice.json())[0]!.description).toMatch(/attribute\[size\]/);
    // The same on the real endpoint keeps the words as sent.
    const made = await postRaw(
      '/open311/v2/requests.json',
      `${new URLSearchParams({ ...valid, lat: '42.3567' }).toString()}&description=Deep+hole%2Bmore&email`,
      urlencoded,
    );
    expect(made.status, await made.clone().text()).toBe(200);
    const id = S.CreatedRequests.parse(await made.json())[0]!.service_request_id;
    const [row] = await t.db.sql<{ description: string }[]>`select description from cases where id = ${id}`;
    expect(row!.description).toBe('Deep hole+more');
  });

  it(`the test endpoint answers its own ids and tokens, and no other${WHY_SKIPPED}`, async () => {
    const before = await countCases();
    const res = await post('/open311/v2-test/requests.json', valid);
    const [answer] = S.CreatedRequests.parse(await res.json());
    const { service_request_id: id, token } = answer!;
    expect(id).toBe(`test-${token}`);
    const { data: found } = await both((f) => `/open311/v2-test/tokens/${token}.${f}`, S.TokenAnswer);
    expect(found).toEqual([{ service_request_id: id, token }]);
    const { data } = await both((f) => `/open311/v2-test/requests/${id}.${f}`, S.Requests);
    expect(data[0]).toMatchObject({
      service_request_id: id,
      status: 'open',
      service_code: 'POTHOLE',
      service_name: 'Pothole',
      agency_responsible: 'Streets',
      lat: Number(valid.lat),
      long: Number(valid.long),
      description: null,
    });
    expect(Date.parse(data[0]!.expected_datetime!) - Date.parse(data[0]!.requested_datetime)).toBe(5 * 86_400_000);
    if (published) conforms('requests.json', data);
    const { data: extended } = await both((f) => `/open311/v2-test/requests/${id}.${f}?extensions=true`, S.Requests);
    expect(extended[0]!.notes).toEqual([
      { datetime: data[0]!.requested_datetime, description: 'Reported.', type: 'reported' },
    ]);
    const { data: listed } = await both((f) => `/open311/v2-test/requests.${f}?service_request_id=${id},1`, S.Requests);
    expect(listed.map((r) => r.service_request_id)).toEqual([id, '1']);

    // An altered token, and the sandbox's ids and tokens on the production endpoint, are not found.
    const altered = `${token.slice(0, -1)}${token.endsWith('A') ? 'B' : 'A'}`;
    await both((f) => `/open311/v2-test/tokens/${altered}.${f}`, S.Errors, 404);
    await both((f) => `/open311/v2-test/requests/test-${altered}.${f}`, S.Errors, 404);
    await both((f) => `/open311/v2/tokens/${token}.${f}`, S.Errors, 404);
    await both((f) => `/open311/v2/requests/${id}.${f}`, S.Errors, 404);
    expect(await countCases()).toBe(before);
  });

  it('likely duplicates: an open case of the same type near the point, nearest first', async () => {
    const res = await post('/open311/v2/requests.json', { ...valid, lat: '42.3601', long: '-86.9801' });
    const id = S.CreatedRequests.parse(await res.json())[0]!.service_request_id;
    const { data } = await both(
      (f) => `/open311/v2/duplicates.${f}?service_code=POTHOLE&lat=42.36012&long=-86.98012`,
      S.Requests,
    );
    expect(data[0]!.service_request_id).toBe(id);
    // A second report there names the first in its history, for the lead to merge.
    const again = await post('/open311/v2/requests.json', { ...valid, lat: '42.36012', long: '-86.98012' });
    const second = S.CreatedRequests.parse(await again.json())[0]!.service_request_id;
    const [routed] = await t.db.sql<{ data: { message: string; likelyDuplicateIds: string[] } }[]>`
      select data from case_events where case_id = ${second} and kind = 'routed'`;
    expect(routed!.data.likelyDuplicateIds).toEqual([id]);
    expect(routed!.data.message).toMatch(new RegExp(`Likely a duplicate of #${id} \\(\\d+ m away\\)\\.$`));
    const { data: far } = await both(
      (f) => `/open311/v2/duplicates.${f}?service_code=POTHOLE&lat=42.3651&long=-86.9801`,
      S.Requests,
    );
    expect(far.map((r) => r.service_request_id)).not.toContain(id);
    const { data: other } = await both(
      (f) => `/open311/v2/duplicates.${f}?service_code=GRAFFITI&lat=42.36012&long=-86.98012`,
      S.Requests,
    );
    expect(other.map((r) => r.service_request_id)).not.toContain(id);
    await both((f) => `/open311/v2/duplicates.${f}?service_code=NOPE&lat=42.36&long=-86.98`, S.Errors, 404);
    await both((f) => `/open311/v2/duplicates.${f}?service_code=POTHOLE`, S.Errors, 400);
  });
});

describe('Open311 privacy', () => {
  it('no response of any endpoint carries a reporter’s name, email, phone, device or account id', () => {
    expect(bodies.length).toBeGreaterThan(50);
    for (const { url, body } of bodies) {
      for (const secret of Object.values(SECRETS)) expect(body, `${url} leaks ${secret}`).not.toContain(secret);
    }
  });
});
