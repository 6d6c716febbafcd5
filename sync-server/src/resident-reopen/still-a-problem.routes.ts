import { Hono, type Context } from 'hono';
import { publicPage } from '../http/public-page.ts';
import { html } from 'hono/html';
import type { AppDeps } from '../http/deps.ts';
import { STILL_A_PROBLEM_DAYS } from '../notices-delivery/notice-content.ts';
import { linkSecret, verifyLink } from '../notices-delivery/signed-links.ts';
import { announceCaseChanges } from '../dispatch/live-publish.ts';
import { reopenByResidentLink, type ResidentReopenResult, type StillAProblemLink } from './still-a-problem.repo.ts';

const REPORT_AGAIN = 'report the problem again through 311 (call 311 or use the city’s 311 app)';

/**
 * `/still-a-problem?token=…`: the "still a problem?" link of the "fixed" notice. Public: the
 * signed token is the only authority, so it is mounted outside the cookie-session CSRF guard,
 * like the unsubscribe link. GET shows a page with a button and changes nothing (mail
 * scanners open links); POST reopens the case (`reopenByResidentLink`).
 *
 * Answers are small HTML pages for a person: 200 when the case is reopened, and 200 again
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
  const invalid = (c: Context) =>
    c.html(publicPage('This link is not valid', 'Use the “still a problem?” link from your most recent notice.'), 400);
  const expired = (c: Context, caseId: string) =>
    c.html(
      publicPage('This link has expired', `This link has expired; ${REPORT_AGAIN}, and mention case #${caseId}.`),
      410,
    );

  return new Hono()
    .get('/', (c) => {
      const link = claims(c);
      if (link === 'invalid') return invalid(c);
      if (link.exp * 1000 < Date.now()) return expired(c, link.caseId);
      return c.html(
        publicPage(
          `Is case #${link.caseId} still a problem?`,
          html`<form method="post" action="?token=${c.req.query('token')}">
            <p>If the problem is not fixed, we will reopen case #${link.caseId} and a crew will look again.</p>
            <button type="submit">Yes, it is still a problem</button>
          </form>`,
        ),
      );
    })
    .post('/', async (c) => {
      const link = claims(c);
      if (link === 'invalid') return invalid(c);
      const result = await reopenByResidentLink(sql, link, {
        now: new Date(),
        windowDays: STILL_A_PROBLEM_DAYS,
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
  switch (r.kind) {
    case 'reopened':
      return c.html(
        publicPage('Case reopened', `Thank you. Case #${id} is open again, and a crew will look at it again.`),
      );
    case 'already-reopened':
      return c.html(
        publicPage('Case already reopened', `Case #${id} was already reopened with this link. Nothing more to do.`),
      );
    case 'refused':
      switch (r.why) {
        case 'expired':
          return expired(c, id);
        case 'open':
          return c.html(
            publicPage('Case already open', `Case #${id} is open again already, and a crew will look at it again.`),
            409,
          );
        case 'closed-not-fixed':
          return c.html(
            publicPage(
              'This case cannot be reopened here',
              `Case #${id} was closed without a fix, for the reason in our last notice. If there is still a problem, ${REPORT_AGAIN}.`,
            ),
            409,
          );
        case 'wrong-case':
        case 'no-case':
          return c.html(
            publicPage('This link is not valid', 'Use the “still a problem?” link from your most recent notice.'),
            400,
          );
      }
  }
}
