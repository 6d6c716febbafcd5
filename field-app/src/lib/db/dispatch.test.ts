import { beforeEach, describe, expect, it } from 'vitest';
import type { BoardResponse } from '@fieldfix/shared';
import { freshDb } from '../../../test/fresh-db.ts';
import { db } from './database.ts';
import { pruneBoards, saveBoard } from './dispatch.ts';

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
