/**
 * Photos in an S3-compatible bucket (AWS S3, MinIO, Ceph, R2, …) behind the `PhotoStore`
 * interface, so several server instances can share them.
 *
 * An object cannot be appended to, and a multipart upload wants parts of at least 5 MiB but
 * the last, while a device sends a photo in small pieces that a weak link may cut anywhere.
 * So an upload in progress (a `pending/…` key) is a series of small part-objects,
 * `<prefix>pending/<id>/<offset>`, each holding the bytes from that offset on: its size is
 * the sum of the listed parts, and a request's bytes are stored as a part whenever
 * `partBytes` of them have arrived and, for the rest, when the request ends or is cut (the
 * appender's `close`). Only stored parts count: what HEAD reports is always on the bucket,
 * and the device resumes byte-exact from there. `finalize` assembles the parts into one
 * object (a server-side copy when there is one part, else one PutObject of the bytes, or a
 * multipart upload for a large photo) and then deletes them.
 *
 * Every other key (`photos/…`, `thumbs/…`) is one object, written once with PutObject,
 * streamed from the bucket when downloaded through the server (`openRead`), and may be handed
 * out as a presigned GET URL instead (PHOTO_DOWNLOADS=presigned). The unfinished uploads
 * are one listing of `<prefix>pending/`: the upkeep job sweeps those whose newest part is old.
 * A bucket that cannot be reached makes every call throw `PhotoStoreUnavailableError`: a
 * 503 the device retries later, after asking HEAD where to go on.
 */
import {
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  AbortMultipartUploadCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
  type S3ClientConfig,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { ApiError } from '../http/errors.ts';
import {
  OffsetMismatchError,
  photoKeys,
  type PendingUpload,
  type PhotoAppender,
  type PhotoReadStream,
  type PhotoStore,
  type PresignOptions,
} from './photo-store.ts';

/** Where the bucket is and how to reach it (`Config.photoS3`, from PHOTO_STORE and S3_*). */
export type S3PhotoConfig = {
  bucket: string;
  /** Put before every key: '' or ending in '/'. */
  prefix: string;
  /** An S3-compatible server's address; unset: AWS S3 in `region`. */
  endpoint: string | undefined;
  region: string;
  /** Bucket in the path (`https://host/bucket/key`), as MinIO and most others want. */
  forcePathStyle: boolean;
  /** Unset: the SDK's own chain (instance role, web identity, shared config files). */
  credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string } | undefined;
};

export type S3PhotoStoreOptions = {
  /** A pending upload's bytes are stored once this many have arrived (and at the end of a request). */
  partBytes?: number;
  /** Assembled with a multipart upload from this size on (else one PutObject). */
  multipartFrom?: number;
  /** Told when the bucket cannot be reached (the request gets a 503). */
  onUnavailable?: (err: unknown) => void;
};

/** 503: the bucket did not answer. Nothing past the stored offset was kept; try again later. */
export class PhotoStoreUnavailableError extends ApiError {
  constructor(cause: unknown) {
    super(
      503,
      'unavailable',
      'The photo storage cannot be reached right now. The bytes stored so far are kept: try again in a minute, from the offset HEAD then gives.',
      { retryAfter: 30 },
      { retryAfter: 30 },
    );
    this.cause = cause;
  }
}

const KiB = 1024;
const MiB = 1024 * KiB;
/** Multipart uploads: every part but the last at least 5 MiB (S3's rule). */
const MULTIPART_PART = 8 * MiB;
/** A part-object's name is its offset, zero-padded so that names sort by offset. */
const OFFSET_DIGITS = 15;
const KEY = /^(pending|photos|thumbs)\/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}(\.jpg)?$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** An S3 client for the configuration: retries a little, and gives up on a dead endpoint quickly. */
export function s3ClientFor(c: S3PhotoConfig): S3Client {
  const config: S3ClientConfig = {
    region: c.region,
    forcePathStyle: c.forcePathStyle,
    maxAttempts: 3,
    // Checksums only where S3 requires them: several S3-compatible servers reject the
    // newer default trailing checksums.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    requestHandler: { connectionTimeout: 5_000, requestTimeout: 60_000 },
  };
  if (c.endpoint) config.endpoint = c.endpoint;
  if (c.credentials) config.credentials = c.credentials;
  return new S3Client(config);
}

type Part = { key: string; offset: number; size: number; modified: Date };

export class S3PhotoStore implements PhotoStore {
  readonly bucket: string;
  readonly prefix: string;
  readonly client: S3Client;
  readonly #partBytes: number;
  readonly #multipartFrom: number;
  readonly #onUnavailable: (err: unknown) => void;

  constructor(client: S3Client, bucket: string, prefix = '', opts: S3PhotoStoreOptions = {}) {
    if (prefix && !prefix.endsWith('/')) prefix += '/';
    this.client = client;
    this.bucket = bucket;
    this.prefix = prefix;
    this.#partBytes = opts.partBytes ?? 256 * KiB;
    this.#multipartFrom = Math.max(opts.multipartFrom ?? 16 * MiB, 5 * MiB);
    this.#onUnavailable = opts.onUnavailable ?? (() => {});
  }

  static fromConfig(c: S3PhotoConfig, opts: S3PhotoStoreOptions = {}): S3PhotoStore {
    return new S3PhotoStore(s3ClientFor(c), c.bucket, c.prefix, opts);
  }

  /** The object name of a key; pending keys name a folder of parts. */
  #name(key: string): string {
    if (!KEY.test(key)) throw new Error(`not a photo store key: ${key}`);
    return this.prefix + key;
  }

  #isSeries(key: string): boolean {
    return key.startsWith('pending/');
  }

  #partName(key: string, offset: number): string {
    return `${this.#name(key)}/${String(offset).padStart(OFFSET_DIGITS, '0')}`;
  }

  /** Runs one S3 call; anything but "not found" becomes a 503 (and is told to `onUnavailable`). */
  async #s3<T>(call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (err) {
      if (isNotFound(err)) throw err;
      if (err instanceof PhotoStoreUnavailableError) throw err;
      this.#onUnavailable(err);
      throw new PhotoStoreUnavailableError(err);
    }
  }

  /** The stored parts of a pending key, by offset. */
  async #parts(key: string): Promise<Part[]> {
    const folder = `${this.#name(key)}/`;
    const parts: Part[] = [];
    let token: string | undefined;
    do {
      const page = await this.#s3(() =>
        this.client.send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix: folder, ContinuationToken: token })),
      );
      for (const o of page.Contents ?? []) {
        const name = o.Key!.slice(folder.length);
        if (!/^\d+$/.test(name)) continue;
        parts.push({ key: o.Key!, offset: Number(name), size: o.Size ?? 0, modified: o.LastModified ?? new Date(0) });
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return parts.sort((a, b) => a.offset - b.offset);
  }

  /** The bytes the parts hold, in order; throws when they do not follow on from each other. */
  #sizeOf(key: string, parts: Part[]): number {
    let end = 0;
    for (const p of parts) {
      if (p.offset !== end) throw new Error(`${key}: a part starts at ${p.offset}, the bytes before end at ${end}`);
      end += p.size;
    }
    return end;
  }

  async #get(name: string): Promise<Uint8Array | null> {
    try {
      const res = await this.#s3(() => this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: name })));
      return await this.#s3(() => res.Body!.transformToByteArray());
    } catch (err) {
      if (isNotFound(err)) return null;
      throw err;
    }
  }

  async #put(name: string, bytes: Uint8Array): Promise<void> {
    await this.#s3(() =>
      this.client.send(
        new PutObjectCommand({ Bucket: this.bucket, Key: name, Body: bytes, ContentLength: bytes.length }),
      ),
    );
  }

  async #deleteAll(names: string[]): Promise<void> {
    for (let i = 0; i < names.length; i += 1000) {
      const batch = names.slice(i, i + 1000);
      const res = await this.#s3(() =>
        this.client.send(
          new DeleteObjectsCommand({
            Bucket: this.bucket,
            Delete: { Objects: batch.map((Key) => ({ Key })), Quiet: true },
          }),
        ),
      );
      if (res.Errors?.length) {
        const e = res.Errors[0]!;
        throw new PhotoStoreUnavailableError(new Error(`could not delete ${e.Key}: ${e.Code} ${e.Message}`));
      }
    }
  }

  async size(key: string): Promise<number> {
    if (this.#isSeries(key)) return this.#sizeOf(key, await this.#parts(key));
    try {
      const head = await this.#s3(() =>
        this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: this.#name(key) })),
      );
      return head.ContentLength ?? 0;
    } catch (err) {
      if (isNotFound(err)) return 0;
      throw err;
    }
  }

  async append(key: string, offset: number, bytes: Uint8Array): Promise<number> {
    const writer = await this.openAppend(key, offset);
    try {
      await writer.write(bytes);
    } finally {
      await writer.close();
    }
    return offset + bytes.length;
  }

  async openAppend(key: string, offset: number): Promise<PhotoAppender> {
    if (!this.#isSeries(key)) throw new Error(`${key}: only pending keys can be appended to`);
    const size = this.#sizeOf(key, await this.#parts(key));
    if (size !== offset) throw new OffsetMismatchError(size);
    // Bytes arrived but not yet stored, from `stored` on.
    let stored = offset;
    let held: Uint8Array[] = [];
    let heldBytes = 0;
    let closed = false;
    const flush = async () => {
      if (heldBytes === 0) return;
      const part = concat(held, heldBytes);
      await this.#put(this.#partName(key, stored), part);
      stored += part.length;
      held = [];
      heldBytes = 0;
    };
    return {
      write: async (bytes) => {
        if (closed) throw new Error(`${key}: written after close`);
        if (bytes.length === 0) return;
        held.push(bytes.slice());
        heldBytes += bytes.length;
        if (heldBytes >= this.#partBytes) await flush();
      },
      truncate: async (n) => {
        held = [];
        heldBytes = 0;
        if (n < stored) await this.#cut(key, n);
        stored = Math.min(stored, n);
      },
      close: async () => {
        if (closed) return;
        closed = true;
        await flush();
      },
    };
  }

  /** Drops a pending key's bytes from `n` on: later parts deleted, one across `n` rewritten shorter. */
  async #cut(key: string, n: number): Promise<void> {
    const parts = await this.#parts(key);
    const across = parts.find((p) => p.offset < n && p.offset + p.size > n);
    if (across) {
      const bytes = await this.#get(across.key);
      if (bytes) await this.#put(across.key, bytes.subarray(0, n - across.offset));
    }
    await this.#deleteAll(parts.filter((p) => p.offset >= n).map((p) => p.key));
  }

  async put(key: string, bytes: Uint8Array): Promise<void> {
    if (!this.#isSeries(key)) return this.#put(this.#name(key), bytes);
    await this.remove(key);
    if (bytes.length > 0) await this.#put(this.#partName(key, 0), bytes);
  }

  async read(key: string): Promise<Uint8Array | null> {
    if (!this.#isSeries(key)) return this.#get(this.#name(key));
    const parts = await this.#parts(key);
    if (parts.length === 0) return null;
    const size = this.#sizeOf(key, parts);
    const all = new Uint8Array(size);
    // A few parts at a time: a photo is tens of small parts.
    for (let i = 0; i < parts.length; i += 8) {
      await Promise.all(
        parts.slice(i, i + 8).map(async (p) => {
          const bytes = await this.#get(p.key);
          if (!bytes || bytes.length !== p.size) throw new Error(`${key}: part ${p.offset} changed while read`);
          all.set(bytes, p.offset);
        }),
      );
    }
    return all;
  }

  /**
   * One object: its GetObject answered (headers only; a missing key is null, a bucket that
   * does not answer a 503), then its body as the bucket sends it. A pending key: its parts
   * one after another, each fetched when the one before has been read.
   */
  async openRead(key: string): Promise<PhotoReadStream | null> {
    if (this.#isSeries(key)) {
      const parts = await this.#parts(key);
      if (parts.length === 0) return null;
      const length = this.#sizeOf(key, parts);
      let next = 0;
      const body = new ReadableStream<Uint8Array>({
        pull: async (controller) => {
          const p = parts[next++];
          if (!p) return controller.close();
          const bytes = await this.#get(p.key);
          if (!bytes || bytes.length !== p.size) throw new Error(`${key}: part ${p.offset} changed while read`);
          controller.enqueue(bytes);
        },
      });
      return { body, length };
    }
    const name = this.#name(key);
    try {
      const res = await this.#s3(() => this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: name })));
      return { body: res.Body!.transformToWebStream() as ReadableStream<Uint8Array>, length: res.ContentLength };
    } catch (err) {
      if (isNotFound(err)) return null;
      throw err;
    }
  }

  async remove(key: string): Promise<void> {
    if (this.#isSeries(key)) {
      await this.#deleteAll((await this.#parts(key)).map((p) => p.key));
      return;
    }
    await this.#s3(() => this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: this.#name(key) })));
  }

  /**
   * Writes the whole of `from` to `to`, then deletes `from`: interrupted, both may be there
   * (done again, the same bytes are written again), never neither.
   */
  async finalize(from: string, to: string): Promise<void> {
    if (this.#isSeries(from)) {
      const parts = await this.#parts(from);
      if (parts.length === 0) throw new Error(`${from}: nothing to finalize`);
      const size = this.#sizeOf(from, parts);
      if (this.#isSeries(to)) throw new Error(`${from} → ${to}: both are pending keys`);
      const target = this.#name(to);
      if (parts.length === 1) await this.#copy(parts[0]!.key, target);
      else if (size >= this.#multipartFrom) await this.#assembleMultipart(parts, target);
      else await this.#put(target, (await this.read(from))!);
      await this.#deleteAll(parts.map((p) => p.key));
      return;
    }
    // One object to another (or back to a pending key, as its only part: an undone finalize).
    const source = this.#name(from);
    if (this.#isSeries(to)) {
      await this.remove(to);
      await this.#copy(source, this.#partName(to, 0));
    } else {
      await this.#copy(source, this.#name(to));
    }
    await this.#s3(() => this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: source })));
  }

  /**
   * The pending uploads in the bucket, one listing of `<prefix>pending/`: an upload's parts
   * sort together (their names start with its id), so each is told once its last part is seen.
   */
  async *pendingUploads(): AsyncIterable<PendingUpload> {
    const folder = `${this.prefix}pending/`;
    let current: PendingUpload | null = null;
    let token: string | undefined;
    do {
      const page = await this.#s3(() =>
        this.client.send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix: folder, ContinuationToken: token })),
      );
      for (const o of page.Contents ?? []) {
        const [id = '', offset = '', ...rest] = o.Key!.slice(folder.length).split('/');
        if (!UUID.test(id) || !/^\d+$/.test(offset) || rest.length > 0) continue;
        const modified = o.LastModified ?? new Date(0);
        if (current && current.photoId !== id) {
          yield current;
          current = null;
        }
        if (!current) current = { photoId: id, bytes: 0, lastModified: modified };
        current.bytes += o.Size ?? 0;
        if (modified > current.lastModified) current.lastModified = modified;
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    if (current) yield current;
  }

  async pendingUpload(photoId: string): Promise<PendingUpload | null> {
    const parts = await this.#parts(photoKeys(photoId).pending);
    if (parts.length === 0) return null;
    return {
      photoId: photoId.toLowerCase(),
      bytes: parts.reduce((n, p) => n + p.size, 0),
      lastModified: new Date(Math.max(...parts.map((p) => p.modified.getTime()))),
    };
  }

  /**
   * A presigned GET of one object (a photo or a thumbnail), answered with `contentType`: the
   * objects are stored without one. Signing needs no request to the bucket, only the
   * credentials (resolved once by the SDK's chain when none are configured).
   */
  async presignedUrl(key: string, opts: PresignOptions): Promise<string> {
    if (this.#isSeries(key)) throw new Error(`${key}: an upload in progress cannot be downloaded`);
    const command = new GetObjectCommand({
      Bucket: this.bucket,
      Key: this.#name(key),
      ResponseContentType: opts.contentType,
      ...(opts.cacheControl ? { ResponseCacheControl: opts.cacheControl } : {}),
    });
    return this.#s3(() =>
      getSignedUrl(this.client, command, {
        expiresIn: opts.expiresIn,
        ...(opts.signingDate ? { signingDate: opts.signingDate } : {}),
      }),
    );
  }

  async #copy(source: string, target: string): Promise<void> {
    const copySource = `${this.bucket}/${source.split('/').map(encodeURIComponent).join('/')}`;
    try {
      await this.#s3(() =>
        this.client.send(new CopyObjectCommand({ Bucket: this.bucket, Key: target, CopySource: copySource })),
      );
    } catch (err) {
      if (isNotFound(err)) throw new Error(`${source}: nothing to move`, { cause: err });
      throw err;
    }
  }

  /** A large photo: parts read in order and sent as multipart parts of MULTIPART_PART bytes. */
  async #assembleMultipart(parts: Part[], target: string): Promise<void> {
    const { UploadId } = await this.#s3(() =>
      this.client.send(new CreateMultipartUploadCommand({ Bucket: this.bucket, Key: target })),
    );
    const done: { PartNumber: number; ETag: string }[] = [];
    try {
      let held: Uint8Array[] = [];
      let heldBytes = 0;
      const send = async () => {
        const body = concat(held, heldBytes);
        const PartNumber = done.length + 1;
        const res = await this.#s3(() =>
          this.client.send(
            new UploadPartCommand({
              Bucket: this.bucket,
              Key: target,
              UploadId,
              PartNumber,
              Body: body,
              ContentLength: body.length,
            }),
          ),
        );
        done.push({ PartNumber, ETag: res.ETag! });
        held = [];
        heldBytes = 0;
      };
      for (const p of parts) {
        const bytes = await this.#get(p.key);
        if (!bytes || bytes.length !== p.size) throw new Error(`${target}: part ${p.offset} changed while read`);
        held.push(bytes);
        heldBytes += bytes.length;
        if (heldBytes >= MULTIPART_PART) await send();
      }
      if (heldBytes > 0 || done.length === 0) await send();
      await this.#s3(() =>
        this.client.send(
          new CompleteMultipartUploadCommand({
            Bucket: this.bucket,
            Key: target,
            UploadId,
            MultipartUpload: { Parts: done },
          }),
        ),
      );
    } catch (err) {
      await this.client
        .send(new AbortMultipartUploadCommand({ Bucket: this.bucket, Key: target, UploadId }))
        .catch(() => {});
      throw err;
    }
  }
}

function concat(pieces: Uint8Array[], total: number): Uint8Array {
  if (pieces.length === 1) return pieces[0]!;
  const out = new Uint8Array(total);
  let at = 0;
  for (const p of pieces) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** The key is not there (a missing bucket is not this: that is a broken setup, a 503). */
function isNotFound(err: unknown): boolean {
  const e = err as { name?: string; $metadata?: { httpStatusCode?: number } } | null;
  if (!e || e.name === 'NoSuchBucket') return false;
  return e.name === 'NoSuchKey' || e.name === 'NotFound' || e.$metadata?.httpStatusCode === 404;
}
