import { describe, expect, it } from 'vitest';
import { MAX_PUSH_BATCH, parsePushEntries, PushEnvelope, PushRequest, PushResponse } from './push.ts';

const note = (over: Record<string, unknown> = {}) => ({
  id: '0193e2a4-7c1e-7d2f-9a3b-4c5d6e7f8091',
  clientId: 'tablet-1',
  seq: 1,
  caseId: '12',
  baseVersion: 3,
  deviceTime: '2026-06-10T14:00:00.000Z',
  kind: 'add_note',
  payload: { text: 'Cones out.' },
  ...over,
});

describe('a push', () => {
  it('applies each change that parses, and refuses by its own outcome one that says who it is', () => {
    const parsed = parsePushEntries([note(), note({ seq: 2, payload: { text: 42 } })]);
    expect('entries' in parsed).toBe(true);
    const { entries } = parsed as Extract<typeof parsed, { entries: unknown }>;
    expect(entries[0]).toEqual({ ok: true, mutation: expect.objectContaining({ seq: 1, kind: 'add_note' }) });
    expect(entries[1]).toMatchObject({ ok: false, refused: { seq: 2, kind: 'add_note', caseId: '12' } });
    expect((entries[1] as { refused: { problem: string } }).refused.problem).toMatch(/^payload\.text/);
  });

  it('reads ids written in capitals as the same ids, in lower case (the mutation, its photos)', () => {
    const upper = '0193E2A4-7C1E-7D2F-9A3B-4C5D6E7F8091';
    const photo = 'A1B2C3D4-0000-4000-8000-00000000000F';
    const parsed = parsePushEntries([
      note({ id: upper }),
      note({ seq: 2, kind: 'fix', payload: { resolutionCode: 'patched', note: '', photoIds: [photo] } }),
    ]) as { entries: { ok: true; mutation: { id: string; payload: { photoIds?: string[] } } }[] };
    expect(parsed.entries[0]!.mutation.id).toBe(upper.toLowerCase());
    expect(parsed.entries[1]!.mutation.payload.photoIds).toEqual([photo.toLowerCase()]);
  });

  it('refuses the whole batch for a change that does not say which it is, naming where', () => {
    expect(parsePushEntries([note(), note({ seq: 'two' })])).toEqual({
      error: expect.stringMatching(/^mutations\.1\.seq/),
    });
    expect(parsePushEntries([note({ kind: 'teleport' })])).toEqual({
      error: expect.stringMatching(/^mutations\.0\.kind/),
    });
    expect(parsePushEntries([])).toEqual({ entries: [] });
  });

  it('takes 1 to 500 changes from one device, and a sent time in a sane year', () => {
    const body = (mutations: unknown[], more: Record<string, unknown> = {}) => ({
      clientId: 'tablet-1',
      mutations,
      ...more,
    });
    for (const schema of [PushEnvelope, PushRequest]) {
      expect(schema.safeParse(body([note()])).success).toBe(true);
      expect(schema.safeParse(body([])).success).toBe(false);
      expect(schema.safeParse(body(Array.from({ length: MAX_PUSH_BATCH }, () => note()))).success).toBe(true);
      expect(schema.safeParse(body(Array.from({ length: MAX_PUSH_BATCH + 1 }, () => note()))).success).toBe(false);
      expect(schema.safeParse({ ...body([note()]), clientId: '' }).success).toBe(false);
      expect(schema.safeParse({ ...body([note()]), clientId: 'x'.repeat(65) }).success).toBe(false);
      expect(schema.safeParse(body([note()], { sentAt: '2026-06-10T14:00:05Z' })).success).toBe(true);
      // PostgreSQL cannot place year 0 (a 500 once): refused here.
      expect(schema.safeParse(body([note()], { sentAt: '0000-01-01T00:00:00Z' })).success).toBe(false);
      expect(schema.safeParse(body([note()], { sentAt: 'yesterday' })).success).toBe(false);
    }
  });

  it('is answered with one outcome per change, and a device refuses an answer without them', () => {
    expect(PushResponse.safeParse({ outcomes: [] }).success).toBe(true);
    expect(PushResponse.safeParse({}).success).toBe(false);
    expect(PushResponse.safeParse({ outcomes: [{ mutationId: 'x' }] }).success).toBe(false);
  });
});
