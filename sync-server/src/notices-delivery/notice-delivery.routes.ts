import { Hono, type Context } from 'hono';
import { pageLang, publicPage, residentLanguage, type PageLang } from '../http/public-page.ts';
import { createMiddleware } from 'hono/factory';
import { html } from 'hono/html';
import { z } from 'zod';
import {
  canManageResidentNoticeDelivery,
  OutboxStatus,
  staffCaller,
  type MailboxResponse,
  type OutboxRetryResponse,
  type OutboxStatusResponse,
} from '@fieldfix/shared';
import { requireStaff } from '../auth/auth.middleware.ts';
import { ApiError } from '../http/errors.ts';
import { validate } from '../http/validate.ts';
import type { AppDeps, AppEnv } from '../http/deps.ts';
import { listMailbox } from './mailer.ts';
import { listOutboxStatus, retryNotice, unsubscribe } from './notice.repo.ts';
import { mailboxDir } from './notice-worker.ts';
import { linkSecret, verifyLink } from './signed-links.ts';

/**
 * `/api/public/unsubscribe?token=…`: the link in every notice and its `List-Unsubscribe`
 * header. Public: the signed token is the only authority, so it is mounted outside the
 * cookie-session CSRF guard (a mail provider's one-click POST has no Origin). GET shows a
 * page with a button, because mail scanners open links; POST unsubscribes (RFC 8058).
 * Answers are small HTML pages for a person, not JSON, in English or Spanish
 * (`residentLanguage`: a Spanish notice's link says `lang=es`).
 */
export function unsubscribeRoutes({ sql, config }: AppDeps) {
  const claims = (c: Context) => {
    const token = c.req.query('token') ?? '';
    return verifyLink(linkSecret(config), token, 'unsubscribe');
  };
  const invalid = (c: Context) => {
    const lang = pageLang(c);
    return c.html(publicPage(lang, UNSUBSCRIBE[lang].invalidTitle, UNSUBSCRIBE[lang].invalid), 400);
  };
  return new Hono()
    .use(residentLanguage)
    .get('/', (c) => {
      const who = claims(c);
      if (!who) return invalid(c);
      const lang = pageLang(c);
      const w = UNSUBSCRIBE[lang];
      return c.html(
        publicPage(
          lang,
          w.askTitle(who.caseId),
          html`<form method="post" action="?token=${c.req.query('token')}&amp;lang=${lang}">
            <p>${w.ask(who.email)}</p>
            <button type="submit">${w.button}</button>
          </form>`,
        ),
      );
    })
    .post('/', async (c) => {
      const who = claims(c);
      if (!who) return invalid(c);
      await unsubscribe(sql, who.caseId, who.email);
      const lang = pageLang(c);
      return c.html(
        publicPage(lang, UNSUBSCRIBE[lang].doneTitle, UNSUBSCRIBE[lang].done(who.email, who.caseId), who.caseId),
      );
    });
}

/** What the unsubscribe pages say, in the notices' languages. */
const UNSUBSCRIBE = {
  en: {
    invalidTitle: 'This link is not valid',
    invalid: 'Use the link from your most recent notice.',
    askTitle: (id: string) => `Stop notices about case #${id}?`,
    ask: (email: string) => `${email} will receive no more notices about this case.`,
    button: 'Stop notices',
    doneTitle: 'Done',
    done: (email: string, id: string) => `${email} will receive no more notices about case #${id}.`,
  },
  es: {
    invalidTitle: 'Este enlace no es válido',
    invalid: 'Use el enlace de su aviso más reciente.',
    askTitle: (id: string) => `¿Dejar de recibir avisos del caso #${id}?`,
    ask: (email: string) => `${email} no recibirá más avisos de este caso.`,
    button: 'Dejar de recibir avisos',
    doneTitle: 'Listo',
    done: (email: string, id: string) => `${email} no recibirá más avisos del caso #${id}.`,
  },
} satisfies Record<PageLang, unknown>;

/** Mounted at `/api/admin`: the mailbox, the outbox's delivery state, and retrying a notice. Admins only. */
export function noticeAdminRoutes({ sql, config }: AppDeps) {
  // Per route, not `.use()`: a sub-app's middleware would also run for the other `/api/admin` routes.
  const admin = [requireStaff(sql), deliveryManager] as const;
  return new Hono<AppEnv>()
    .get('/mailbox', ...admin, async (c) => {
      const transport = config.smtpUrl ? 'smtp' : 'mailbox';
      const messages = transport === 'mailbox' ? await listMailbox(mailboxDir(config), 100) : [];
      return c.json({ transport, messages } satisfies MailboxResponse);
    })
    .get('/outbox/status', ...admin, validate('query', z.object({ status: OutboxStatus.optional() })), async (c) => {
      const entries = await listOutboxStatus(sql, { status: c.req.valid('query').status, limit: 200 });
      return c.json({ entries } satisfies OutboxStatusResponse);
    })
    .post(
      '/outbox/:id/retry',
      ...admin,
      validate('param', z.object({ id: z.string().regex(/^\d{1,18}$/, 'a notice id is a number') })),
      async (c) => {
        if (!(await retryNotice(sql, c.req.valid('param').id))) {
          throw new ApiError(404, 'not-found', 'No unsent notice has this id: it was sent already, or never existed.');
        }
        return c.json({ retried: true } satisfies OutboxRetryResponse);
      },
    );
}

/** 403 for those who may not manage notice delivery (`canManageResidentNoticeDelivery`). */
const deliveryManager = createMiddleware<AppEnv>(async (c, next) => {
  if (!canManageResidentNoticeDelivery(staffCaller(c.var.staff))) {
    throw new ApiError(403, 'forbidden', 'Notice delivery is for administrators.');
  }
  await next();
});
