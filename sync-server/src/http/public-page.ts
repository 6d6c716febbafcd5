import type { Context } from 'hono';
import { html } from 'hono/html';
import { createMiddleware } from 'hono/factory';
import { languageDetector } from 'hono/language';

/** The languages of the residents' pages (as the app's and the notices'). */
export type PageLang = 'en' | 'es';

const detectLanguage = languageDetector({
  supportedLanguages: ['en', 'es'],
  fallbackLanguage: 'en',
  order: ['querystring', 'header'],
  caches: false,
});

/**
 * The language of a page a resident opens from a notice: `?lang=` in its address (a notice's
 * links carry its language), else the browser's first choice of English and Spanish (`es-MX`
 * is Spanish), else English. Nothing is remembered: no cookie. The answer varies with
 * `Accept-Language` and is about one person's link: no cache keeps it.
 */
export const residentLanguage = createMiddleware(async (c, next) => {
  await detectLanguage(c, next);
  c.res.headers.set('Vary', 'Accept-Language');
  c.res.headers.set('Cache-Control', 'no-store');
});

/** The language `residentLanguage` found for this request. */
export const pageLang = (c: Context): PageLang => (c.get('language') === 'es' ? 'es' : 'en');

/** The way on to a case's public page, in each language. */
const SEE_CASE = {
  en: (id: string) => `See where case #${id} stands`,
  es: (id: string) => `Ver el estado del caso #${id}`,
} satisfies Record<PageLang, (id: string) => string>;

/**
 * A small public page (no app, no session): the answer to a link in a resident's email
 * (unsubscribe, "still a problem?"), in `lang`. `body` is text, or markup built with `html`;
 * with `caseId`, a link on to that case's tracking page follows it. Readable outdoors on a
 * phone: large type, strong contrast, a button a thumb can hit.
 */
export function publicPage(lang: PageLang, title: string, body: unknown, caseId?: string) {
  return html`<!doctype html>
    <html lang="${lang}">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>${title}</title>
        <style>
          body {
            margin: 0;
            font:
              1.125rem/1.5 system-ui,
              sans-serif;
            color: #111;
            background: #fff;
          }
          main {
            max-width: 36rem;
            margin: 0 auto;
            padding: 1.5rem 1rem;
          }
          h1 {
            font-size: 1.6rem;
            line-height: 1.25;
          }
          button {
            min-height: 3rem;
            padding: 0.75rem 1.25rem;
            font: inherit;
            font-weight: 700;
            color: #fff;
            background: #0b3d91;
            border: 0;
            border-radius: 0.5rem;
            cursor: pointer;
          }
          a {
            color: #0b3d91;
          }
          button:focus-visible,
          a:focus-visible {
            outline: 3px solid #111;
            outline-offset: 3px;
          }
        </style>
      </head>
      <body>
        <main>
          <h1>${title}</h1>
          ${typeof body === 'string' ? html`<p>${body}</p>` : body}
          ${caseId ? html`<p><a href="/track/${caseId}?lang=${lang}">${SEE_CASE[lang](caseId)}</a></p>` : ''}
        </main>
      </body>
    </html>`;
}
