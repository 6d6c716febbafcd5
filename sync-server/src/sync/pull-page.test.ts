import { describe, expect, it } from 'vitest';
import { pageOf, type Stream } from './pull.service.ts';

// How a pull's page and cursor come from its streams (pull.service.ts `pageOf`): each stream
// was read in its own snapshot, with the newest cursor that snapshot saw (its head).

const kase = (cursor: number, id = `c${cursor}`) =>
  ({ cursor: BigInt(cursor), type: 'case', value: { id } }) as unknown as Stream['items'][number];
const departure = (cursor: number, id = `c${cursor}`) =>
  ({ cursor: BigInt(cursor), type: 'departure', value: id }) as Stream['items'][number];
const stream = (head: number, items: Stream['items']): Stream => ({ items, head: BigInt(head) });
const cursors = (r: ReturnType<typeof pageOf>) => r.page.map((i) => Number(i.cursor));

describe('pageOf', () => {
  it('with everything given, moves to the lowest head', () => {
    const r = pageOf([stream(12, [kase(5), kase(9)]), stream(11, [departure(7)])], 4n, 100);
    expect(cursors(r)).toEqual([5, 7, 9]);
    expect(r).toMatchObject({ cursor: 11n, hasMore: false });
  });

  it('holds back what one stream saw beyond another stream’s snapshot, and says there is more', () => {
    // The departures were read before a change at 9 committed (their head 8): a departure at
    // 8.5 could not exist, but one between 8 and 9 committed later might: 9 waits.
    const r = pageOf([stream(9, [kase(9)]), stream(8, [])], 4n, 100);
    expect(cursors(r)).toEqual([]);
    expect(r).toMatchObject({ cursor: 8n, hasMore: true });
  });

  it('over the limit, stops at the last item given and says there is more', () => {
    const r = pageOf([stream(20, [kase(5), kase(6), kase(8)]), stream(20, [departure(7)])], 4n, 3);
    expect(cursors(r)).toEqual([5, 6, 7]);
    expect(r).toMatchObject({ cursor: 7n, hasMore: true });
  });

  it('exactly at the limit with nothing held back, has no more', () => {
    const r = pageOf([stream(20, [kase(5), kase(6)]), stream(20, [departure(7)])], 4n, 3);
    expect(r).toMatchObject({ cursor: 20n, hasMore: false });
  });

  it('a stream that filled its rows, some beyond another’s head, has more', () => {
    // limit 3: the cases came back 4 (limit + 1), the departures' snapshot saw up to 6 only.
    const r = pageOf([stream(30, [kase(5), kase(6), kase(8), kase(9)]), stream(6, [])], 4n, 3);
    expect(cursors(r)).toEqual([5, 6]);
    expect(r).toMatchObject({ cursor: 6n, hasMore: true });
  });

  it('never gives a cursor below the one asked from', () => {
    expect(pageOf([stream(3, []), stream(2, [])], 10n, 5)).toMatchObject({ cursor: 10n, hasMore: false, page: [] });
  });

  it('orders the page by cursor across streams', () => {
    const r = pageOf([stream(50, [kase(10), kase(30)]), stream(50, [departure(20), departure(40)])], 0n, 10);
    expect(cursors(r)).toEqual([10, 20, 30, 40]);
  });
});
