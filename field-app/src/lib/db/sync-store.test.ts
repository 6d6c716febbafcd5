import { beforeEach, describe, expect, it } from 'vitest';
import { freshDb } from '../../../test/fresh-db.ts';
import { caseRecord, newPhoto, outcome, page, session } from '../../../test/fixtures.ts';
import { db, getMeta, type OutcomeRow, type PhotoRow } from './database.ts';
import { saveSession } from './index.ts';
import { acknowledge, addPending } from './outbox.ts';
import { applyPullPage, deviceFacts, prune } from './sync-store.ts';

const ME = { user: session().user, replaceCases: false };
const PRIMING = { user: session().user, replaceCases: true };

beforeEach(async () => {
  await freshDb();
  await saveSession(session());
});

const ids = async () => (await db().cases.toCollection().primaryKeys()).map(String).sort();

describe('applying a pulled page', () => {
  it('stores the cases, the cursor and, on the last page only, when the device last synced', async () => {
    await applyPullPage(
      page({ cursor: '5', hasMore: true, cases: [caseRecord('1')], serverTime: '2026-06-10T10:00:00.000Z' }),
      ME,
    );
    expect(await getMeta('cursor')).toBe('5');
    expect(await getMeta('lastSyncedAt')).toBeUndefined();
    await applyPullPage(
      page({
        cursor: '9',
        cases: [caseRecord('1', { version: 3 }), caseRecord('2')],
        serverTime: '2026-06-10T10:01:00.000Z',
      }),
      ME,
    );
    expect(await getMeta('cursor')).toBe('9');
    expect(await getMeta('lastSyncedAt')).toBe('2026-06-10T10:01:00.000Z');
    expect((await db().cases.get('1'))?.version).toBe(3);
    expect(await ids()).toEqual(['1', '2']);
  });

  it('lets go of a case closed long ago (a crew-mate fixed it while this tablet was off), unless it holds work on it', async () => {
    const longAgo = new Date(Date.now() - 60 * 3_600_000).toISOString();
    const today = new Date(Date.now() - 2 * 3_600_000).toISOString();
    await db().cases.bulkPut([caseRecord('1'), caseRecord('2'), caseRecord('3')]);
    await addPending('add_note', '3', { text: 'Cones left by the curb' });
    await applyPullPage(
      page({
        cases: [
          caseRecord('1', { state: 'fixed', closedAt: longAgo }),
          caseRecord('2', { state: 'fixed', closedAt: today }),
          caseRecord('3', { state: 'fixed', closedAt: longAgo }),
          caseRecord('4', { state: 'closed_not_fixed', closedAt: longAgo }),
        ],
      }),
      ME,
    );
    expect(await ids()).toEqual(['2', '3']);
    expect((await db().cases.get('3'))?.state).toBe('fixed');
  });

  it('a priming cut off before its last page is still priming at the next sync; done, it is not', async () => {
    const me = session().user;
    expect((await deviceFacts(me)).priming).toBe(true);
    await applyPullPage(page({ cursor: '5', hasMore: true }), { ...PRIMING, priming: true });
    expect(await deviceFacts(me)).toMatchObject({ cursor: '5', priming: true });
    await applyPullPage(page({ cursor: '9', hasMore: false }), { ...ME, priming: true });
    expect(await deviceFacts(me)).toMatchObject({ cursor: '9', priming: false });
    await applyPullPage(page({ cursor: '12', hasMore: true }), ME);
    expect(await deviceFacts(me)).toMatchObject({ cursor: '12', priming: false });
  });

  it('records outcomes of lost answers and deletes exactly those pending changes', async () => {
    await db().cases.bulkPut([caseRecord('1'), caseRecord('2')]);
    const a = await addPending('start', '1', {});
    const b = await addPending('start', '2', {});
    await applyPullPage(page({ outcomes: [outcome(a.id, '1')] }), ME);
    expect((await db().pending.toArray()).map((r) => r.id)).toEqual([b.id]);
    expect(await db().outcomes.get(a.id)).toMatchObject({ kind: 'start', mutation: a.mutation, seq: a.seq });
  });

  it('drops a case that left the scope, unless the device still has work on it', async () => {
    await db().cases.bulkPut([caseRecord('1'), caseRecord('2')]);
    const work = await addPending('fix', '2', { resolutionCode: 'ground_down', note: '', photoIds: [] });
    await applyPullPage(page({ departures: ['1', '2'] }), ME);
    expect(await ids()).toEqual(['2']);
    expect(await getMeta('departed')).toEqual(['2']);

    // The work is acknowledged by a push: the case goes with the next page, not before.
    await acknowledge([outcome(work.id, '2', { caseVersion: 3 })]);
    expect(await ids()).toEqual(['2']);
    await applyPullPage(page({ cursor: '11' }), ME);
    expect(await ids()).toEqual([]);
    expect(await getMeta('departed')).toEqual([]);
  });

  it('a change made on a case after a sync took it off the device is based on the version it last held (R8)', async () => {
    await db().cases.bulkPut([
      caseRecord('1', { version: 7 }),
      caseRecord('2', { version: 3 }),
      caseRecord('3', { version: 5 }),
    ]);
    await applyPullPage(page({ departures: ['1', '3'] }), ME);
    expect(await ids()).toEqual(['2']);
    const note = await addPending('add_note', '1', { text: 'written while it was ours' });
    expect(note.mutation.baseVersion).toBe(7);
    expect((await addPending('add_note', '3', { text: 'and this one' })).mutation.baseVersion).toBe(5);
    // Back on the device, it is based on the version it came back with.
    await applyPullPage(page({ cases: [caseRecord('1', { version: 9 })] }), ME);
    expect((await addPending('add_note', '1', { text: 'again' })).mutation.baseVersion).toBe(9);
  });

  it('drops a departed case in the same page that acknowledges its work', async () => {
    await db().cases.put(caseRecord('2'));
    const work = await addPending('start', '2', {});
    await applyPullPage(page({ departures: ['2'], outcomes: [outcome(work.id, '2')] }), ME);
    expect(await ids()).toEqual([]);
    expect(await db().outcomes.get(work.id)).toBeDefined(); // the outcome stays for the person
  });

  it('keeps a departed case that came back, once its work is acknowledged', async () => {
    await db().cases.put(caseRecord('2'));
    const work = await addPending('start', '2', {});
    await applyPullPage(page({ departures: ['2'] }), ME);
    await applyPullPage(page({ cases: [caseRecord('2', { version: 4 })] }), ME); // moved back to the crew
    expect(await getMeta('departed')).toEqual([]);
    await applyPullPage(page({ outcomes: [outcome(work.id, '2')] }), ME);
    expect((await db().cases.get('2'))?.version).toBe(4);
  });

  it("priming replaces the device's cases, keeping those with work waiting", async () => {
    await db().cases.bulkPut([caseRecord('1'), caseRecord('2'), caseRecord('3')]);
    await addPending('add_note', '2', { text: 'kerb cracked too' });
    await db().meta.put({ key: 'departed', value: ['2', '3'] });

    await applyPullPage(page({ cursor: '3', hasMore: true, cases: [caseRecord('4')] }), PRIMING);
    expect(await ids()).toEqual(['2', '4']);
    expect(await getMeta('departed')).toEqual(['2']); // '3' had no work: nothing to wait for
    // Later pages of the same pull add to the first.
    await applyPullPage(page({ cursor: '6', cases: [caseRecord('5')] }), ME);
    expect(await ids()).toEqual(['2', '4', '5']);
  });
});

describe('the cursor', () => {
  it("belongs to one person's scope: another person on the device primes again", async () => {
    const first = await deviceFacts(ME.user);
    expect(first.cursor).toBe('0');
    await applyPullPage(page({ cursor: '42' }), ME);
    expect(await deviceFacts(ME.user)).toEqual({ clientId: first.clientId, cursor: '42', priming: false });
    expect(await deviceFacts(session({ id: 'u-w02' }).user)).toEqual({
      clientId: first.clientId,
      cursor: '0',
      priming: true,
    });
  });

  it('starts again when the person is moved to another crew, department or role, so the new scope comes whole', async () => {
    await applyPullPage(page({ cursor: '42' }), ME);
    const moves = [{ crewId: 'streets-b' }, { departmentId: 'sanitation' }, { role: 'lead' as const, crewId: null }];
    for (const move of moves) expect((await deviceFacts(session(move).user)).cursor, JSON.stringify(move)).toBe('0');
    // A new name is not a new scope.
    expect((await deviceFacts(session({ name: 'Wes Worker-Diaz' }).user)).cursor).toBe('42');
  });
});

describe('pruning', () => {
  const NOW = new Date('2026-06-10T14:00:00.000Z');
  const hoursAgo = (h: number) => new Date(NOW.getTime() - h * 3_600_000).toISOString();

  function outcomeRow(mutationId: string, over: Partial<OutcomeRow>): OutcomeRow {
    return {
      mutationId,
      caseId: '1',
      landedOnCaseId: '1',
      kind: 'start',
      outcome: 'applied',
      reason: null,
      message: '',
      caseVersion: 3,
      at: NOW.toISOString(),
      dismissed: false,
      mutation: null,
      seq: null,
      ...over,
    };
  }

  function photo(id: string, caseId: string, state: PhotoRow['state']): PhotoRow {
    return {
      ...newPhoto(id, caseId),
      userId: 'u-w01',
      attachMutationId: `m-${id}`,
      uploadedBytes: state === 'done' ? 3 : 0,
      state,
      error: null,
      savedAt: NOW.toISOString(),
    };
  }

  it('keeps closed cases a day, cases with work waiting, and open cases however old', async () => {
    await db().cases.bulkPut([
      caseRecord('1', { state: 'fixed', closedAt: hoursAgo(25), updatedAt: hoursAgo(25) }),
      caseRecord('2', { state: 'fixed', closedAt: hoursAgo(23), updatedAt: hoursAgo(23) }),
      caseRecord('3', { state: 'closed_not_fixed', closedAt: hoursAgo(48), updatedAt: hoursAgo(48) }),
      caseRecord('4', { state: 'in_progress', updatedAt: hoursAgo(24 * 30) }),
      // No closing time (an older record): its last change counts.
      caseRecord('5', { state: 'fixed', closedAt: null, updatedAt: hoursAgo(30) }),
    ]);
    await addPending('add_note', '3', { text: 'photo of the slab' });
    await prune(NOW);
    expect(await ids()).toEqual(['2', '3', '4']);
  });

  it('forgets outcomes after a week once applied or read, and the uploaded photos and histories of cases gone', async () => {
    await db().cases.put(caseRecord('1'));
    await db().outcomes.bulkPut([
      outcomeRow('old-applied', { at: hoursAgo(24 * 8) }),
      outcomeRow('old-read', { at: hoursAgo(24 * 8), outcome: 'rejected', dismissed: true }),
      outcomeRow('old-unread', { at: hoursAgo(24 * 8), outcome: 'rejected' }),
      outcomeRow('recent-applied', { at: hoursAgo(24 * 6) }),
    ]);
    await db().photos.bulkPut([
      photo('p1', '1', 'done'), // its case is here
      photo('p2', '9', 'done'), // case gone, bytes on the server
      photo('p3', '9', 'queued'), // case gone, bytes not sent yet
      photo('p4', '9', 'failed'), // case gone, refused: kept until the worker deletes it
    ]);
    await db().caseHistory.bulkPut([
      { caseId: '1', events: [], fetchedAt: NOW.toISOString() },
      { caseId: '9', events: [], fetchedAt: NOW.toISOString() },
    ]);
    await prune(NOW);
    expect((await db().outcomes.toCollection().primaryKeys()).sort()).toEqual(['old-unread', 'recent-applied']);
    expect((await db().photos.toCollection().primaryKeys()).sort()).toEqual(['p1', 'p3', 'p4']);
    expect(await db().caseHistory.toCollection().primaryKeys()).toEqual(['1']);
  });
});
