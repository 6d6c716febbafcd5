import { createHash, randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AddressSuggestionsResponse,
  NearbyCasesResponse,
  PublicReportResponse,
  PublicServicesResponse,
} from '@fieldfix/shared';
import { proofFor } from '../../test/report-proof.ts';
import { createTestApp, type TestApp } from '../../test/test-app.ts';
import { UNKNOWN_ADDRESS } from '../auth/client-address.ts';
import { verifyLink } from '../notices-delivery/signed-links.ts';
import { REPORT_LIMITS } from './report.routes.ts';

// The residents' report form's API: a report made once whatever how often it is sent, limits,
// the honeypot and the proof of work, 4xx that name the problem, routing to the right crew,
// address suggestions from the city's streets, photos, and no personal data in what is public.

const SECRET = 'public-report-test-secret-0123456789';
let t: TestApp;
let dataDir: string;

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'fieldfix-report-'));
  t = await createTestApp({ linkSecret: SECRET, dataDir, photosDir: join(dataDir, 'photos') });
});
afterAll(async () => {
  await t?.close();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

// A pothole in Old Town (Streets Crew A's district), on Cedar Ave.
const OLD_TOWN = { lat: 42.35595, long: -86.9808 };

function report(over: Record<string, unknown> = {}) {
  const token = (over.token as string | undefined) ?? randomUUID();
  return {
    token,
    serviceCode: 'POTHOLE',
    ...OLD_TOWN,
    address: '',
    description: 'Hondo bache en el carril derecho',
    attributes: { size: 'large' },
    email: `vecina.${token.slice(0, 8)}@example.org`,
    language: 'es',
    device: `device-${randomUUID()}`,
    proof: proofFor(token),
    website: '',
    ...over,
  };
}

const send = (body: unknown) =>
  t.app.request('/api/public/reports', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
const errorOf = async (res: Response) => ((await res.json()) as { error: { code: string; message: string } }).error;

describe('POST /api/public/reports', () => {
  it('creates a case routed to the crew of the district and type, in the reporter language', async () => {
    const res = await send(report());
    expect(res.status).toBe(201);
    const body = PublicReportResponse.parse(await res.json());
    expect(body.replayed).toBe(false);
    expect(verifyLink(SECRET, body.trackKey, 'track')?.caseId).toBe(body.caseId);
    const [c] = await t.db.sql<{ assigned_crew_id: string; district_id: string; state: string; address: string }[]>`
      select assigned_crew_id, district_id, state, address from cases where id = ${body.caseId}`;
    expect(c).toMatchObject({ assigned_crew_id: 'streets-a', district_id: 'old-town', state: 'assigned' });
    // Placed by position only: the nearest house number of the city's own address ranges.
    expect(c!.address).toMatch(/^\d+ Cedar Ave$/);
    const [who] = await t.db.sql<{ email: string; language: string }[]>`
      select email, language from case_reporters where case_id = ${body.caseId}`;
    expect(who).toEqual({ email: expect.stringMatching(/^vecina\.\w+@example\.org$/), language: 'es' });
    const [reported] = await t.db.sql<{ data: { channel: string } }[]>`
      select data from case_events where case_id = ${body.caseId} and kind = 'reported'`;
    expect(reported!.data.channel).toBe('web');
  });

  it('routes a type to its own department: a streetlight goes to Signals & Lighting', async () => {
    const res = await send(report({ serviceCode: 'STREETLIGHT', attributes: { problem: 'out' } }));
    expect(res.status, await res.clone().text()).toBe(201);
    const { caseId } = PublicReportResponse.parse(await res.json());
    const [c] = await t.db.sql<{ assigned_crew_id: string }[]>`select assigned_crew_id from cases where id = ${caseId}`;
    expect(c!.assigned_crew_id).toBe('signals');
  });

  it('sent twice (or at the same time) with the same token, makes one case', async () => {
    const body = report();
    const [a, b] = await Promise.all([send(body), send(body)]);
    const answers = [PublicReportResponse.parse(await a.json()), PublicReportResponse.parse(await b.json())];
    expect(answers[0]!.caseId).toBe(answers[1]!.caseId);
    expect([a.status, b.status].sort()).toEqual([200, 201]);
    const again = await send(body);
    expect(again.status).toBe(200);
    expect(PublicReportResponse.parse(await again.json())).toMatchObject({
      caseId: answers[0]!.caseId,
      replayed: true,
    });
    const [n] = await t.db.sql<{ n: number }[]>`
      select count(*)::int as n from public_reports where client_token = ${body.token}`;
    expect(n!.n).toBe(1);
  });

  it('refuses a filled honeypot and a missing proof of work, saying why, and creates nothing', async () => {
    const [before] = await t.db.sql<{ n: number }[]>`select count(*)::int as n from cases`;
    const honey = await send(report({ website: 'http://spam.example' }));
    expect(honey.status).toBe(400);
    const h = await errorOf(honey);
    expect(h.code).toBe('report-refused');
    expect(h.message).toMatch(/field meant to stay empty/);
    const lazy = await send(report({ proof: 'x' }));
    expect(lazy.status).toBe(400);
    expect((await errorOf(lazy)).message).toMatch(/proof of work/);
    const [after] = await t.db.sql<{ n: number }[]>`select count(*)::int as n from cases`;
    expect(after!.n).toBe(before!.n);
  });

  it('answers bad input with a 400 naming the problem', async () => {
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ serviceCode: 'NOPE' }, /No service has the code NOPE/],
      [{ lat: 95 }, /lat/],
      [{ email: 'not-an-email' }, /email: not an email address/],
      [{ token: 'abc' }, /token/],
      [{ language: 'fr' }, /language/],
      [{ lat: 40.0, long: -80.0 }, /outside the city/],
      [{ attributes: {} }, /attribute\[size\] is required/],
      [{ attributes: { size: 'huge' } }, /attribute\[size\] must be one of/],
    ];
    for (const [over, words] of cases) {
      const res = await send(report(over));
      expect(res.status, JSON.stringify(over)).toBe(400);
      const e = await errorOf(res);
      expect(e.message, JSON.stringify(over)).toMatch(words);
      expect(e.message).not.toMatch(/at .*\.ts:\d+/); // no stack trace
    }
    const notJson = await t.app.request('/api/public/reports', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{',
    });
    expect(notJson.status).toBe(400);
  });

  it('refuses an email with a NUL, a control character or half a surrogate pair, and creates nothing', async () => {
    const [before] = await t.db.sql<{ n: number }[]>`select count(*)::int as n from cases`;
    for (const email of [
      'a\u0000@example.org',
      'a\u0001@example.org',
      'a\u007f@example.org',
      'a@exam\u001bple.org',
      'a\ud800@example.org',
      'a@example.org\udfff',
    ]) {
      const res = await send(report({ email }));
      expect(res.status, JSON.stringify(email)).toBe(400);
      expect((await errorOf(res)).message, JSON.stringify(email)).toMatch(/email: not an email address/);
    }
    const [after] = await t.db.sql<{ n: number }[]>`select count(*)::int as n from cases`;
    expect(after!.n).toBe(before!.n);
  });

  it('refuses an answer under a key that is not an attribute code, naming the key', async () => {
    const [before] = await t.db.sql<{ n: number }[]>`select count(*)::int as n from cases`;
    for (const key of ['a]b', '', 'size][', 'size ', 'x'.repeat(65)]) {
      const res = await send(report({ attributes: { size: 'large', [key]: 'x' } }));
      expect(res.status, JSON.stringify(key)).toBe(400);
      const e = await errorOf(res);
      expect(e.code).toBe('invalid-body');
      expect(e.message, JSON.stringify(key)).toContain(`${JSON.stringify(key)} is not an attribute code`);
    }
    // A code of the catalogue's kind that the type does not ask: named by the intake.
    const unknown = await send(report({ attributes: { size: 'large', ab: 'x' } }));
    expect(unknown.status).toBe(400);
    expect((await errorOf(unknown)).message).toMatch(/attribute\[ab\] is not an attribute of this service/);
    const [after] = await t.db.sql<{ n: number }[]>`select count(*)::int as n from cases`;
    expect(after!.n).toBe(before!.n);
  });

  it('counts only reports that pass every check against the limits', async () => {
    const device = `device-${randomUUID()}`;
    const refused: Record<string, unknown>[] = [
      { serviceCode: 'NOPE' },
      { lat: 40.0, long: -80.0 },
      { attributes: {} },
      { attributes: { size: 'huge' } },
      { email: 'not-an-email' },
      { website: 'http://spam.example' },
    ];
    for (const over of refused) {
      expect((await send(report({ device, ...over }))).status, JSON.stringify(over)).toBe(400);
    }
    const statuses: number[] = [];
    for (let i = 0; i < 7; i++) statuses.push((await send(report({ device }))).status);
    expect(statuses).toEqual([201, 201, 201, 201, 201, 201, 429]);
    // Refused by the limit: not counted either, and still refused.
    expect((await send(report({ device }))).status).toBe(429);
    // Once spent, the limit is said before any other work: even a point outside the city (a
    // 400 after routing) gets the 429.
    expect((await send(report({ device, lat: 40.0, long: -80.0 }))).status).toBe(429);
    const bucket = `report:device:${createHash('sha256').update(device).digest('hex').slice(0, 32)}`;
    const [hits] = await t.db.sql<{ hits: number }[]>`select hits from public_rate_limits where bucket = ${bucket}`;
    expect(hits!.hits).toBe(6);
  });

  it('limits reports per device, and says when to try again; a replay is not counted', async () => {
    const device = `device-${randomUUID()}`;
    const first = report({ device });
    const statuses: number[] = [];
    for (let i = 0; i < 7; i++) {
      statuses.push((await send(i === 0 ? first : report({ device }))).status);
    }
    expect(statuses).toEqual([201, 201, 201, 201, 201, 201, 429]);
    const limited = await send(report({ device }));
    expect(limited.status).toBe(429);
    const e = await errorOf(limited);
    expect(e.code).toBe('rate-limited');
    expect(e.message).toMatch(/Try again in \d+ minutes?/);
    // The same wait, in seconds, where a client's retry logic reads it.
    const wait = Number(limited.headers.get('retry-after'));
    expect(wait).toBeGreaterThan(0);
    expect(Math.ceil(wait / 60)).toBe(Number(/Try again in (\d+) minute/.exec(e.message)?.[1]));
    // The phone that lost the answer of its first report still gets it.
    expect((await send(first)).status).toBe(200);
  });
});

describe('what the form reads', () => {
  it('lists the types with their group, glyph and questions', async () => {
    const res = await t.app.request('/api/public/services');
    const { services } = PublicServicesResponse.parse(await res.json());
    const pothole = services.find((s) => s.code === 'POTHOLE');
    expect(pothole).toMatchObject({ group: 'Streets & sidewalks', icon: 'pothole' });
    expect(pothole!.attributes.map((a) => a.code)).toEqual(['size']);
  });

  it('suggests addresses from the city streets, and names the nearest one to a point', async () => {
    const res = await t.app.request(`/api/public/addresses?q=${encodeURIComponent('1410 cedar avenue')}`);
    const { suggestions } = AddressSuggestionsResponse.parse(await res.json());
    expect(suggestions[0]?.address).toBe('1410 Cedar Ave');
    const near = await t.app.request(
      `/api/public/addresses/near?lat=${suggestions[0]!.lat}&long=${suggestions[0]!.long}`,
    );
    expect(AddressSuggestionsResponse.parse(await near.json()).suggestions[0]?.address).toBe('1410 Cedar Ave');
    const streets = AddressSuggestionsResponse.parse(
      await (await t.app.request('/api/public/addresses?q=ced')).json(),
    ).suggestions;
    expect(streets.map((s) => s.address)).toEqual(['100 Cedar Ave']);
    // Two block faces that overlap (a divided road): the address once, at the first face.
    await t.db.sql`
      insert into address_ranges (street, from_number, to_number, parity, from_lat, from_long, to_lat, to_long, zipcode)
      select street, from_number, to_number, parity, from_lat + 0.0001, from_long, to_lat + 0.0001, to_long, '49699'
      from address_ranges where street = 'Cedar Ave' and 1410 between from_number and to_number and parity = 0`;
    const twice = AddressSuggestionsResponse.parse(
      await (await t.app.request(`/api/public/addresses?q=${encodeURIComponent('1410 cedar')}`)).json(),
    ).suggestions;
    expect(twice.map((s) => s.address)).toEqual(['1410 Cedar Ave']);
    await t.db.sql`delete from address_ranges where zipcode = '49699'`;
    const bad = await t.app.request('/api/public/addresses?q=');
    expect(bad.status).toBe(400);
    expect((await errorOf(bad)).message).toMatch(/q: type part of an address/);
    const odd = await t.app.request(`/api/public/addresses?q=${encodeURIComponent('%_\\')}`);
    expect(odd.status).toBe(200);
  });

  it('reads a point as decimal degrees only, and names the parameter that is not one', async () => {
    const good = await t.app.request('/api/public/addresses/near?lat=42.35595&long=-86.9808');
    expect(good.status).toBe(200);
    expect((await t.app.request('/api/public/addresses/near?lat=42&long=-87')).status).toBe(200);
    const bad: [string, RegExp][] = [
      ['lat=&long=', /lat: lat must be a number between -90 and 90.*long: long must be a number between -180 and 180/],
      ['lat=%20&long=-86.98', /lat: lat must be a number/],
      ['lat=42.35&long=%20', /long: long must be a number/],
      ['lat=0x2A&long=-86.98', /lat: lat must be a number/],
      ['lat=4.2e1&long=-86.98', /lat: lat must be a number/],
      ['lat=%2B42.35&long=-86.98', /lat: lat must be a number/],
      ['lat=Infinity&long=-86.98', /lat: lat must be a number/],
      ['lat=95&long=-86.98', /lat: lat must be a number between -90 and 90/],
      ['lat=42.35&long=-186', /long: long must be a number between -180 and 180/],
      ['long=-86.98', /lat: lat is required/],
      ['lat=42.35&lat=42.36&long=-86.98', /lat: lat must be a number .*given once/],
    ];
    for (const [q, words] of bad) {
      for (const path of ['/api/public/addresses/near', '/api/public/nearby']) {
        const url = `${path}?${path.endsWith('nearby') ? 'service=POTHOLE&' : ''}${q}`;
        const res = await t.app.request(url);
        expect(res.status, url).toBe(400);
        const e = await errorOf(res);
        expect(e.code, url).toBe('invalid-query');
        expect(e.message, url).toMatch(words);
      }
    }
  });

  it('shows open cases of the same type nearby with public fields only', async () => {
    const at = { lat: 42.3572, long: -86.9808 };
    const made = PublicReportResponse.parse(
      await (await send(report({ ...at, description: 'Near the school' }))).json(),
    );
    const res = await t.app.request(`/api/public/nearby?service=POTHOLE&lat=${at.lat}&long=${at.long + 0.0001}`);
    expect(res.status).toBe(200);
    const text = await res.text();
    const { cases, timeZone } = NearbyCasesResponse.parse(JSON.parse(text));
    expect(timeZone).toBe(t.config.cityTimeZone);
    expect(cases.map((c) => c.id)).toContain(made.caseId);
    expect(Object.keys(cases[0]!).sort()).toEqual(['address', 'description', 'id', 'metres', 'requestedAt', 'state']);
    // No reporter, device or crew in what the public reads.
    expect(text).not.toMatch(/vecina|device-|streets-a|Crew/);
    const track = await (await t.app.request(`/api/public/cases/${made.caseId}`)).text();
    expect(track).not.toMatch(/vecina|device-|streets-a/);
    const unknown = await t.app.request('/api/public/nearby?service=NOPE&lat=42.35&long=-86.98');
    expect(unknown.status).toBe(400);
  });
});

describe('PUT /api/public/reports/:token/photos/:photoId', () => {
  const put = (token: string, photoId: string, body: Uint8Array | string, type = 'image/jpeg') =>
    t.app.request(`/api/public/reports/${token}/photos/${photoId}`, {
      method: 'PUT',
      headers: { 'content-type': type },
      body: body as BodyInit,
    });

  it('stores the photo re-encoded, once, and the tracking page shows it', async () => {
    const body = report();
    const { caseId } = PublicReportResponse.parse(await (await send(body)).json());
    const jpeg = await sharp({ create: { width: 800, height: 600, channels: 3, background: '#555' } })
      .withExif({ IFD0: { Artist: 'Rosa Reporter' } })
      .jpeg()
      .toBuffer();
    const photoId = randomUUID();
    expect((await put(body.token, photoId, jpeg)).status).toBe(201);
    expect((await put(body.token, photoId, jpeg)).status).toBe(200); // sent again: the same photo
    const rows = await t.db.sql<{ id: string; complete: boolean; width: number }[]>`
      select id::text, complete, width from photos where case_id = ${caseId} and kind = 'report'`;
    expect(rows).toEqual([{ id: photoId, complete: true, width: 800 }]);
    const track = (await (await t.app.request(`/api/public/cases/${caseId}`)).json()) as { reportPhotoUrl: string };
    expect(track.reportPhotoUrl).toContain(photoId);
    const media = await t.app.request(new URL(track.reportPhotoUrl).pathname);
    expect(media.status).toBe(200);
    expect(Buffer.from(await media.arrayBuffer()).includes('Rosa Reporter')).toBe(false);
  });

  it('refuses what is not a picture, an unknown token, and a fourth photo, naming why', async () => {
    const body = report();
    await send(body);
    const png = await sharp({ create: { width: 8, height: 8, channels: 3, background: '#fff' } })
      .png()
      .toBuffer();
    const notJpeg = await put(body.token, randomUUID(), png);
    expect(notJpeg.status).toBe(415);
    expect((await errorOf(notJpeg)).message).toMatch(/a PNG image: send a JPEG or WebP/);
    const fake = await put(body.token, randomUUID(), new Uint8Array([0xff, 0xd8, 0xff, 0, 1, 2, 3]));
    expect(fake.status).toBe(400);
    expect((await errorOf(fake)).message).toMatch(/could not be read/);
    const unknown = await put(randomUUID(), randomUUID(), new Uint8Array([0xff, 0xd8, 0xff]));
    expect(unknown.status).toBe(404);
    expect((await errorOf(unknown)).message).toMatch(/send the report first/);
    const badId = await put(body.token, 'nope', new Uint8Array([1]));
    expect(badId.status).toBe(400);
    expect((await errorOf(badId)).message).toMatch(/photoId: a photo id is a UUID/);
    const jpeg = await sharp({ create: { width: 16, height: 16, channels: 3, background: '#123' } })
      .jpeg()
      .toBuffer();
    for (let i = 0; i < 3; i++) expect((await put(body.token, randomUUID(), jpeg)).status).toBe(201);
    const fourth = await put(body.token, randomUUID(), jpeg);
    expect(fourth.status).toBe(409);
    expect((await errorOf(fourth)).message).toMatch(/at most 3 photos/);
  });

  it('counts only photos it takes against the limit per address', async () => {
    const bucket = `report-photo:ip:${UNKNOWN_ADDRESS}`;
    // One photo short of the hour's limit.
    await t.db.sql`
      insert into public_rate_limits (bucket, window_start, hits)
      values (${bucket}, ${new Date()}, ${REPORT_LIMITS.photosPerHour - 1})
      on conflict (bucket) do update set window_start = excluded.window_start, hits = excluded.hits`;
    try {
      const body = report();
      const { caseId } = PublicReportResponse.parse(await (await send(body)).json());
      const png = await sharp({ create: { width: 8, height: 8, channels: 3, background: '#fff' } })
        .png()
        .toBuffer();
      const refused: [() => Response | Promise<Response>, number][] = [
        [() => put(body.token, randomUUID(), png), 415],
        [() => put(body.token, randomUUID(), new Uint8Array([0xff, 0xd8, 0xff, 0, 1, 2, 3])), 400],
        [() => put(body.token, randomUUID(), new Uint8Array()), 400],
        [() => put(randomUUID(), randomUUID(), new Uint8Array([0xff, 0xd8, 0xff])), 404],
        [() => put(body.token, 'nope', new Uint8Array([1])), 400],
      ];
      for (const [sent, status] of refused) expect((await sent()).status).toBe(status);
      const jpeg = await sharp({ create: { width: 16, height: 16, channels: 3, background: '#321' } })
        .jpeg()
        .toBuffer();
      const photoId = randomUUID();
      expect((await put(body.token, photoId, jpeg)).status).toBe(201);
      // Sent again: the same photo, not another.
      expect((await put(body.token, photoId, jpeg)).status).toBe(200);
      const over = await put(body.token, randomUUID(), jpeg);
      expect(over.status).toBe(429);
      expect((await errorOf(over)).message).toMatch(/Too many photos/);
      // Once spent, said before the photo is read: a file that is no picture (a 415 before)
      // gets the 429 too, and costs no decoding.
      expect((await put(body.token, randomUUID(), png)).status).toBe(429);
      const rows = await t.db.sql`select 1 from photos where case_id = ${caseId}`;
      expect(rows).toHaveLength(1);
    } finally {
      await t.db.sql`delete from public_rate_limits where bucket = ${bucket}`;
    }
  });

  it('refuses a photo larger than the limit with a 413', async () => {
    const body = report();
    await send(body);
    const big = new Uint8Array(3 * 1024 * 1024 + 10);
    big.set([0xff, 0xd8, 0xff]);
    const res = await put(body.token, randomUUID(), big);
    expect(res.status).toBe(413);
    expect((await errorOf(res)).message).toMatch(/larger than 3072 KiB/);
  });
});
