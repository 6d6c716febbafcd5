import { beforeEach, describe, expect, it } from 'vitest';
import { freshDb } from '../../../test/fresh-db.ts';
import { newPhoto, outcome, session } from '../../../test/fixtures.ts';
import { db } from './database.ts';
import { saveSession } from './index.ts';
import { acknowledge, blockPending, discardBlocked } from './outbox.ts';
import { addPhoto, deleteFailedPhoto, failUpload, mayRetryUpload, photosToUpload, retryUpload } from './photos.ts';

beforeEach(async () => {
  await freshDb();
  await saveSession(session());
});

describe('a photo whose attach change the server did not apply', () => {
  it('uploads once its attach change is applied, and not before', async () => {
    const { pending } = await addPhoto(newPhoto('0190a5d0-0000-7000-8000-000000000001'));
    expect(await photosToUpload('u-w01')).toEqual([]);
    await acknowledge([outcome(pending.id, '7')]);
    expect((await photosToUpload('u-w01')).map((p) => p.id)).toEqual(['0190a5d0-0000-7000-8000-000000000001']);
  });

  it('is not offered for upload when refused, and says so, staying on the device', async () => {
    const { pending } = await addPhoto(newPhoto('0190a5d0-0000-7000-8000-000000000002'));
    await acknowledge([
      outcome(pending.id, '7', {
        outcome: 'rejected',
        reason: 'not-your-department',
        message: 'Photo on case #7 refused: the case is not in your department.',
      }),
    ]);
    expect(await photosToUpload('u-w01')).toEqual([]);
    const row = await db().photos.get('0190a5d0-0000-7000-8000-000000000002');
    expect(row?.state).toBe('failed');
    expect(row?.error).toBe(
      'Not added to the case: Photo on case #7 refused: the case is not in your department. The photo stays on this device; ask your lead if it is needed.',
    );
  });

  it('is marked, not left waiting, when the person discards its blocked attach change', async () => {
    const { pending } = await addPhoto(newPhoto('0190a5d0-0000-7000-8000-000000000003'));
    await blockPending(pending.seq, 'The photo is too large.');
    await discardBlocked(pending.seq, pending.userId);
    expect(await photosToUpload('u-w01')).toEqual([]);
    const row = await db().photos.get('0190a5d0-0000-7000-8000-000000000003');
    expect(row?.state).toBe('failed');
    expect(row?.error).toMatch(/^Not added to the case: you discarded the change that adds it\./);
  });

  it('cannot be tried again: its bytes have no place on the server, and would fail every sync after', async () => {
    const discarded = await addPhoto(newPhoto('0190a5d0-0000-7000-8000-000000000004'));
    await blockPending(discarded.pending.seq, 'The photo is too large.');
    await discardBlocked(discarded.pending.seq, discarded.pending.userId);
    const refused = await addPhoto(newPhoto('0190a5d0-0000-7000-8000-000000000005'));
    await acknowledge([outcome(refused.pending.id, '7', { outcome: 'superseded', message: 'The case was closed.' })]);
    expect(await photosToUpload('u-w01')).toEqual([]); // marks the refused one
    for (const id of ['0190a5d0-0000-7000-8000-000000000004', '0190a5d0-0000-7000-8000-000000000005']) {
      expect(await retryUpload(id)).toBe(false);
      expect((await db().photos.get(id))?.state).toBe('failed');
    }
    expect(await photosToUpload('u-w01')).toEqual([]);
  });
});

describe('a photo whose bytes the server refused (its place on the case taken)', () => {
  it('is tried again when the person asks, and uploads', async () => {
    const { pending } = await addPhoto(newPhoto('0190a5d0-0000-7000-8000-000000000006'));
    await acknowledge([outcome(pending.id, '7')]);
    await failUpload('0190a5d0-0000-7000-8000-000000000006', 'The server could not read the picture.');
    expect(await photosToUpload('u-w01')).toEqual([]);
    expect(await retryUpload('0190a5d0-0000-7000-8000-000000000006')).toBe(true);
    expect((await photosToUpload('u-w01')).map((p) => p.id)).toEqual(['0190a5d0-0000-7000-8000-000000000006']);
  });
});

describe('deleting a photo from the device', () => {
  it('is for one the server did not take only: a photo still to send, or sent, stays', async () => {
    const waiting = await addPhoto(newPhoto('0190a5d0-0000-7000-8000-000000000007'));
    await addPhoto(newPhoto('0190a5d0-0000-7000-8000-000000000008'));
    await acknowledge([outcome(waiting.pending.id, '7')]);
    await failUpload('0190a5d0-0000-7000-8000-000000000008', 'The server could not read the picture.');
    expect(await deleteFailedPhoto('0190a5d0-0000-7000-8000-000000000007')).toBe(false);
    expect(await deleteFailedPhoto('0190a5d0-0000-7000-8000-000000000008')).toBe(true);
    expect((await db().photos.toCollection().primaryKeys()).sort()).toEqual(['0190a5d0-0000-7000-8000-000000000007']);
  });
});

describe('whether "Try again" is offered for a photo', () => {
  it('only for bytes refused: not for a photo not added to the case, flagged or (marked by an older app) in words only', () => {
    expect(mayRetryUpload({ state: 'failed', error: 'The server could not read the picture.' })).toBe(true);
    expect(mayRetryUpload({ state: 'failed', notAttached: true, error: 'Not added to the case: x' })).toBe(false);
    expect(
      mayRetryUpload({ state: 'failed', error: 'Not added to the case: you discarded the change that adds it.' }),
    ).toBe(false);
    expect(mayRetryUpload({ state: 'queued', error: null })).toBe(false);
  });
});
