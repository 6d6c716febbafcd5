import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { describe, expect, it } from 'vitest';
import { createApp } from '../app.ts';
import { loadConfig } from '../config.ts';
import { quietLogger } from '../../test/test-app.ts';
import { bucketOrigin } from './bucket-origin.ts';

// Presigning needs no server: the SDK only builds and signs the URL.
async function sdkOrigin(c: { bucket: string; region: string; forcePathStyle: boolean; endpoint?: string }) {
  const client = new S3Client({
    region: c.region,
    forcePathStyle: c.forcePathStyle,
    ...(c.endpoint ? { endpoint: c.endpoint } : {}),
    credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' },
  });
  const url = await getSignedUrl(client, new GetObjectCommand({ Bucket: c.bucket, Key: 'city/photos/x' }), {
    expiresIn: 60,
  });
  return new URL(url).origin;
}

describe('the origin of presigned photo URLs', () => {
  it.each([
    { bucket: 'city-photos', region: 'us-east-1', forcePathStyle: false },
    { bucket: 'city-photos', region: 'eu-west-1', forcePathStyle: false },
    { bucket: 'city.photos', region: 'eu-west-1', forcePathStyle: false },
    { bucket: 'city-photos', region: 'eu-west-1', forcePathStyle: true },
    { bucket: 'city-photos', region: 'us-east-1', forcePathStyle: false, endpoint: 'https://minio.example.org:9000' },
    { bucket: 'city.photos', region: 'us-east-1', forcePathStyle: false, endpoint: 'https://minio.example.org:9000' },
    { bucket: 'city.photos', region: 'us-east-1', forcePathStyle: false, endpoint: 'http://minio.example.org:9000' },
    { bucket: 'city-photos', region: 'us-east-1', forcePathStyle: true, endpoint: 'http://127.0.0.1:9000/' },
  ])('is the one the SDK signs for %o', async (c) => {
    expect(bucketOrigin({ endpoint: undefined, ...c })).toBe(await sdkOrigin(c));
  });
});

/** The policy's sources for one directive. */
function directive(res: Response, name: string): string[] {
  const header = res.headers.get('content-security-policy') ?? '';
  const d = header
    .split(';')
    .map((s) => s.trim().split(/\s+/))
    .find(([n]) => n === name);
  return d ? d.slice(1) : [];
}

describe('the Content-Security-Policy and presigned downloads', () => {
  const env = {
    PHOTO_STORE: 's3://city-photos/riverton',
    S3_ENDPOINT: 'https://objects.example.org',
    AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE',
    AWS_SECRET_ACCESS_KEY: 'secret',
  };
  // None of these requests reaches the database.
  const app = (extra: Record<string, string>) =>
    createApp(
      {
        sql: undefined as never,
        config: loadConfig({ ...env, ...extra }),
        dbKind: 'postgres',
        version: 'test',
        log: quietLogger,
      },
      {},
    );

  it('lets the app load photos from the bucket when downloads are presigned', async () => {
    const res = await app({ PHOTO_DOWNLOADS: 'presigned' }).request('/api/nothing-here');
    expect(directive(res, 'img-src')).toEqual(["'self'", 'blob:', 'data:', 'https://objects.example.org']);
    expect(directive(res, 'connect-src')).toEqual(["'self'", 'https://objects.example.org']);
  });

  it('names no bucket when the server streams the bytes', async () => {
    const res = await app({}).request('/api/nothing-here');
    expect(directive(res, 'img-src')).toEqual(["'self'", 'blob:', 'data:']);
    expect(directive(res, 'connect-src')).toEqual(["'self'"]);
  });
});
