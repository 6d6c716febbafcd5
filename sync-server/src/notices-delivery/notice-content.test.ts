import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SERVICE_TYPES } from '../demo/catalog.ts';
import { stillAProblemLastSecond } from '../resident-reopen/window.ts';
import { metersBetween, noticeContent, photoProof, SERVICE_NAMES_ES } from './notice-content.ts';
import type { NoticeFacts } from './notice.repo.ts';
import { renderNotice } from './notice-render.ts';

const facts = (over: Partial<NoticeFacts> = {}): NoticeFacts => ({
  caseId: '42',
  serviceCode: 'POTHOLE',
  serviceName: 'Pothole',
  address: '412 Beech Ave',
  lat: 42.35,
  long: -86.97,
  event: null,
  crewName: 'Streets Crew A',
  closeReasonLabel: null,
  photos: [],
  reopenedSince: false,
  scheduled: null,
  ...over,
});
const links = { track: 'https://city.example/track/42?k=t', stillAProblem: null, stillAProblemUntil: null };
const ZONE = 'America/Detroit';

describe('notice content', () => {
  it('"scheduled" names the crew and the day, in English and Spanish', () => {
    const f = facts({ event: { kind: 'assigned', data: { crewId: 'streets-a', day: '2026-06-12' } } });
    expect(noticeContent('scheduled', f, 'en', links, ZONE).paragraphs[0]).toBe(
      'Streets Crew A plans to work on Pothole at 412 Beech Ave on Friday, June 12.',
    );
    expect(noticeContent('scheduled', f, 'es', links, ZONE).paragraphs[0]).toBe(
      'Streets Crew A tiene previsto trabajar en Bache en 412 Beech Ave el viernes, 12 de junio.',
    );
  });

  it('a Spanish notice names the type in Spanish, an English one as the catalogue does', () => {
    const until = new Date('2026-06-24T12:00:00Z');
    const fixLinks = {
      ...links,
      stillAProblem: 'https://city.example/still-a-problem?token=t',
      stillAProblemUntil: until,
    };
    const es = noticeContent('fixed', facts(), 'es', fixLinks, ZONE);
    expect(es.subject).toBe('Resuelto: Bache en 412 Beech Ave (caso #42)');
    expect(es.paragraphs[0]).toBe('El equipo terminó el trabajo en Bache en 412 Beech Ave.');
    expect(noticeContent('received', facts(), 'es', links, ZONE).paragraphs[0]).toContain(
      'Su reporte de Bache en 412 Beech Ave es el caso #42.',
    );
    expect(noticeContent('fixed', facts(), 'en', fixLinks, ZONE).subject).toBe(
      'Fixed: Pothole at 412 Beech Ave (case #42)',
    );
    // A type the city added, with no Spanish name: its catalogue name.
    const own = facts({ serviceCode: 'BENCH', serviceName: 'Broken bench' });
    expect(noticeContent('reopened', own, 'es', links, ZONE).paragraphs[0]).toBe(
      'Volvemos a trabajar en Broken bench en 412 Beech Ave.',
    );
  });

  it("the Spanish type names are the residents' pages' own, for every type of the demo catalogue", () => {
    const messages = JSON.parse(
      readFileSync(new URL('../../../field-app/messages/es.json', import.meta.url), 'utf8'),
    ) as Record<string, string>;
    const pages = Object.fromEntries(
      Object.entries(messages)
        .filter(([k]) => k.startsWith('svc_'))
        .map(([k, v]) => [k.slice('svc_'.length), v]),
    );
    expect(SERVICE_NAMES_ES).toEqual(pages);
    expect(Object.keys(SERVICE_NAMES_ES).sort()).toEqual(SERVICE_TYPES.map((t) => t.code).sort());
  });

  it('"closed" gives the reason in plain words', () => {
    const f = facts({
      event: { kind: 'closed_not_fixed', data: { reason: 'cannot_locate' } },
      closeReasonLabel: 'Cannot locate the problem',
    });
    expect(noticeContent('closed', f, 'en', links, ZONE).paragraphs[0]).toBe(
      'We closed the case of Pothole at 412 Beech Ave. The reason: cannot locate the problem.',
    );
    expect(noticeContent('closed', f, 'es', links, ZONE).paragraphs[0]).toContain(
      'El motivo: no se pudo encontrar el problema.',
    );
  });

  it('proof of the fix: distance from the report and the time in the city', () => {
    const photo = {
      id: 'p',
      takenAt: new Date('2026-06-10T14:42:00Z'),
      lat: 42.35 + 250 / 111_195,
      long: -86.97,
      complete: true,
      storageKey: 'k',
      thumbKey: null,
      contentType: 'image/jpeg',
    };
    expect(photoProof(photo, { lat: 42.35, long: -86.97 }, 'en', ZONE)).toBe(
      'Photo taken 250 m from your report, at 10:42.',
    );
    expect(photoProof({ ...photo, lat: 42.36 + 0.02 }, { lat: 42.35, long: -86.97 }, 'en', ZONE)).toBe(
      'Photo taken 3.3 km from your report, at 10:42.',
    );
    expect(photoProof({ ...photo, lat: null, long: null }, { lat: 0, long: 0 }, 'es', ZONE)).toBe(
      'Foto tomada a las 10:42 (sin posición).',
    );
    expect(Math.round(metersBetween({ lat: 0, long: 0 }, { lat: 0, long: 1 }))).toBe(111_195);
    // Five past midnight in the city reads 00:05, in both languages.
    const late = { ...photo, takenAt: new Date('2026-06-11T04:05:00Z') };
    expect(photoProof(late, { lat: 42.35, long: -86.97 }, 'en', ZONE)).toBe(
      'Photo taken 250 m from your report, at 00:05.',
    );
    expect(photoProof(late, { lat: 42.35, long: -86.97 }, 'es', ZONE)).toBe(
      'Foto tomada a 250 m de su reporte, a las 00:05.',
    );
  });

  it('"received" for a report routed straight to a crew says which crew and day, in English and Spanish', () => {
    const routed = facts({ scheduled: { crewName: 'Streets Crew B', day: '2026-06-11' } });
    expect(noticeContent('received', routed, 'en', links, ZONE).paragraphs).toEqual([
      'Your report of Pothole at 412 Beech Ave is case #42. Streets Crew B plans to work on it on Thursday, June 11. We will tell you when it is fixed.',
    ]);
    expect(noticeContent('received', routed, 'es', links, ZONE).paragraphs[0]).toBe(
      'Su reporte de Bache en 412 Beech Ave es el caso #42. Streets Crew B tiene previsto trabajar en él el jueves, 11 de junio. Le avisaremos cuando esté resuelto.',
    );
    expect(noticeContent('received', facts(), 'en', links, ZONE).paragraphs[0]).toContain(
      'We will tell you when it is scheduled and when it is fixed.',
    );
  });

  it('"still a problem?" names the city\'s last day, not the UTC one, and the link lasts all of it', () => {
    // Fixed at 20:30 in the city on 2 June (00:30 UTC on 3 June): the link works to the end of 16 June there.
    const until = stillAProblemLastSecond(new Date('2026-06-03T00:30:00Z'), ZONE);
    expect(until.toISOString()).toBe('2026-06-17T03:59:59.000Z');
    const content = noticeContent(
      'fixed',
      facts(),
      'en',
      { ...links, stillAProblem: 'https://city.example/still-a-problem?token=t', stillAProblemUntil: until },
      ZONE,
    );
    expect(content.paragraphs.join(' ')).toContain('Tell us by Tuesday, June 16 and we will reopen the case.');
  });

  it('a report merged into another case says which, not "closed without a fix"', () => {
    const merged = facts({ event: { kind: 'merged', data: { intoCaseId: '41' } } });
    const en = noticeContent('closed', merged, 'en', links, ZONE);
    expect(en.subject).toBe('Your case #42 continues as case #41');
    expect(en.headline).toBe('Your report joined another case');
    expect(en.paragraphs).toEqual([
      "Pothole at 412 Beech Ave was already reported as case #41. We closed case #42 as a duplicate and follow the work on case #41. You will get that case's notices, including when it is fixed.",
    ]);
    const es = noticeContent('closed', merged, 'es', links, ZONE);
    expect(es.subject).toBe('Su caso #42 sigue en el caso #41');
    expect(es.paragraphs[0]).toContain('Cerramos el caso #42 como duplicado y seguimos el trabajo en el caso #41.');
    // A close for another reason keeps its words.
    const closed = facts({ event: { kind: 'closed_not_fixed', data: { reason: 'cannot_locate' } } });
    expect(noticeContent('closed', closed, 'en', links, ZONE).subject).toBe('Case #42 closed without a fix');
  });

  it('an address typed with a phone number in it reaches followers without the number', () => {
    const typed = facts({ address: '12 Elm St – call me 269-555-0199' });
    for (const template of ['received', 'scheduled', 'fixed', 'closed', 'reopened'] as const) {
      const c = noticeContent(template, typed, 'en', links, ZONE);
      expect(JSON.stringify(c)).not.toContain('555');
      expect(c.paragraphs.join(' ')).toContain('12 Elm St – call me […]');
    }
  });

  it("a crew's note is quoted without phone numbers or email addresses", () => {
    const fixed = facts({ event: { kind: 'fixed', data: { note: 'Done. Call Rosa on 269-555-0134 if it sinks.' } } });
    expect(noticeContent('fixed', fixed, 'en', links, ZONE).note).toBe('Done. Call Rosa on […] if it sinks.');
    const closed = facts({
      event: { kind: 'closed_not_fixed', data: { reason: 'cannot_locate', note: ' a@b.example ' } },
    });
    expect(noticeContent('closed', closed, 'es', links, ZONE).note).toBe('[…]');
  });

  it("a lead's reason to reopen stays with staff; a resident's \"still a problem\" is said in the notice's language", () => {
    const byLead = facts({
      event: { kind: 'reopened', data: { reason: 'Mrs Okafor at no. 14 called again', previousState: 'fixed' } },
    });
    for (const lang of ['en', 'es'] as const) {
      const c = noticeContent('reopened', byLead, lang, links, ZONE);
      expect(c.note).toBeNull();
      expect(JSON.stringify(c)).not.toContain('Okafor');
      expect(c.paragraphs).toHaveLength(1);
    }
    const byResident = facts({
      event: { kind: 'reopened', data: { source: 'resident', reason: 'The resident says it is still a problem.' } },
    });
    const es = noticeContent('reopened', byResident, 'es', links, ZONE);
    expect(es.note).toBeNull();
    expect(es.paragraphs[1]).toBe('Un vecino nos dijo que el problema sigue, y el caso vuelve a la cola de trabajo.');
    expect(noticeContent('reopened', byResident, 'en', links, ZONE).paragraphs[1]).toBe(
      'A resident told us it is still a problem, so the case is back in the queue.',
    );
  });

  it('a note with markup is text in the HTML part and as typed in the plain-text part', () => {
    const f = facts({ event: { kind: 'fixed', data: { note: '<b>done</b> & "clean"' } } });
    const out = renderNotice(noticeContent('fixed', f, 'en', links, ZONE), {
      unsubscribeUrl: 'https://city.example/u?token=x',
      photoCid: null,
    });
    expect(out.html).toContain('&lt;b&gt;done&lt;/b&gt; &amp; &quot;clean&quot;');
    expect(out.html).not.toContain('<b>done</b>');
    expect(out.text).toContain('"<b>done</b> & "clean""');
    expect(out.text).toContain('https://city.example/u?token=x');
  });
});
