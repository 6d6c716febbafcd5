// The mail the e2e server sent, as its loopback SMTP server received it (support/server.ts
// writes each accepted message to a folder as an `.eml`): parsed with mailparser, as a mail
// client would read it.
import { readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from '@playwright/test';
import { simpleParser, type AddressObject } from 'mailparser';
import { e2eMailDir, e2eRefusedMailDir } from './paths.ts';

export interface ReceivedMail {
  /** The `.eml` file, named in the order the SMTP server accepted the messages. */
  file: string;
  to: string[];
  subject: string;
  text: string;
  html: string;
  /** The HTML part's `<html lang>`: the language the message says it is in. */
  lang: string | null;
  /** A resident notice's `X-Fieldfix-Notice` header; null for any other message. */
  notice: { outboxId: string; template: string; caseId: string } | null;
  messageId: string | null;
  attachments: { filename: string | null; contentType: string; cid: string | null; content: Buffer }[];
}

// A message's file never changes once it is in the folder: each is parsed once.
const parsed = new Map<string, ReceivedMail>();

async function parse(dir: string, file: string): Promise<ReceivedMail> {
  // The HTML as sent: an inline image is `cid:` (mailparser would make it a data: URL).
  const m = await simpleParser(await readFile(join(dir, file)), { keepCidLinks: true });
  const addresses = (a: AddressObject | AddressObject[] | undefined) =>
    (Array.isArray(a) ? a : a ? [a] : []).flatMap((o) => o.value.map((v) => (v.address ?? '').toLowerCase()));
  const html = typeof m.html === 'string' ? m.html : '';
  const notice = /^([^;]+); ([^;]+); case (\d+)$/.exec(String(m.headers.get('x-fieldfix-notice') ?? ''));
  return {
    file,
    to: addresses(m.to),
    subject: m.subject ?? '',
    text: m.text ?? '',
    html,
    lang: /<html[^>]*\slang="([^"]+)"/i.exec(html)?.[1] ?? null,
    notice: notice ? { outboxId: notice[1]!, template: notice[2]!, caseId: notice[3]! } : null,
    messageId: m.messageId ?? null,
    attachments: m.attachments.map((a) => ({
      filename: a.filename ?? null,
      contentType: a.contentType,
      cid: a.cid ?? null,
      content: a.content,
    })),
  };
}

/** Every message received so far, in the order the SMTP server accepted them. */
export async function receivedMails(dir = e2eMailDir()): Promise<ReceivedMail[]> {
  const files = (await readdir(dir)).filter((f) => f.endsWith('.eml')).sort();
  return Promise.all(
    files.map(async (f) => {
      const key = join(dir, f);
      let mail = parsed.get(key);
      if (!mail) {
        mail = await parse(dir, f);
        parsed.set(key, mail);
      }
      return mail;
    }),
  );
}

/** The messages received for one address, oldest first. */
export async function mailsTo(address: string): Promise<ReceivedMail[]> {
  const to = address.toLowerCase();
  return (await receivedMails()).filter((m) => m.to.includes(to));
}

/**
 * Waits until `address` has received a message that `match` accepts (any message without it),
 * and returns the first such.
 */
export async function waitForMail(
  address: string,
  match: (m: ReceivedMail) => boolean = () => true,
  timeout = 30_000,
): Promise<ReceivedMail> {
  let found: ReceivedMail | undefined;
  await expect
    .poll(
      async () => {
        found = (await mailsTo(address)).find(match);
        return found !== undefined;
      },
      { message: `a message to ${address}`, timeout },
    )
    .toBe(true);
  return found!;
}

/** From now on the e2e server's mail server refuses `address` for good (550), as for a mailbox that does not exist. */
export async function refuseMailTo(address: string): Promise<void> {
  await writeFile(join(e2eRefusedMailDir(), address.toLowerCase()), '');
}

/** The mail server takes `address` again (the mailbox was set up). */
export async function acceptMailTo(address: string): Promise<void> {
  await rm(join(e2eRefusedMailDir(), address.toLowerCase()), { force: true });
}

/** The first link in a message's plain text that `pattern` matches, as a path the tests can open. */
export function linkIn(mail: ReceivedMail, pattern: RegExp): string {
  const url = mail.text.match(/https?:\/\/\S+/g)?.find((u) => pattern.test(u));
  expect(url, `a link matching ${pattern} in "${mail.subject}"`).toBeTruthy();
  const u = new URL(url!);
  return u.pathname + u.search;
}
