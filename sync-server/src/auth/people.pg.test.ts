import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorBody, PeopleResponse, PersonResponse } from '@fieldfix/shared';
import { createTestApp, type TestApp } from '../../test/test-app.ts';

// Staff accounts, administered through the app (`/api/admin/people`), against real
// PostgreSQL: an account made here signs in with its first password in its role and crew;
// bad input is a 400 naming the problem and stores nothing; a taken email is a 409; a new
// password or an ended account signs the person out everywhere; an admin cannot end or
// demote their own account.

let t: TestApp;
let admin: Record<string, string>;

beforeAll(async () => {
  t = await createTestApp();
  admin = await t.login('admin@riverton.example');
});
afterAll(async () => {
  await t?.close();
});

const send = (method: string, path: string, body: unknown, who = admin) =>
  t.app.request(path, { method, headers: { 'content-type': 'application/json', ...who }, body: JSON.stringify(body) });
const people = async () =>
  PeopleResponse.parse(await (await t.app.request('/api/admin/people', { headers: admin })).json());
const userCount = async () => Number((await t.db.sql`select count(*)::int as n from users`)[0]!.n);

const newWorker = (email: string) => ({
  name: 'Dana Reyes',
  email,
  password: 'pothole-season-7',
  placement: { role: 'worker', crewId: 'streets-b' },
});

describe('staff accounts', () => {
  it('lists everyone with the crews and departments they may be put in; never a password hash', async () => {
    const res = await t.app.request('/api/admin/people', { headers: admin });
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).not.toContain('scrypt$');
    const list = PeopleResponse.parse(JSON.parse(text));
    expect(list.people.find((p) => p.email === 'worker@riverton.example')).toMatchObject({
      role: 'worker',
      crewId: 'streets-a',
      departmentId: 'streets',
      active: true,
    });
    expect(list.crews.map((c) => c.id)).toContain('streets-b');
    expect(list.departments.map((d) => d.name)).toContain('Streets');
  });

  it('an account made by an admin signs in with its first password, on its crew, its department the crew’s', async () => {
    const res = await send('POST', '/api/admin/people', newWorker('dana.reyes@riverton.example'));
    expect(res.status, await res.clone().text()).toBe(201);
    const { person } = PersonResponse.parse(await res.json());
    expect(person).toMatchObject({ role: 'worker', crewId: 'streets-b', departmentId: 'streets', active: true });
    const dana = await t.login('Dana.Reyes@riverton.example', 'pothole-season-7');
    const session = (await (await t.app.request('/api/auth/session', { headers: dana })).json()) as {
      user: { id: string; crewId: string };
      crew: { name: string };
    };
    expect(session.user).toMatchObject({ id: person.id, crewId: 'streets-b' });
    expect(session.crew.name).toBe('Streets Crew B');
    // A lead and an admin are placed by department and by nothing.
    const lead = await send('POST', '/api/admin/people', {
      ...newWorker('new.lead@riverton.example'),
      placement: { role: 'lead', departmentId: 'sanitation' },
    });
    expect(PersonResponse.parse(await lead.json()).person).toMatchObject({
      role: 'lead',
      crewId: null,
      departmentId: 'sanitation',
    });
  });

  it('refuses what cannot be stored with a 400 naming it, and a taken email (any case) with a 409; nothing stored', async () => {
    const before = await userCount();
    const cases: [unknown, number, RegExp][] = [
      [{ ...newWorker('a@riverton.example'), password: 'short' }, 400, /password.*at least 10 characters/],
      [{ ...newWorker('a@riverton.example'), email: 'not an email' }, 400, /email.*not an email address/],
      [{ ...newWorker('a@riverton.example'), name: '   ' }, 400, /name.*empty/],
      [{ ...newWorker('a@riverton.example'), placement: { role: 'worker' } }, 400, /placement.crewId/],
      [
        { ...newWorker('a@riverton.example'), placement: { role: 'worker', crewId: 'no-crew' } },
        400,
        /no crew "no-crew"/,
      ],
      [
        { ...newWorker('a@riverton.example'), placement: { role: 'lead', departmentId: 'parks' } },
        400,
        /no department "parks"/,
      ],
      [{ ...newWorker('a@riverton.example'), placement: { role: 'mayor' } }, 400, /placement/],
      [newWorker('WORKER@riverton.example'), 409, /WORKER@riverton.example exists already/],
    ];
    for (const [body, status, message] of cases) {
      const res = await send('POST', '/api/admin/people', body);
      expect(res.status, JSON.stringify(body)).toBe(status);
      expect(ErrorBody.parse(await res.json()).error.message).toMatch(message);
    }
    expect(await userCount()).toBe(before);
  });

  it('a new password signs the person out everywhere; the old one no longer works, the new one does', async () => {
    const { person } = PersonResponse.parse(
      await (await send('POST', '/api/admin/people', newWorker('moved.on@riverton.example'))).json(),
    );
    const tablet = await t.login('moved.on@riverton.example', 'pothole-season-7');
    const res = await send('PUT', `/api/admin/people/${person.id}`, { password: 'a-brand-new-one-9' });
    expect(res.status).toBe(200);
    expect((await t.app.request('/api/auth/session', { headers: tablet })).status).toBe(401);
    await expect(t.login('moved.on@riverton.example', 'pothole-season-7')).rejects.toThrow(/401/);
    await t.login('moved.on@riverton.example', 'a-brand-new-one-9');
  });

  it('a new email (a typo mended): signs in with it, no longer with the old; stays signed in; a taken one is a 409', async () => {
    const { person } = PersonResponse.parse(
      await (await send('POST', '/api/admin/people', newWorker('dana.reyse@riverton.example'))).json(),
    );
    const tablet = await t.login('dana.reyse@riverton.example', 'pothole-season-7');
    const res = await send('PUT', `/api/admin/people/${person.id}`, { email: 'Dana.Reyes2@riverton.example' });
    expect(res.status, await res.clone().text()).toBe(200);
    expect(PersonResponse.parse(await res.json()).person).toMatchObject({
      email: 'Dana.Reyes2@riverton.example',
      name: 'Dana Reyes',
      crewId: 'streets-b',
    });
    // The tablet signed in before stays in: the person is who they were.
    expect((await t.app.request('/api/auth/session', { headers: tablet })).status).toBe(200);
    await t.login('dana.reyes2@riverton.example', 'pothole-season-7');
    await expect(t.login('dana.reyse@riverton.example', 'pothole-season-7')).rejects.toThrow(/401/);
    // Someone else's (any case): refused, naming it, and nothing of the request is stored.
    const taken = await send('PUT', `/api/admin/people/${person.id}`, {
      email: 'WORKER@riverton.example',
      name: 'D. R.',
    });
    expect(taken.status).toBe(409);
    expect(ErrorBody.parse(await taken.json()).error.message).toMatch(/WORKER@riverton.example.*another account/);
    expect((await people()).people.find((p) => p.id === person.id)).toMatchObject({
      email: 'Dana.Reyes2@riverton.example',
      name: 'Dana Reyes',
    });
    const bad = await send('PUT', `/api/admin/people/${person.id}`, { email: 'dana at riverton' });
    expect(bad.status).toBe(400);
    expect(ErrorBody.parse(await bad.json()).error.message).toMatch(/email.*not an email address/);
  });

  it('a new password stands only with the sign-outs: when they cannot be written, the old password is kept', async () => {
    const { person } = PersonResponse.parse(
      await (await send('POST', '/api/admin/people', newWorker('lost.tablet@riverton.example'))).json(),
    );
    const tablet = await t.login('lost.tablet@riverton.example', 'pothole-season-7');
    // The sessions table refuses the sign-out (as a dropped connection would leave it).
    await t.db.sql.unsafe(`
      create function refuse_sign_out() returns trigger language plpgsql as $$
        begin raise exception 'sessions are read-only now'; end $$;
      create trigger refuse_sign_out before update on sessions for each row
        when (new.user_id = '${person.id}') execute function refuse_sign_out();`);
    try {
      const res = await send('PUT', `/api/admin/people/${person.id}`, { password: 'a-brand-new-one-9' });
      expect(res.status).toBeGreaterThanOrEqual(500);
    } finally {
      await t.db.sql.unsafe('drop trigger refuse_sign_out on sessions; drop function refuse_sign_out();');
    }
    expect((await t.app.request('/api/auth/session', { headers: tablet })).status).toBe(200);
    await t.login('lost.tablet@riverton.example', 'pothole-season-7');
    await expect(t.login('lost.tablet@riverton.example', 'a-brand-new-one-9')).rejects.toThrow(/401/);
  });

  it('an ended account is signed out and cannot sign in; restored, it can again', async () => {
    const { person } = PersonResponse.parse(
      await (await send('POST', '/api/admin/people', newWorker('left.city@riverton.example'))).json(),
    );
    const tablet = await t.login('left.city@riverton.example', 'pothole-season-7');
    const ended = await send('PUT', `/api/admin/people/${person.id}`, { active: false });
    expect(PersonResponse.parse(await ended.json()).person.active).toBe(false);
    expect((await t.app.request('/api/auth/session', { headers: tablet })).status).toBe(401);
    const [open] = await t.db.sql<{ n: number }[]>`
      select count(*)::int as n from sessions where user_id = ${person.id} and revoked_at is null`;
    expect(open!.n).toBe(0);
    await expect(t.login('left.city@riverton.example', 'pothole-season-7')).rejects.toThrow(/401/);
    const restored = await send('PUT', `/api/admin/people/${person.id}`, { active: true });
    expect(PersonResponse.parse(await restored.json()).person.active).toBe(true);
    const again = await t.login('left.city@riverton.example', 'pothole-season-7');
    expect((await t.app.request('/api/auth/session', { headers: again })).status).toBe(200);
    // The tablet's old session ended with the account: restoring the account does not revive it.
    expect((await t.app.request('/api/auth/session', { headers: tablet })).status).toBe(401);
  });

  it('moves a person to another crew: signed out, they sign in again on the new crew; a rename alone keeps them in', async () => {
    const { person } = PersonResponse.parse(
      await (await send('POST', '/api/admin/people', newWorker('moving@riverton.example'))).json(),
    );
    const tablet = await t.login('moving@riverton.example', 'pothole-season-7');
    const res = await send('PUT', `/api/admin/people/${person.id}`, {
      name: 'Dana Moved',
      placement: { role: 'worker', crewId: 'sanitation-n' },
    });
    expect(PersonResponse.parse(await res.json()).person).toMatchObject({
      name: 'Dana Moved',
      crewId: 'sanitation-n',
      departmentId: 'sanitation',
    });
    expect((await t.app.request('/api/auth/session', { headers: tablet })).status).toBe(401);
    const again = await t.login('moving@riverton.example', 'pothole-season-7');
    const session = (await (await t.app.request('/api/auth/session', { headers: again })).json()) as {
      user: { name: string; crewId: string; departmentId: string };
    };
    expect(session.user).toEqual(
      expect.objectContaining({ name: 'Dana Moved', crewId: 'sanitation-n', departmentId: 'sanitation' }),
    );
    // The same crew again, and a new name: nothing a device holds is wrong, so it stays signed in.
    await send('PUT', `/api/admin/people/${person.id}`, {
      name: 'Dana Reyes',
      placement: { role: 'worker', crewId: 'sanitation-n' },
    });
    expect((await t.app.request('/api/auth/session', { headers: again })).status).toBe(200);
    // A lead moved to another department is signed out too.
    const lead = PersonResponse.parse(
      await (
        await send('POST', '/api/admin/people', {
          ...newWorker('moving.lead@riverton.example'),
          placement: { role: 'lead', departmentId: 'streets' },
        })
      ).json(),
    ).person;
    const desk = await t.login('moving.lead@riverton.example', 'pothole-season-7');
    await send('PUT', `/api/admin/people/${lead.id}`, { placement: { role: 'lead', departmentId: 'forestry' } });
    expect((await t.app.request('/api/auth/session', { headers: desk })).status).toBe(401);
    // Another crew of the same department is a move too.
    await send('PUT', `/api/admin/people/${person.id}`, { placement: { role: 'worker', crewId: 'sanitation-s' } });
    expect((await t.app.request('/api/auth/session', { headers: again })).status).toBe(401);
    const list = await people();
    expect(list.people.find((p) => p.id === person.id)?.crewId).toBe('sanitation-s');
  });

  it('adding someone whose account was ended says so, and points to restoring it', async () => {
    const created = await send('POST', '/api/admin/people', newWorker('returning@riverton.example'));
    const { person } = PersonResponse.parse(await created.json());
    expect((await send('PUT', `/api/admin/people/${person.id}`, { active: false })).status).toBe(200);
    const again = await send('POST', '/api/admin/people', newWorker('Returning@riverton.example'));
    expect(again.status).toBe(409);
    expect(ErrorBody.parse(await again.json()).error.message).toBe(
      'An ended account has the email Returning@riverton.example: find it in the list and restore it instead.',
    );
    expect((await people()).people.filter((p) => p.email.toLowerCase() === 'returning@riverton.example')).toHaveLength(
      1,
    );
  });

  it('an admin cannot end or demote their own account, and an unknown account is a 404', async () => {
    const self = (await people()).people.find((p) => p.email === 'admin@riverton.example')!;
    for (const body of [{ active: false }, { placement: { role: 'lead', departmentId: 'streets' } }]) {
      const res = await send('PUT', `/api/admin/people/${self.id}`, body);
      expect(res.status).toBe(409);
      expect(ErrorBody.parse(await res.json()).error.message).toMatch(/another administrator must/);
    }
    expect((await people()).people.find((p) => p.id === self.id)).toMatchObject({ role: 'admin', active: true });
    // Their own name, saved with their own (admin) place: taken, and nobody is signed out.
    const renamed = await send('PUT', `/api/admin/people/${self.id}`, {
      name: 'Jordan Lee',
      placement: { role: 'admin' },
    });
    expect(renamed.status).toBe(200);
    // Their own password: this session stays.
    expect((await send('PUT', `/api/admin/people/${self.id}`, { password: 'admin-own-new-1' })).status).toBe(200);
    expect((await t.app.request('/api/admin/people', { headers: admin })).status).toBe(200);
    const nobody = await send('PUT', '/api/admin/people/u_nobody', { name: 'Nobody' });
    expect(nobody.status).toBe(404);
    expect(ErrorBody.parse(await nobody.json()).error.message).toBe('There is no such account.');
    // An id that is not one (a NUL before or after) is a 400, before the database is asked.
    for (const id of ['%00u-admin', 'u-admin%00']) {
      const bad = await send('PUT', `/api/admin/people/${id}`, { name: 'Nobody' });
      expect(bad.status, id).toBe(400);
      expect(ErrorBody.parse(await bad.json()).error.message).toMatch(/is not an account id/);
    }
    expect((await send('PUT', `/api/admin/people/${self.id}`, {})).status).toBe(400);
  });

  it('is for administrators: a lead and a crew member are refused', async () => {
    for (const email of ['lead@riverton.example', 'worker.b@riverton.example']) {
      const who = await t.login(email);
      const refused = await t.app.request('/api/admin/people', { headers: who });
      expect(refused.status).toBe(403);
      expect(ErrorBody.parse(await refused.json()).error.message).toBe('Staff accounts are for administrators.');
      expect((await send('POST', '/api/admin/people', newWorker('sneaky@riverton.example'), who)).status).toBe(403);
    }
  });
});

// Needs two connections at once: PostgreSQL's (the embedded database has one session).
describe.skipIf(!process.env.TEST_DATABASE_URL)('the last administrator', () => {
  let own: TestApp;
  beforeAll(async () => {
    own = await createTestApp();
  });
  afterAll(async () => {
    await own?.close();
  });

  it('two admins ending each other at the same moment: one succeeds, the other is refused, one admin remains', async () => {
    const first = await own.login('admin@riverton.example');
    const put = (who: Record<string, string>, path: string, body: unknown) =>
      own.app.request(path, {
        method: 'PUT',
        headers: { 'content-type': 'application/json', ...who },
        body: JSON.stringify(body),
      });
    const made = await own.app.request('/api/admin/people', {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...first },
      body: JSON.stringify({
        name: 'Sam Second',
        email: 'second.admin@riverton.example',
        password: 'a-long-password',
        placement: { role: 'admin' },
      }),
    });
    const { person: second } = PersonResponse.parse(await made.json());
    const secondSession = await own.login('second.admin@riverton.example', 'a-long-password');
    const [self] = await own.db.sql<{ id: string }[]>`select id from users where email = 'admin@riverton.example'`;
    // One ends the other while the other demotes the one: each alone would be allowed. The
    // administrators' rows are held until both requests are past sign-in and waiting on them.
    let answers: Response[] = [];
    await own.db.sql.begin(async (tx) => {
      await tx`select id from users where role = 'admin' and active for update`;
      const both = Promise.all([
        put(first, `/api/admin/people/${second.id}`, { active: false }),
        put(secondSession, `/api/admin/people/${self!.id}`, { placement: { role: 'lead', departmentId: 'streets' } }),
      ]);
      const end = Date.now() + 10_000;
      for (;;) {
        const [w] = await own.db.sql<{ n: number }[]>`
          select count(*)::int as n from pg_stat_activity
          where datname = current_database() and wait_event_type = 'Lock'`;
        if (w!.n >= 2 || Date.now() > end) break;
        await new Promise((r) => setTimeout(r, 20));
      }
      void both.then((a) => (answers = a));
    });
    await expect.poll(() => answers.length).toBe(2);
    expect(answers.map((a) => a.status).sort()).toEqual([200, 409]);
    const refused = answers.find((a) => a.status === 409)!;
    expect(ErrorBody.parse(await refused.json()).error.message).toBe(
      'This is the last administrator: make someone else one first.',
    );
    const [left] = await own.db.sql<
      { n: number }[]
    >`select count(*)::int as n from users where role = 'admin' and active`;
    expect(left!.n).toBe(1);
  });
});
