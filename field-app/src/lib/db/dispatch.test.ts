import { beforeEach, describe, expect, it } from 'vitest';
import type { BoardResponse } from '@fieldfix/shared';
import { freshDb } from '../../../test/fresh-db.ts';
import { caseRecord, session } from '../../../test/fixtures.ts';
import { db } from './database.ts';
import { readDeskChanges, pruneBoards, saveBoard } from './dispatch.ts';
import { saveSession } from './index.ts';
import { addPending, blockPending } from './outbox.ts';

beforeEach(async () => {
  await freshDb();
});

const board = (date: string) => ({ departmentId: 'streets', date }) as BoardResponse;
const kept = async () => (await db().boards.toArray()).map((r) => r.date).sort();

describe('the boards a lead keeps on the device', () => {
  const now = new Date('2026-12-07T15:00:00Z');

  it('go a week after the day looked at', async () => {
    for (const d of ['2026-11-20', '2026-11-29', '2026-11-30', '2026-12-07']) await saveBoard(board(d));
    await pruneBoards('2026-12-07', now);
    expect(await kept()).toEqual(['2026-11-30', '2026-12-07']);
  });

  it("planning ahead keeps today's board and the week before it", async () => {
    for (const d of ['2026-11-29', '2026-12-01', '2026-12-07', '2026-12-20']) await saveBoard(board(d));
    await pruneBoards('2026-12-20', now);
    expect(await kept()).toEqual(['2026-12-01', '2026-12-07', '2026-12-20']);
  });
});

describe("the lead's desk changes the board replays", () => {
  it('leave out one the server refused as malformed: it will not go out, so the board does not show it made', async () => {
    await saveSession(session({ role: 'lead', crewId: null, departmentId: 'streets' }));
    await db().cases.bulkPut([caseRecord('7'), caseRecord('8')]);
    const kept = await addPending('assign', '7', { crewId: 'streets-b', day: '2026-12-07', position: null });
    const refused = await addPending('assign', '8', { crewId: 'streets-b', day: '2026-12-07', position: null });
    await addPending('add_note', '7', { text: 'a field note is no desk change' });
    await blockPending(refused.seq, 'The change could not be read.');
    expect((await readDeskChanges()).pending.map((p) => p.id)).toEqual([kept.id]);
  });
});
