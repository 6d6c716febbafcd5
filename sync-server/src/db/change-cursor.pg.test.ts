import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../test/test-app.ts';

describe('case change cursor', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t.close());

  it('moves a case past every other one whenever it changes', async () => {
    const [before] = await t.db.sql<{ max: string }[]>`select max(change_cursor)::text as max from cases`;
    const [a] = await t.db.sql<
      { change_cursor: string }[]
    >`update cases set priority = 'high' where id = 7 returning change_cursor::text`;
    const [b] = await t.db.sql<
      { change_cursor: string }[]
    >`update cases set priority = 'low' where id = 3 returning change_cursor::text`;
    expect(BigInt(a!.change_cursor)).toBeGreaterThan(BigInt(before!.max));
    expect(BigInt(b!.change_cursor)).toBeGreaterThan(BigInt(a!.change_cursor));
    const [head] = await t.db.sql<{ id: string }[]>`select id::text from cases order by change_cursor desc limit 1`;
    expect(head!.id).toBe('3');
  });

  it('gives every case a distinct cursor', async () => {
    const [row] = await t.db.sql<
      { n: number; d: number }[]
    >`select count(*)::int as n, count(distinct change_cursor)::int as d from cases`;
    expect(row!.d).toBe(row!.n);
  });
});
