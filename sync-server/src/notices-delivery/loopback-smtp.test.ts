import { afterEach, describe, expect, it } from 'vitest';
import { startLoopbackSmtp, type Received } from './loopback-smtp.ts';
import { SmtpMailer } from './mailer.ts';

const mail = { from: 'notices@city.example', to: 'Vecina@Example.org', subject: 'Resuelto', text: 'Hola' };

describe('the loopback SMTP server', () => {
  const closers: (() => unknown)[] = [];
  afterEach(async () => {
    for (const c of closers.splice(0).reverse()) await c();
  });

  it('hands each message to onReceived before accepting it', async () => {
    const seen: Received[] = [];
    const smtp = await startLoopbackSmtp({
      async onReceived(r) {
        await new Promise((resolve) => setTimeout(resolve, 20));
        seen.push(r);
      },
    });
    closers.push(() => smtp.close());
    const mailer = new SmtpMailer(smtp.url);
    closers.push(() => mailer.close());

    // Resolved once the server accepted it: by then onReceived had it.
    await mailer.send(mail);
    expect(seen).toHaveLength(1);
    expect(seen[0]!.to).toEqual(['vecina@example.org']);
    expect(seen[0]!.raw.toString()).toContain('Subject: Resuelto');
    expect(smtp.received).toEqual(seen);
  });

  it('refuses a message onReceived could not keep, with a 451, and keeps nothing', async () => {
    const smtp = await startLoopbackSmtp({
      onReceived() {
        throw new Error('disk full');
      },
    });
    closers.push(() => smtp.close());
    const mailer = new SmtpMailer(smtp.url);
    closers.push(() => mailer.close());

    await expect(mailer.send(mail)).rejects.toMatchObject({ responseCode: 451 });
    expect(smtp.received).toEqual([]);
  });
});
