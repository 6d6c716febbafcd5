import { STILL_A_PROBLEM_WINDOW_DAYS } from '@fieldfix/shared';
import { Hono, type Context } from 'hono';
import { pageLang, publicPage, residentLanguage, type PageLang } from '../http/public-page.ts';
import { html } from 'hono/html';
import type { AppDeps } from '../http/deps.ts';
import { linkSecret, verifyLink } from '../notices-delivery/signed-links.ts';
import { announceCaseChanges } from '../dispatch/live-publish.ts';
import { reopenByResidentLink, type ResidentReopenResult, type StillAProblemLink } from './still-a-problem.repo.ts';

/** What the pages say, in English and in Spanish (the notices' languages). */
const WORDS = {
  en: {
    reportAgain: 'report the problem again through 311 (call 311 or use the city’s 311 app)',
    invalidTitle: 'This link is not valid',
    invalid: 'Use the “still a problem?” link from your most recent notice.',
    expiredTitle: 'This link has expired',
    expired: (id: string, again: string) => `This link has expired; ${again}, and mention case #${id}.`,
    askTitle: (id: string) => `Is case #${id} still a problem?`,
    ask: (id: string) => `If the problem is not fixed, we will reopen case #${id} and a crew will look again.`,
    button: 'Yes, it is still a problem',
    reopenedTitle: 'Case reopened',
    reopened: (id: string) => `Thank you. Case #${id} is open again, and a crew will look at it again.`,
    alreadyTitle: 'Case already reopened',
    already: (id: string) => `Case #${id} was already reopened with this link. Nothing more to do.`,
    openTitle: 'Case already open',
    open: (id: string) => `Case #${id} is open again already, and a crew will look at it again.`,
    notFixedTitle: 'This case cannot be reopened here',
    notFixed: (id: string, again: string) =>
      `Case #${id} was closed without a fix, for the reason in our last notice. If there is still a problem, ${again}.`,
  },
  es: {
    reportAgain: 'reporte el problema de nuevo al 311 (llame al 311 o use la aplicación 311 de la ciudad)',
    invalidTitle: 'Este enlace no es válido',
    invalid: 'Use el enlace “¿Sigue el problema?” de su aviso más reciente.',
    expiredTitle: 'Este enlace venció',
    expired: (id: string, again: string) => `Este enlace venció; ${again} y mencione el caso #${id}.`,
    askTitle: (id: string) => `¿Sigue el problema del caso #${id}?`,
    ask: (id: string) =>
      `Si el problema no quedó arreglado, reabriremos el caso #${id} y una cuadrilla volverá a revisarlo.`,
    button: 'Sí, el problema sigue',
    reopenedTitle: 'Caso reabierto',
    reopened: (id: string) => `Gracias. El caso #${id} está abierto otra vez y una cuadrilla lo revisará.`,
    alreadyTitle: 'El caso ya se reabrió',
    already: (id: string) => `El caso #${id} ya se reabrió con este enlace. No hace falta hacer nada más.`,
    openTitle: 'El caso ya está abierto',
    open: (id: string) => `El caso #${id} ya está abierto otra vez y una cuadrilla lo revisará.`,
    notFixedTitle: 'Este caso no se puede reabrir aquí',
    notFixed: (id: string, again: string) =>
      `El caso #${id} se cerró sin arreglarse, por el motivo que le indicamos en nuestro último aviso. Si el problema sigue, ${again}.`,
  },
} satisfies Record<PageLang, unknown>;

/**
 * `/still-a-problem?token=…`: the "still a problem?" link of the "fixed" notice. Public: the
 * signed token is the only authority, so it is mounted outside the cookie-session CSRF guard,
 * like the unsubscribe link. GET shows a page with a button and changes nothing (mail
 * scanners open links); POST reopens the case (`reopenByResidentLink`).
 *
 * Answers are small HTML pages for a person, in English or Spanish (`residentLanguage`: the
 * Spanish notice's link says `lang=es`): 200 when the case is reopened, and 200 again
 * when this link already reopened it (using a link twice is not a mistake); 400 for a link
 * that is not ours or was altered; 410 when the link or the fix is more than 14 days old;
 * 409 when the case is not fixed (open again already, or closed without a fix).
 */
export function stillAProblemRoutes(deps: AppDeps) {
  const { sql, config } = deps;
  /** The claims, or why not: forged and altered links are refused apart from expired ones. */
  const claims = (c: Context): StillAProblemLink | 'invalid' => {
    const token = c.req.query('token') ?? '';
    // Checked at the epoch first, so a genuine link that has expired is told apart from a forged one.
    const link = verifyLink(linkSecret(config), token, 'still-a-problem', new Date(0));
    return link ? { caseId: link.caseId, exp: link.exp } : 'invalid';
  };
  const invalid = (c: Context) => {
    const lang = pageLang(c);
    return c.html(publicPage(lang, WORDS[lang].invalidTitle, WORDS[lang].invalid), 400);
  };
  const expired = (c: Context, caseId: string) => {
    const lang = pageLang(c);
    const w = WORDS[lang];
    return c.html(publicPage(lang, w.expiredTitle, w.expired(caseId, w.reportAgain), caseId), 410);
  };

  return new Hono()
    .use(residentLanguage)
    .get('/', (c) => {
      const link = claims(c);
      if (link === 'invalid') return invalid(c);
      if (link.exp * 1000 < Date.now()) return expired(c, link.caseId);
      const lang = pageLang(c);
      const w = WORDS[lang];
      // The answer to the POST is in the language of this page.
      return c.html(
        publicPage(
          lang,
          w.askTitle(link.caseId),
          html`<form method="post" action="?token=${c.req.query('token')}&amp;lang=${lang}">
            <p>${w.ask(link.caseId)}</p>
            <button type="submit">${w.button}</button>
          </form>`,
        ),
      );
    })
    .post('/', async (c) => {
      const link = claims(c);
      if (link === 'invalid') return invalid(c);
      const result = await reopenByResidentLink(sql, link, {
        now: new Date(),
        windowDays: STILL_A_PROBLEM_WINDOW_DAYS,
        timeZone: config.cityTimeZone,
      });
      if (result.kind === 'reopened') announceCaseChanges(deps, [result.caseId]);
      return answer(c, result, expired);
    });
}

function answer(
  c: Context,
  r: ResidentReopenResult,
  expired: (c: Context, caseId: string) => Response | Promise<Response>,
) {
  const id = r.caseId;
  const lang = pageLang(c);
  const w = WORDS[lang];
  switch (r.kind) {
    case 'reopened':
      return c.html(publicPage(lang, w.reopenedTitle, w.reopened(id), id));
    case 'already-reopened':
      return c.html(publicPage(lang, w.alreadyTitle, w.already(id), id));
    case 'refused':
      switch (r.why) {
        case 'expired':
          return expired(c, id);
        case 'open':
          return c.html(publicPage(lang, w.openTitle, w.open(id), id), 409);
        case 'closed-not-fixed':
          return c.html(publicPage(lang, w.notFixedTitle, w.notFixed(id, w.reportAgain), id), 409);
        case 'wrong-case':
        case 'no-case':
          return c.html(publicPage(lang, w.invalidTitle, w.invalid), 400);
      }
  }
}
