/**
 * A real S3-API server on loopback for tests: s3rver (MIT, plain JavaScript, no binary to
 * fetch), storing objects in a temporary folder. It answers over HTTP with S3's signatures,
 * XML and error codes, so `S3PhotoStore` is tested through the real AWS SDK.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import S3rver from 's3rver';
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

export async function startLoopbackS3(bucket = 'fieldfix-photos', prefix = 'city/'): Promise<LoopbackS3> {
  const directory = await mkdtemp(join(tmpdir(), 'fieldfix-s3-'));
  let port = 0;
  let server: S3rver | null = null;
  const start = async () => {
    if (server) return;
    const s = new S3rver({ address: '127.0.0.1', port, silent: true, directory, configureBuckets: [{ name: bucket }] });
    port = (await s.run()).port;
    server = s;
  };
  const stop = async () => {
    const s = server;
    server = null;
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
      credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    },
    start,
    stop,
    async close() {
      await stop();
      await rm(directory, { recursive: true, force: true });
    },
  };
}
