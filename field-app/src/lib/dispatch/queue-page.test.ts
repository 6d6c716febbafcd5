import { describe, expect, it } from 'vitest';
import { QUEUE_PAGE, queueCards } from './queue-page.ts';

const items = (n: number) => Array.from({ length: n }, (_, i) => ({ case: { id: String(i + 1) } }));
const ids = (xs: { case: { id: string } }[]) => xs.map((x) => x.case.id);

describe('the queue, a page at a time', () => {
  it('draws the first page, in order, of a backlog of thousands', () => {
    const shown = queueCards(items(5000), QUEUE_PAGE, () => false);
    expect(QUEUE_PAGE).toBe(100);
    expect(ids(shown)).toEqual(ids(items(100)));
  });

  it('draws a case the lead is working with wherever it sits, in its place', () => {
    const keep = new Set(['250', '4000']);
    const shown = queueCards(items(5000), 100, (id) => keep.has(id));
    expect(shown).toHaveLength(102);
    expect(ids(shown).slice(-2)).toEqual(['250', '4000']);
  });

  it('draws everything when the queue is shorter than the page, and nothing of an empty one', () => {
    expect(ids(queueCards(items(3), 100, () => false))).toEqual(['1', '2', '3']);
    expect(queueCards([], 100, () => true)).toEqual([]);
  });

  it('draws one more page per "Show more"', () => {
    expect(queueCards(items(5000), 200, () => false)).toHaveLength(200);
  });
});
