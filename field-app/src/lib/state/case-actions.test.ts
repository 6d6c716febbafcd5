import { describe, expect, it } from 'vitest';
import { fixPhotoProblem, savedMessage, type ChangeFate, type SavedChange } from './case-actions.svelte.ts';

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
