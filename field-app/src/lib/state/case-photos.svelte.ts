/**
 * A case's photos on its page: taking or choosing them (downscaled, stored with their
 * attach change), the tag for new ones, thumbnails as object URLs (revoked when they go or
 * the page does), and each photo's upload state in words.
 */
import {
  SaveError,
  mayRetryUpload,
  retryUpload,
  watchCasePhotos,
  type PhotoRow,
  type PhotoTag,
} from '#lib/db/index.ts';
import { preparePhoto } from '#lib/photos/capture.ts';
import { enqueuePhoto, syncEngine } from '#lib/sync/engine.ts';
import { untrack } from 'svelte';
import { Live } from './live.svelte.ts';
import { TAG_LABELS } from './change-words.ts';

export { TAG_LABELS };

export interface PhotoItem {
  id: string;
  tag: PhotoTag;
  tagLabel: string;
  url: string | null;
  alt: string;
  state: PhotoRow['state'];
  /** The upload state in words, for the badge. */
  stateText: string;
  error: string | null;
  /** Its upload may be tried again (the server refused the bytes, not the photo's place). */
  retryable: boolean;
}

function stateText(p: PhotoRow): string {
  switch (p.state) {
    case 'done':
      return 'Uploaded';
    case 'failed':
      return 'Upload refused';
    case 'uploading':
      return `Uploading ${Math.floor((100 * p.uploadedBytes) / Math.max(1, p.byteSize))} %`;
    case 'queued':
      return 'Waiting to upload';
  }
}

/** A photo's time of day, for its label ("", when it has none). */
export function takenTime(iso: string | null): string {
  if (!iso) return '';
  return new Date(iso).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
}

export class CasePhotos {
  #caseId: () => string;
  #defaultTag: () => PhotoTag;
  #live: Live<PhotoRow[]>;
  /** Object URLs of the thumbnails, by photo id. */
  #urls = $state.raw<Record<string, string>>({});

  /** What the person picked for new photos; until then the default for the case's state. */
  chosenTag = $state<PhotoTag | null>(null);
  /** Photos being downscaled and stored right now. */
  working = $state(0);
  saved = $state('');
  error = $state('');
  /** How long the last downscale took (ms). */
  lastMs = $state<number | null>(null);

  constructor(caseId: () => string, defaultTag: () => PhotoTag) {
    this.#caseId = caseId;
    this.#defaultTag = defaultTag;
    this.#live = new Live(() => watchCasePhotos(this.#caseId()));

    // One object URL per thumbnail; revoked when the photo goes, and all when the page goes.
    $effect(() => {
      const rows = this.#live.current ?? [];
      const prev = untrack(() => this.#urls); // read, not a dependency: this effect writes it
      const next: Record<string, string> = {};
      for (const r of rows) next[r.id] = prev[r.id] ?? URL.createObjectURL(new Blob([r.thumb], { type: r.thumbType }));
      for (const [id, url] of Object.entries(prev)) if (!(id in next)) URL.revokeObjectURL(url);
      this.#urls = next;
    });
    $effect(() => () => {
      for (const url of Object.values(this.#urls)) URL.revokeObjectURL(url);
    });
  }

  tag: PhotoTag = $derived.by(() => this.chosenTag ?? this.#defaultTag());
  loaded = $derived.by(() => this.#live.current !== undefined);
  rows: PhotoRow[] = $derived.by(() => this.#live.current ?? []);

  items: PhotoItem[] = $derived.by(() =>
    this.rows.map((p, i) => {
      const taken = takenTime(p.takenAt ?? p.savedAt);
      return {
        id: p.id,
        tag: p.tag,
        tagLabel: TAG_LABELS[p.tag],
        url: this.#urls[p.id] ?? null,
        alt: `${TAG_LABELS[p.tag]} photo ${i + 1}${taken ? `, taken ${taken}` : ''}`,
        state: p.state,
        stateText: stateText(p),
        error: p.error,
        retryable: mayRetryUpload(p),
      };
    }),
  );

  /** Downscales, stores and queues each picked file. */
  async add(files: FileList | File[] | null): Promise<void> {
    const list = [...(files ?? [])];
    if (list.length === 0) return;
    this.error = '';
    this.saved = '';
    // The case and tag as they were when picked: the page may turn to another case (a link on
    // it) while a batch is still being prepared, and each photo belongs to the case it was
    // picked on. The count left shows as the batch goes.
    const caseId = this.#caseId();
    const tag = this.tag;
    let stored = 0;
    this.working += list.length;
    for (const file of list) {
      try {
        if (file.type && !file.type.startsWith('image/')) throw new SaveError(`“${file.name}” is not a picture.`);
        // A picture this browser cannot decode (HEIC from a gallery, most often): said by name,
        // with what to do; not taken for a storage problem.
        const { photo, ms } = await preparePhoto(file, caseId, tag).catch((err: unknown) => {
          if (!undecodable(file, err)) throw err;
          console.error('Reading a picture failed', err);
          throw new SaveError(
            `“${file.name}” is in a format this device cannot read. Take the photo with the camera, or set the camera to save JPEG (“Most compatible”).`,
          );
        });
        this.lastMs = ms;
        await enqueuePhoto(photo);
        stored++;
      } catch (err) {
        if (err instanceof SaveError) this.error = err.message;
        else {
          console.error('Storing a photo failed', err);
          this.error =
            'This device could not read or store the picture. Try another one; if it keeps failing, free some storage.';
        }
      } finally {
        this.working--;
      }
    }
    if (stored > 0) {
      const what = stored === 1 ? 'Photo saved' : `${stored} photos saved`;
      const online = typeof navigator === 'undefined' || navigator.onLine;
      this.saved = online ? `${what} on this device.` : `${what} on this device. It uploads when there is signal.`;
    }
  }

  async retry(id: string): Promise<void> {
    if (await retryUpload(id)) void syncEngine.syncNow();
  }
}

/**
 * A picture the browser could not decode (a HEIC or HEIF from a gallery, most often), told
 * apart from running out of memory or storage: by its type or name, or the decoder's error.
 */
export function undecodable(file: { name: string; type: string }, err: unknown): boolean {
  if (/hei[cf]/i.test(file.type) || /\.hei[cf]$/i.test(file.name)) return true;
  const name = (err as { name?: unknown } | null)?.name;
  return name === 'InvalidStateError' || name === 'EncodingError';
}
