import { afterEach, describe, expect, it } from 'vitest';
import postgres from 'postgres';
import type { Staff } from '../access/caller.ts';
import { freePort } from '../../test/instances.ts';
import { QuietPull, type QuietPullTimes } from './quiet-pull.ts';

// The quiet-pull memory when the database cannot be reached: a client pointed at a port where
// nothing listens, so every statement (the LISTEN, a NOTIFY, a head read) fails as it would
// with the server down. And the memory's bounds, which need no database at all.

const TIMES: QuietPullTimes = { headMs: 1_000, sessionMs: 10_000, receiptMs: 30_000 };
const worker: Staff = {
  id: 'u-worker',
  name: 'Wren Worker',
  email: 'worker@example.test',
  role: 'worker',
  crewId: 'streets-a',
  departmentId: 'streets',
};

describe('the quiet-pull memory without a database', () => {
  const clients: postgres.Sql[] = [];
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.end({ timeout: 1 })));
  });

  async function unreachable(): Promise<postgres.Sql> {
    const port = await freePort();
    const sql = postgres(`postgres://postgres@127.0.0.1:${port}/none`, {
      max: 1,
      connect_timeout: 2,
      onnotice: () => {},
    });
    clients.push(sql);
    return sql;
  }

  function logged() {
    const warnings: string[] = [];
    return { warnings, log: { warn: (msg: string) => warnings.push(msg) } };
  }

  it('a LISTEN that fails is logged, and the next session remembered tries again', async () => {
    const { warnings, log } = logged();
    const quiet = new QuietPull(await unreachable(), TIMES, { shared: true, log });
    quiet.remember({ staff: worker, tokenHash: 'h1', expiresAt: new Date(Date.now() + 60_000) }, quiet.epoch);
    await quiet.settled();
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/could not listen for sessions ended on other instances.*asks the database/);

    quiet.remember({ staff: worker, tokenHash: 'h2', expiresAt: new Date(Date.now() + 60_000) }, quiet.epoch);
    await quiet.settled();
    expect(warnings).toHaveLength(2); // tried again, failed again
  });

  it("an instance's first lookups wait for its LISTEN; once one has failed, no request waits for the next try", async () => {
    const { warnings, log } = logged();
    const quiet = new QuietPull(await unreachable(), TIMES, { shared: true, log });
    const first = quiet.listening();
    expect(first).toBeInstanceOf(Promise);
    await first; // failed (nothing listens there), and said so
    expect(warnings).toHaveLength(1);
    expect(quiet.listening()).toBeNull(); // tried again, in the background
    await quiet.settled();
    expect(warnings).toHaveLength(2);
    // One process (embedded), or answers from memory off: nothing to wait for, nothing tried.
    expect(new QuietPull(await unreachable(), TIMES, { shared: false, log }).listening()).toBeNull();
    expect(new QuietPull(await unreachable(), { ...TIMES, headMs: 0 }, { shared: true, log }).listening()).toBeNull();
    expect(warnings).toHaveLength(2);
  });

  it('with no logger given, a failed NOTIFY or LISTEN is still only a failure to tell', async () => {
    const quiet = new QuietPull(await unreachable(), TIMES, { shared: true });
    await expect(quiet.forgetSession('h1')).resolves.toBeUndefined();
    await expect(quiet.forgetUser('u-worker')).resolves.toBeUndefined();
    quiet.remember({ staff: worker, tokenHash: 'h1', expiresAt: new Date(Date.now() + 60_000) }, quiet.epoch);
    await expect(quiet.settled()).resolves.toBeUndefined();
  });

  it('embedded (one process): an ended session is not announced to anyone', async () => {
    const sql = await unreachable();
    const { warnings, log } = logged();
    const quiet = new QuietPull(sql, TIMES, { shared: false, log });
    await quiet.forgetSession('h1');
    await quiet.forgetUser('u-worker');
    expect(warnings).toEqual([]); // no NOTIFY was tried (it would have failed, and said so)
  });

  it('a NOTIFY that fails is logged, and the session is still forgotten on this instance', async () => {
    const { warnings, log } = logged();
    const quiet = new QuietPull(await unreachable(), TIMES, { shared: true, log });
    const before = quiet.epoch;
    await quiet.forgetSession('h1');
    expect(warnings).toEqual([expect.stringMatching(/could not tell other instances a session ended/)]);
    expect(quiet.epoch).toBeGreaterThan(before);
    await quiet.forgetUser('u-worker');
    expect(warnings).toHaveLength(2);
  });

  it('a head read that fails answers nothing from memory (the database is asked, and says 503)', async () => {
    const quiet = new QuietPull(await unreachable(), TIMES, { shared: false });
    quiet.remember({ staff: worker, tokenHash: 'h1', expiresAt: new Date(Date.now() + 60_000) }, quiet.epoch);
    expect(quiet.consult('h1', 10n)).toEqual({ asks: 'no-head' }); // starts the read
    await quiet.settled();
    expect(quiet.consult('h1', 10n)).toEqual({ asks: 'no-head' });
  });

  /** The receipt memory alone (no database), by device number; nothing falls due by time in a test. */
  function receipts() {
    const quiet = new QuietPull({} as postgres.Sql, TIMES);
    const device = (i: number) => ({ clientId: `device-${i}`, userId: 'u-worker' });
    return {
      written: (i: number) => quiet.receiptWritten(device(i)),
      due: (i: number) => quiet.receiptDue(device(i)),
    };
  }

  it('remembers at most 50,000 receipts: past that the oldest goes, and that device writes again', () => {
    const { written, due } = receipts();
    for (let i = 0; i < 50_000; i++) written(i);
    expect(due(0)).toBe(false);
    expect(due(49_999)).toBe(false);
    written(50_000);
    expect(due(0)).toBe(true); // the oldest, forgotten
    expect(due(1)).toBe(false);
    expect(due(50_000)).toBe(false);
  });

  it('a receipt written again counts as the newest: the bound forgets the one written longest ago', () => {
    const { written, due } = receipts();
    for (let i = 0; i < 49_999; i++) written(i);
    written(0); // device 0 syncs again, before the bound is reached
    written(49_999); // 50,000 remembered
    written(50_000); // one too many: the one written longest ago goes
    expect(due(0)).toBe(false);
    expect(due(1)).toBe(true);
  });
});
