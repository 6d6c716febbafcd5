import { describe, expect, it } from 'vitest';
import type { CaseEvent } from '@fieldfix/shared';
import {
  fixPhotoProblem,
  unsavedText,
  lastReopenedAt,
  photosFromHistory,
  savedMessage,
  type ChangeFate,
  type SavedChange,
} from './case-actions.svelte.ts';

const start: SavedChange = { id: 'm-1', what: 'Start saved', offline: true };
const none: ChangeFate = { waiting: [], history: [] };

describe('the message after a save follows what the server made of the change', () => {
  it('says nothing before a save', () => {
    expect(savedMessage(null, none)).toBeNull();
  });

  it('says "saved on this device" while the change waits', () => {
    const fate: ChangeFate = { waiting: [{ mutationId: 'm-1', blocked: null }], history: [] };
    expect(savedMessage(start, fate)).toEqual({
      text: 'Start saved on this device. It will sync when there is signal.',
      tone: 'ok',
    });
    expect(savedMessage({ ...start, offline: false }, fate)?.text).toBe('Start saved on this device.');
  });

  it('says it synced once applied', () => {
    const fate: ChangeFate = {
      waiting: [],
      history: [{ mutationId: 'm-1', tone: 'ok', label: 'Saved', message: 'Applied.', next: null }],
    };
    expect(savedMessage(start, fate)).toEqual({ text: 'Start saved on this device, and synced.', tone: 'ok' });
  });

  it('gives way to the refusal, with what to do, once not applied', () => {
    const fate: ChangeFate = {
      waiting: [],
      history: [
        {
          mutationId: 'm-1',
          tone: 'warn',
          label: 'Not applied',
          message: 'Start on case #4 not applied: it was already in progress.',
          next: 'Nothing more to do.',
        },
        { mutationId: 'm-0', tone: 'ok', label: 'Saved', message: '', next: null },
      ],
    };
    const said = savedMessage(start, fate)!;
    expect(said.tone).toBe('warn');
    expect(said.text).toBe(
      'Not applied: Start on case #4 not applied: it was already in progress. Nothing more to do.',
    );
    expect(said.text).not.toContain('saved on this device');
  });

  it('says the server refused a change it blocked, while it still waits on the device', () => {
    const fate: ChangeFate = { waiting: [{ mutationId: 'm-1', blocked: 'The note is too long.' }], history: [] };
    expect(savedMessage(start, fate)).toEqual({
      text: 'The server refused this change: The note is too long.',
      tone: 'bad',
    });
  });
});

describe('the fix form asks for an after-photo where the service type needs proof', () => {
  const photos = [
    { id: 'p-before', tag: 'before' as const },
    { id: 'p-other', tag: 'other' as const },
    { id: 'p-after', tag: 'after' as const },
  ];

  it('lets any fix through where the type needs no photo', () => {
    expect(fixPhotoProblem(false, [], photos)).toBeNull();
    expect(fixPhotoProblem(false, ['p-before'], photos)).toBeNull();
  });

  it('names the most a fix may name, with or without proof asked for, rather than refusing the save unexplained', () => {
    const many = Array.from({ length: 21 }, (_, i) => ({ id: `p-${i}`, tag: 'after' as const }));
    const ids = many.map((p) => p.id);
    for (const required of [false, true]) {
      expect(fixPhotoProblem(required, ids, many)).toBe(
        'A fix names at most 20 photos, and 21 are ticked: untick some. They stay on the case as its photos.',
      );
      expect(fixPhotoProblem(required, ids.slice(1), many)).toBeNull();
    }
  });

  it('waits for a photo still being prepared, with or without proof asked for', () => {
    for (const required of [false, true]) {
      expect(fixPhotoProblem(required, ['p-after'], photos, 1)).toMatch(/^A photo is still being prepared: wait/);
      expect(fixPhotoProblem(required, ['p-after'], photos, 0)).toBeNull();
    }
  });

  it('asks for a photo when none is ticked', () => {
    expect(fixPhotoProblem(true, [], photos)).toMatch(/needs an after-photo/);
  });

  it('refuses before- and other-photos alone, saying what to do', () => {
    const said = fixPhotoProblem(true, ['p-before', 'p-other'], photos);
    expect(said).toMatch(/^A before-photo does not show the finished work/);
    expect(said).toContain('choose “After”');
  });

  it('takes any ticked set with an after-photo in it', () => {
    expect(fixPhotoProblem(true, ['p-before', 'p-after'], photos)).toBeNull();
  });
});

describe('the fix form offers the photos other devices of the crew added, from the case history', () => {
  const event = (id: string, data: Record<string, unknown>, over: Partial<CaseEvent> = {}): CaseEvent => ({
    id,
    caseId: 'c-1',
    at: '2026-12-07T10:00:00.000Z',
    kind: 'photo',
    actorName: 'Sam Ortega',
    data,
    ...over,
  });

  it('lists each photo once, with its tag and the time it was taken (else when it was added)', () => {
    const events = [
      event('e-1', { photoId: 'p-a', tag: 'after', takenAt: '2026-12-07T09:58:00.000Z' }),
      event('e-2', { photoId: 'p-b', tag: 'before' }, { at: '2026-12-07T10:05:00.000Z' }),
      event('e-3', { photoId: 'p-a', tag: 'after' }),
    ];
    expect(photosFromHistory(events, 'c-1', new Set())).toEqual([
      { id: 'p-a', tag: 'after', at: '2026-12-07T09:58:00.000Z' },
      { id: 'p-b', tag: 'before', at: '2026-12-07T10:05:00.000Z' },
    ]);
  });

  it('only since the case was last reopened: the photos of a fix that did not hold prove nothing', () => {
    const events = [
      event('e-3', { photoId: 'p-new', tag: 'after' }, { at: '2026-12-07T15:00:00.000Z' }),
      event('e-1', { photoId: 'p-old', tag: 'after' }, { at: '2026-12-05T10:00:00.000Z' }),
      event('e-2', { source: 'resident' }, { kind: 'reopened', at: '2026-12-06T09:00:00.000Z' }),
    ];
    expect(photosFromHistory(events, 'c-1', new Set()).map((p) => p.id)).toEqual(['p-new']);
  });

  it('knows when the case was last reopened, so the form ticks none of the photos saved before', () => {
    const events = [
      event('e-2', {}, { kind: 'reopened', at: '2026-12-06T09:00:00.000Z' }),
      event('e-1', {}, { kind: 'reopened', at: '2026-12-04T09:00:00.000Z' }),
      event('e-3', {}, { kind: 'reopened', at: '2026-12-07T09:00:00.000Z', caseId: 'c-2' }),
      event('e-4', { text: 'later' }, { kind: 'note', at: '2026-12-07T10:00:00.000Z' }),
    ];
    expect(lastReopenedAt(events, 'c-1')).toBe('2026-12-06T09:00:00.000Z');
    expect(lastReopenedAt(events.slice(3), 'c-1')).toBeNull();
  });

  it('leaves out photos on this device, other events, other cases, merged attaches and unknown tags', () => {
    const events = [
      event('e-1', { photoId: 'p-here', tag: 'after' }),
      event('e-2', { text: 'a note', photoId: 'p-note' }, { kind: 'note' }),
      event('e-3', { photoId: 'p-elsewhere', tag: 'after' }, { caseId: 'c-2' }),
      event('e-4', { photoId: 'p-merged', tag: 'after', redirectedTo: 'c-9' }),
      event('e-5', { photoId: 'p-report', tag: 'report' }),
      event('e-6', { photoId: 7, tag: 'after' }),
      event('e-7', { photoId: 'p-kept', tag: 'other' }),
    ];
    expect(photosFromHistory(events, 'c-1', new Set(['p-here'])).map((p) => p.id)).toEqual(['p-kept']);
  });
});

describe('words typed in a form and not saved', () => {
  const fields = { note: '', fixNote: '', closeNote: '', transferReason: '', reopenReason: '' };

  it('count only in the open form, and only when more than spaces', () => {
    expect(unsavedText('note', { ...fields, note: 'Cones out' })).toBe(true);
    expect(unsavedText('fix', { ...fields, fixNote: 'Patched' })).toBe(true);
    expect(unsavedText('close', { ...fields, closeNote: 'Not found' })).toBe(true);
    expect(unsavedText('transfer', { ...fields, transferReason: 'Water main' })).toBe(true);
    expect(unsavedText('reopen', { ...fields, reopenReason: 'Still broken' })).toBe(true);
    expect(unsavedText('note', { ...fields, note: '   ' })).toBe(false);
    expect(unsavedText('fix', { ...fields, note: 'typed in another form' })).toBe(false);
    expect(unsavedText(null, { ...fields, note: 'form closed' })).toBe(false);
    expect(unsavedText('hold', { ...fields, note: 'x' })).toBe(false);
  });
});
