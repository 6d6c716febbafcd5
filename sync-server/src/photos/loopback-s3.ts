/**
 * A real S3-API server on loopback for tests: s3rver (MIT, plain JavaScript, no binary to
 * fetch), storing objects in a temporary folder. It answers over HTTP with S3's signatures,
 * XML and error codes, so `S3PhotoStore` is tested through the real AWS SDK.
 *
 * s3rver checks a presigned URL's expiry but not its version-4 signature, and serves a
 * request that carries no signature at all, unlike a private bucket. So it is reached
 * through a small front on the same loopback address that acts as S3 does there: a request
 * signed in its query (a presigned URL) must carry the signature of its method, path, query
 * and signed headers under the bucket's key, and a request signed neither in its query nor in
 * its Authorization header is refused (403 AccessDenied). Everything else is passed through
 * untouched, byte for byte both ways.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import S3rver, { type S3rverStore } from 's3rver';
import type { S3PhotoConfig } from './s3-photo-store.ts';

export type LoopbackS3 = {
  /** The configuration that reaches it (path style, s3rver's fixed key pair). */
  config: S3PhotoConfig;
  /** Stops answering (connections refused) until `start`, keeping the objects. */
  stop(): Promise<void>;
  /** Answers again, on the same port. */
  start(): Promise<void>;
  close(): Promise<void>;
};

/** s3rver's built-in key pair. */
const KEY_ID = 'S3RVER';
const SECRET = 'S3RVER';

export async function startLoopbackS3(bucket = 'fieldfix-photos', prefix = 'city/'): Promise<LoopbackS3> {
  const directory = await mkdtemp(join(tmpdir(), 'fieldfix-s3-'));
  let port = 0;
  let server: S3rver | null = null;
  let front: Server | null = null;
  const start = async () => {
    if (server) return;
    const s = new S3rver({
      address: '127.0.0.1',
      port: 0,
      silent: true,
      directory,
      configureBuckets: [{ name: bucket }],
    });
    listFromPrefixFolder(s.store);
    const inner = (await s.run()).port;
    const f = createServer((req, res) => relay(req, res, inner));
    await new Promise<void>((resolve, reject) => {
      f.once('error', reject);
      f.listen(port, '127.0.0.1', () => resolve());
    });
    port = (f.address() as AddressInfo).port;
    server = s;
    front = f;
  };
  const stop = async () => {
    const s = server;
    const f = front;
    server = null;
    front = null;
    if (f) {
      const closed = new Promise<void>((resolve) => f.close(() => resolve()));
      f.closeAllConnections();
      await closed;
    }
    // Closing drops the logger's only transport, and the requests still in flight then log
    // "Attempt to write logs with no transports" line after line: silent, they log nothing.
    if (s) s.logger.silent = true;
    await s?.close();
  };
  await start();
  return {
    config: {
      bucket,
      prefix,
      endpoint: `http://127.0.0.1:${port}`,
      region: 'us-east-1',
      forcePathStyle: true,
      credentials: { accessKeyId: KEY_ID, secretAccessKey: SECRET },
    },
    start,
    stop,
    async close() {
      await stop();
      await rm(directory, { recursive: true, force: true });
    },
  };
}

/**
 * s3rver lists a prefix by walking the bucket from its root, synchronously, with a stat of
 * every entry it passes: one per upload in progress for the parts of one (`city/pending/<id>/`).
 * With hundreds of uploads in progress (1,000 devices: pnpm bench:load:faults) every HEAD and
 * PATCH waited on that walk, and the stand-in bucket, not the server, set the pace. A prefix's
 * keys all lie in the folder of its part up to the last '/' (a key's '/' are folders in
 * s3rver's store), so the listing is asked of that folder as if it were the bucket, and its
 * keys given their folder back. Same answers (start-after, delimiter and max-keys included).
 */
function listFromPrefixFolder(store: S3rverStore): void {
  const list = store.listObjects.bind(store);
  store.listObjects = async (bucket, options) => {
    const prefix = options.prefix ?? '';
    const folder = prefix.slice(0, prefix.lastIndexOf('/') + 1);
    if (!folder) return list(bucket, options);
    // Every key under the folder starts with it: one after `startAfter` is past it, or all are, or none.
    const startAfter = options.startAfter ?? '';
    if (startAfter > folder && !startAfter.startsWith(folder))
      return { objects: [], commonPrefixes: [], isTruncated: false };
    // No such folder, no such keys (s3rver removes a folder with its last object).
    if (!existsSync(join(store.getBucketPath(bucket), folder))) {
      return { objects: [], commonPrefixes: [], isTruncated: false };
    }
    const inner = await list(`${bucket}/${folder.slice(0, -1)}`, {
      ...options,
      prefix: prefix.slice(folder.length),
      startAfter: startAfter.startsWith(folder) ? startAfter.slice(folder.length) : '',
    });
    for (const o of inner.objects) {
      o.bucket = bucket;
      o.key = folder + o.key;
    }
    return { ...inner, commonPrefixes: inner.commonPrefixes.map((p) => folder + p) };
  };
}

/** Checks the request as a private bucket would, then passes it to s3rver on `inner`. */
function relay(req: IncomingMessage, res: ServerResponse, inner: number): void {
  const refusal = refuse(req);
  if (refusal) {
    const body = `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${refusal.code}</Code><Message>${refusal.message}</Message></Error>`;
    res.writeHead(403, { 'content-type': 'application/xml', 'content-length': Buffer.byteLength(body) });
    res.end(body);
    req.resume();
    return;
  }
  const upstream = request(
    { host: '127.0.0.1', port: inner, method: req.method, path: req.url, headers: req.headers },
    (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    },
  );
  upstream.on('error', () => res.destroy());
  // A client that goes away mid-request (a cut upload) cuts the request to s3rver too.
  res.on('close', () => {
    if (!res.writableFinished) upstream.destroy();
  });
  req.pipe(upstream);
}

function refuse(req: IncomingMessage): { code: string; message: string } | null {
  if (req.method === 'OPTIONS') return null; // a CORS preflight carries no credentials
  const url = new URL(req.url ?? '/', `http://${req.headers.host ?? 'localhost'}`);
  if (url.searchParams.has('X-Amz-Signature')) {
    if (queryV4SignatureMatches(req.method ?? 'GET', url, req.headers)) return null;
    return {
      code: 'SignatureDoesNotMatch',
      message: 'The request signature we calculated does not match the signature you provided.',
    };
  }
  if (req.headers.authorization || url.searchParams.has('Signature')) return null;
  return { code: 'AccessDenied', message: 'Access Denied' };
}

/** AWS Signature Version 4 in the query string (a presigned URL), recomputed with the bucket's key. */
function queryV4SignatureMatches(method: string, url: URL, headers: IncomingMessage['headers']): boolean {
  const q = url.searchParams;
  const [keyId, ...scope] = (q.get('X-Amz-Credential') ?? '').split('/');
  const [date = '', region = '', service = ''] = scope;
  if (q.get('X-Amz-Algorithm') !== 'AWS4-HMAC-SHA256' || keyId !== KEY_ID || scope.length !== 4) return false;
  const signedHeaders = (q.get('X-Amz-SignedHeaders') ?? '').split(';');
  const query = [...q.entries()]
    .filter(([name]) => name !== 'X-Amz-Signature')
    .map(([name, value]) => [uriEncode(name), uriEncode(value)] as const)
    .sort(([a, av], [b, bv]) => (a === b ? compare(av, bv) : compare(a, b)))
    .map(([name, value]) => `${name}=${value}`)
    .join('&');
  const path = url.pathname
    .split('/')
    .map((s) => uriEncode(decodeURIComponent(s)))
    .join('/');
  const canonicalHeaders = signedHeaders
    .map(
      (h) =>
        `${h}:${String(headers[h] ?? '')
          .trim()
          .replace(/\s+/g, ' ')}\n`,
    )
    .join('');
  const canonicalRequest = [
    method,
    path,
    query,
    canonicalHeaders,
    signedHeaders.join(';'),
    q.get('X-Amz-Content-Sha256') ?? 'UNSIGNED-PAYLOAD',
  ].join('\n');
  const stringToSign = [
    'AWS4-HMAC-SHA256',
    q.get('X-Amz-Date') ?? '',
    scope.join('/'),
    createHash('sha256').update(canonicalRequest).digest('hex'),
  ].join('\n');
  let key: Buffer = hmac(`AWS4${SECRET}`, date);
  for (const part of [region, service, 'aws4_request']) key = hmac(key, part);
  const expected = Buffer.from(hmac(key, stringToSign).toString('hex'));
  const given = Buffer.from(q.get('X-Amz-Signature') ?? '');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

function hmac(key: string | Buffer, data: string): Buffer {
  return createHmac('sha256', key).update(data, 'utf8').digest();
}

/** S3's URI encoding: RFC 3986 unreserved characters as they are, everything else %XX. */
function uriEncode(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
