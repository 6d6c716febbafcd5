import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { listMailbox, MailboxMailer } from './mailer.ts';

let dir: string | undefined;
afterEach(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

const mail = (i: number) => ({
  from: 'notices@city.example',
  to: `r${i}@example.org`,
  subject: `Notice ${i}`,
  text: 'Hello',
  html: '<p>Hello <img src="cid:p@x"></p>',
  messageId: `<notice-${i}@city.example>`,
  attachments: [{ filename: 'p.jpg', content: Buffer.from([1, 2, 3]), contentType: 'image/jpeg', cid: 'p@x' }],
});
const meta = (i: number) => ({ outboxId: String(i), caseId: '1', template: 'fixed' });

describe('the mailbox of the embedded default', () => {
  it('keeps each message once by Message-ID, with inline images as data: URLs', async () => {
    dir = await mkdtemp(join(tmpdir(), 'fieldfix-mailbox-'));
    const box = new MailboxMailer(dir);
    await box.send(mail(1), meta(1));
    await box.send(mail(1), meta(1)); // sent again after a crash: replaces, not adds
    const [m, ...rest] = await listMailbox(dir, 10);
    expect(rest).toEqual([]);
    expect(m!.subject).toBe('Notice 1');
    expect(m!.html).toContain('src="data:image/jpeg;base64,AQID"');
    expect((await readdir(dir)).sort()).toEqual([`${m!.id}.eml`, `${m!.id}.json`]);
  });

  it('keeps the newest messages only', async () => {
    dir = await mkdtemp(join(tmpdir(), 'fieldfix-mailbox-'));
    const box = new MailboxMailer(dir, { keep: 20 });
    for (let i = 0; i < 50; i++) await box.send(mail(i), meta(i));
    const left = await listMailbox(dir, 100);
    expect(left).toHaveLength(20);
    expect(left.map((m) => m.subject)).toContain('Notice 49');
    expect(left.map((m) => m.subject)).not.toContain('Notice 0');
    expect((await readdir(dir)).length).toBe(40);
  });
});
