import { html } from 'hono/html';

/**
 * A small public page (no app, no session): the answer to a link in a resident's email
 * (unsubscribe, "still a problem?"). `body` is text, or markup built with `html`.
 */
export function publicPage(title: string, body: unknown) {
  return html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width" />
        <title>${title}</title>
      </head>
      <body>
        <main>
          <h1>${title}</h1>
          ${typeof body === 'string' ? html`<p>${body}</p>` : body}
        </main>
      </body>
    </html>`;
}
