import sharp from 'sharp';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROTOCOL_HEADER, PROTOCOL_VERSION, addDays, dateIn, windowEndsAt } from '@fieldfix/shared';
import { DEMO_API_KEY } from '../demo/demo-open311.ts';
import { createTestApp, quietLogger, type TestApp } from '../../test/test-app.ts';
import { listen, TestDevice } from '../../test/sync-client.ts';
import { FilePhotoStore } from '../photos/photo-store.ts';
import { startLoopbackSmtp } from './loopback-smtp.ts';
import { MailboxMailer, SmtpMailer } from './mailer.ts';
import { mailboxDir, NoticeWorker } from './notice-worker.ts';
import { claimDueNotices, recipientsOf, unsubscribe } from './notice.repo.ts';
import { linkSecret, verifyLink } from './signed-links.ts';

// R10 end to end over real sockets: a crew's fix pushed through the sync API reaches a real
// SMTP server on loopback, once per event and person, with its photo and signed links.

let t: TestApp;
let server: { url: string; close(): Promise<void> };
let smtp: Awaited<ReturnType<typeof startLoopbackSmtp>>;
let worker: NoticeWorker;
let crew: TestDevice;
let photosDir: string;

const CASE_AT = { lat: 42.35, long: -86.97 };

beforeAll(async () => {
  photosDir = await mkdtemp(join(tmpdir(), 'fieldfix-notices-'));
  t = await createTestApp({ photosDir, dataDir: photosDir, publicUrl: 'https://311.riverton.example' });
  server = await listen(t);
  smtp = await startLoopbackSmtp();
  crew = new TestDevice(server.url, await t.login('worker@riverton.example'), 'tablet-a');
  worker = new NoticeWorker({
    sql: t.db.sql,
    config: t.config,
    mailer: new SmtpMailer(smtp.url),
    photos: new FilePhotoStore(photosDir),
    log: quietLogger,
  });
  // The demo's history was queued long ago: given up on in the first pass, never sent.
  await worker.runOnce();
});
afterAll(async () => {
  await worker?.stop();
  await smtp?.close();
  await server?.close();
  await t?.close();
  if (photosDir) await rm(photosDir, { recursive: true, force: true });
});

/** Runs the worker until nothing is due. */
async function drain() {
  while ((await worker.runOnce()) > 0);
}

/** A case of Streets Crew A for today, its reporter, a follower, and a merged duplicate's reporter. */
async function caseWithPeople(reporterLanguage = 'es') {
  const sql = t.db.sql;
  const [row] = await sql<{ id: string }[]>`
    insert into cases (service_code, description, lat, long, address, state, assigned_crew_id, assigned_day, route_position, version)
    values ('SIDEWALK', 'Raised slab', ${CASE_AT.lat}, ${CASE_AT.long}, '100 Test St', 'assigned', 'streets-a', '2026-06-10', 99, 2)
    returning id::text`;
  const id = row!.id;
  await sql`insert into case_events (case_id, kind, data, version, crew_id)
    values (${id}, 'reported', '{}', 1, null), (${id}, 'assigned', ${sql.json({ crewId: 'streets-a', day: '2026-06-10' })}, 2, 'streets-a')`;
  await sql`insert into case_reporters (case_id, email, language) values (${id}, ${`reporter.${id}@example.org`}, ${reporterLanguage})`;
  await sql`insert into case_followers (case_id, email) values (${id}, ${`Neighbour.${id}@example.org`})`;
  const [dup] = await sql<{ id: string }[]>`
    insert into cases (service_code, description, lat, long, address, state, merged_into_id)
    values ('SIDEWALK', 'Same slab', ${CASE_AT.lat}, ${CASE_AT.long}, '100 Test St', 'closed_not_fixed', ${id})
    returning id::text`;
  await sql`insert into case_reporters (case_id, email) values (${dup!.id}, ${`duplicate.${id}@example.org`})`;
  // The reporter of the duplicate is also written in as a follower: still one message.
  await sql`insert into case_followers (case_id, email) values (${id}, ${`DUPLICATE.${id}@example.org`})`;
  return {
    id,
    people: [`duplicate.${id}@example.org`, `neighbour.${id}@example.org`, `reporter.${id}@example.org`],
  };
}

/**
 * Attaches an after-photo, uploads its bytes (unless `upload` is false), and fixes the case.
 * With `before`, a before-photo (taken at 10:05, 30 m away, uploaded) is attached first and
 * named first in the fix.
 */
async function fixWithPhoto(caseId: string, { upload = true, before = false } = {}): Promise<() => Promise<void>> {
  const jpeg = await sharp({ create: { width: 640, height: 480, channels: 3, background: '#447744' } })
    .jpeg()
    .toBuffer();
  await crew.pullAll();
  const uploader = (photoId: string) => async () => {
    const up = await fetch(`${server.url}/api/photos/${photoId}/upload`, {
      method: 'PATCH',
      headers: {
        ...crew.headers,
        [PROTOCOL_HEADER]: String(PROTOCOL_VERSION),
        'content-type': 'application/offset+octet-stream',
        'upload-offset': '0',
      },
      body: jpeg,
    });
    expect(up.status).toBe(204);
  };
  const attach = async (tag: 'before' | 'after', takenAt: string, metresNorth: number) => {
    const photoId = crypto.randomUUID();
    const m = crew.make('attach_photo', caseId, {
      photoId,
      tag,
      contentType: 'image/jpeg',
      byteSize: jpeg.length,
      width: 640,
      height: 480,
      takenAt,
      lat: CASE_AT.lat + metresNorth / 111_195,
      long: CASE_AT.long,
    });
    expect((await crew.send(m))[0]!.outcome).toBe('applied');
    return photoId;
  };
  const beforeId = before ? await attach('before', '2026-06-10T14:05:00.000Z', 30) : null;
  if (beforeId) await uploader(beforeId)();
  // Taken 12 m north of the reported place, at 10:42 in the city (UTC-4 in June).
  const photoId = await attach('after', '2026-06-10T14:42:00.000Z', 12);
  const uploadBytes = uploader(photoId);
  if (upload) await uploadBytes();
  // The first resolution of the case's type.
  const [code] = await t.db.sql<{ code: string }[]>`
    select st.resolution_codes->0->>'code' as code from cases c join service_types st on st.code = c.service_code
    where c.id = ${caseId}`;
  const outcomes = await crew.send(
    crew.make('start', caseId, {}),
    crew.make('fix', caseId, {
      resolutionCode: code!.code,
      note: 'Ground the lip <2 cm> down.',
      photoIds: beforeId ? [beforeId, photoId] : [photoId],
    }),
  );
  expect(outcomes.map((o) => o.outcome)).toEqual(['applied', 'applied']);
  return uploadBytes;
}

/** A request made through Open311 with the demo key; its case id. */
async function postOpen311(form: URLSearchParams): Promise<string> {
  const res = await t.app.request('/open311/v2/requests.json', {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' },
    body: form.toString(),
  });
  expect(res.status).toBe(200);
  return ((await res.json()) as { service_request_id: string }[])[0]!.service_request_id;
}

const mailsFor = (caseId: string) =>
  Promise.all(smtp.received.filter((r) => r.raw.includes(`case ${caseId}`)).map((r) => smtp.parse(r)));

/** `path` with its `token`'s second-to-last character changed (to another, whatever it was). */
function withTokenAltered(path: string): string {
  const url = new URL(path, 'https://311.riverton.example');
  const token = url.searchParams.get('token')!;
  url.searchParams.set('token', token.slice(0, -2) + (token.at(-2) === 'A' ? 'B' : 'A') + token.slice(-1));
  return url.pathname + url.search;
}

describe('resident notices over SMTP (R10)', () => {
  it('[R10] a fix pushed by a crew reaches the SMTP server once for the reporter, a follower and a merged duplicate’s reporter', async () => {
    const { id, people } = await caseWithPeople();
    await fixWithPhoto(id);
    await drain();
    await drain(); // nothing more on a second pass
    const mails = (await mailsFor(id)).filter((m) => m.headers.get('x-fieldfix-notice')?.toString().includes('fixed'));
    expect(mails.map((m) => (m.to as { text: string }).text).sort()).toEqual(people);
    expect(new Set(mails.map((m) => m.messageId)).size).toBe(3);
    const [outbox] = await t.db.sql<{ sent_at: Date | null; n: number }[]>`
      select o.sent_at, (select count(*)::int from notice_deliveries d where d.outbox_id = o.id and d.sent_at is not null) as n
      from notification_outbox o where o.case_id = ${id} and o.template = 'fixed'`;
    expect(outbox!.sent_at).not.toBeNull();
    expect(outbox!.n).toBe(3);
  });

  it('[R10] a fix naming a before-photo first sends its after-photo as the finished work, never the before', async () => {
    const { id } = await caseWithPeople();
    await fixWithPhoto(id, { before: true });
    await drain();
    const en = (await mailsFor(id)).find((m) => (m.to as { text: string }).text === `neighbour.${id}@example.org`)!;
    expect(en.text).toContain('Photo taken 12 m from your report, at 10:42.');
    expect(en.text).not.toContain('10:05');
    expect(en.attachments.filter((a) => a.contentType === 'image/jpeg')).toHaveLength(1);
  });

  it('[R10] the "fixed" email has the after-photo, the note, proof of the fix and a plain-text part, in the reporter’s language', async () => {
    const { id } = await caseWithPeople('es');
    await fixWithPhoto(id);
    await drain();
    const mails = await mailsFor(id);
    const es = mails.find((m) => (m.to as { text: string }).text === `reporter.${id}@example.org`)!;
    const en = mails.find((m) => (m.to as { text: string }).text === `neighbour.${id}@example.org`)!;
    expect(es.subject).toContain('Resuelto');
    expect(es.text).toContain('Foto tomada a 12 m de su reporte, a las 10:42.');
    expect(en.subject).toBe(`Fixed: Damaged sidewalk at 100 Test St (case #${id})`);
    expect(en.text).toContain('Photo taken 12 m from your report, at 10:42.');
    // The crew's note is text, escaped in the HTML.
    expect(en.html).toContain('Ground the lip &lt;2 cm&gt; down.');
    expect(en.text).toContain('Ground the lip <2 cm> down.');
    const photo = en.attachments.find((a) => a.contentType === 'image/jpeg')!;
    expect(photo).toBeDefined();
    // Inline in the HTML (mailparser has turned the cid: reference into a data: URL).
    expect(photo.cid).toBe('after-photo@fieldfix');
    expect(en.html).toMatch(/<img src="data:image\/jpeg;base64,/);
    const meta = await sharp(photo.content).metadata();
    expect(meta.width).toBeLessThanOrEqual(320);

    // Each email's links open their pages in its language (`lang=es`, `lang=en`), whatever the
    // reader's browser prefers.
    const links = (m: typeof es) => m.text!.match(/https:\/\/311\.riverton\.example\/\S+/g)!;
    const unsubscribeOf = (m: typeof es) =>
      /<([^>]+)>/.exec(m.headerLines.find((h) => h.key === 'list-unsubscribe')!.line)![1]!;
    expect(
      links(es)
        .map((u) => u.replace(/\?.*/, ''))
        .sort(),
    ).toEqual([
      'https://311.riverton.example/api/public/unsubscribe',
      'https://311.riverton.example/still-a-problem',
      `https://311.riverton.example/track/${id}`,
    ]);
    for (const url of [...links(es), unsubscribeOf(es)]) expect(new URL(url).searchParams.get('lang'), url).toBe('es');
    expect(links(en)).toHaveLength(3);
    for (const url of [...links(en), unsubscribeOf(en)]) expect(new URL(url).searchParams.get('lang'), url).toBe('en');
    const unsubscribe = unsubscribeOf(es).replace('https://311.riverton.example', '');
    const page = await (await t.app.request(unsubscribe, { headers: { 'accept-language': 'en-US' } })).text();
    expect(page).toContain('<html lang="es">');
    expect(page).toContain(`¿Dejar de recibir avisos del caso #${id}?`);
    expect(page).toContain(`reporter.${id}@example.org no recibirá más avisos de este caso.`);
    const done = await t.app.request(unsubscribe, { method: 'POST' });
    expect(done.status).toBe(200);
    const donePage = await done.text();
    expect(donePage).toContain(`reporter.${id}@example.org no recibirá más avisos del caso #${id}.`);
    expect(donePage).toContain(`<a href="/track/${id}?lang=es">Ver el estado del caso #${id}</a>`);
    const forged = await t.app.request(withTokenAltered(unsubscribe), { method: 'POST' });
    expect(forged.status).toBe(400);
    expect(await forged.text()).toContain('Este enlace no es válido');
    // English, from the English email, even in a Spanish browser.
    const english = unsubscribeOf(en).replace('https://311.riverton.example', '');
    const enPage = await (await t.app.request(english, { headers: { 'accept-language': 'es' } })).text();
    expect(enPage).toContain('<html lang="en">');
    expect(enPage).toContain(`Stop notices about case #${id}?`);
  });

  it('[R10] every email has a signed unsubscribe link and one-click List-Unsubscribe headers that work', async () => {
    const { id } = await caseWithPeople('en');
    await fixWithPhoto(id);
    await drain();
    const mail = (await mailsFor(id)).find((m) => (m.to as { text: string }).text === `neighbour.${id}@example.org`)!;
    const line = (key: string) => mail.headerLines.find((h) => h.key === key)?.line ?? '';
    const url = /<([^>]+)>/.exec(line('list-unsubscribe'))![1]!;
    expect(line('list-unsubscribe-post')).toBe('List-Unsubscribe-Post: List-Unsubscribe=One-Click');
    expect(mail.text).toContain(url);
    expect(url.startsWith('https://311.riverton.example/api/public/unsubscribe?token=')).toBe(true);
    const path = url.replace('https://311.riverton.example', '');
    // A token changed by one character is refused (the character changed, whatever it was).
    const forged = withTokenAltered(path);
    expect(forged).not.toBe(path);
    expect((await t.app.request(forged, { method: 'POST' })).status).toBe(400);
    // The one-click POST, as a mail provider sends it: no Origin, no cookie.
    const res = await t.app.request(path, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'List-Unsubscribe=One-Click',
    });
    expect(res.status).toBe(200);
    // The next notice of the case goes to the others only.
    await crew.pullAll();
    await crew.send(crew.make('add_note', id, { text: 'after' }));
    await t.db.sql`insert into notification_outbox (case_id, template) values (${id}, 'reopened')`;
    await drain();
    const reopened = (await mailsFor(id)).filter((m) => m.subject?.includes('open again'));
    expect(reopened.map((m) => (m.to as { text: string }).text).sort()).toEqual([
      `duplicate.${id}@example.org`,
      `reporter.${id}@example.org`,
    ]);
    // The "still a problem?" link is signed for this case and lasts to the end of the city's
    // day 14 days after the fix, the day the email names.
    const still = /https:\/\/311\.riverton\.example\/still-a-problem\?token=([\w.-]+)/.exec(mail.text!)![1]!;
    const claims = verifyLink(linkSecret(t.config), still, 'still-a-problem', new Date('2026-06-10T12:00:00Z'));
    expect(claims?.caseId).toBe(id);
    const [fix] = await t.db.sql<{ happened_at: Date }[]>`
      select happened_at from notification_outbox where case_id = ${id} and template = 'fixed'`;
    const ends = windowEndsAt(fix!.happened_at, 14, t.config.cityTimeZone);
    expect(claims!.exp).toBe(ends.getTime() / 1000 - 1);
    expect(dateIn(new Date(claims!.exp * 1000), t.config.cityTimeZone)).toBe(
      addDays(dateIn(fix!.happened_at, t.config.cityTimeZone), 14),
    );
    expect(verifyLink(linkSecret(t.config), still, 'unsubscribe')).toBeNull();
    const track = /https:\/\/311\.riverton\.example\/track\/(\d+)\?k=([\w.-]+)/.exec(mail.text!)!;
    expect(track[1]).toBe(id);
    expect(verifyLink(linkSecret(t.config), track[2]!, 'track')?.caseId).toBe(id);
  });

  it('[R10] a mail server that refuses is retried with backoff, the reason kept, and an admin can retry a failed notice', async () => {
    const { id } = await caseWithPeople('en');
    const [row] = await t.db.sql<{ id: string }[]>`
      insert into notification_outbox (case_id, template) values (${id}, 'received') returning id::text`;
    const broken = new NoticeWorker(
      {
        sql: t.db.sql,
        config: t.config,
        mailer: new SmtpMailer('smtp://127.0.0.1:1'),
        photos: new FilePhotoStore(photosDir),
        log: quietLogger,
      },
      { maxAttempts: 2, retryForHours: 0, backoffSeconds: () => 0 },
    );
    while ((await broken.runOnce()) > 0);
    await broken.stop();
    const admin = await t.login('admin@riverton.example');
    const status = (await (
      await t.app.request('/api/admin/outbox/status?status=failed', { headers: admin })
    ).json()) as {
      entries: { id: string; attempts: number; lastError: string | null }[];
    };
    const failed = status.entries.find((e) => e.id === row!.id)!;
    expect(failed.attempts).toBe(2);
    expect(failed.lastError).toMatch(/ECONNREFUSED|connect/i);
    const retry = await t.app.request(`/api/admin/outbox/${row!.id}/retry`, { method: 'POST', headers: admin });
    expect(retry.status).toBe(200);
    await drain();
    const received = (await mailsFor(id)).filter((m) => m.subject?.startsWith('We received'));
    expect(received).toHaveLength(3);
    const again = await t.app.request(`/api/admin/outbox/${row!.id}/retry`, { method: 'POST', headers: admin });
    expect(again.status).toBe(404);
  });

  it('[R10] a fix recorded after its "still a problem?" day had passed (offline for weeks) offers no link that would only say "expired"', async () => {
    const { id } = await caseWithPeople('en');
    await t.db.sql`insert into notification_outbox (case_id, template, happened_at)
      values (${id}, 'fixed', now() - interval '20 days')`;
    await drain();
    const mails = await mailsFor(id);
    expect(mails).toHaveLength(3);
    for (const m of mails) {
      expect(m.subject).toMatch(/^Fixed: /);
      expect(m.text).not.toContain('still-a-problem');
      expect(m.text).not.toContain('Still a problem?');
    }
  });

  it('[R10] a case\'s notices arrive in the order they were queued, one held back by a "try later" first', async () => {
    const { id } = await caseWithPeople('en');
    const sql = t.db.sql;
    // "received" failed once and is waiting out its backoff; "closed", queued after it, is due now.
    await sql`insert into notification_outbox (case_id, template, send_after, attempts, last_error)
      values (${id}, 'received', now() + interval '1 hour', 1, '451 try again later')`;
    await sql`insert into notification_outbox (case_id, template) values (${id}, 'closed')`;
    await drain();
    expect(await mailsFor(id)).toHaveLength(0);
    await sql`update notification_outbox set send_after = now() where case_id = ${id} and template = 'received'`;
    await drain();
    const reporter = `reporter.${id}@example.org`;
    const subjects = (await mailsFor(id))
      .filter((m) => (m.to as { text: string }).text === reporter)
      .map((m) => m.subject);
    expect(subjects).toEqual([`We received your report (case #${id})`, `Case #${id} closed without a fix`]);
  });

  it('[R10] of two notices of a case due together, only the earlier is claimed; one failing for hours holds nothing back', async () => {
    const { id } = await caseWithPeople('en');
    const sql = t.db.sql;
    const [first] = await sql<{ id: string }[]>`
      insert into notification_outbox (case_id, template) values (${id}, 'received') returning id::text`;
    const [second] = await sql<{ id: string }[]>`
      insert into notification_outbox (case_id, template) values (${id}, 'closed') returning id::text`;
    const claimed = async () => (await claimDueNotices(sql, 50, 0, 3)).filter((n) => n.caseId === id).map((n) => n.id);
    expect(await claimed()).toEqual([first!.id]);
    // The earlier one has failed more than the tries it holds the others for: the later goes.
    await sql`update notification_outbox set attempts = 3, last_error = '452 mailbox full', send_after = now() + interval '1 hour'
      where id = ${first!.id}`;
    expect(await claimed()).toEqual([second!.id]);
    await sql`update notification_outbox set failed_at = now() where case_id = ${id}`;
  });

  it('[R10] a mail server down for hours delays a notice, not loses it: it is given up on only once it is days old', async () => {
    const { id } = await caseWithPeople('en');
    const sql = t.db.sql;
    const [row] = await sql<{ id: string }[]>`
      insert into notification_outbox (case_id, template) values (${id}, 'received') returning id::text`;
    const down = new NoticeWorker(
      {
        sql,
        config: t.config,
        mailer: new SmtpMailer('smtp://127.0.0.1:1'),
        photos: new FilePhotoStore(photosDir),
        log: quietLogger,
      },
      { maxAttempts: 2, retryForHours: 72, backoffSeconds: () => 0 },
    );
    const state = async () =>
      (
        await sql<{ attempts: number; failed: boolean }[]>`
        select attempts, failed_at is not null as failed from notification_outbox where id = ${row!.id}`
      )[0]!;
    for (let i = 0; i < 4; i++) await down.runOnce();
    expect(await state()).toEqual({ attempts: 4, failed: false });
    // Three days on, still not sent: given up, for an admin to retry.
    await sql`update notification_outbox set created_at = now() - interval '73 hours', last_error = 'down'
      where id = ${row!.id}`;
    await down.runOnce();
    await down.stop();
    expect(await state()).toEqual({ attempts: 5, failed: true });
  });

  it('[R10] an address or a message the mail server refuses for good is given up on at once, the others still reached; a "try later" is retried', async () => {
    const { id, people } = await caseWithPeople('en');
    const neighbour = `neighbour.${id}@example.org`;
    const reporter = `reporter.${id}@example.org`;
    // The neighbour's address is refused (550 to RCPT TO), the reporter's message too (554 after DATA).
    const strict = await startLoopbackSmtp({
      refuseRecipient: (a) => a === neighbour,
      onReceived(m) {
        if (m.to.includes(reporter)) throw Object.assign(new Error('5.7.1 Refused by policy'), { responseCode: 554 });
      },
    });
    // Another server says "try later" (451) to the neighbour once: a full mailbox.
    let fullOnce = true;
    const busy = await startLoopbackSmtp({
      onReceived(m) {
        if (m.to.includes(neighbour) && fullOnce) {
          fullOnce = false;
          throw new Error('mailbox full');
        }
      },
    });
    const [row] = await t.db.sql<{ id: string }[]>`
      insert into notification_outbox (case_id, template) values (${id}, 'received') returning id::text`;
    const workerOn = (url: string) =>
      new NoticeWorker(
        {
          sql: t.db.sql,
          config: t.config,
          mailer: new SmtpMailer(url),
          photos: new FilePhotoStore(photosDir),
          log: quietLogger,
        },
        { backoffSeconds: () => 0 },
      );
    const toThisCase = (s: typeof strict) =>
      s.received
        .filter((m) => m.raw.includes(`case ${id}`))
        .flatMap((m) => m.to)
        .sort();
    const admin = await t.login('admin@riverton.example');
    const entry = async () =>
      (
        (await (await t.app.request('/api/admin/outbox/status', { headers: admin })).json()) as {
          entries: { id: string; status: string; attempts: number; lastError: string | null }[];
        }
      ).entries.find((e) => e.id === row!.id)!;
    const first = workerOn(strict.url);
    const second = workerOn(busy.url);
    try {
      while ((await first.runOnce()) > 0);
      // One pass: the other reached, the two refused not tried again, the notice failed.
      expect(toThisCase(strict)).toEqual(people.filter((p) => p !== neighbour && p !== reporter));
      const failed = await entry();
      expect(failed).toMatchObject({ status: 'failed', attempts: 1 });
      expect(failed.lastError).toContain(`${neighbour} (550 5.1.1 No mailbox here by that name)`);
      expect(failed.lastError).toContain(`${reporter} (554 Not kept: 5.7.1 Refused by policy)`);
      expect(failed.lastError).toContain('for good; sent to the other person.');

      // An admin retries, through a server that takes them: only the two not reached are sent
      // to, and the "try later" on the way is tried again, not given up on.
      expect(
        (await t.app.request(`/api/admin/outbox/${row!.id}/retry`, { method: 'POST', headers: admin })).status,
      ).toBe(200);
      await second.runOnce();
      expect(await entry()).toMatchObject({ status: 'pending', attempts: 1 });
      expect((await entry()).lastError).toMatch(/451/);
      while ((await second.runOnce()) > 0);
      expect(await entry()).toMatchObject({ status: 'sent' });
      expect(toThisCase(busy)).toEqual([neighbour, reporter]);
    } finally {
      // The workers' pooled connections first: an open one holds a server's close up.
      await Promise.all([first.stop(), second.stop()]);
      await strict.close();
      await busy.close();
    }
  });

  it('[R10] without SMTP_URL the messages are kept in the data folder and shown to admins only', async () => {
    const { id } = await caseWithPeople('en');
    const boxed = new NoticeWorker({
      sql: t.db.sql,
      config: t.config,
      mailer: new MailboxMailer(mailboxDir(t.config)),
      photos: new FilePhotoStore(photosDir),
      log: quietLogger,
    });
    await fixWithPhoto(id);
    while ((await boxed.runOnce()) > 0);
    await boxed.stop();
    const admin = await t.login('admin@riverton.example');
    const res = await t.app.request('/api/admin/mailbox', { headers: admin });
    const body = (await res.json()) as {
      transport: string;
      messages: {
        caseId: string;
        to: string;
        template: string;
        html: string;
        text: string;
        headers: Record<string, string>;
      }[];
    };
    expect(body.transport).toBe('mailbox');
    const fixed = body.messages.filter((m) => m.caseId === id && m.template === 'fixed');
    expect(fixed.map((m) => m.to).sort()).toEqual([
      `duplicate.${id}@example.org`,
      `neighbour.${id}@example.org`,
      `reporter.${id}@example.org`,
    ]);
    expect(fixed[0]!.html).toContain('src="data:image/jpeg;base64,');
    expect(fixed[0]!.headers['List-Unsubscribe-Post']).toBe('List-Unsubscribe=One-Click');
    const lead = await t.login('lead@riverton.example');
    expect((await t.app.request('/api/admin/mailbox', { headers: lead })).status).toBe(403);
  });

  it('[R10] a request made through Open311 and fixed by a crew: one "received" and one "fixed" email for the reporter and a follower', async () => {
    const form = new URLSearchParams({
      api_key: DEMO_API_KEY,
      service_code: 'POTHOLE',
      lat: '42.3555',
      long: '-86.975',
      address_string: '412 Beech Ave',
      description: 'Deep hole by the bus stop.',
      'attribute[size]': 'large',
      email: 'open311.reporter@example.org',
      language: 'es',
    });
    const id = await postOpen311(form);
    await t.db.sql`insert into case_followers (case_id, email) values (${id}, 'open311.follower@example.org')`;
    await drain();
    await fixWithPhoto(id);
    await drain();
    await drain();
    const mails = await mailsFor(id);
    const got = mails
      .map((m) => `${(m.to as { text: string }).text} ${m.headers.get('x-fieldfix-notice')?.toString().split('; ')[1]}`)
      .sort();
    expect(got).toEqual([
      'open311.follower@example.org fixed',
      'open311.follower@example.org received',
      'open311.reporter@example.org fixed',
      'open311.reporter@example.org received',
    ]);
    const received = mails.find((m) => m.subject?.startsWith('Recibimos'))!;
    expect(received.text).toContain(`https://311.riverton.example/track/${id}?k=`);
  });

  it('[R10] a request routed straight to a crew (a routing rule names one): its one "received" email says when', async () => {
    // The demo's rules give Eastfield's potholes to Streets crew B.
    const form = new URLSearchParams({
      api_key: DEMO_API_KEY,
      service_code: 'POTHOLE',
      lat: '42.345',
      long: '-86.96',
      address_string: '9 Eastfield Rd',
      description: 'Hole at the corner.',
      'attribute[size]': 'small',
      email: 'routed.reporter@example.org',
    });
    const id = await postOpen311(form);
    const [c] = await t.db.sql<
      { assigned_crew_id: string | null }[]
    >`select assigned_crew_id from cases where id = ${id}`;
    expect(c!.assigned_crew_id).toBe('streets-b');
    await drain();
    await drain();
    const mails = (await mailsFor(id)).filter((m) => (m.to as { text: string }).text === 'routed.reporter@example.org');
    expect(mails.map((m) => m.subject)).toEqual([`We received your report (case #${id})`]);
    const today = new Intl.DateTimeFormat('en-US', {
      timeZone: t.config.cityTimeZone,
      weekday: 'long',
      month: 'long',
      day: 'numeric',
    }).format(new Date());
    expect(mails[0]!.text).toContain(
      `Your report of Pothole at 9 Eastfield Rd is case #${id}. Streets Crew B plans to work on it on ${today}. We will tell you when it is fixed.`,
    );
  });

  it('[R10] a mail server that keeps a message and drops the line before its reply: not sent again before the lease is over', async () => {
    const { id } = await caseWithPeople('en');
    const target = `reporter.${id}@example.org`;
    let dropped = false;
    const flaky = await startLoopbackSmtp({
      dropBeforeReply: (r) => !dropped && r.to.includes(target) && (dropped = true),
    });
    const sender = new NoticeWorker(
      {
        sql: t.db.sql,
        config: t.config,
        mailer: new SmtpMailer(flaky.url),
        photos: new FilePhotoStore(photosDir),
        log: quietLogger,
      },
      { leaseSeconds: 60 },
    );
    try {
      await t.db.sql`insert into notification_outbox (case_id, template) values (${id}, 'received')`;
      while ((await sender.runOnce()) > 0);
      expect(dropped).toBe(true);
      // Its backoff over, well within the lease: the message the server kept is not sent again.
      await t.db.sql`update notification_outbox set send_after = now() where case_id = ${id}`;
      while ((await sender.runOnce()) > 0);
      expect(flaky.received.filter((r) => r.to.includes(target))).toHaveLength(1);
      // The others on the case got theirs.
      expect(flaky.received.filter((r) => r.to.includes(`neighbour.${id}@example.org`))).toHaveLength(1);
    } finally {
      await sender.stop();
      await flaky.close();
    }
  });

  it("[R10] a duplicate's reporter who stopped its notices gets none of the case it was merged into", async () => {
    const { id, people } = await caseWithPeople();
    const sql = t.db.sql;
    const [dup] = await sql<{ id: string }[]>`
      insert into cases (service_code, description, lat, long, address, state, merged_into_id)
      values ('SIDEWALK', 'Same slab again', ${CASE_AT.lat}, ${CASE_AT.long}, '100 Test St', 'closed_not_fixed', ${id})
      returning id::text`;
    const quiet = `quiet.${id}@example.org`;
    await sql`insert into case_reporters (case_id, email) values (${dup!.id}, ${quiet})`;
    expect((await recipientsOf(sql, id)).map((r) => r.email).sort()).toEqual([...people, quiet].sort());
    await unsubscribe(sql, dup!.id, quiet);
    expect((await recipientsOf(sql, id)).map((r) => r.email).sort()).toEqual(people);
    // Stopping the duplicate's notices is not stopping the case's for those who follow it directly.
    await unsubscribe(sql, dup!.id, `neighbour.${id}@example.org`);
    expect((await recipientsOf(sql, id)).map((r) => r.email).sort()).toEqual(people);
  });

  it('[R10] several instances sending at once send each notice once per person', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 20; i++) ids.push((await caseWithPeople('en')).id);
    await t.db
      .sql`insert into notification_outbox (case_id, template) select id, 'received' from unnest(${ids}::bigint[]) id`;
    const before = smtp.received.length;
    const instances = [0, 1, 2].map(
      () =>
        new NoticeWorker(
          {
            sql: t.db.sql,
            config: t.config,
            mailer: new SmtpMailer(smtp.url),
            photos: new FilePhotoStore(photosDir),
            log: quietLogger,
          },
          { batchSize: 3 },
        ),
    );
    await Promise.all(
      instances.map(async (w) => {
        while ((await w.runOnce()) > 0);
      }),
    );
    await Promise.all(instances.map((w) => w.stop()));
    const sent = smtp.received.slice(before);
    expect(sent).toHaveLength(60);
    expect(new Set(sent.map((r) => r.messageId)).size).toBe(60);
  });

  it('[R10] a batch the mail server takes longer than the lease to accept is not sent again by another instance', async () => {
    // Found at 1,000 devices (pnpm bench:load:faults): one instance claimed a batch and began
    // every message of it at once, while its 4 SMTP connections took them one by one; once the
    // lease ran out another instance took the batch and sent the messages still waiting. Here:
    // a 1 s lease, a mail server that takes 150 ms a message, 24 notices to 3 people each
    // (about 3 s for one instance to send), and a second instance looking for work meanwhile.
    const slow = await startLoopbackSmtp({ delayMs: 150 });
    const workers = [0, 1].map(
      () =>
        new NoticeWorker(
          {
            sql: t.db.sql,
            config: t.config,
            mailer: new SmtpMailer(slow.url),
            photos: new FilePhotoStore(photosDir),
            log: quietLogger,
          },
          { leaseSeconds: 1 },
        ),
    );
    try {
      const ids: string[] = [];
      for (let i = 0; i < 24; i++) ids.push((await caseWithPeople('en')).id);
      await t.db
        .sql`insert into notification_outbox (case_id, template) select id, 'received' from unnest(${ids}::bigint[]) id`;
      const started = performance.now();
      let firstDone = false;
      const first = workers[0]!.runOnce().finally(() => (firstDone = true));
      // The second starts looking once the first holds the batch.
      for (;;) {
        const [held] = await t.db.sql<{ n: number }[]>`select count(*)::int as n from notification_outbox
          where case_id = any(${ids}::bigint[]) and claimed_until is not null`;
        if (held!.n === 24 || firstDone) break;
        await new Promise((r) => setTimeout(r, 10));
      }
      while (!firstDone) {
        await workers[1]!.runOnce();
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(await first).toBe(24);
      // The first instance's batch outlasted the lease: the case this test is about.
      expect(performance.now() - started).toBeGreaterThan(1_500);
      for (const w of workers) while ((await w.runOnce()) > 0);
      const seen = new Map<string, number>();
      for (const m of slow.received)
        for (const to of m.to) seen.set(`${m.messageId} ${to}`, (seen.get(`${m.messageId} ${to}`) ?? 0) + 1);
      expect([...seen].filter(([, n]) => n > 1)).toEqual([]);
      expect(seen.size).toBe(72);
      const [row] = await t.db.sql<{ n: number }[]>`
        select count(*)::int as n from notification_outbox where case_id = any(${ids}::bigint[]) and sent_at is null`;
      expect(row!.n).toBe(0);
    } finally {
      await Promise.all(workers.map((w) => w.stop()));
      await slow.close();
    }
  });

  it('[R10] a "fixed" notice still waiting for its photo when a lead reopens the case is not sent after the reopening', async () => {
    const { id } = await caseWithPeople('en');
    const upload = await fixWithPhoto(id, { upload: false });
    await drain();
    const lead = new TestDevice(server.url, await t.login('lead@riverton.example'), `desk-${id}`);
    await lead.pullAll();
    expect((await lead.send(lead.make('reopen', id, { reason: 'The patch sank again.' })))[0]!.outcome).toBe('applied');
    await drain();
    expect((await mailsFor(id)).map((m) => m.subject)).toEqual(Array(3).fill(`Your case #${id} is open again`));
    await upload();
    await t.db.sql`update notification_outbox set send_after = now() where case_id = ${id}`;
    await drain();
    expect((await mailsFor(id)).filter((m) => m.subject?.startsWith('Fixed'))).toEqual([]);
    const [fixed] = await t.db.sql<{ sent_at: Date | null; failed_at: Date | null; last_error: string }[]>`
      select sent_at, failed_at, last_error from notification_outbox where case_id = ${id} and template = 'fixed'`;
    expect(fixed).toMatchObject({ sent_at: null, last_error: 'not sent: the case was reopened before it went out' });
    expect(fixed!.failed_at).not.toBeNull();
  });

  it('[R10] a "fixed" notice waits for its after-photo to finish uploading, then carries it', async () => {
    const { id } = await caseWithPeople('en');
    const upload = await fixWithPhoto(id, { upload: false });
    await drain();
    expect(await mailsFor(id)).toEqual([]);
    const [row] = await t.db.sql<{ send_after: Date; attempts: number }[]>`
      select send_after, attempts from notification_outbox where case_id = ${id} and template = 'fixed'`;
    expect(row!.send_after.getTime()).toBeGreaterThan(Date.now());
    expect(row!.attempts).toBe(0);
    await upload();
    await t.db.sql`update notification_outbox set send_after = now() where case_id = ${id}`;
    await drain();
    const mails = await mailsFor(id);
    expect(mails).toHaveLength(3);
    for (const m of mails) expect(m.attachments.map((a) => a.contentType)).toEqual(['image/jpeg']);
  });
});
