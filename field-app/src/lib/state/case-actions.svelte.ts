/**
 * The field actions on a case page: which form is open, what is typed in it, and saving.
 * A change counts as saved once it is on disk in the outbox; syncing happens after. Only
 * changes the person may make are saved (`may`, the shared access model): the page offers no
 * others, and a stale form cannot slip one into the outbox.
 */
import { MAX_FIX_PHOTOS, TEXT_MAX, type CaseEvent, type MutationKind, type PayloadOf } from '@fieldfix/shared';
import { SaveError, type PhotoTag } from '#lib/db/index.ts';
import { enqueue } from '#lib/sync/engine.ts';

export type ActionForm = 'hold' | 'note' | 'fix' | 'close' | 'transfer' | 'reopen';

/** The last change saved from the actions, followed until the server has answered about it. */
export interface SavedChange {
  /** The mutation's id (its outcome's key). */
  id: string;
  /** "Start saved", "Note saved"… */
  what: string;
  /** There was no signal when it was saved. */
  offline: boolean;
}

/** What the device knows of a change's fate: still waiting (blocked or not), or the server's outcome. */
export interface ChangeFate {
  waiting: readonly { mutationId: string; blocked: string | null }[];
  history: readonly {
    mutationId: string;
    tone: 'ok' | 'warn' | 'bad';
    label: string;
    message: string;
    next: string | null;
  }[];
}

/**
 * The message after a save, true to what happened since: "saved on this device" while it waits,
 * "and synced" once applied, and the server's refusal (in its words, with what to do) once the
 * change was not applied or was refused. A saved message must never outlive a refusal.
 */
export function savedMessage(
  saved: SavedChange | null,
  fate: ChangeFate,
): { text: string; tone: 'ok' | 'warn' | 'bad' } | null {
  if (!saved) return null;
  const past = fate.history.find((h) => h.mutationId === saved.id);
  if (past) {
    if (past.tone === 'ok') return { text: `${saved.what} on this device, and synced.`, tone: 'ok' };
    return { text: `${past.label}: ${past.message}${past.next ? ` ${past.next}` : ''}`, tone: past.tone };
  }
  const waiting = fate.waiting.find((w) => w.mutationId === saved.id);
  if (waiting?.blocked) return { text: `The server refused this change: ${waiting.blocked}`, tone: 'bad' };
  return {
    text: saved.offline
      ? `${saved.what} on this device. It will sync when there is signal.`
      : `${saved.what} on this device.`,
    tone: 'ok',
  };
}

/** The longest note or reason the server takes (the shared limit). */
export const MAX_TEXT = TEXT_MAX;

export class CaseActions {
  #caseId: () => string;

  /** The form on show, if any. */
  open = $state<ActionForm | null>(null);
  saving = $state(false);
  /** The last change saved, for the message said after it (see `savedMessage`). */
  saved = $state<SavedChange | null>(null);
  /** What went wrong, for the person. */
  error = $state('');

  note = $state('');
  resolutionCode = $state('');
  fixNote = $state('');
  /** The case's photos that show the work done (the fix's `photoIds`). */
  fixPhotoIds = $state<string[]>([]);
  closeReason = $state('');
  closeNote = $state('');
  transferReason = $state('');
  reopenReason = $state('');

  #may: (kind: MutationKind) => boolean;

  /** The open form holds words typed and not saved (leaving the page would lose them). */
  get unsaved(): boolean {
    return unsavedText(this.open, this);
  }

  constructor(caseId: () => string, may: (kind: MutationKind) => boolean = () => true) {
    this.#caseId = caseId;
    this.#may = may;
  }

  show(form: ActionForm): void {
    this.open = this.open === form ? null : form;
    this.error = '';
    this.saved = null;
  }

  cancel(): void {
    this.open = null;
    this.error = '';
  }

  start(): Promise<boolean> {
    return this.#save('start', {}, 'Start saved');
  }

  resume(): Promise<boolean> {
    return this.#save('resume', {}, 'Resume saved');
  }

  hold(reason: string, label: string): Promise<boolean> {
    return this.#save('hold', { reason }, `On hold (${label}) saved`);
  }

  async saveNote(): Promise<boolean> {
    const text = this.note.trim();
    if (!text) return this.#invalid('Write the note first.');
    if (await this.#save('add_note', { text }, 'Note saved')) {
      this.note = '';
      return true;
    }
    return false;
  }

  /**
   * `photoRequired`: the service type needs at least one after-photo to be fixed; `photos`,
   * the case's photos with their tags.
   */
  async saveFix(photoRequired: boolean, photos: readonly TaggedPhoto[], preparing = 0): Promise<boolean> {
    if (!this.resolutionCode) return this.#invalid('Choose what was done.');
    const photoProblem = fixPhotoProblem(photoRequired, this.fixPhotoIds, photos, preparing);
    if (photoProblem) return this.#invalid(photoProblem);
    const photoIds = [...this.fixPhotoIds];
    if (
      await this.#save('fix', { resolutionCode: this.resolutionCode, note: this.fixNote.trim(), photoIds }, 'Fix saved')
    ) {
      this.resolutionCode = '';
      this.fixNote = '';
      this.fixPhotoIds = [];
      return true;
    }
    return false;
  }

  async saveClose(): Promise<boolean> {
    if (!this.closeReason) return this.#invalid('Choose why it was not fixed.');
    if (
      await this.#save(
        'close_not_fixed',
        { reason: this.closeReason, note: this.closeNote.trim() },
        'Close (not fixed) saved',
      )
    ) {
      this.closeReason = '';
      this.closeNote = '';
      return true;
    }
    return false;
  }

  async saveTransfer(): Promise<boolean> {
    const reason = this.transferReason.trim();
    if (!reason) return this.#invalid('Say why the case should go to someone else.');
    if (await this.#save('transfer_request', { departmentId: null, reason }, 'Transfer request saved')) {
      this.transferReason = '';
      return true;
    }
    return false;
  }

  async saveReopen(): Promise<boolean> {
    const reason = this.reopenReason.trim();
    if (!reason) return this.#invalid('Say why the case is being reopened.');
    if (await this.#save('reopen', { reason }, 'Reopen saved')) {
      this.reopenReason = '';
      return true;
    }
    return false;
  }

  #invalid(message: string): boolean {
    this.error = message;
    return false;
  }

  async #save<K extends MutationKind>(kind: K, payload: PayloadOf<K>, what: string): Promise<boolean> {
    if (this.saving) return false;
    if (!this.#may(kind)) {
      if (kind === 'add_note' || kind === 'attach_photo') return this.#invalid('You cannot add to this case.');
      const note = this.#may('add_note') ? ' You can add a note.' : '';
      return this.#invalid(`Only a worker of the case’s crew can change its state.${note}`);
    }
    this.saving = true;
    this.error = '';
    this.saved = null;
    // Only the form this change came from closes: one opened while saving (a tap on
    // "Add note" right after "Start") stays open with what is typed in it.
    const from = this.open;
    try {
      const row = await enqueue(kind, this.#caseId(), payload);
      if (this.open === from) this.open = null;
      const online = typeof navigator === 'undefined' || navigator.onLine;
      this.saved = { id: row.id, what, offline: !online };
      return true;
    } catch (err) {
      if (err instanceof SaveError) this.error = err.message;
      else {
        console.error('Saving a change failed', err);
        this.error =
          'This device could not save the change. Try again; if it keeps failing, free some storage and reload the app.';
      }
      return false;
    } finally {
      this.saving = false;
    }
  }
}

/** A history's events oldest first (ties as given). */
function inTimeOrder(events: readonly CaseEvent[]): CaseEvent[] {
  return events
    .map((e, i) => ({ e, i }))
    .sort((a, b) => a.e.at.localeCompare(b.e.at) || a.i - b.i)
    .map(({ e }) => e);
}

/**
 * When the case was last reopened (ISO), or null: a fix form ticks none of this device's
 * photos saved before it (the proof of a fix that did not hold).
 */
export function lastReopenedAt(events: readonly CaseEvent[], caseId: string): string | null {
  return inTimeOrder(events).findLast((e) => e.kind === 'reopened' && e.caseId === caseId)?.at ?? null;
}

/** A photo of the case as the fix form knows it. */
export type TaggedPhoto = { id: string; tag: PhotoTag };

/** A photo of the case the server holds and this device did not take: read from its history. */
export type RecordedPhoto = TaggedPhoto & { at: string };

const TAGS: readonly string[] = ['before', 'after', 'other'] satisfies PhotoTag[];

/**
 * The crew's photos of a case taken on other devices (a crew's second tablet, or this one
 * before it was reset), from the case's history: a fix may name them, so a crew can close a
 * case whose after-photo another device took. Only those since the case was last reopened
 * (the photos of a fix that did not hold are no proof of the next). Photos on this device,
 * photos whose attach landed on another case (a merge), and the resident's photos are left out.
 */
export function photosFromHistory(
  events: readonly CaseEvent[],
  caseId: string,
  onDevice: ReadonlySet<string>,
): RecordedPhoto[] {
  const seen = new Set(onDevice);
  let found: RecordedPhoto[] = [];
  for (const e of inTimeOrder(events)) {
    const { photoId, tag, takenAt, redirectedTo } = e.data;
    if (e.kind === 'reopened' && e.caseId === caseId) found = [];
    if (e.kind !== 'photo' || e.caseId !== caseId || redirectedTo !== undefined) continue;
    if (typeof photoId !== 'string' || typeof tag !== 'string' || !TAGS.includes(tag) || seen.has(photoId)) continue;
    seen.add(photoId);
    found.push({ id: photoId, tag: tag as PhotoTag, at: typeof takenAt === 'string' ? takenAt : e.at });
  }
  return found;
}

/** The text each form keeps, by the form. */
const TYPED: Partial<
  Record<
    ActionForm,
    (f: Pick<CaseActions, 'note' | 'fixNote' | 'closeNote' | 'transferReason' | 'reopenReason'>) => string
  >
> = {
  note: (f) => f.note,
  fix: (f) => f.fixNote,
  close: (f) => f.closeNote,
  transfer: (f) => f.transferReason,
  reopen: (f) => f.reopenReason,
};

/** Whether the form `open` holds words typed and not saved (pure: the forms' fields given). */
export function unsavedText(
  open: ActionForm | null,
  fields: Pick<CaseActions, 'note' | 'fixNote' | 'closeNote' | 'transferReason' | 'reopenReason'>,
): boolean {
  const typed = open ? TYPED[open] : undefined;
  return !!typed && typed(fields).trim() !== '';
}

/**
 * Why the fix form cannot be saved for its photos, in words for the worker, or null. Where
 * the service type needs proof, one ticked photo must be an after-photo: the server refuses
 * a before-photo alone (`photo-required`), and the resident is shown only after-photos. While
 * a photo is still being prepared (`preparing`) the fix waits for it: saved now, it would go
 * without the photo just taken (an after-photo is ticked as it arrives).
 */
export function fixPhotoProblem(
  photoRequired: boolean,
  ticked: readonly string[],
  photos: readonly TaggedPhoto[],
  preparing = 0,
): string | null {
  if (preparing > 0) {
    return 'A photo is still being prepared: wait until it shows below, check it is ticked, then save the fix.';
  }
  if (ticked.length > MAX_FIX_PHOTOS) {
    return `A fix names at most ${MAX_FIX_PHOTOS} photos, and ${ticked.length} are ticked: untick some. They stay on the case as its photos.`;
  }
  if (!photoRequired) return null;
  if (ticked.length === 0) {
    return 'This kind of case needs an after-photo. Add a photo in “Photos” below, then tick it here.';
  }
  const after = new Set(photos.filter((p) => p.tag === 'after').map((p) => p.id));
  if (ticked.some((id) => after.has(id))) return null;
  return 'A before-photo does not show the finished work. In “Photos” below, choose “After” and photograph the finished work, then tick that photo here.';
}
