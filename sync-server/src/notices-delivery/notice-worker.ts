import type Mail from 'nodemailer/lib/mailer/index.js';
import type { Config } from '../config.ts';
import type { Queryable } from '../db/database.ts';
import type { Logger } from '../http/deps.ts';
import type { PhotoStore } from '../photos/photo-store.ts';
import { photoStoreFor } from '../photos/photo-store-for.ts';
import { MailboxMailer, SmtpMailer, type Mailer } from './mailer.ts';
import { stillAProblemLastSecond } from '../resident-reopen/window.ts';
import { noticeContent } from './notice-content.ts';
import { renderNotice } from './notice-render.ts';
import {
  beginDelivery,
  claimDueNotices,
  deferNotice,
  deliveredTo,
  dropNotice,
  expireStaleNotices,
  markDelivered,
  markNoticeFailed,
  markNoticeSent,
  noticeFacts,
  recipientsOf,
  releaseDelivery,
  renewClaims,
  type DueNotice,
  type NoticeFacts,
  type Recipient,
} from './notice.repo.ts';
import { linkBase, linkSecret, signLink, stableMessageId } from './signed-links.ts';

export type NoticeWorkerOptions = {
  /** Notices claimed at a time; they are sent concurrently. */
  batchSize: number;
  /** How long a claim lasts: another instance takes a row only after it (a dead claimer). */
  leaseSeconds: number;
  /** How often an idle worker looks for due notices. */
  pollMs: number;
  /**
   * Attempts before a notice may be given up on (an admin may retry it): given up once it
   * has had these and is `retryForHours` old, so a mail server down over a weekend delays
   * notices rather than losing them (past the backoff's cap, one try an hour). Until it has
   * had these, the later notices of its case wait for it (they go in order).
   */
  maxAttempts: number;
  retryForHours: number;
  /** Notices queued longer ago than this and never tried are not sent (`expireStaleNotices`). */
  maxAgeHours: number;
  /** A fix's notice waits this long for its after-photo's bytes to finish uploading. */
  photoWaitSeconds: number;
  /** Seconds before attempt `n + 1` after `n` failed ones. */
  backoffSeconds: (attempts: number) => number;
  /** Told of each message accepted and then recorded: the window between is the one duplicates can come from. */
  onSent?: (e: { outboxId: string; email: string; messageId: string; acceptedAt: number; recordedAt: number }) => void;
};

export const DEFAULT_WORKER_OPTIONS: NoticeWorkerOptions = {
  batchSize: 50,
  leaseSeconds: 120,
  pollMs: 250,
  maxAttempts: 8,
  retryForHours: 72,
  maxAgeHours: 72,
  photoWaitSeconds: 600,
  backoffSeconds: (n) => Math.min(30 * 2 ** n, 3600),
};

export type NoticeWorkerDeps = {
  sql: Queryable;
  config: Pick<Config, 'publicUrl' | 'port' | 'mailFrom' | 'cityTimeZone' | 'linkSecret' | 'dataDir'>;
  mailer: Mailer;
  photos: PhotoStore;
  log: Logger;
};

const PHOTO_CID = 'after-photo@fieldfix';

/**
 * How long a fix's notice waiting for its after-photo's bytes waits before it looks again,
 * `waitedMs` after the fix was recorded: a second at first (a device uploads the photo right
 * after it pushes the fix, and the resident should not wait on our look-up as well), longer
 * as the wait grows, at most 15 s (an upload over a poor signal may take many minutes).
 */
export function photoRecheckSeconds(waitedMs: number): number {
  return Math.min(15, Math.max(1, Math.ceil(waitedMs / 4000)));
}

/**
 * Sends resident notices after commit (R10): claims due outbox rows, sends each to every
 * recipient not yet reached, and records each send before marking the row sent. A crash
 * anywhere loses nothing (the claim lapses and another pass resumes where the records
 * stop) and resends only a message whose acceptance was not yet recorded, with the same
 * Message-ID.
 *
 * A live worker keeps what it holds: a message is begun (recorded as being sent) only when
 * one of the mailer's connections is free for it, not when it joins the queue for one, and
 * while a batch is in hand its claims and the sends under way are renewed every third of the
 * lease. Before, a batch of 50 begun at once over 4 connections could outlast the lease on a
 * slow mail server (or a busy instance), and another instance then sent the messages still
 * waiting: a resident got the same notice twice (found at 1,000 devices by
 * `pnpm bench:load:faults`).
 */
export class NoticeWorker {
  readonly #deps: NoticeWorkerDeps;
  readonly #opts: NoticeWorkerOptions;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;
  #stopped = true;
  #lastExpiry = 0;
  /** Free connections of the mailer, and the sends waiting for one. */
  #free: number;
  readonly #waitingForConnection: (() => void)[] = [];
  /** The sends begun and not yet recorded (renewed with the claims). */
  readonly #sending = new Map<string, { outboxId: string; email: string }>();

  constructor(deps: NoticeWorkerDeps, opts: Partial<NoticeWorkerOptions> = {}) {
    this.#deps = deps;
    this.#opts = { ...DEFAULT_WORKER_OPTIONS, ...opts };
    this.#free = Math.max(1, deps.mailer.connections);
  }

  get mailer(): Mailer {
    return this.#deps.mailer;
  }

  /** Polls for due notices until `stop()`. */
  start(): this {
    this.#stopped = false;
    this.#schedule(0);
    return this;
  }

  /** Finishes the batch in hand, then stops and closes the mailer. */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    await this.#running;
    this.#deps.mailer.close();
  }

  #schedule(ms: number) {
    if (this.#stopped) return;
    this.#timer = setTimeout(() => {
      this.#running = this.#loop().finally(() => (this.#running = undefined));
    }, ms);
  }

  async #loop() {
    let handled = 0;
    try {
      handled = await this.runOnce();
    } catch (err) {
      this.#deps.log.error('Resident notices: a pass failed; trying again.', err);
    }
    this.#schedule(handled > 0 ? 0 : this.#opts.pollMs);
  }

  /** One pass: claims a batch and sends it. Returns how many notices it handled. */
  async runOnce(): Promise<number> {
    const { sql } = this.#deps;
    if (Date.now() - this.#lastExpiry > 60_000) {
      this.#lastExpiry = Date.now();
      const expired = await expireStaleNotices(sql, this.#opts.maxAgeHours);
      if (expired > 0)
        this.#deps.log.info(`Resident notices: ${expired} queued too long ago are not sent (see the outbox).`);
    }
    const due = await claimDueNotices(sql, this.#opts.batchSize, this.#opts.leaseSeconds, this.#opts.maxAttempts);
    if (due.length === 0) return 0;
    // Kept while in hand: claims renewed every third of the lease until each notice is done.
    const inHand = new Set(due.map((n) => n.id));
    const renew = setInterval(
      () => {
        renewClaims(sql, [...inHand], [...this.#sending.values()], this.#opts.leaseSeconds).catch((err: unknown) =>
          this.#deps.log.warn(`Resident notices: could not renew the claims in hand (they may lapse): ${String(err)}`),
        );
      },
      (this.#opts.leaseSeconds * 1000) / 3,
    );
    try {
      await Promise.all(due.map((n) => this.#handle(n).finally(() => inHand.delete(n.id))));
    } finally {
      clearInterval(renew);
    }
    return due.length;
  }

  /** Waits for one of the mailer's connections (first come, first served). */
  async #connection(): Promise<() => void> {
    if (this.#free > 0) this.#free--;
    else await new Promise<void>((resolve) => this.#waitingForConnection.push(resolve));
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.#waitingForConnection.shift();
      if (next) next();
      else this.#free++;
    };
  }

  async #handle(n: DueNotice) {
    const { sql } = this.#deps;
    try {
      const facts = await noticeFacts(sql, n);
      // "Fixed" or "closed" after the case was opened again (a fix's notice waits for its
      // photo): the reopening's notice has said where the case stands; this one would not.
      if ((n.template === 'fixed' || n.template === 'closed') && facts.reopenedSince) {
        await dropNotice(sql, n.id, 'not sent: the case was reopened before it went out');
        return;
      }
      const waiting = facts.photos.some((p) => !p.complete);
      const waited = Date.now() - n.createdAt.getTime();
      if (waiting && waited < this.#opts.photoWaitSeconds * 1000) {
        await deferNotice(sql, n.id, photoRecheckSeconds(waited));
        return;
      }
      const photo = await this.#photoBytes(facts);
      const [recipients, done] = await Promise.all([recipientsOf(sql, n.caseId), deliveredTo(sql, n.id)]);
      let busyElsewhere = false;
      /** The recipients the mail server refused for good, with its reason. */
      const refused: { email: string; reason: string }[] = [];
      for (const r of recipients) {
        if (done.has(r.email)) continue;
        const mail = this.compose(n, facts, r, photo);
        const messageId = String(mail.messageId);
        // Begun only once a connection is free for it: from here it goes out at once.
        const release = await this.#connection();
        const key = `${n.id} ${r.email}`;
        try {
          if (!(await beginDelivery(sql, n.id, r.email, messageId, this.#opts.leaseSeconds))) {
            busyElsewhere = true;
            continue;
          }
          this.#sending.set(key, { outboxId: n.id, email: r.email });
          try {
            await this.#deps.mailer.send(mail, { outboxId: n.id, caseId: n.caseId, template: n.template });
          } catch (err) {
            if (certainlyNotSent(err)) await releaseDelivery(sql, n.id, r.email);
            // An address refused for good is not tried again; the others still get theirs.
            if (!refusedForGood(err)) throw err;
            refused.push({ email: r.email, reason: serverReply(err) });
            continue;
          }
          const acceptedAt = performance.now();
          await markDelivered(sql, n.id, r.email);
          this.#opts.onSent?.({ outboxId: n.id, email: r.email, messageId, acceptedAt, recordedAt: performance.now() });
        } finally {
          this.#sending.delete(key);
          release();
        }
      }
      // Another worker is still sending to someone: look again once its claim is surely over.
      if (busyElsewhere) await deferNotice(sql, n.id, this.#opts.leaseSeconds);
      else if (refused.length > 0) await this.#refused(n, refused, recipients.length);
      else await markNoticeSent(sql, n.id);
    } catch (err) {
      const attempts = n.attempts + 1;
      const giveUp =
        attempts >= this.#opts.maxAttempts &&
        Date.now() - n.createdAt.getTime() >= this.#opts.retryForHours * 3_600_000;
      const message = err instanceof Error ? err.message : String(err);
      this.#deps.log.warn(
        `Resident notice ${n.id} (${n.template}, case ${n.caseId}) not sent, attempt ${attempts}: ${message}${giveUp ? ' — given up; an admin may retry it' : ''}`,
      );
      await markNoticeFailed(sql, n.id, message, this.#opts.backoffSeconds(attempts), giveUp).catch((e: unknown) =>
        this.#deps.log.error('Resident notices: could not record a failure (the claim will lapse).', e),
      );
    }
  }

  /**
   * A notice some of whose recipients the mail server refused for good (no such mailbox, or the
   * message refused): given up on at once, not retried for hours to the same answer. The
   * reason names the addresses for the admins' mailbox; the log line does not (residents'
   * addresses stay out of logs).
   */
  async #refused(n: DueNotice, refused: { email: string; reason: string }[], of: number) {
    const sent = of - refused.length;
    const reason =
      `The mail server refused ${refused.map((r) => `${r.email} (${r.reason})`).join(', ')} for good` +
      (sent > 0 ? `; sent to the other ${sent === 1 ? 'person' : `${sent} people`}` : '') +
      `. Not tried again: press Retry once ${refused.length === 1 ? 'that mailbox takes' : 'those mailboxes take'} mail.`;
    this.#deps.log.warn(
      `Resident notice ${n.id} (${n.template}, case ${n.caseId}): the mail server refused ${refused.length} of ${of} recipients for good — given up; an admin may retry it`,
    );
    await markNoticeFailed(this.#deps.sql, n.id, reason, 0, true);
  }

  async #photoBytes(facts: NoticeFacts): Promise<{ bytes: Buffer; contentType: string } | null> {
    const p = facts.photos.find((x) => x.complete);
    if (!p) return null;
    const thumb = p.thumbKey ? await this.#deps.photos.read(p.thumbKey) : null;
    if (thumb) return { bytes: Buffer.from(thumb), contentType: 'image/jpeg' };
    const full = await this.#deps.photos.read(p.storageKey);
    return full ? { bytes: Buffer.from(full), contentType: p.contentType } : null;
  }

  /** The message one recipient receives for one notice: the same Message-ID every time. */
  compose(
    n: DueNotice,
    facts: NoticeFacts,
    r: Recipient,
    photo: { bytes: Buffer; contentType: string } | null,
  ): Mail.Options {
    const { config } = this.#deps;
    const secret = linkSecret(config);
    const base = linkBase(config);
    // "Still a problem?" lasts to the end of the city's day it names; a fix recorded so late
    // (offline for days) that the day is past offers no link that would only say "expired".
    const last =
      n.template === 'fixed' ? stillAProblemLastSecond(n.happenedAt ?? n.createdAt, config.cityTimeZone) : null;
    const until = last && last.getTime() >= Date.now() ? last : null;
    // The pages its links open speak the notice's language, whatever the reader's browser prefers.
    const lang = `&lang=${r.language}`;
    const links = {
      track: `${base}/track/${n.caseId}?k=${signLink(secret, { p: 'track', caseId: n.caseId })}${lang}`,
      stillAProblem: until
        ? `${base}/still-a-problem?token=${signLink(secret, { p: 'still-a-problem', caseId: n.caseId, exp: until.getTime() / 1000 })}${lang}`
        : null,
      stillAProblemUntil: until,
    };
    const unsubscribeUrl = `${base}/api/public/unsubscribe?token=${signLink(secret, { p: 'unsubscribe', caseId: n.caseId, email: r.email })}${lang}`;
    const content = noticeContent(n.template, facts, r.language, links, config.cityTimeZone);
    const rendered = renderNotice(content, { unsubscribeUrl, photoCid: photo ? PHOTO_CID : null });
    const domain = /@([^>\s]+)>?\s*$/.exec(config.mailFrom)?.[1] ?? 'fieldfix.invalid';
    return {
      from: config.mailFrom,
      to: r.email,
      subject: rendered.subject,
      html: rendered.html,
      text: rendered.text,
      messageId: stableMessageId(n.id, r.email, domain),
      headers: {
        'List-Unsubscribe': `<${unsubscribeUrl}>`,
        'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
        'Auto-Submitted': 'auto-generated',
        'X-Fieldfix-Notice': `${n.id}; ${n.template}; case ${n.caseId}`,
      },
      attachments: photo
        ? [
            {
              filename: photo.contentType === 'image/jpeg' ? 'after-photo.jpg' : 'after-photo',
              content: photo.bytes,
              contentType: photo.contentType,
              cid: PHOTO_CID,
            },
          ]
        : [],
    };
  }
}

/**
 * True when nodemailer's error means the message never reached the SMTP server's acceptance:
 * the server answered with a refusal, or no connection was made. A timeout or a dropped
 * connection is not certain: the server may have accepted it.
 */
function certainlyNotSent(err: unknown): boolean {
  const e = err as { responseCode?: number; code?: string; syscall?: string };
  // A socket error during `connect` (refused, no route, unknown host) sent nothing. A
  // connection closed by the server (nodemailer's ECONNECTION) may have closed after the
  // message was taken and before the reply: maybe sent, like a crash, so it is not sent
  // again before the lease is over.
  return typeof e.responseCode === 'number' || e.syscall === 'connect' || e.syscall === 'getaddrinfo';
}

/**
 * True when the mail server refused the recipient or the message itself for good (a 5xx reply
 * to RCPT TO or DATA: no such mailbox, a message it will never take). Sending again gets the
 * same answer. A 4xx is a "try later"; a refusal of our sender or login is the server's
 * setup, which an admin fixes, so both are retried as before.
 */
function refusedForGood(err: unknown): boolean {
  const e = err as { responseCode?: number; command?: string };
  return (
    typeof e.responseCode === 'number' &&
    e.responseCode >= 500 &&
    e.responseCode < 600 &&
    (e.command === 'RCPT TO' || e.command === 'DATA')
  );
}

/** The mail server's own reply in an error from nodemailer ("550 5.1.1 …"), else its message. */
function serverReply(err: unknown): string {
  const e = err as { response?: unknown; message?: unknown };
  return String(typeof e.response === 'string' ? e.response : e.message)
    .trim()
    .slice(0, 200);
}

/** The mailbox folder of the embedded default (no `SMTP_URL`). */
export const mailboxDir = (config: Pick<Config, 'dataDir'>) => `${config.dataDir}/mailbox`;

/** The worker a server starts: SMTP when `SMTP_URL` is set, else the mailbox; none when turned off. */
export function startNoticeWorker(deps: { sql: Queryable; config: Config; log: Logger }): NoticeWorker | null {
  if (!deps.config.noticeWorker) return null;
  const mailer = deps.config.smtpUrl ? new SmtpMailer(deps.config.smtpUrl) : new MailboxMailer(mailboxDir(deps.config));
  return new NoticeWorker(
    { ...deps, mailer, photos: photoStoreFor(deps.config, deps.log) },
    { leaseSeconds: deps.config.noticeLeaseSeconds },
  ).start();
}
