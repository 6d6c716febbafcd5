import { mkdir, open, readdir, readFile, rename, rm, stat, writeFile, type FileHandle } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { Readable } from 'node:stream';

/**
 * Where photo bytes live, by key. Keys are made by the server only (`photoKeys`), never taken
 * from a request, so a store may map them straight to paths or object names. An
 * S3-compatible store can replace the file store behind this interface (append becomes a
 * multipart part, finalize a complete-upload).
 */
export interface PhotoStore {
  /** Bytes stored under `key`; 0 when there is nothing. */
  size(key: string): Promise<number>;
  /**
   * Writes `bytes` at `offset`, which must be the current size (else `OffsetMismatchError`,
   * nothing written). Returns the new size. Callers serialise appends to one key (the photo
   * row lock); the size check is the store's own guard.
   */
  append(key: string, offset: number, bytes: Uint8Array): Promise<number>;
  /**
   * Opens `key` for writing at `offset`, which must be the current size (else
   * `OffsetMismatchError`): a streamed upload writes each piece of a request body as it
   * arrives, so what arrived is kept when the connection is cut. One writer per key at a time
   * (the caller holds the photo's upload lease).
   */
  openAppend(key: string, offset: number): Promise<PhotoAppender>;
  /** Replaces whatever is under `key` with `bytes` (thumbnails). */
  put(key: string, bytes: Uint8Array): Promise<void>;
  /**
   * All bytes under `key`, or null when there are none: loaded whole into memory, for code
   * that needs them all (thumbnails, a notice's attachment, Open311 media). A download is
   * streamed instead (`openRead`).
   */
  read(key: string): Promise<Uint8Array | null>;
  /**
   * Opens `key` to be read piece by piece, or null when there is nothing: what fails before
   * the first byte (a missing key, a bucket that does not answer) fails here, so a caller
   * answers a request only once the bytes are there to send. The stream must be read to its
   * end or cancelled: that closes the file or the bucket's connection.
   */
  openRead(key: string): Promise<PhotoReadStream | null>;
  /** Deletes `key`; no error when it is already gone. */
  remove(key: string): Promise<void>;
  /** Moves the bytes of `from` to `to` (a finished upload to its final key). */
  finalize(from: string, to: string): Promise<void>;
  /**
   * Every unfinished upload that has a pending key: whose, how many bytes, when they last
   * grew. The upkeep job sweeps those left unmoved too long (`photo-upkeep.ts`).
   */
  pendingUploads(): AsyncIterable<PendingUpload>;
  /** One photo's unfinished upload, as `pendingUploads` tells it; null when it has no pending key. */
  pendingUpload(photoId: string): Promise<PendingUpload | null>;
  /**
   * A URL anyone holding it may download `key` from, without the server, for `expiresIn`
   * seconds. Only a store the client can reach directly has it (a bucket, not files).
   */
  presignedUrl?(key: string, opts: PresignOptions): Promise<string>;
}

/** An opened key (see `PhotoStore.openRead`): its bytes as they are read, and how many there are. */
export type PhotoReadStream = { body: ReadableStream<Uint8Array>; length: number | undefined };

/** An upload in progress as the store sees it (see `PhotoStore.pendingUploads`). */
export type PendingUpload = { photoId: string; bytes: number; lastModified: Date };

export type PresignOptions = {
  /** Seconds the URL is valid from `signingDate`. */
  expiresIn: number;
  /** The Content-Type and Cache-Control the download is answered with. */
  contentType: string;
  cacheControl?: string;
  /** When the URL is signed: now unless given (tests sign in the past to get an expired URL). */
  signingDate?: Date;
};

/** An open append to one key (see `PhotoStore.openAppend`). */
export interface PhotoAppender {
  /** Appends `bytes`; resolves once they are written (not necessarily on disk). */
  write(bytes: Uint8Array): Promise<void>;
  /** Cuts the key back to `size` bytes (to drop a request's bytes that were refused). */
  truncate(size: number): Promise<void>;
  /** Makes what was written durable and closes. Safe to call more than once. */
  close(): Promise<void>;
}

export class OffsetMismatchError extends Error {
  readonly actual: number;
  constructor(actual: number) {
    super(`stored size is ${actual}`);
    this.actual = actual;
  }
}

/** The keys of one photo: its upload in progress, its final bytes, its thumbnail. */
export function photoKeys(photoId: string) {
  if (!UUID.test(photoId)) throw new Error(`not a photo id: ${photoId}`);
  const id = photoId.toLowerCase();
  return { pending: `pending/${id}`, final: `photos/${id}`, thumb: `thumbs/${id}.jpg` };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** The only keys a store accepts: no `..`, no absolute paths, whatever a caller passes. */
const KEY = /^(pending|photos|thumbs)\/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}(\.jpg)?$/;

/** Photos as files under one directory: `<dir>/pending/<id>`, `<dir>/photos/<id>`, `<dir>/thumbs/<id>.jpg`. */
export class FilePhotoStore implements PhotoStore {
  readonly dir: string;
  constructor(dir: string) {
    this.dir = dir;
  }

  #path(key: string): string {
    if (!KEY.test(key)) throw new Error(`not a photo store key: ${key}`);
    return join(this.dir, key);
  }

  async size(key: string): Promise<number> {
    try {
      return (await stat(this.#path(key))).size;
    } catch (err) {
      if (isMissing(err)) return 0;
      throw err;
    }
  }

  async append(key: string, offset: number, bytes: Uint8Array): Promise<number> {
    const path = this.#path(key);
    await mkdir(dirname(path), { recursive: true });
    // 'a': every write lands at the end, whatever the position; fstat on the open handle
    // checks that the end is where the client thinks it is.
    const file = await open(path, 'a');
    try {
      const { size } = await file.stat();
      if (size !== offset) throw new OffsetMismatchError(size);
      let written = 0;
      while (written < bytes.length) {
        const r = await file.write(bytes, written, bytes.length - written);
        written += r.bytesWritten;
      }
      await file.sync();
      return size + written;
    } finally {
      await file.close();
    }
  }

  async openAppend(key: string, offset: number): Promise<PhotoAppender> {
    const path = this.#path(key);
    await mkdir(dirname(path), { recursive: true });
    const file = await open(path, 'a');
    const { size } = await file.stat();
    if (size !== offset) {
      await file.close();
      throw new OffsetMismatchError(size);
    }
    let closed = false;
    return {
      async write(bytes) {
        let written = 0;
        while (written < bytes.length) {
          const r = await file.write(bytes, written, bytes.length - written);
          written += r.bytesWritten;
        }
      },
      truncate: (n) => file.truncate(n),
      async close() {
        if (closed) return;
        closed = true;
        try {
          await file.sync();
        } finally {
          await file.close();
        }
      },
    };
  }

  async put(key: string, bytes: Uint8Array): Promise<void> {
    const path = this.#path(key);
    await mkdir(dirname(path), { recursive: true });
    // Write aside and rename, so a reader never sees half a file.
    const tmp = `${path}.${process.pid}.tmp`;
    await writeFile(tmp, bytes);
    await rename(tmp, path);
  }

  async read(key: string): Promise<Uint8Array | null> {
    try {
      return await readFile(this.#path(key));
    } catch (err) {
      if (isMissing(err)) return null;
      throw err;
    }
  }

  async openRead(key: string): Promise<PhotoReadStream | null> {
    let file: FileHandle;
    try {
      file = await open(this.#path(key), 'r');
    } catch (err) {
      if (isMissing(err)) return null;
      throw err;
    }
    try {
      // The size of the open file: a later `put` renames another file into place, not this one.
      const { size } = await file.stat();
      // Closed by the stream at its end, on an error or when cancelled (autoClose).
      return { body: Readable.toWeb(file.createReadStream()) as ReadableStream<Uint8Array>, length: size };
    } catch (err) {
      await file.close();
      throw err;
    }
  }

  async remove(key: string): Promise<void> {
    await rm(this.#path(key), { force: true });
  }

  async finalize(from: string, to: string): Promise<void> {
    const target = this.#path(to);
    await mkdir(dirname(target), { recursive: true });
    await rename(this.#path(from), target);
  }

  async *pendingUploads(): AsyncIterable<PendingUpload> {
    let names: string[];
    try {
      names = await readdir(join(this.dir, 'pending'));
    } catch (err) {
      if (isMissing(err)) return;
      throw err;
    }
    for (const name of names.sort()) {
      if (!UUID.test(name)) continue; // a `put`'s temporary file
      const found = await this.pendingUpload(name);
      if (found) yield found;
    }
  }

  async pendingUpload(photoId: string): Promise<PendingUpload | null> {
    try {
      const s = await stat(this.#path(photoKeys(photoId).pending));
      return { photoId: photoId.toLowerCase(), bytes: s.size, lastModified: s.mtime };
    } catch (err) {
      if (isMissing(err)) return null;
      throw err;
    }
  }
}

function isMissing(err: unknown): boolean {
  return (err as { code?: string }).code === 'ENOENT';
}
