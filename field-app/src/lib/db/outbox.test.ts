import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { Observable } from 'dexie';
import { freshDb } from '../../../test/fresh-db.ts';
import { caseRecord, outcome, session } from '../../../test/fixtures.ts';
import { db, type PendingRow } from './database.ts';
import { saveSession } from './index.ts';
import {
  SaveError,
  acknowledge,
  addPending,
  addPendingBatch,
  blockPending,
  discardBlocked,
  dismissOutcome,
  pendingBatch,
  pushableCount,
  unblockPending,
} from './outbox.ts';
import { watchAttention, watchOutbox } from './views.ts';

beforeEach(async () => {
  await freshDb();
  await saveSession(session());
});

/** Queues a note on `caseId` (a valid change on any case). */
const note = (caseId: string, text = 'note') => addPending('add_note', caseId, { text });

/** A pending row as another person on this device would have queued it. */
async function queuedBy(userId: string, caseId: string): Promise<PendingRow> {
  await saveSession(session({ id: userId, name: userId }));
  return note(caseId);
}

describe('queueing a change', () => {
  it('builds the mutation: this device, the next seq, the version last pulled, the person', async () => {
    await db().cases.put(caseRecord('7', { version: 5 }));
    const a = await note('7');
    const b = await addPending('start', '8', {}); // a case the device does not hold
    expect(a.seq).toBe(1);
    expect(b.seq).toBe(2);
    expect(a.mutation).toMatchObject({ seq: 1, caseId: '7', baseVersion: 5, kind: 'add_note' });
    expect(b.mutation).toMatchObject({ seq: 2, caseId: '8', baseVersion: 0, kind: 'start' });
    expect(a.mutation.clientId).toBe(b.mutation.clientId);
    expect(a.id).toBe(a.mutation.id);
    expect(a.userId).toBe('u-w01');
    expect(await db().pending.count()).toBe(2);
  });

  it("is based on the version the lead's board showed, the picture the lead acted on; else the last pull", async () => {
    await db().cases.put(caseRecord('7', { version: 5 }));
    const [newer, older, unheld, pulled] = await addPendingBatch([
      { kind: 'unassign', caseId: '7', payload: {}, shown: 8 },
      { kind: 'unassign', caseId: '7', payload: {}, shown: 3 },
      { kind: 'unassign', caseId: '9', payload: {}, shown: 4 },
      { kind: 'unassign', caseId: '7', payload: {} },
    ]);
    expect([newer, older, unheld, pulled].map((r) => r!.mutation.baseVersion)).toEqual([8, 3, 4, 5]);
  });

  it('refuses a change when nobody is signed in, and an incomplete one, storing nothing', async () => {
    vi.spyOn(console, 'error').mockImplementation(() => {}); // the refusal is logged
    await expect(note('7', '   ')).rejects.toBeInstanceOf(SaveError); // a blank note
    await db().session.clear();
    await expect(note('7')).rejects.toBeInstanceOf(SaveError);
    expect(await db().pending.count()).toBe(0);
    // The refused changes took no seq.
    await saveSession(session());
    expect((await note('7')).seq).toBe(1);
  });
  it('tells the person why a change was not saved, and logs what was wrong with it', async () => {
    const logged = vi.spyOn(console, 'error').mockImplementation(() => {});
    await expect(note('7', '   ')).rejects.toThrow('This change is not complete. Check the form and try again.');
    expect(logged).toHaveBeenCalledWith('Refusing to queue an invalid change', expect.any(Array));
    await db().session.clear();
    await expect(note('7')).rejects.toThrow('You are signed out. Sign in again to record changes.');
  });

  it("says when the device's clock is what is wrong (every change would fail the same way)", async () => {
    vi.spyOn(console, 'error').mockImplementation(() => {});
    vi.useFakeTimers({ toFake: ['Date'] });
    try {
      vi.setSystemTime(new Date('1980-01-01T08:00:00Z'));
      const words =
        "This device's clock is wrong (it says 1980). Set the date and time in the device's settings, then save again.";
      await expect(note('7')).rejects.toThrow(words);
      await expect(note('7', '   ')).rejects.toThrow(words); // named first: the rest would follow
    } finally {
      vi.useRealTimers();
    }
    expect(await db().pending.count()).toBe(0);
  });
});

describe('several changes as one (a lead moving many cases)', () => {
  it('stores them all, in order, with consecutive seqs', async () => {
    const rows = await addPendingBatch([
      { kind: 'unassign', caseId: '7', payload: {} },
      { kind: 'assign', caseId: '8', payload: { crewId: 'streets-b', day: '2026-12-07', position: 1 } },
    ]);
    expect(rows.map((r) => [r.seq, r.caseId, r.mutation.kind])).toEqual([
      [1, '7', 'unassign'],
      [2, '8', 'assign'],
    ]);
    expect(await db().pending.count()).toBe(2);
  });

  it('stores none when one is refused, and takes no seq', async () => {
    vi.spyOn(console, 'error').mockImplementation(() => {});
    await expect(
      addPendingBatch([
        { kind: 'unassign', caseId: '7', payload: {} },
        { kind: 'assign', caseId: '8', payload: { crewId: '', day: '2026-12-07', position: 1 } }, // no crew
        { kind: 'unassign', caseId: '9', payload: {} },
      ]),
    ).rejects.toBeInstanceOf(SaveError);
    expect(await db().pending.count()).toBe(0);
    expect((await note('7')).seq).toBe(1);
  });
});

describe('what a push sends', () => {
  it('the oldest changes first, by seq, whatever order the rows were written in', async () => {
    // Rows written out of order, with case ids and mutation ids that sort differently.
    const rows = [await note('30'), await note('10'), await note('20')];
    await db().pending.clear();
    const [first, second, third] = rows as [PendingRow, PendingRow, PendingRow];
    await db().pending.bulkAdd([
      { ...third, id: first.id, mutation: { ...third.mutation, id: first.id } },
      { ...first, id: third.id, mutation: { ...first.mutation, id: third.id } },
      second,
    ]);
    expect((await pendingBatch('u-w01', 10)).map((r) => r.seq)).toEqual([1, 2, 3]);
    expect((await pendingBatch('u-w01', 2)).map((r) => r.seq)).toEqual([1, 2]);
  });

  it("only the signed-in person's changes, and not those set aside as malformed", async () => {
    const mine1 = await note('1');
    const theirs = await queuedBy('u-w02', '1');
    await saveSession(session());
    const mine2 = await note('2');
    const mine3 = await note('3');
    await blockPending(mine2.seq, 'The server refused this change as malformed.');

    expect((await pendingBatch('u-w01', 10)).map((r) => r.seq)).toEqual([mine1.seq, mine3.seq]);
    expect((await pendingBatch('u-w02', 10)).map((r) => r.seq)).toEqual([theirs.seq]);
    expect(await pushableCount('u-w01')).toBe(2);
    expect(await pushableCount('u-w02')).toBe(1);

    // A blocked change stays on the device until tried again or discarded by the person.
    expect((await db().pending.get(mine2.seq))?.blocked?.message).toMatch(/malformed/);
    await unblockPending(mine2.seq);
    expect((await pendingBatch('u-w01', 10)).map((r) => r.seq)).toEqual([mine1.seq, mine2.seq, mine3.seq]);
    await discardBlocked(mine2.seq, 'u-w01'); // not blocked any more: discarding does nothing
    expect(await db().pending.get(mine2.seq)).toBeDefined();
    await blockPending(mine2.seq, 'refused');
    await discardBlocked(mine2.seq, 'u-w02'); // another person signed in here cannot give it up
    expect(await db().pending.get(mine2.seq)).toBeDefined();
    await discardBlocked(mine2.seq, 'u-w01');
    expect(await db().pending.get(mine2.seq)).toBeUndefined();
    expect(await pushableCount('u-w01')).toBe(2);
  });
});

describe('a change that is gone meanwhile', () => {
  it('trying it again or discarding it does nothing (another tab was quicker)', async () => {
    const a = await note('1');
    await blockPending(a.seq, 'refused');
    await discardBlocked(a.seq, 'u-w01');
    await expect(unblockPending(a.seq)).resolves.toBeUndefined();
    await expect(discardBlocked(a.seq, 'u-w01')).resolves.toBeUndefined();
    expect(await db().pending.count()).toBe(0);
  });
});

/** The first value a live query gives. */
function firstOf<T>(o: Observable<T>): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const sub = o.subscribe({
      next: (v) => {
        resolve(v);
        setTimeout(() => sub.unsubscribe());
      },
      error: reject,
    });
  });
}

describe("what needs a person's attention is theirs", () => {
  it("lists their refused changes and blocked ones, not another person's on the same device", async () => {
    const mine = await note('1');
    const theirs = await queuedBy('u-w02', '2');
    const theirBlocked = await note('3');
    await saveSession(session());
    const myBlocked = await note('4');
    await blockPending(theirBlocked.seq, 'refused');
    await blockPending(myBlocked.seq, 'refused');
    const refused = { outcome: 'rejected' as const, reason: 'not-your-crew' as const, message: 'Not yours.' };
    await acknowledge([outcome(mine.id, '1', refused), outcome(theirs.id, '2', refused)]);
    // An answer about a change the device no longer has: nobody known, shown to whoever is here.
    await acknowledge([outcome('00000000-0000-7000-8000-000000000009', '9', refused)]);
    expect((await db().outcomes.get(mine.id))?.userId).toBe('u-w01');

    const forMe = await firstOf(watchAttention('u-w01'));
    expect(forMe.map((o) => o.caseId).sort()).toEqual(['1', '9']);
    const forThem = await firstOf(watchAttention('u-w02'));
    expect(forThem.map((o) => o.caseId).sort()).toEqual(['2', '9']);
    expect((await firstOf(watchOutbox('u-w01'))).blocked.map((r) => r.seq)).toEqual([myBlocked.seq]);
    expect((await firstOf(watchOutbox('u-w02'))).blocked.map((r) => r.seq)).toEqual([theirBlocked.seq]);
  });
});

describe('acknowledging a push', () => {
  it('deletes exactly the acknowledged changes and keeps each outcome with its change', async () => {
    const [a, b, c] = [await note('1', 'one'), await note('2', 'two'), await addPending('start', '3', {})];
    const done = await acknowledge([
      outcome(a.id, '1', { caseVersion: 2 }),
      outcome(c.id, '3', { outcome: 'superseded', reason: 'case-closed', message: 'Already fixed.' }),
    ]);
    expect(done).toBe(2);
    expect((await db().pending.toArray()).map((r) => r.id)).toEqual([b.id]);

    const rows = await db().outcomes.toArray();
    expect(rows.map((r) => r.mutationId).sort()).toEqual([a.id, c.id].sort());
    expect(await db().outcomes.get(c.id)).toMatchObject({
      caseId: '3',
      kind: 'start',
      outcome: 'superseded',
      reason: 'case-closed',
      message: 'Already fixed.',
      seq: c.seq,
      mutation: c.mutation,
      dismissed: false,
    });
    expect((await db().outcomes.get(a.id))?.mutation).toEqual(a.mutation);
  });

  it('records an outcome for a change no longer pending without counting it, and keeps what it knew', async () => {
    const a = await note('1');
    await acknowledge([outcome(a.id, '1')]);
    await db().outcomes.update(a.id, { dismissed: true, at: '2026-01-01T00:00:00.000Z' });

    // The same answer again (a replayed push), and one for a mutation this device never had.
    const stranger = '0190a5e4-0000-7000-8000-000000000000';
    expect(await acknowledge([outcome(a.id, '1'), outcome(stranger, '5')])).toBe(0);
    expect(await db().outcomes.get(a.id)).toMatchObject({
      dismissed: true,
      at: '2026-01-01T00:00:00.000Z',
      kind: 'add_note',
      mutation: a.mutation,
      seq: a.seq,
    });
    expect(await db().outcomes.get(stranger)).toMatchObject({ kind: null, mutation: null, seq: null, caseId: '5' });
  });

  it('is one transaction: when storing one outcome fails, nothing is acknowledged', async () => {
    const a = await note('1');
    const b = await note('2');
    const broken = { ...outcome(b.id, '2'), mutationId: undefined as unknown as string }; // no key: the put fails
    await expect(acknowledge([outcome(a.id, '1'), broken])).rejects.toThrow();
    expect((await db().pending.toArray()).map((r) => r.id)).toEqual([a.id, b.id]);
    expect(await db().outcomes.count()).toBe(0);
  });
});

describe('reading outcomes', () => {
  it('dismissing one marks that one read, and no other', async () => {
    const [a, b] = [await note('1'), await note('2')];
    await acknowledge([outcome(a.id, '1'), outcome(b.id, '2')]);
    await dismissOutcome(a.id);
    expect((await db().outcomes.get(a.id))?.dismissed).toBe(true);
    expect((await db().outcomes.get(b.id))?.dismissed).toBe(false);
  });
});
