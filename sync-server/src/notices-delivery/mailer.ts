import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import nodemailer, { type Transporter } from 'nodemailer';
import type Mail from 'nodemailer/lib/mailer/index.js';

/** Which notice a message is, kept beside it in the mailbox. */
export type MailMeta = { outboxId: string; caseId: string; template: string };

/** Where notices go: an SMTP server, or the mailbox in the data folder. */
export interface Mailer {
  readonly kind: 'smtp' | 'mailbox';
  /** Messages it sends at once (its connections): a message handed over beyond them waits its turn. */
  readonly connections: number;
  /** Resolves once the message was accepted (by the SMTP server, or written to disk). */
  send(mail: Mail.Options, meta: MailMeta): Promise<void>;
  close(): void;
}

/** Sends through nodemailer to `SMTP_URL` over a small pool of connections. */
export class SmtpMailer implements Mailer {
  readonly kind = 'smtp';
  readonly connections: number;
  readonly #transport: Transporter;

  constructor(url: string, opts: { maxConnections?: number } = {}) {
    const u = new URL(url);
    this.connections = opts.maxConnections ?? 4;
    this.#transport = nodemailer.createTransport({
      pool: true,
      maxConnections: this.connections,
      host: u.hostname,
      port: u.port ? Number(u.port) : u.protocol === 'smtps:' ? 465 : 587,
      secure: u.protocol === 'smtps:',
      auth: u.username ? { user: decodeURIComponent(u.username), pass: decodeURIComponent(u.password) } : undefined,
      connectionTimeout: 20_000,
      greetingTimeout: 15_000,
      socketTimeout: 60_000,
    });
  }

  async send(mail: Mail.Options): Promise<void> {
    await this.#transport.sendMail(mail);
  }

  close(): void {
    this.#transport.close();
  }
}

/** A message kept in the mailbox, as the admin mailbox view shows it. */
export type MailboxMessage = MailMeta & {
  id: string;
  messageId: string;
  to: string;
  subject: string;
  date: string;
  /** The HTML with inline images turned into data: URLs, to show without a mail client. */
  html: string;
  text: string;
  headers: Record<string, string>;
};

/**
 * The embedded default: each message is written to `dir` as its `.eml` and a `.json` for the
 * mailbox view, named after its Message-ID, so sending a notice again replaces it.
 */
export class MailboxMailer implements Mailer {
  readonly kind = 'mailbox';
  /** Files written at once. */
  readonly connections = 4;
  readonly dir: string;
  /** The folder keeps the newest `keep` messages; older ones are deleted as new ones come. */
  readonly keep: number;
  readonly #transport = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'unix' });
  #writes = 0;

  constructor(dir: string, opts: { keep?: number } = {}) {
    this.dir = dir;
    this.keep = opts.keep ?? 1000;
  }

  async send(mail: Mail.Options, meta: MailMeta): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    const info = await this.#transport.sendMail(mail);
    const messageId = String(mail.messageId ?? info.messageId);
    const id = createHash('sha256').update(messageId).digest('hex').slice(0, 24);
    let html = typeof mail.html === 'string' ? mail.html : '';
    for (const a of mail.attachments ?? []) {
      if (a.cid && Buffer.isBuffer(a.content)) {
        html = html.replaceAll(`cid:${a.cid}`, `data:${a.contentType};base64,${a.content.toString('base64')}`);
      }
    }
    const message: MailboxMessage = {
      ...meta,
      id,
      messageId,
      to: String(mail.to),
      subject: String(mail.subject),
      date: new Date().toISOString(),
      html,
      text: typeof mail.text === 'string' ? mail.text : '',
      headers: Object.fromEntries(
        Object.entries((mail.headers ?? {}) as Record<string, string>).map(([k, v]) => [k, String(v)]),
      ),
    };
    await writeAtomically(join(this.dir, `${id}.eml`), info.message as Buffer);
    await writeAtomically(join(this.dir, `${id}.json`), JSON.stringify(message));
    if (++this.#writes % 50 === 0) await this.prune();
  }

  /** Deletes all but the newest `keep` messages. */
  async prune(): Promise<void> {
    const files = await newestFirst(this.dir);
    await Promise.all(
      files
        .slice(this.keep)
        .flatMap((f) => [
          rm(join(this.dir, f), { force: true }),
          rm(join(this.dir, f.replace(/\.json$/, '.eml')), { force: true }),
        ]),
    );
  }

  close(): void {}
}

async function writeAtomically(path: string, data: string | Buffer) {
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, data);
  await rename(tmp, path);
}

/** The `.json` files of a mailbox folder, newest first (by the time they were written). */
async function newestFirst(dir: string): Promise<string[]> {
  let names: string[];
  try {
    names = (await readdir(dir)).filter((n) => n.endsWith('.json'));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  const stamped = await Promise.all(
    names.map(async (n) => ({
      n,
      at: await stat(join(dir, n)).then(
        (s) => s.mtimeMs,
        () => 0,
      ),
    })),
  );
  return stamped.sort((a, b) => b.at - a.at || b.n.localeCompare(a.n)).map((x) => x.n);
}

/** The newest `limit` messages of the mailbox folder, newest first; only those are read. */
export async function listMailbox(dir: string, limit: number): Promise<MailboxMessage[]> {
  const names = (await newestFirst(dir)).slice(0, limit);
  const messages = await Promise.all(
    names.map(async (n) => {
      try {
        return JSON.parse(await readFile(join(dir, n), 'utf8')) as MailboxMessage;
      } catch {
        return null; // being replaced at this moment
      }
    }),
  );
  return messages
    .filter((m): m is MailboxMessage => m !== null)
    .sort((a, b) => b.date.localeCompare(a.date) || b.id.localeCompare(a.id));
}
