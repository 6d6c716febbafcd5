// The server Playwright tests run against: the real sync-server serving the real built
// field-app, on a fresh database for this run — a throwaway database on TEST_DATABASE_URL's
// server when set, else embedded PGlite in a temporary folder. Both are removed on exit.
// Its email (resident notices, follow confirmations) goes over SMTP to a real SMTP server on
// loopback, which writes each message it accepts to a folder tests read (support/mail.ts).
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { rename, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import postgres from 'postgres';
import { loadConfig } from '@fieldfix/sync-server/config';
import { startLoopbackSmtp } from '@fieldfix/sync-server/loopback-smtp';
import { startServer } from '@fieldfix/sync-server/server';
import { e2eDatabaseUrlFile, e2eMailDir, e2eRefusedMailDir, e2eStaticDir } from './paths.ts';

const port = Number(process.env.E2E_PORT ?? 8181);
const adminUrl = process.env.TEST_DATABASE_URL;
const cleanups: (() => Promise<void> | void)[] = [];

let databaseUrl: string | undefined;
let dataDir: string | undefined;
if (adminUrl) {
  const name = `fieldfix_e2e_${process.pid}_${Date.now()}`;
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
  await admin`create database ${admin(name)}`;
  const u = new URL(adminUrl);
  u.pathname = `/${name}`;
  databaseUrl = u.toString();
  cleanups.push(async () => {
    await admin`drop database if exists ${admin(name)} with (force)`;
    await admin.end();
  });
  // Tests that fill the database in bulk (100,000 generated cases for /map) read it here.
  const urlFile = e2eDatabaseUrlFile(port);
  mkdirSync(dirname(urlFile), { recursive: true });
  writeFileSync(urlFile, databaseUrl);
  cleanups.push(() => rmSync(urlFile, { force: true }));
} else {
  // A server on PostgreSQL killed before its clean-up (Playwright stops it with SIGKILL) left
  // its URL: the bulk-filling tests would fill that database, not this server's.
  rmSync(e2eDatabaseUrlFile(port), { force: true });
  dataDir = mkdtempSync(join(tmpdir(), 'fieldfix-e2e-'));
  cleanups.push(() => rmSync(dataDir!, { recursive: true, force: true }));
}

// On PostgreSQL the data folder still holds the link-signing key.
if (!dataDir) {
  const folder = mkdtempSync(join(tmpdir(), 'fieldfix-e2e-data-'));
  dataDir = folder;
  cleanups.push(() => rmSync(folder, { recursive: true, force: true }));
}

// Uploaded photos go to a throwaway folder too, whichever database is used.
const photosDir = mkdtempSync(join(tmpdir(), 'fieldfix-e2e-photos-'));
cleanups.push(() => rmSync(photosDir, { recursive: true, force: true }));

const base = loadConfig({ ...process.env, DATABASE_URL: '', DATA_DIR: '' });
// The app is served from a copy of the build, so a test can publish a "new version" of it.
const staticDir = e2eStaticDir(port);
rmSync(staticDir, { recursive: true, force: true });
cpSync(base.staticDir, staticDir, { recursive: true });
cleanups.push(() => rmSync(staticDir, { recursive: true, force: true }));

// The mail server: each message is in the folder, whole, before the SMTP server accepts it,
// so a notice the server counts as sent is there to read. Named in the order accepted. It
// refuses the addresses a test lists in the refused folder, as long as they are listed.
const mailDir = e2eMailDir(port);
rmSync(mailDir, { recursive: true, force: true });
mkdirSync(e2eRefusedMailDir(port), { recursive: true });
let accepted = 0;
const smtp = await startLoopbackSmtp({
  refuseRecipient: (address) => existsSync(join(e2eRefusedMailDir(port), address)),
  async onReceived(message) {
    const name = `${String(++accepted).padStart(5, '0')}-${message.acceptedWallMs}`;
    await writeFile(join(mailDir, `${name}.tmp`), message.raw);
    await rename(join(mailDir, `${name}.tmp`), join(mailDir, `${name}.eml`));
  },
});
// A pooled SMTP connection the server keeps open would hold the close up for its 30 s timeout.
cleanups.push(() => Promise.race([smtp.close(), new Promise<void>((r) => setTimeout(r, 1000))]));
cleanups.push(() => rmSync(mailDir, { recursive: true, force: true }));

const config = {
  ...base,
  staticDir,
  port,
  host: '127.0.0.1',
  databaseUrl,
  dataDir: dataDir ?? '',
  photosDir,
  logLevel: 'warn' as const,
  smtpUrl: smtp.url,
  // Sends in this process, whatever NOTICE_WORKER says (it looks for due notices every 250 ms).
  noticeWorker: true,
};
const server = await startServer(config);
console.log(`e2e server on ${server.url} (${server.db.kind})`);

let stopping = false;
async function stop() {
  if (stopping) return;
  stopping = true;
  await server.stop();
  for (const c of cleanups.reverse()) await c();
  process.exit(0);
}
process.on('SIGINT', () => void stop());
process.on('SIGTERM', () => void stop());
