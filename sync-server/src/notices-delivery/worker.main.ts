/**
 * The notice worker alone, without HTTP: `node src/notices-delivery/worker.main.ts` with the
 * server's environment (DATABASE_URL required: the embedded database belongs to the server
 * process). For a separate sender beside servers started with NOTICE_WORKER=off, and for the
 * crash test, which kills it with SIGKILL mid-batch.
 */
import { loadConfig } from '../config.ts';
import { connectPostgres } from '../db/database.ts';
import { consoleLogger } from '../server.ts';
import { startNoticeWorker } from './notice-worker.ts';
import { sharedLinkSecret } from './signed-links.ts';

const config = loadConfig();
if (!config.databaseUrl) {
  console.error('The notice worker alone needs DATABASE_URL (the embedded database is the server’s).');
  process.exit(2);
}
const log = consoleLogger(config.logLevel);
const db = connectPostgres(config.databaseUrl, 4);
// The servers' link-signing key (LINK_SECRET, else the one kept in the database), as they
// do: links signed with a key of this folder's would be refused by every server.
const linkSecret = config.linkSecret ?? (await sharedLinkSecret(db.sql, config.dataDir));
const worker = startNoticeWorker({ sql: db.sql, config: { ...config, linkSecret, noticeWorker: true }, log })!;
log.info(`Notice worker running: ${config.smtpUrl ? 'SMTP' : 'the mailbox in the data folder'}.`);
const stop = async () => {
  await worker.stop();
  await db.close();
  process.exit(0);
};
process.on('SIGINT', () => void stop());
process.on('SIGTERM', () => void stop());
