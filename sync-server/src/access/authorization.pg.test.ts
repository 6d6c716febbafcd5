import sharp from 'sharp';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import {
  leadingZeroBits,
  PROTOCOL_HEADER,
  PROTOCOL_VERSION,
  REPORT_PROOF_BITS,
  reportProofText,
} from '@fieldfix/shared';
import { createTestApp, type TestApp } from '../../test/test-app.ts';
import { DEMO_API_KEY, DEMO_ROUTING } from '../demo/demo-open311.ts';
import { insertApiKey } from '../api-keys/api-key.repo.ts';
import { DUMMY_HASH } from '../auth/password.ts';
import { insertPerson } from '../auth/user.repo.ts';
import { linkSecret, signLink } from '../notices-delivery/signed-links.ts';

// The authorization matrix: every route of the app × every kind of caller, with the status
// each must get. The route list comes from the app itself, so a new route without a row
// here fails the first test. Callers: anonymous, a worker of the case's crew, a worker of
// another crew, a lead of the case's department, a lead of another department, an admin,
// and a session that was ended.

const ROLES = ['anonymous', 'revoked', 'otherCrew', 'otherLead', 'lead', 'admin', 'crew'] as const;
type Role = (typeof ROLES)[number];
const LOGINS: Record<Exclude<Role, 'anonymous' | 'revoked'>, string> = {
  crew: 'worker@riverton.example', // Streets Crew A: the fixture case's crew
  otherCrew: 'worker.b@riverton.example', // Streets Crew B
  lead: 'lead@riverton.example', // Streets
  otherLead: 'lead.sanitation@riverton.example',
  admin: 'admin@riverton.example',
};

type Fixture = {
  caseId: string;
  photoId: string;
  pendingPhotoId: string;
  noticeId: string;
  /** An unsent resident notice (the outbox), and a signed unsubscribe token for the fixture case. */
  outboxId: string;
  unsubscribeToken: string;
  /** A signed "still a problem?" link for the fixture case (which is not fixed: refused, 409). */
  stillAProblemToken: string;
  /** The notices' tracking key and a follow confirmation, both for the fixture case. */
  trackKey: string;
  followToken: string;
  jpeg: Uint8Array;
  tile: string;
  open311Token: string;
  apiKeyId: string;
  /** A member of staff the admin may change. */
  personId: string;
  /** A resident's report (its token) with one photo already stored. */
  reportToken: string;
  reportPhotoId: string;
};
type Row = {
  /** Builds the request (path and init) from the fixtures. */
  request: (f: Fixture) => { path: string; init?: RequestInit };
  expect: Record<Role, number>;
};

const sync = { [PROTOCOL_HEADER]: String(PROTOCOL_VERSION) };
const json = (body: unknown, headers: Record<string, string> = {}): RequestInit => ({
  method: 'POST',
  headers: { 'content-type': 'application/json', ...headers },
  body: JSON.stringify(body),
});
const all = (status: number): Record<Role, number> =>
  Object.fromEntries(ROLES.map((r) => [r, status])) as Record<Role, number>;
/** Staff only: 401 without a live session. */
const staff = (s: Partial<Record<Role, number>> & Pick<Record<Role, number>, 'crew'>): Record<Role, number> => ({
  anonymous: 401,
  revoked: 401,
  otherCrew: s.crew,
  otherLead: s.crew,
  lead: s.crew,
  admin: s.crew,
  ...s,
});
/** Whoever may read the fixture case in full: its crew, its department's lead, admins. */
const caseReaders = (ok: number) => staff({ crew: ok, lead: ok, admin: ok, otherCrew: 403, otherLead: 403 });

/** A GeoReport v2 form (Open311 POSTs are form-urlencoded, never JSON). */
const form = (fields: Record<string, string>): RequestInit => ({
  method: 'POST',
  headers: { 'content-type': 'application/x-www-form-urlencoded' },
  body: new URLSearchParams(fields).toString(),
});
const OPEN311_FORM = {
  api_key: DEMO_API_KEY,
  service_code: 'SIDEWALK',
  lat: '42.3555',
  long: '-86.975',
  'attribute[hazard]': 'yes',
};
/**
 * Open311 is public: every caller reads the same public fields, whatever session it sends;
 * POSTs need an API key (sent here), not a session. The sandbox (`v2-test`) answers alike.
 */
const OPEN311: Record<string, Row> = Object.fromEntries(
  (['/open311/v2', '/open311/v2-test'] as const).flatMap((root) => [
    ...(['xml', 'json'] as const).flatMap((fmt): [string, Row][] => [
      [`GET ${root}/discovery.${fmt}`, { request: () => ({ path: `${root}/discovery.${fmt}` }), expect: all(200) }],
      [`GET ${root}/services.${fmt}`, { request: () => ({ path: `${root}/services.${fmt}` }), expect: all(200) }],
      [`GET ${root}/requests.${fmt}`, { request: () => ({ path: `${root}/requests.${fmt}` }), expect: all(200) }],
      [
        `POST ${root}/requests.${fmt}`,
        { request: () => ({ path: `${root}/requests.${fmt}`, init: form(OPEN311_FORM) }), expect: all(200) },
      ],
      [
        `GET ${root}/servicerequestupdates.${fmt}`,
        { request: () => ({ path: `${root}/servicerequestupdates.${fmt}` }), expect: all(200) },
      ],
      [
        `GET ${root}/duplicates.${fmt}`,
        {
          request: () => ({ path: `${root}/duplicates.${fmt}?service_code=SIDEWALK&lat=42.3555&long=-86.975` }),
          expect: all(200),
        },
      ],
    ]),
    [
      `GET ${root}/services/:file{[^/]+\\.(?:xml|json)}`,
      { request: () => ({ path: `${root}/services/POTHOLE.xml` }), expect: all(200) },
    ],
    [
      `GET ${root}/requests/:file{[^/]+\\.(?:xml|json)}`,
      { request: (f) => ({ path: `${root}/requests/${f.caseId}.json` }), expect: all(200) },
    ],
    [
      `GET ${root}/tokens/:file{[^/]+\\.(?:xml|json)}`,
      { request: (f) => ({ path: `${root}/tokens/${f.open311Token}.json` }), expect: all(200) },
    ],
    // A crew's after-photo is public (re-encoded, no EXIF), as FixMyStreet shows a fix.
    [
      `GET ${root}/media/:file{[0-9a-fA-F-]{36}\\.jpg}`,
      { request: (f) => ({ path: `${root}/media/${f.photoId}.jpg` }), expect: all(200) },
    ],
  ]),
);

const MATRIX: Record<string, Row> = {
  ...OPEN311,
  'GET /api/admin/routing': {
    request: () => ({ path: '/api/admin/routing' }),
    expect: staff({ crew: 403, admin: 200 }),
  },
  'GET /api/admin/routing/names': {
    request: () => ({ path: '/api/admin/routing/names' }),
    expect: staff({ crew: 403, admin: 200 }),
  },
  'PUT /api/admin/routing': {
    request: () => ({ path: '/api/admin/routing', init: { ...json({ rules: DEMO_ROUTING }), method: 'PUT' } }),
    expect: staff({ crew: 403, admin: 200 }),
  },
  'GET /api/admin/api-keys': {
    request: () => ({ path: '/api/admin/api-keys' }),
    expect: staff({ crew: 403, admin: 200 }),
  },
  'POST /api/admin/api-keys': {
    request: () => ({ path: '/api/admin/api-keys', init: json({ name: 'Matrix client' }) }),
    expect: staff({ crew: 403, admin: 201 }),
  },
  'POST /api/admin/api-keys/:id/revoke': {
    request: (f) => ({ path: `/api/admin/api-keys/${f.apiKeyId}/revoke`, init: { method: 'POST' } }),
    expect: staff({ crew: 403, admin: 200 }),
  },
  'GET /api/admin/people': {
    request: () => ({ path: '/api/admin/people' }),
    expect: staff({ crew: 403, admin: 200 }),
  },
  'POST /api/admin/people': {
    request: () => ({
      path: '/api/admin/people',
      init: json({
        name: 'Matrix newcomer',
        email: `matrix.${Date.now()}@riverton.example`,
        password: 'matrix-password-1',
        placement: { role: 'admin' },
      }),
    }),
    expect: staff({ crew: 403, admin: 201 }),
  },
  'PUT /api/admin/people/:id': {
    request: (f) => ({
      path: `/api/admin/people/${f.personId}`,
      init: { ...json({ name: 'Matrix person' }), method: 'PUT' },
    }),
    expect: staff({ crew: 403, admin: 200 }),
  },
  'GET /healthz': { request: () => ({ path: '/healthz' }), expect: all(200) },
  // Not a person's: this machine or METRICS_TOKEN (ops/metrics.routes.ts); in-process requests have no address.
  'GET /metrics': { request: () => ({ path: '/metrics' }), expect: all(403) },
  'GET /tiles/:document': { request: () => ({ path: '/tiles/meta.json' }), expect: all(200) },
  'GET /tiles/:version/:z/:x/:file': { request: (f) => ({ path: f.tile }), expect: all(200) },
  'POST /api/auth/login': {
    request: () => ({ path: '/api/auth/login', init: json({ email: LOGINS.crew, password: 'fieldfix' }) }),
    expect: all(200),
  },
  'GET /api/auth/session': { request: () => ({ path: '/api/auth/session' }), expect: staff({ crew: 200 }) },
  // Run with a session of its own (it ends it).
  'POST /api/auth/logout': {
    request: () => ({ path: '/api/auth/logout', init: { method: 'POST' } }),
    expect: staff({ crew: 200 }),
  },
  'POST /api/auth/users/:id/revoke-sessions': {
    request: () => ({ path: '/api/auth/users/u-nobody/revoke-sessions', init: { method: 'POST' } }),
    expect: staff({ crew: 403, admin: 200 }),
  },
  'GET /api/day': { request: () => ({ path: '/api/day?crew=streets-a' }), expect: caseReaders(200) },
  'GET /api/service-types': { request: () => ({ path: '/api/service-types' }), expect: staff({ crew: 200 }) },
  'GET /api/cases/:id': { request: (f) => ({ path: `/api/cases/${f.caseId}` }), expect: caseReaders(200) },
  // Cases out of scope are left out of the answer (checked below), not refused.
  'POST /api/cases/histories': {
    request: (f) => ({ path: '/api/cases/histories', init: json({ ids: [f.caseId] }) }),
    expect: staff({ crew: 200 }),
  },
  // Every staff member may push; what each change may do is the change's outcome (R8, R9).
  'POST /api/sync/push': {
    request: (f) => ({
      path: '/api/sync/push',
      init: json(
        {
          clientId: 'matrix',
          mutations: [
            {
              id: crypto.randomUUID().replace(/^(.{14})./, '$17'),
              clientId: 'matrix',
              seq: 1,
              caseId: f.caseId,
              baseVersion: 0,
              deviceTime: new Date().toISOString(),
              kind: 'add_note',
              payload: { text: 'matrix' },
            },
          ],
        },
        sync,
      ),
    }),
    expect: staff({ crew: 200 }),
  },
  'GET /api/sync/pull': {
    request: () => ({ path: '/api/sync/pull?cursor=0&limit=1&clientId=matrix', init: { headers: sync } }),
    expect: staff({ crew: 200 }),
  },
  // "Pull now" hints: a crew worker's device, for their crew's department; nobody else.
  'GET /api/sync/live': {
    request: () => ({ path: '/api/sync/live' }),
    expect: staff({ crew: 200, otherCrew: 200, lead: 403, otherLead: 403, admin: 403 }),
  },
  // Workers report where their own crew is; nobody else does.
  'POST /api/sync/position': {
    request: () => ({
      path: '/api/sync/position',
      init: json({ lat: 42.35, long: -86.97, at: new Date().toISOString() }),
    }),
    expect: staff({ crew: 204, otherCrew: 204, lead: 403, otherLead: 403, admin: 403 }),
  },
  // The dispatch board, its live feed and balancing: the department's leads and admins
  // (who name it); a lead of another department and workers are refused.
  'GET /api/dispatch/board': {
    request: () => ({ path: '/api/dispatch/board?date=2026-06-10&department=streets' }),
    expect: staff({ crew: 403, otherCrew: 403, lead: 200, otherLead: 403, admin: 200 }),
  },
  'GET /api/dispatch/live': {
    request: () => ({ path: '/api/dispatch/live?department=streets' }),
    expect: staff({ crew: 403, otherCrew: 403, lead: 200, otherLead: 403, admin: 200 }),
  },
  'POST /api/dispatch/balance': {
    request: () => ({
      path: '/api/dispatch/balance',
      init: json({ date: '2026-06-10', department: 'streets', timeLimitMs: 50 }),
    }),
    expect: staff({ crew: 403, otherCrew: 403, lead: 200, otherLead: 403, admin: 200 }),
  },
  'GET /api/notices': {
    request: () => ({ path: '/api/notices' }),
    expect: staff({ crew: 403, otherCrew: 403, lead: 200, otherLead: 200, admin: 200 }),
  },
  // Another department's notice is not found, rather than refused: its existence is not told.
  'POST /api/notices/:id/ack': {
    request: (f) => ({ path: `/api/notices/${f.noticeId}/ack`, init: { method: 'POST' } }),
    expect: staff({ crew: 403, otherCrew: 403, lead: 200, otherLead: 404, admin: 200 }),
  },
  'GET /api/admin/outbox': { request: () => ({ path: '/api/admin/outbox' }), expect: staff({ crew: 403, admin: 200 }) },
  'GET /api/admin/outbox/status': {
    request: () => ({ path: '/api/admin/outbox/status' }),
    expect: staff({ crew: 403, admin: 200 }),
  },
  'POST /api/admin/outbox/:id/retry': {
    request: (f) => ({ path: `/api/admin/outbox/${f.outboxId}/retry`, init: { method: 'POST' } }),
    expect: staff({ crew: 403, admin: 200 }),
  },
  'GET /api/admin/mailbox': {
    request: () => ({ path: '/api/admin/mailbox' }),
    expect: staff({ crew: 403, admin: 200 }),
  },
  // Public: the signed token is the authority (a page with a button, then the one-click POST).
  'GET /api/public/unsubscribe': {
    request: (f) => ({ path: `/api/public/unsubscribe?token=${f.unsubscribeToken}` }),
    expect: all(200),
  },
  'POST /api/public/unsubscribe': {
    request: (f) => ({
      path: `/api/public/unsubscribe?token=${f.unsubscribeToken}`,
      init: {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: 'List-Unsubscribe=One-Click',
      },
    }),
    expect: all(200),
  },
  // Public: the signed link reopens a fixed case (canReopenByResidentLink); the fixture case
  // is open, so the POST is refused for everyone alike and changes nothing.
  'GET /still-a-problem': {
    request: (f) => ({ path: `/still-a-problem?token=${f.stillAProblemToken}` }),
    expect: all(200),
  },
  'POST /still-a-problem': {
    request: (f) => ({ path: `/still-a-problem?token=${f.stillAProblemToken}`, init: { method: 'POST' } }),
    expect: all(409),
  },
  // The residents' pages: public reads; each change carries a signed token (the fixture case is
  // open, so "still a problem?" is refused alike for everyone).
  'GET /api/public/cases/:id': { request: (f) => ({ path: `/api/public/cases/${f.caseId}` }), expect: all(200) },
  'POST /api/public/cases/:id/follow': {
    request: (f) => ({
      path: `/api/public/cases/${f.caseId}/follow`,
      init: json({ email: `matrix-${crypto.randomUUID()}@example.org`, language: 'en' }),
    }),
    expect: all(202),
  },
  'POST /api/public/follows/confirm': {
    request: (f) => ({ path: '/api/public/follows/confirm', init: json({ token: f.followToken }) }),
    expect: all(200),
  },
  'POST /api/public/cases/:id/unfollow': {
    request: (f) => ({ path: `/api/public/cases/${f.caseId}/unfollow`, init: json({ token: f.unsubscribeToken }) }),
    expect: all(200),
  },
  'POST /api/public/cases/:id/reopen': {
    request: (f) => ({ path: `/api/public/cases/${f.caseId}/reopen`, init: json({ key: f.trackKey }) }),
    expect: all(409),
  },
  // The city's record (/map, /stats): public reads of counts and public fields, alike for all.
  'GET /api/public/map': {
    request: () => ({ path: '/api/public/map?bbox=-87.1,42.2,-86.8,42.5&zoom=12&status=open' }),
    expect: all(200),
  },
  'GET /api/public/map/cases': {
    request: () => ({ path: '/api/public/map/cases?bbox=-87.1,42.2,-86.8,42.5&type=POTHOLE' }),
    expect: all(200),
  },
  'GET /api/public/map/filters': { request: () => ({ path: '/api/public/map/filters' }), expect: all(200) },
  'GET /api/public/stats': { request: () => ({ path: '/api/public/stats?format=csv' }), expect: all(200) },
  // The residents' report form: public; a report carries its own token and proof of work, a
  // photo the report's token (sending a stored photo again answers 200 and changes nothing).
  'GET /api/public/services': { request: () => ({ path: '/api/public/services' }), expect: all(200) },
  'GET /api/public/addresses': { request: () => ({ path: '/api/public/addresses?q=100%20ced' }), expect: all(200) },
  'GET /api/public/addresses/near': {
    request: () => ({ path: '/api/public/addresses/near?lat=42.35595&long=-86.9808' }),
    expect: all(200),
  },
  'GET /api/public/nearby': {
    request: () => ({ path: '/api/public/nearby?service=POTHOLE&lat=42.35595&long=-86.9808' }),
    expect: all(200),
  },
  'POST /api/public/reports': {
    request: () => ({ path: '/api/public/reports', init: json(residentReport()) }),
    expect: all(201),
  },
  'PUT /api/public/reports/:token/photos/:photoId': {
    request: (f) => ({
      path: `/api/public/reports/${f.reportToken}/photos/${f.reportPhotoId}`,
      init: { method: 'PUT', headers: { 'content-type': 'image/jpeg' }, body: f.jpeg as BodyInit },
    }),
    expect: all(200),
  },
  'GET /api/photos/:id': { request: (f) => ({ path: `/api/photos/${f.photoId}` }), expect: caseReaders(200) },
  'GET /api/photos/:id/thumb': {
    request: (f) => ({ path: `/api/photos/${f.photoId}/thumb` }),
    expect: caseReaders(200),
  },
  'GET /api/photos/:id/upload': {
    request: (f) => ({ path: `/api/photos/${f.pendingPhotoId}/upload` }),
    expect: caseReaders(200),
  },
  // Only the person who took a photo uploads its bytes (the crew's worker goes last: it completes it).
  'PATCH /api/photos/:id/upload': {
    request: (f) => ({
      path: `/api/photos/${f.pendingPhotoId}/upload`,
      init: {
        method: 'PATCH',
        headers: { ...sync, 'content-type': 'application/offset+octet-stream', 'upload-offset': '0' },
        body: f.jpeg as BodyInit,
      },
    }),
    expect: staff({ crew: 204, otherCrew: 403, lead: 403, otherLead: 403, admin: 403 }),
  },
};

/** A report of the residents' form, with its proof of work (as the phone computes it). */
function residentReport() {
  const token = crypto.randomUUID();
  let nonce = 0;
  while (
    leadingZeroBits(
      createHash('sha256')
        .update(reportProofText(token, String(nonce)))
        .digest(),
    ) < REPORT_PROOF_BITS
  ) {
    nonce++;
  }
  return {
    token,
    serviceCode: 'POTHOLE',
    lat: 42.35595,
    long: -86.9808,
    attributes: { size: 'small' },
    language: 'en',
    device: `matrix-${token}`,
    proof: String(nonce),
  };
}

let t: TestApp;
let photosDir: string;
const sessions = new Map<Role, Record<string, string>>();
const fixture = {} as Fixture;

async function jpeg(): Promise<Uint8Array> {
  return sharp({ create: { width: 64, height: 48, channels: 3, background: '#3366aa' } })
    .jpeg()
    .toBuffer();
}

async function push(headers: Record<string, string>, mutations: unknown[]): Promise<void> {
  const res = await t.app.request('/api/sync/push', json({ clientId: 'fixture', mutations }, { ...headers, ...sync }));
  if (res.status !== 200) throw new Error(`fixture push: ${res.status} ${await res.text()}`);
}

const v7 = () => crypto.randomUUID().replace(/^(.{14})./, '$17');
const photoMeta = (id: string, bytes: number) => ({
  photoId: id,
  tag: 'after',
  contentType: 'image/jpeg',
  byteSize: bytes,
  width: 64,
  height: 48,
  takenAt: null,
  lat: null,
  long: null,
});
const mutation = (caseId: string, seq: number, kind: string, payload: unknown) => ({
  id: v7(),
  clientId: 'fixture',
  seq,
  caseId,
  baseVersion: 0,
  deviceTime: new Date().toISOString(),
  kind,
  payload,
});

beforeAll(async () => {
  photosDir = await mkdtemp(join(tmpdir(), 'fieldfix-matrix-'));
  t = await createTestApp({ photosDir, dataDir: photosDir });
  for (const [role, email] of Object.entries(LOGINS)) sessions.set(role as Role, await t.login(email));
  sessions.set('anonymous', {});
  const ended = await t.login(LOGINS.crew);
  await t.app.request('/api/auth/logout', { method: 'POST', headers: ended });
  sessions.set('revoked', ended);

  // A case of Streets Crew A with a complete photo, one waiting for its bytes, and a notice.
  const [row] = await t.db.sql<{ id: string }[]>`
    insert into cases (service_code, description, lat, long, address, state, assigned_crew_id, assigned_day, route_position, version)
    values ('SIDEWALK', 'Matrix case', 42.35, -86.97, '100 Test St', 'assigned', 'streets-a', '2026-06-10', 99, 2)
    returning id::text`;
  fixture.caseId = row!.id;
  fixture.jpeg = await jpeg();
  fixture.photoId = crypto.randomUUID();
  fixture.pendingPhotoId = crypto.randomUUID();
  const crew = sessions.get('crew')!;
  await push(crew, [
    mutation(fixture.caseId, 1, 'attach_photo', photoMeta(fixture.photoId, fixture.jpeg.length)),
    mutation(fixture.caseId, 2, 'attach_photo', photoMeta(fixture.pendingPhotoId, fixture.jpeg.length)),
  ]);
  const up = await t.app.request(`/api/photos/${fixture.photoId}/upload`, {
    method: 'PATCH',
    headers: { ...crew, ...sync, 'content-type': 'application/offset+octet-stream', 'upload-offset': '0' },
    body: fixture.jpeg as BodyInit,
  });
  expect(up.status).toBe(204);
  // Another crew's change to this case does not take: the Streets leads hear of it.
  await push(sessions.get('otherCrew')!, [mutation(fixture.caseId, 3, 'start', {})]);
  const [notice] = await t.db.sql<{ id: string }[]>`
    select id::text from lead_notices where department_id = 'streets' order by id desc limit 1`;
  fixture.noticeId = notice!.id;
  const [outbox] = await t.db.sql<{ id: string }[]>`
    insert into notification_outbox (case_id, template) values (${fixture.caseId}, 'received') returning id::text`;
  fixture.outboxId = outbox!.id;
  fixture.unsubscribeToken = signLink(linkSecret(t.config), {
    p: 'unsubscribe',
    caseId: fixture.caseId,
    email: 'resident@example.org',
  });
  fixture.stillAProblemToken = signLink(linkSecret(t.config), {
    p: 'still-a-problem',
    caseId: fixture.caseId,
    exp: Math.floor(Date.now() / 1000) + 14 * 86_400,
  });
  fixture.trackKey = signLink(linkSecret(t.config), { p: 'track', caseId: fixture.caseId });
  fixture.followToken = signLink(linkSecret(t.config), {
    p: 'follow',
    caseId: fixture.caseId,
    email: 'follower@example.org',
    language: 'es',
    exp: Math.floor(Date.now() / 1000) + 86_400,
  });
  const meta = (await (await t.app.request('/tiles/meta.json')).json()) as { version: string };
  fixture.tile = `/tiles/${meta.version}/14/4233/6060.pbf`; // in the demo city
  const created = await t.app.request('/open311/v2/requests.json', form(OPEN311_FORM));
  fixture.open311Token = ((await created.json()) as { token: string }[])[0]!.token;
  const report = residentReport();
  const sent = await t.app.request('/api/public/reports', json(report));
  expect(sent.status).toBe(201);
  fixture.reportToken = report.token;
  fixture.reportPhotoId = crypto.randomUUID();
  const photo = await t.app.request(`/api/public/reports/${report.token}/photos/${fixture.reportPhotoId}`, {
    method: 'PUT',
    headers: { 'content-type': 'image/jpeg' },
    body: fixture.jpeg as BodyInit,
  });
  expect(photo.status).toBe(201);
  fixture.personId = (await insertPerson(t.db.sql, {
    id: 'u_matrix',
    name: 'Matrix person',
    email: 'matrix.person@riverton.example',
    passwordHash: DUMMY_HASH,
    placement: { role: 'worker', crew_id: 'streets-b', department_id: 'streets' },
  }))!.id;
  fixture.apiKeyId = (
    await insertApiKey(t.db.sql, {
      id: 'k_matrix',
      name: 'Matrix',
      token: 'matrix',
      createdBy: null,
      rateLimitPerMinute: 5,
    })
  ).id;
});
afterAll(async () => {
  await t?.close();
  if (photosDir) await rm(photosDir, { recursive: true, force: true });
});

describe('authorization matrix', () => {
  it('has a row for every route of the app, and no row for a route that is gone', () => {
    // `use()` middleware and the /api/* not-found handler are listed as ALL: not routes.
    const routes = new Set(t.app.routes.filter((r) => r.method !== 'ALL').map((r) => `${r.method} ${r.path}`));
    expect(
      [...routes].filter((r) => !(r in MATRIX)),
      'routes without a row in MATRIX',
    ).toEqual([]);
    expect(
      Object.keys(MATRIX).filter((r) => !routes.has(r)),
      'rows for routes that do not exist',
    ).toEqual([]);
  });

  for (const [route, row] of Object.entries(MATRIX)) {
    it(`${route}: ${ROLES.map((r) => `${r} ${row.expect[r]}`).join(', ')}`, async () => {
      const got: Partial<Record<Role, number>> = {};
      for (const role of ROLES) {
        const { path, init = {} } = row.request(fixture);
        // Logging out ends the session: that row gets a session of its own for each caller.
        const own =
          route === 'POST /api/auth/logout' && role !== 'anonymous' && role !== 'revoked'
            ? await t.login(LOGINS[role])
            : sessions.get(role)!;
        // As the app's own pages send it: same origin.
        const headers = { origin: 'http://localhost', ...(init.headers as object), ...own };
        const res = await t.app.request(path, { ...init, headers });
        got[role] = res.status;
        // A live feed never ends on its own: hang up.
        if (res.headers.get('content-type')?.includes('text/event-stream')) await res.body?.cancel();
        if (res.status >= 400 && res.headers.get('content-type')?.includes('json')) {
          // Every refusal has the one error shape, and says something.
          const body = (await res.json()) as { error?: { code?: string; message?: string } };
          expect(body.error?.code, `${route} as ${role}`).toBeTruthy();
          expect(body.error?.message, `${route} as ${role}`).toBeTruthy();
        }
      }
      expect(got).toEqual(row.expect);
    });
  }

  it('histories leave out the cases a caller may not read', async () => {
    const count = async (role: Role) => {
      const res = await t.app.request('/api/cases/histories', {
        ...json({ ids: [fixture.caseId] }),
        headers: { 'content-type': 'application/json', ...sessions.get(role)! },
      });
      return ((await res.json()) as { histories: unknown[] }).histories.length;
    };
    expect({
      crew: await count('crew'),
      otherCrew: await count('otherCrew'),
      lead: await count('lead'),
      otherLead: await count('otherLead'),
      admin: await count('admin'),
    }).toEqual({ crew: 1, otherCrew: 0, lead: 1, otherLead: 0, admin: 1 });
  });
});
