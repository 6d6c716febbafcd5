import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../test/test-app.ts';
import { startLoopbackSmtp } from './loopback-smtp.ts';
import { sharedLinkSecret, verifyLink } from './signed-links.ts';

// R10 under `kill -9`: the worker runs in a child process against the same PostgreSQL, is
// killed mid-batch twice and restarted. Every notice still reaches every recipient, and the
// only duplicates are messages the SMTP server accepted before the dead worker recorded
// them: each carries the same Message-ID as the first. Needs a PostgreSQL server (two
// processes on one database), so it runs with TEST_DATABASE_URL only.

const WORKER = fileURLToPath(new URL('./worker.main.ts', import.meta.url));
const CASES = 150; // each with a reporter and a follower: 300 messages

let t: TestApp;
let smtp: Awaited<ReturnType<typeof startLoopbackSmtp>>;
let dataDir: string;
/** The worker's own folder, as on a machine of its own: its links must still be the servers'. */
let workerDir: string;
const children: ChildProcess[] = [];

function startWorker(): ChildProcess {
  const child = spawn(process.execPath, [WORKER], {
    env: {
      PATH: process.env.PATH,
      DATABASE_URL: t.db.url,
      SMTP_URL: smtp.url,
      PUBLIC_URL: 'https://311.riverton.example',
      DATA_DIR: workerDir,
      NOTICE_LEASE_SECONDS: '1',
      LOG_LEVEL: 'error',
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  children.push(child);
  return child;
}

async function kill9(child: ChildProcess) {
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGKILL');
  await exited;
}

describe.skipIf(!process.env.TEST_DATABASE_URL)('resident notices when the worker is killed (R10)', () => {
  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'fieldfix-crash-'));
    workerDir = await mkdtemp(join(tmpdir(), 'fieldfix-crash-worker-'));
    t = await createTestApp({ dataDir });
    // A slow mail server (5 ms an acceptance), so a kill lands in the middle of a batch.
    smtp = await startLoopbackSmtp({ delayMs: 5 });
    const sql = t.db.sql;
    await sql`update notification_outbox set sent_at = now() where sent_at is null`; // the demo's history
    const ids = await sql<{ id: string }[]>`
      insert into cases (service_code, description, lat, long, address, state)
      select 'SIDEWALK', 'Crash test', 42.35, -86.97, n || ' Test St', 'new' from generate_series(1, ${CASES}) n
      returning id::text`;
    for (const { id } of ids) {
      await sql`insert into case_reporters (case_id, email) values (${id}, ${`reporter.${id}@example.org`})`;
      await sql`insert into case_followers (case_id, email) values (${id}, ${`follower.${id}@example.org`})`;
      await sql`insert into notification_outbox (case_id, template) values (${id}, 'received')`;
    }
  });
  afterAll(async () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    await smtp?.close();
    await t?.close();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
    if (workerDir) await rm(workerDir, { recursive: true, force: true });
  });

  it('[R10] killed with SIGKILL mid-batch twice and restarted: every notice once per person, duplicates only with the same Message-ID', async () => {
    const sql = t.db.sql;
    const total = CASES * 2;
    const maybeSent: number[] = [];
    for (const at of [total / 3, (2 * total) / 3]) {
      const child = startWorker();
      await smtp.waitFor(Math.floor(at), 30_000);
      await kill9(child);
      // Rows written before the send and not marked sent: the messages that may come twice.
      const [row] = await sql<{ n: number }[]>`select count(*)::int as n from notice_deliveries where sent_at is null`;
      maybeSent.push(row!.n);
    }
    const last = startWorker();
    const until = Date.now() + 30_000;
    for (;;) {
      const [row] = await sql<{ n: number }[]>`
        select count(*)::int as n from notification_outbox where sent_at is null and failed_at is null`;
      if (row!.n === 0) break;
      if (Date.now() > until) throw new Error(`${row!.n} notices still unsent`);
      await new Promise((r) => setTimeout(r, 100));
    }
    last.kill('SIGTERM');
    await new Promise((r) => last.once('exit', r));

    const byMessageId = new Map<string, { to: string[] }[]>();
    for (const r of smtp.received) byMessageId.set(r.messageId, [...(byMessageId.get(r.messageId) ?? []), r]);
    // Every notice reached every recipient…
    expect(byMessageId.size).toBe(total);
    const [delivered] = await sql<{ n: number }[]>`
      select count(*)::int as n from notice_deliveries where sent_at is not null`;
    expect(delivered!.n).toBe(total);
    // …and a message that came twice is the same message: same Message-ID, same recipient.
    for (const copies of byMessageId.values()) expect(new Set(copies.map((c) => c.to.join())).size).toBe(1);
    const duplicates = smtp.received.length - total;
    expect(duplicates).toBeLessThanOrEqual(maybeSent.reduce((a, b) => a + b, 0));
    // Its links are signed with the key every server on this database checks them with.
    const mail = await smtp.parse(smtp.received[0]!);
    const key = /\/track\/\d+\?k=([\w.-]+)/.exec(mail.text ?? '')![1]!;
    expect(verifyLink(await sharedLinkSecret(sql, dataDir), key, 'track')).not.toBeNull();
    console.info(
      `kill -9 twice over ${total} messages: ${duplicates} duplicate(s), each with its original's Message-ID; ` +
        `${maybeSent.join(' and ')} deliveries begun and not yet recorded at the kills (sent, queued for SMTP or accepted)`,
    );
  }, 90_000);
});
