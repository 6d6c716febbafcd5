import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PublicCase, PublicTrackResponse, addDays, dateIn } from '@fieldfix/shared';
import { createTestApp, type TestApp } from '../../test/test-app.ts';
import { signLink } from '../notices-delivery/signed-links.ts';

// The tracking page's API: a case's public timeline with no personal data, following by email
// with double opt-in, unfollowing, and "still a problem?" with the notices' tracking key.

const SECRET = 'public-track-test-secret-0123456789';
const DAY = 86_400_000;
let t: TestApp;
let dataDir: string;

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'fieldfix-track-'));
  t = await createTestApp({ linkSecret: SECRET, dataDir, photosDir: join(dataDir, 'photos') });
});
afterAll(async () => {
  await t?.close();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
  t.app.request(path, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });

/** A case of Streets Crew A with a reporter, fixed `fixedDaysAgo` days ago (or open). */
async function caseWithReporter(opts: { fixedDaysAgo?: number; state?: string } = {}): Promise<string> {
  const state = opts.state ?? (opts.fixedDaysAgo === undefined ? 'assigned' : 'fixed');
  const closedAt = opts.fixedDaysAgo === undefined ? null : new Date(Date.now() - opts.fixedDaysAgo * DAY);
  const [row] = await t.db.sql<{ id: string }[]>`
    insert into cases (service_code, description, lat, long, address, state, assigned_crew_id, assigned_day,
      route_position, resolution_code, closed_at, hold_reason, version)
    values ('POTHOLE', 'Deep hole', 42.35, -86.97, '100 Alder Ave', ${state}, 'streets-a', '2026-06-10', 7,
      ${state === 'fixed' ? 'repaired' : null}, ${closedAt}, 'Waiting for Dana Smith', 4)
    returning id::text`;
  const id = row!.id;
  await t.db.sql`
    insert into case_reporters (case_id, first_name, last_name, email, phone, language)
    values (${id}, 'Rosa', 'Reporter', ${`rosa.${id}@example.org`}, '555-0100', 'es')`;
  await t.db.sql`
    insert into case_events (case_id, at, received_at, kind, data, version, crew_id, actor_user_id)
    values
      (${id}, now() - interval '3 days', now(), 'reported', ${t.db.sql.json({ channel: 'open311' })}, 1, null, null),
      (${id}, now() - interval '3 days', now(), 'routed',
        ${t.db.sql.json({ departmentId: 'streets', crewId: 'streets-a', message: 'Routed to Streets Crew A' })}, 2, 'streets-a', null),
      (${id}, now() - interval '2 days', now(), 'add_note', ${t.db.sql.json({ text: 'Call Rosa on 555-0100' })}, 3, 'streets-a', 'u-w01')`;
  return id;
}

async function mailbox(): Promise<{ to: string; subject: string; text: string }[]> {
  const dir = join(dataDir, 'mailbox');
  const files = (await readdir(dir).catch(() => [] as string[])).filter((f) => f.endsWith('.json'));
  return Promise.all(files.map(async (f) => JSON.parse(await readFile(join(dir, f), 'utf8'))));
}

describe('GET /api/public/cases/:id', () => {
  it('answers the public timeline and nothing personal', async () => {
    const id = await caseWithReporter();
    const res = await t.app.request(`/api/public/cases/${id}`);
    expect(res.status).toBe(200);
    const text = await res.text();
    const body = PublicTrackResponse.parse(JSON.parse(text));
    expect(Object.keys(body.case).sort()).toEqual(Object.keys(PublicCase.shape).sort());
    expect(body.service).toMatchObject({ code: 'POTHOLE', departmentName: 'Streets' });
    expect(body.timeline.map((s) => s.kind)).toEqual(['reported', 'routed']);
    expect(body.timeline[1]!.departmentName).toBe('Streets');
    // The page shows the times in the city's zone, as configured.
    expect(body.timeZone).toBe(t.config.cityTimeZone);
    const zone = t.config.cityTimeZone;
    t.config.cityTimeZone = 'Asia/Tokyo';
    try {
      const tokyo = PublicTrackResponse.parse(await (await t.app.request(`/api/public/cases/${id}`)).json());
      expect(tokyo.timeZone).toBe('Asia/Tokyo');
    } finally {
      t.config.cityTimeZone = zone;
    }
    // No reporter, phone, staff note, crew or hold reason anywhere in the answer.
    for (const secret of ['Rosa', '555-0100', `rosa.${id}`, 'streets-a', 'Crew A', 'Dana', 'Sam Ortega', 'u-w01']) {
      expect(text).not.toContain(secret);
    }
  });

  it('hides a phone number or an email address typed into the description or the status note; staff read them as written', async () => {
    const id = await caseWithReporter();
    const description = 'Deep hole. Call me on (269) 555-0134 or write to rosa.r@example.org';
    const notes = 'Crew will call back on 269 555 0134.';
    const address = '100 Alder Ave (rosa.r@example.org)';
    await t.db.sql`
      update cases set description = ${description}, status_notes = ${notes}, address = ${address},
        service_code = 'GRAFFITI', attributes = ${t.db.sql.json({ surface: 'bus shelter, call 269-555-0134' })}
      where id = ${id}`;
    const answers = [
      await t.app.request(`/api/public/cases/${id}`),
      await t.app.request(`/open311/v2/requests/${id}.json?extensions=true`),
      await t.app.request(`/open311/v2/requests/${id}.xml`),
      await t.app.request(`/open311/v2/requests.json?service_request_id=${id}`),
    ];
    for (const res of answers) {
      expect(res.status, res.url).toBe(200);
      const text = await res.text();
      expect(text, res.url).toContain('Deep hole. Call me on');
      for (const secret of ['555-0134', '555 0134', 'rosa.r@example.org', 'example.org']) {
        expect(text, res.url).not.toContain(secret);
      }
    }
    const track = PublicTrackResponse.parse(await (await t.app.request(`/api/public/cases/${id}`)).json());
    expect(track.case.description).toBe('Deep hole. Call me on […] or write to […]');
    expect(track.case.statusNotes).toBe('Crew will call back on […].');
    expect(track.case.address).toBe('100 Alder Ave ([…])');
    const [request] = await (await t.app.request(`/open311/v2/requests/${id}.json?extensions=true`)).json();
    expect(request.extended_attributes).toEqual({ surface: 'bus shelter, call […]' });

    const staff = await t.login('admin@riverton.example');
    const mine = await (await t.app.request(`/api/cases/${id}`, { headers: staff })).json();
    for (const written of [description, notes, address, '269-555-0134'])
      expect(JSON.stringify(mine)).toContain(written);
  });

  it('refuses an id that is not a number (400) and answers 404 for a case that does not exist', async () => {
    expect((await t.app.request('/api/public/cases/abc')).status).toBe(400);
    const missing = await t.app.request('/api/public/cases/999999999');
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as { error: { code: string } }).error.code).toBe('not-found');
  });

  it('still answers for a case whose type the city has retired, with its type, on the page and in Open311', async () => {
    const id = await caseWithReporter();
    const [row] = await t.db.sql<{ code: string }[]>`select service_code as code from cases where id = ${id}`;
    const code = row!.code;
    await t.db.sql`update service_types set active = false where code = ${code}`;
    try {
      const res = await t.app.request(`/api/public/cases/${id}`);
      expect(res.status).toBe(200);
      const body = PublicTrackResponse.parse(await res.json());
      expect(body.case.id).toBe(id);
      expect(body.service.code).toBe(code);
      const open311 = await t.app.request(`/open311/v2/requests/${id}.json`);
      expect(open311.status).toBe(200);
      const [doc] = (await open311.json()) as { service_code: string; service_name: string | null }[];
      expect(doc).toMatchObject({ service_code: code });
      expect(doc!.service_name).toBe(body.service.name);
      // No longer offered for new reports.
      const services = (await (await t.app.request('/open311/v2/services.json')).json()) as { service_code: string }[];
      expect(services.map((s) => s.service_code)).not.toContain(code);
    } finally {
      await t.db.sql`update service_types set active = true where code = ${code}`;
    }
  });

  it('offers "still a problem?" for 14 days after a fix', async () => {
    const recent = await caseWithReporter({ fixedDaysAgo: 2 });
    const old = await caseWithReporter({ fixedDaysAgo: 15 });
    const a = (await (await t.app.request(`/api/public/cases/${recent}`)).json()) as PublicTrackResponse;
    const b = (await (await t.app.request(`/api/public/cases/${old}`)).json()) as PublicTrackResponse;
    expect(a.reopenUntil).not.toBeNull();
    expect(b.reopenUntil).toBeNull();
    // To the end of the city's day 14 days after the fix, whatever the hour of the fix.
    const clock = new Intl.DateTimeFormat('en-GB', {
      timeZone: a.timeZone,
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      hourCycle: 'h23',
    });
    expect(clock.format(new Date(a.reopenUntil!))).toBe('23:59:59');
    const fixedOn = dateIn(new Date(a.case.closedAt!), a.timeZone);
    expect(dateIn(new Date(a.reopenUntil!), a.timeZone)).toBe(addDays(fixedOn, 14));
  });
});

describe('following a case by email', () => {
  it('sends a confirmation in the chosen language and follows only once confirmed', async () => {
    const id = await caseWithReporter();
    const res = await post(`/api/public/cases/${id}/follow`, { email: 'Neighbour@Example.org', language: 'es' });
    expect(res.status).toBe(202);
    const mail = (await mailbox()).find((m) => m.to === 'Neighbour@Example.org' && m.subject.includes(`#${id}`));
    expect(mail?.subject).toContain('Confirme');
    const followers = () => t.db.sql`select email, language from case_followers where case_id = ${id}`;
    expect(await followers()).toHaveLength(0); // not before confirming

    const token = decodeURIComponent(/follow=([^\s&]+)/.exec(mail!.text)![1]!);
    const confirmed = await post('/api/public/follows/confirm', { token });
    expect(confirmed.status).toBe(200);
    const { unfollowToken } = (await confirmed.json()) as { unfollowToken: string };
    expect(await followers()).toEqual([{ email: 'neighbour@example.org', language: 'es' }]);
    // Confirming twice is no mistake.
    expect((await post('/api/public/follows/confirm', { token })).status).toBe(200);

    const off = await post(`/api/public/cases/${id}/unfollow`, { token: unfollowToken });
    expect(off.status).toBe(200);
    expect(await followers()).toHaveLength(0);
    const [unsub] = await t.db.sql`select 1 from notice_unsubscribes where case_id = ${id}`;
    expect(unsub).toBeDefined();
    // Following again, confirmed, lifts the unsubscribe.
    expect((await post('/api/public/follows/confirm', { token })).status).toBe(200);
    expect(await t.db.sql`select 1 from notice_unsubscribes where case_id = ${id}`).toHaveLength(0);
  });

  it('mails a link to this server, never to the host a request names (PUBLIC_URL, else localhost)', async () => {
    const id = await caseWithReporter();
    const res = await t.app.request(`http://evil.example/api/public/cases/${id}/follow`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', host: 'evil.example' },
      body: JSON.stringify({ email: 'host-check@example.org', language: 'en' }),
    });
    expect(res.status).toBe(202);
    const mail = (await mailbox()).find((m) => m.to === 'host-check@example.org');
    expect(mail!.text).not.toContain('evil.example');
    expect(mail!.text).toContain(`http://localhost:${t.config.port}/track/${id}?follow=`);
  });

  it('refuses a bad email, a forged or expired confirmation, and an unfollow token of another case', async () => {
    const id = await caseWithReporter();
    const other = await caseWithReporter();
    expect((await post(`/api/public/cases/${id}/follow`, { email: 'nope', language: 'en' })).status).toBe(400);
    expect((await post(`/api/public/cases/${id}/follow`, { email: 'a@b.org', language: 'fr' })).status).toBe(400);
    expect((await post('/api/public/follows/confirm', { token: 'forged.token' })).status).toBe(400);
    const expired = signLink(SECRET, { p: 'follow', caseId: id, email: 'x@example.org', language: 'en', exp: 1 });
    expect((await post('/api/public/follows/confirm', { token: expired })).status).toBe(410);
    const foreign = signLink(SECRET, { p: 'unsubscribe', caseId: other, email: 'x@example.org' });
    expect((await post(`/api/public/cases/${id}/unfollow`, { token: foreign })).status).toBe(400);
  });

  it('refuses an email with a NUL, a control character or half a surrogate pair before mailing; an old link naming one is not valid', async () => {
    const id = await caseWithReporter();
    for (const email of [
      'a\u0000@example.org',
      'a\u0001@example.org',
      'a\u007f@example.org',
      'a@exa\u0085mple.org',
      'a\ud800@example.org',
      'a@example.org\udc00',
    ]) {
      const res = await post(`/api/public/cases/${id}/follow`, { email, language: 'en' });
      expect(res.status, JSON.stringify(email)).toBe(400);
      const { error } = (await res.json()) as { error: { code: string; message: string } };
      expect(error.message, JSON.stringify(email)).toMatch(/email: not an email address/);
    }
    expect((await mailbox()).filter((m) => m.subject.includes(`#${id}`))).toEqual([]);
    // A resident's address in another script is still one.
    expect((await post(`/api/public/cases/${id}/follow`, { email: 'josé@example.org', language: 'es' })).status).toBe(
      202,
    );
    // Mailed before addresses were checked so: refused as a link, never a 500.
    const exp = Math.floor(Date.now() / 1000) + 3600;
    for (const email of ['a\u0000@example.org', 'a\ud800@example.org']) {
      const token = signLink(SECRET, { p: 'follow', caseId: id, email, language: 'en', exp });
      const res = await post('/api/public/follows/confirm', { token });
      expect(res.status, JSON.stringify(email)).toBe(400);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('invalid-link');
    }
    expect(await t.db.sql`select 1 from case_followers where case_id = ${id}`).toHaveLength(0);
  });

  it('limits confirmation emails to one address (429 with the wait)', async () => {
    const id = await caseWithReporter();
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) {
      statuses.push(
        (await post(`/api/public/cases/${id}/follow`, { email: 'flood@example.org', language: 'en' })).status,
      );
    }
    expect(statuses).toEqual([202, 202, 202, 202, 202, 429]);
  });
});

describe('"still a problem?" from the tracking page', () => {
  it("reopens a fixed case once with the notices' tracking key", async () => {
    const id = await caseWithReporter({ fixedDaysAgo: 1 });
    const key = signLink(SECRET, { p: 'track', caseId: id });
    const first = await post(`/api/public/cases/${id}/reopen`, { key });
    expect(first.status).toBe(200);
    expect(await first.json()).toEqual({ outcome: 'reopened' });
    // Open again and routed as a new report is: back on a crew's day.
    const [c] = await t.db.sql<{ state: string; assigned_crew_id: string | null }[]>`
      select state, assigned_crew_id from cases where id = ${id}`;
    expect(c).toMatchObject({ state: 'assigned', assigned_crew_id: expect.any(String) });
    // Pressed again: the case is open, nothing more happens.
    const again = await post(`/api/public/cases/${id}/reopen`, { key });
    expect(again.status).toBe(409);
    const reopened = await t.db.sql`select 1 from case_events where case_id = ${id} and kind = 'reopened'`;
    expect(reopened).toHaveLength(1);
    // The public timeline says who reopened it: the resident.
    const track = PublicTrackResponse.parse(await (await t.app.request(`/api/public/cases/${id}`)).json());
    expect(track.timeline.filter((s) => s.kind === 'reopened').map((s) => s.reason)).toEqual(['still-a-problem']);
  });

  it("says a case the city reopened was reopened by the city, never the lead's words", async () => {
    const id = await caseWithReporter({ fixedDaysAgo: 1 });
    await t.db.sql`
      insert into case_events (case_id, at, received_at, kind, data, version, crew_id, actor_user_id, outcome)
      values (${id}, now(), now(), 'reopened',
        ${t.db.sql.json({ reason: 'Closed by mistake, Rosa called', previousState: 'fixed' })}, 5, null, null, 'applied')`;
    const res = await t.app.request(`/api/public/cases/${id}`);
    const track = PublicTrackResponse.parse(await res.json());
    expect(track.timeline.filter((s) => s.kind === 'reopened').map((s) => s.reason)).toEqual([null]);
    expect(JSON.stringify(track)).not.toContain('Rosa called');
  });

  it('refuses without a key of this case, after 14 days, and when the case is open', async () => {
    const id = await caseWithReporter({ fixedDaysAgo: 1 });
    const other = signLink(SECRET, { p: 'track', caseId: '1' });
    expect((await post(`/api/public/cases/${id}/reopen`, { key: other })).status).toBe(400);
    const old = await caseWithReporter({ fixedDaysAgo: 20 });
    expect(
      (await post(`/api/public/cases/${old}/reopen`, { key: signLink(SECRET, { p: 'track', caseId: old }) })).status,
    ).toBe(410);
    const open = await caseWithReporter();
    expect(
      (await post(`/api/public/cases/${open}/reopen`, { key: signLink(SECRET, { p: 'track', caseId: open }) })).status,
    ).toBe(409);
  });
});
