// Where the e2e server keeps what tests read or change: its copy of the built app, its
// database's URL and the mail it sent. One of each per server port, under the repository's
// test output.
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));

export function e2eStaticDir(port = Number(process.env.E2E_PORT ?? 8181)): string {
  return join(root, '.test-output', `e2e-static-${port}`);
}

/** Where the e2e server writes its database's URL (PostgreSQL only), for tests that fill it in bulk. */
export function e2eDatabaseUrlFile(port = Number(process.env.E2E_PORT ?? 8181)): string {
  return join(root, '.test-output', `e2e-database-${port}.url`);
}

/**
 * Where the e2e server keeps every message its loopback SMTP server accepted, one `.eml` each
 * (support/mail.ts reads them): the resident notices and the follow confirmations.
 */
export function e2eMailDir(port = Number(process.env.E2E_PORT ?? 8181)): string {
  return join(root, '.test-output', `e2e-mail-${port}`);
}

/**
 * Where a test lists the addresses the e2e server's mail server refuses for good (`550`), one
 * empty file each (support/mail.ts `refuseMailTo`): a mailbox that does not exist.
 */
export function e2eRefusedMailDir(port = Number(process.env.E2E_PORT ?? 8181)): string {
  return join(e2eMailDir(port), 'refused');
}
