import Handlebars from 'handlebars';
import type { NoticeContent } from './notice-content.ts';

/**
 * The email templates: one HTML layout (inline styles, as mail clients want) and its
 * plain-text twin. Handlebars escapes every `{{value}}` in the HTML, so a crew's note or a
 * reporter's address cannot add markup; the text part is not HTML and is not escaped.
 */
const HTML = `<!doctype html>
<html lang="{{lang}}">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>{{subject}}</title></head>
<body style="margin:0;padding:0;background:#f4f5f7">
<div style="max-width:560px;margin:0 auto;padding:24px 16px;font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;font-size:16px;line-height:1.5;color:#1b1d21">
<h1 style="font-size:22px;margin:0 0 16px">{{headline}}</h1>
{{#each paragraphs}}<p style="margin:0 0 12px">{{this}}</p>
{{/each}}{{#if note}}<blockquote style="margin:0 0 12px;padding:8px 12px;border-left:4px solid #c9ced6;background:#fff">{{note}}</blockquote>
{{/if}}{{#if photoCid}}<p style="margin:0 0 8px"><img src="cid:{{photoCid}}" alt="{{photoAlt}}" width="320" style="max-width:100%;height:auto;border-radius:6px"></p>
{{/if}}{{#if proof}}<p style="margin:0 0 12px;color:#4a5160;font-size:14px">{{proof}}</p>
{{/if}}{{#each links}}<p style="margin:0 0 12px"><a href="{{href}}" style="color:#0b57d0">{{label}}</a></p>
{{/each}}<hr style="border:0;border-top:1px solid #d5d9e0;margin:24px 0 12px">
<p style="margin:0;font-size:13px;color:#5c6370">{{footer}} <a href="{{unsubscribeUrl}}" style="color:#5c6370">{{unsubscribeLabel}}</a></p>
</div>
</body>
</html>
`;

const TEXT = `{{headline}}

{{#each paragraphs}}{{this}}

{{/each}}{{#if note}}"{{note}}"

{{/if}}{{#if proof}}{{proof}}

{{/if}}{{#each links}}{{label}}: {{href}}
{{/each}}
--
{{footer}}
{{unsubscribeLabel}}: {{unsubscribeUrl}}
`;

const html = Handlebars.compile(HTML, { strict: false });
const text = Handlebars.compile(TEXT, { noEscape: true });

export type RenderedNotice = { subject: string; html: string; text: string };

export function renderNotice(
  content: NoticeContent,
  opts: { unsubscribeUrl: string; photoCid: string | null },
): RenderedNotice {
  const view = { ...content, ...opts };
  return { subject: content.subject, html: html(view), text: text(view) };
}
