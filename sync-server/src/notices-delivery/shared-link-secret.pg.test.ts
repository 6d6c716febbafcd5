import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../test/test-db.ts';
import { sharedLinkSecret } from './signed-links.ts';

// The key that signs notice links when LINK_SECRET is unset: one per database, whichever
// instance asks first, and the key an earlier version kept in its data folder is taken over
// (the links it signed are in people's mailboxes).
describe('the shared link-signing key', () => {
  let db: TestDatabase;
  const dirs: string[] = [];
  const folder = async () => {
    const d = await mkdtemp(join(tmpdir(), 'fieldfix-secret-'));
    dirs.push(d);
    return d;
  };
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await db?.close();
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  });

  it('takes over the data folder key, and every later asker, with or without a key file, gets it', async () => {
    const legacy = await folder();
    await writeFile(join(legacy, 'link-secret'), 'key-from-an-earlier-version-0123456789abcdef\n');
    expect(await sharedLinkSecret(db.sql, legacy)).toBe('key-from-an-earlier-version-0123456789abcdef');
    expect(await sharedLinkSecret(db.sql, await folder())).toBe('key-from-an-earlier-version-0123456789abcdef');
    const other = await folder();
    await writeFile(join(other, 'link-secret'), 'another-instance-own-file-key-0123456789abc');
    expect(await sharedLinkSecret(db.sql, other)).toBe('key-from-an-earlier-version-0123456789abcdef');
  });

  it('generates a long random key when there is none yet', async () => {
    await db.sql`delete from server_secrets`;
    const first = await sharedLinkSecret(db.sql, await folder());
    expect(first).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(await sharedLinkSecret(db.sql, await folder())).toBe(first);
  });
});
