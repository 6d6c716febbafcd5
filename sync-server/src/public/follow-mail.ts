/**
 * The one email the public side sends itself: "confirm that you want notices about case #N"
 * (double opt-in), in English or Spanish. Sent at once, through the same transport as the
 * notices (SMTP, or the mailbox folder without `SMTP_URL`); nothing is followed until the
 * person opens the link and confirms on the tracking page.
 */
import { html } from 'hono/html';
import type { Config } from '../config.ts';
import { MailboxMailer, SmtpMailer, type Mailer } from '../notices-delivery/mailer.ts';
import { mailboxDir } from '../notices-delivery/notice-worker.ts';

const mailers = new Map<string, Mailer>();

function mailerFor(config: Config): Mailer {
  const key = config.smtpUrl ?? `mailbox:${mailboxDir(config)}`;
  let m = mailers.get(key);
  if (!m) {
    m = config.smtpUrl ? new SmtpMailer(config.smtpUrl, { maxConnections: 1 }) : new MailboxMailer(mailboxDir(config));
    mailers.set(key, m);
  }
  return m;
}

const WORDS = {
  en: {
    subject: (id: string) => `Confirm notices about city case #${id}`,
    lead: (id: string) => `Someone, we hope you, asked to receive notices about city case #${id}.`,
    action: 'Yes, send me notices',
    ignore: 'If it was not you, ignore this email: nothing will be sent.',
    valid: 'The link works for 3 days.',
  },
  es: {
    subject: (id: string) => `Confirme los avisos del caso #${id} de la ciudad`,
    lead: (id: string) => `Alguien, esperamos que usted, pidió recibir avisos del caso #${id} de la ciudad.`,
    action: 'Sí, envíenme avisos',
    ignore: 'Si no fue usted, ignore este correo: no se enviará nada.',
    valid: 'El enlace funciona durante 3 días.',
  },
} as const;

export async function sendFollowConfirmation(
  config: Config,
  to: { email: string; language: 'en' | 'es'; caseId: string; link: string },
): Promise<void> {
  const w = WORDS[to.language];
  const body = await html`<!doctype html>
    <html lang="${to.language}">
      <body style="font-family:system-ui,sans-serif;font-size:16px;color:#111">
        <p>${w.lead(to.caseId)}</p>
        <p>
          <a href="${to.link}" style="display:inline-block;padding:12px 18px;background:#0b3d91;color:#fff"
            >${w.action}</a
          >
        </p>
        <p>${w.valid} ${w.ignore}</p>
      </body>
    </html>`;
  await mailerFor(config).send(
    {
      from: config.mailFrom,
      to: to.email,
      subject: w.subject(to.caseId),
      html: String(body),
      text: `${w.lead(to.caseId)}\n\n${w.action}: ${to.link}\n\n${w.valid} ${w.ignore}\n`,
      headers: { 'Auto-Submitted': 'auto-generated' },
    },
    { outboxId: 'follow', caseId: to.caseId, template: 'follow-confirm' },
  );
}
