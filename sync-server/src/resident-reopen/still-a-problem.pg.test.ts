import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canReopenByResidentLink, residentReopenRefusal, type LeadNotice } from '@fieldfix/shared';
import { createTestApp, type TestApp } from '../../test/test-app.ts';
import { listen, TestDevice } from '../../test/sync-client.ts';
import { signLink } from '../notices-delivery/signed-links.ts';
import { linkKey } from './still-a-problem.repo.ts';

// "Still a problem?": the link of a "fixed" notice reopens the case, once, within 14 days.

const SECRET = 'still-a-problem-test-secret';
const DAY = 86_400_000;

let t: TestApp;
let server: { url: string; close(): Promise<void> };
let crew: TestDevice;
let lead: TestDevice;
let leadHeaders: Record<string, string>;

beforeAll(async () => {
  t = await createTestApp({ linkSecret: SECRET });
  server = await listen(t);
  crew = new TestDevice(server.url, await t.login('worker@riverton.example'), 'tablet-a');
  leadHeaders = await t.login('lead@riverton.example');
  lead = new TestDevice(server.url, leadHeaders, 'desk');
});
afterAll(async () => {
  await server?.close();
  await t?.close();
});

type CaseRow = {
  state: string;
  assigned_crew_id: string | null;
  assigned_day: string | null;
  route_position: number | null;
  resolution_code: string | null;
  closed_at: Date | null;
  version: number;
  change_cursor: string;
};

/** A case of Streets Crew A, fixed `fixedDaysAgo` days ago (or in `state`), with its reporter. */
async function fixedCase(fixedDaysAgo = 2, state = 'fixed'): Promise<string> {
  const sql = t.db.sql;
  const closedAt = new Date(Date.now() - fixedDaysAgo * DAY);
  const [row] = await sql<{ id: string }[]>`
    insert into cases (service_code, description, lat, long, address, state, assigned_crew_id, assigned_day,
      route_position, resolution_code, close_reason, closed_at, version)
    values ('SIDEWALK', 'Raised slab', 42.35, -86.97, '100 Test St', ${state}, 'streets-a', '2026-06-10', 99,
      ${state === 'fixed' ? 'repaired' : null}, ${state === 'closed_not_fixed' ? 'cannot_locate' : null},
      ${state === 'fixed' || state === 'closed_not_fixed' ? closedAt : null}, 4)
    returning id::text`;
  await sql`insert into case_reporters (case_id, email) values (${row!.id}, ${`reporter.${row!.id}@example.org`})`;
  return row!.id;
}

/** The link the "fixed" notice carries: valid until 14 days after the fix. */
function link(caseId: string, fixedDaysAgo = 2, secret = SECRET): string {
  const exp = Math.floor((Date.now() - fixedDaysAgo * DAY + 14 * DAY) / 1000);
  return signLink(secret, { p: 'still-a-problem', caseId, exp });
}

async function caseRow(id: string): Promise<CaseRow> {
  const [row] = await t.db.sql<CaseRow[]>`
    select state, assigned_crew_id, assigned_day::text, route_position, resolution_code, closed_at, version,
      change_cursor::text
    from cases where id = ${id}`;
  return row!;
}

/** Everything a use of the link may write about the case. */
async function written(id: string) {
  const sql = t.db.sql;
  const [counts] = await sql<{ events: number; reopened: number; notices: number; lead: number }[]>`
    select (select count(*)::int from case_events where case_id = ${id}) as events,
      (select count(*)::int from case_events where case_id = ${id} and kind = 'reopened') as reopened,
      (select count(*)::int from notification_outbox where case_id = ${id} and template = 'reopened') as notices,
      (select count(*)::int from lead_notices where case_id = ${id}) as lead`;
  return { row: await caseRow(id), ...counts! };
}

const get = (token: string) => t.app.request(`/still-a-problem?token=${encodeURIComponent(token)}`);
// As a browser sends the page's form: a cross-site POST without a session is what it is.
const post = (token: string) =>
  t.app.request(`/still-a-problem?token=${encodeURIComponent(token)}`, {
    method: 'POST',
    headers: { origin: 'https://mail.example.net', 'content-type': 'application/x-www-form-urlencoded' },
  });

describe('still a problem?', () => {
  it('GET shows a page with a button and changes nothing (mail scanners open links)', async () => {
    const id = await fixedCase();
    const before = await written(id);
    const res = await get(link(id));
    expect(res.status).toBe(200);
    const body = await res.text();
    expect(body).toContain(`Is case #${id} still a problem?`);
    expect(body).toContain('<form method="post"');
    expect(await written(id)).toEqual(before);
  });

  it('POST within 14 days reopens the case: state, cursor, devices, history, one notification, the lead inbox', async () => {
    const id = await fixedCase(13);
    const crewAt = (await crew.pullAll()).cursor;
    const leadAt = (await lead.pullAll()).cursor;
    const before = await caseRow(id);

    const res = await post(link(id, 13));
    expect(res.status).toBe(200);
    expect(await res.text()).toContain(`Case #${id} is open again`);

    // Through the rules' reopen patch (resolution cleared), then routed again as a new report
    // is: the district's Streets crew, today (the city's date), at the end of its day.
    const after = await caseRow(id);
    const today = new Intl.DateTimeFormat('en-CA', { timeZone: 'America/Detroit' }).format(new Date());
    const [end] = await t.db.sql<{ n: number }[]>`
      select max(route_position)::int as n from cases where assigned_crew_id = 'streets-a' and assigned_day = ${today}`;
    expect(after).toMatchObject({
      state: 'assigned',
      assigned_crew_id: 'streets-a',
      assigned_day: today,
      resolution_code: null,
      closed_at: null,
      version: before.version + 1,
    });
    expect(after.route_position).toBe(end!.n);
    expect(BigInt(after.change_cursor)).toBeGreaterThan(BigInt(before.change_cursor));

    // The crew's devices get it back, open; the lead's desk sees it open again.
    const crewPull = await crew.pullAll(crewAt);
    const back = crewPull.pages.flatMap((p) => p.cases).find((c) => c.id === id);
    expect(back).toMatchObject({ state: 'assigned', crewId: 'streets-a', closedAt: null, assignedDay: today });
    const leadPull = await lead.pullAll(leadAt);
    const seen = leadPull.pages.flatMap((p) => p.cases).find((c) => c.id === id);
    expect(seen).toMatchObject({ state: 'assigned', crewId: 'streets-a', closedAt: null, version: before.version + 1 });

    // History: one `reopened` entry whose source is the resident, and nobody's name or address.
    const events = await t.db.sql<
      { actor_user_id: string | null; mutation_id: string; data: Record<string, unknown>; version: number }[]
    >`select actor_user_id, mutation_id::text, data, version from case_events where case_id = ${id} and kind = 'reopened'`;
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ actor_user_id: null, version: before.version + 1 });
    expect(events[0]!.data).toMatchObject({ source: 'resident', previousState: 'fixed' });
    expect(events[0]!.data.routed).toMatch(/^Routed to Streets, Streets Crew A/);
    expect(JSON.stringify(events[0]!.data)).not.toContain('@');

    // One "reopened" notice for the resident, keyed like the history entry.
    const notices = await t.db.sql<{ mutation_id: string }[]>`
      select mutation_id::text from notification_outbox where case_id = ${id} and template = 'reopened'`;
    expect(notices).toEqual([{ mutation_id: events[0]!.mutation_id }]);

    // The Streets leads hear of it.
    const inbox = await t.app.request('/api/notices', { headers: leadHeaders });
    const { notices: leadNotices } = (await inbox.json()) as { notices: LeadNotice[] };
    const mine = leadNotices.filter((n) => n.caseId === id);
    expect(mine).toHaveLength(1);
    expect(mine[0]).toMatchObject({ kind: 'crossed-path' });
    expect(mine[0]!.message).toContain(`A resident says case #${id} is still a problem`);
  });

  it('the same link twice reopens once and queues once (200 both times)', async () => {
    const id = await fixedCase();
    const token = link(id);
    expect((await post(token)).status).toBe(200);
    const once = await written(id);
    expect(once).toMatchObject({ reopened: 1, notices: 1, lead: 1 });
    const again = await post(token);
    expect(again.status).toBe(200);
    expect(await again.text()).toContain('already reopened');
    expect(await written(id)).toEqual(once);
    // Both at once: one reopening.
    const other = await fixedCase();
    const token2 = link(other);
    const both = await Promise.all([post(token2), post(token2)]);
    expect(both.map((r) => r.status)).toEqual([200, 200]);
    expect(await written(other)).toMatchObject({ reopened: 1, notices: 1, lead: 1 });
  });

  it("fixed again the same day, the case is reopened again by the same link (both fixes' emails carry it)", async () => {
    const id = await fixedCase();
    const token = link(id);
    expect((await post(token)).status).toBe(200);
    expect(await written(id)).toMatchObject({ reopened: 1, notices: 1, lead: 1 });
    // The crew fixes it again, an hour later: a new fix, the same day's link.
    await t.db.sql`update cases set state = 'fixed', closed_at = now(), version = version + 1 where id = ${id}`;
    await t.db.sql`insert into case_events (case_id, kind, data, version, crew_id)
      select id, 'fixed', '{}', version, 'streets-a' from cases where id = ${id}`;
    const again = await post(token);
    expect(again.status).toBe(200);
    expect(await again.text()).not.toContain('already reopened');
    expect(await written(id)).toMatchObject({ reopened: 2, notices: 2, lead: 2, row: { state: 'assigned' } });
    // A fix refused meanwhile (a device's late one) is no new fix: a second press is the same reopening.
    await t.db.sql`insert into case_events (case_id, kind, data, version, crew_id, outcome)
      select id, 'fixed', '{}', version, 'streets-a', 'superseded' from cases where id = ${id}`;
    expect(await (await post(token)).text()).toContain('already reopened');
    expect(await written(id)).toMatchObject({ reopened: 2, notices: 2, lead: 2 });
  });

  it('after 14 days the link is refused with 410 and plain words, and nothing changes', async () => {
    const id = await fixedCase(15);
    const before = await written(id);
    for (const res of [await get(link(id, 15)), await post(link(id, 15))]) {
      expect(res.status).toBe(410);
      const page = await res.text();
      expect(page).toContain('This link has expired; report the problem again');
      expect(page).toContain(`<a href="/track/${id}?lang=en">See where case #${id} stands</a>`);
    }
    // A link still in date for a fix more than 14 days old (the fix came earlier than the link says).
    expect((await post(link(id, 1))).status).toBe(410);
    expect(await written(id)).toEqual(before);
  });

  it('refuses forged and altered links with 400, and changes nothing', async () => {
    const id = await fixedCase();
    const before = await written(id);
    const genuine = link(id);
    const [body, sig] = genuine.split('.');
    const claims = JSON.parse(Buffer.from(body!, 'base64url').toString()) as Record<string, unknown>;
    const otherCase = Buffer.from(JSON.stringify({ ...claims, caseId: '1' })).toString('base64url');
    const later = Buffer.from(JSON.stringify({ ...claims, exp: Number(claims.exp) + 365 * 86_400 })).toString(
      'base64url',
    );
    const forged = [
      link(id, 2, 'not-the-secret'),
      `${otherCase}.${sig}`,
      `${later}.${sig}`,
      `${body}.${sig}x`,
      `${body}`,
      signLink(SECRET, { p: 'unsubscribe', caseId: id, email: `reporter.${id}@example.org` }),
      signLink(SECRET, { p: 'track', caseId: id }),
      '',
    ];
    for (const token of forged) {
      for (const res of [await get(token), await post(token)]) {
        expect(res.status, token).toBe(400);
        const page = await res.text();
        expect(page).toContain('This link is not valid');
        expect(page).not.toContain('/track/'); // no case named by a link that is not ours
      }
    }
    expect(await written(id)).toEqual(before);
  });

  it('a case closed without a fix is not reopened by a resident (409): that is for the desk', async () => {
    const id = await fixedCase(2, 'closed_not_fixed');
    const before = await written(id);
    const res = await post(link(id));
    expect(res.status).toBe(409);
    expect(await res.text()).toContain('closed without a fix');
    expect(await written(id)).toEqual(before);
  });

  it('a case that is open again already is left as it is (409)', async () => {
    const id = await fixedCase(2, 'assigned');
    const before = await written(id);
    const res = await post(link(id));
    expect(res.status).toBe(409);
    expect(await res.text()).toContain('open again already');
    expect(await written(id)).toEqual(before);
  });

  it('speaks Spanish when the link says lang=es (a Spanish notice), or the browser prefers it; English otherwise', async () => {
    const id = await fixedCase();
    const token = encodeURIComponent(link(id));
    const page = async (query: string, headers: Record<string, string> = {}) => {
      const res = await t.app.request(`/still-a-problem?token=${token}${query}`, { headers });
      expect(res.status).toBe(200);
      // Its words depend on the browser's language, and it is one person's link: never cached.
      expect(res.headers.get('vary')).toBe('Accept-Language');
      expect(res.headers.get('cache-control')).toBe('no-store');
      return res.text();
    };
    const spanish = await page('&lang=es');
    expect(spanish).toContain('<html lang="es">');
    expect(spanish).toContain(`<h1>¿Sigue el problema del caso #${id}?</h1>`);
    expect(spanish).toContain('Sí, el problema sigue');
    // The form's answer comes back in the page's language.
    expect(spanish).toMatch(/<form method="post" action="\?token=[^"]+&amp;lang=es">/);
    expect(await page('', { 'accept-language': 'es-MX,es;q=0.9,en;q=0.5' })).toContain('<html lang="es">');
    // The link's language wins over the browser's; anything else is English.
    expect(await page('&lang=en', { 'accept-language': 'es-MX' })).toContain('<html lang="en">');
    for (const [query, headers] of [
      ['', {}],
      ['&lang=fr', {}],
      ['&lang=<b>', { 'accept-language': 'fr-FR,de;q=0.8' }],
      ['', { 'accept-language': 'es;q=0, en' }],
    ] as const) {
      const english = await page(query, headers);
      expect(english).toContain('<html lang="en">');
      expect(english).toContain(`Is case #${id} still a problem?`);
      expect(english).toMatch(/action="\?token=[^"]+&amp;lang=en"/);
    }

    // One link, as in one email: made twice, a second apart, its expiry (and so the link) would differ.
    const sent = link(id);
    const post = (query: string, token = sent) =>
      t.app.request(`/still-a-problem?token=${encodeURIComponent(token)}${query}`, {
        method: 'POST',
        headers: { origin: 'https://mail.example.net', 'content-type': 'application/x-www-form-urlencoded' },
      });
    const done = await post('&lang=es');
    expect(done.status).toBe(200);
    const thanks = await done.text();
    expect(thanks).toContain(`Gracias. El caso #${id} está abierto otra vez`);
    // On to the case's page, in the same language.
    expect(thanks).toContain(`<a href="/track/${id}?lang=es">Ver el estado del caso #${id}</a>`);
    const twice = await post('&lang=es');
    expect(await twice.text()).toContain(`El caso #${id} ya se reabrió con este enlace`);
    expect(await written(id)).toMatchObject({ reopened: 1, notices: 1 });
    // Refusals too.
    const forged = await post('&lang=es', link(id, 2, 'not-the-secret'));
    expect(forged.status).toBe(400);
    expect(await forged.text()).toContain('Este enlace no es válido');
    const old = await fixedCase(15);
    const expired = await post('&lang=es', link(old, 15));
    expect(expired.status).toBe(410);
    expect(await expired.text()).toContain(`Este enlace venció; reporte el problema de nuevo al 311`);
    const notFixed = await fixedCase(2, 'closed_not_fixed');
    const refused = await post('&lang=es', link(notFixed));
    expect(refused.status).toBe(409);
    expect(await refused.text()).toContain(`El caso #${notFixed} se cerró sin arreglarse`);
    const open = await fixedCase(2, 'assigned');
    expect(await (await post('&lang=es', link(open))).text()).toContain(`El caso #${open} ya está abierto otra vez`);
  });

  it('the page is readable on a phone outdoors: large type, a button a thumb can hit', async () => {
    const page = await (await get(link(await fixedCase()))).text();
    expect(page).toContain('width=device-width, initial-scale=1');
    expect(page).toMatch(/button \{[^}]*min-height: 3rem/);
  });

  it('the link key is the same for one link and differs between links', () => {
    expect(linkKey({ caseId: '12', exp: 100 })).toBe(linkKey({ caseId: '12', exp: 100 }));
    expect(linkKey({ caseId: '12', exp: 100 })).not.toBe(linkKey({ caseId: '12', exp: 101 }));
    expect(linkKey({ caseId: '12', exp: 100 })).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/,
    );
  });

  it('the access predicate: its case, fixed, within the window', () => {
    const now = new Date('2026-06-20T12:00:00Z');
    const link = { caseId: '12', expiresAt: new Date('2026-06-24T12:00:00Z') };
    const fixed = { id: '12', state: 'fixed' as const, closedAt: new Date('2026-06-10T12:00:00Z') };
    expect(canReopenByResidentLink(link, fixed, now, 14, 'America/Detroit')).toBe(true);
    expect(residentReopenRefusal(link, { ...fixed, id: '13' }, now, 14, 'America/Detroit')).toBe('wrong-case');
    expect(
      residentReopenRefusal(
        { ...link, expiresAt: new Date('2026-06-19T00:00:00Z') },
        fixed,
        now,
        14,
        'America/Detroit',
      ),
    ).toBe('expired');
    expect(
      residentReopenRefusal(link, { ...fixed, closedAt: new Date('2026-06-05T12:00:00Z') }, now, 14, 'America/Detroit'),
    ).toBe('expired');
    expect(residentReopenRefusal(link, { ...fixed, state: 'closed_not_fixed' }, now, 14, 'America/Detroit')).toBe(
      'closed-not-fixed',
    );
    expect(residentReopenRefusal(link, { ...fixed, state: 'new', closedAt: null }, now, 14, 'America/Detroit')).toBe(
      'open',
    );
  });
});
