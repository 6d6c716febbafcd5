import type { S3PhotoConfig } from './s3-photo-store.ts';

/**
 * The origin of the bucket's presigned URLs, as the AWS SDK builds them: the browser loads
 * photos from there when downloads are presigned, so the Content-Security-Policy must allow
 * it. Path style: the endpoint's origin; virtual-host style: the bucket before the host (not
 * for a bucket name with dots over https, whose certificate would not match: the SDK then
 * falls back to path style). Without an endpoint: AWS S3 in the configured region.
 * (`bucket-origin.test.ts` checks this against the SDK's own URLs.)
 */
export function bucketOrigin(c: Pick<S3PhotoConfig, 'bucket' | 'endpoint' | 'region' | 'forcePathStyle'>): string {
  const endpoint = new URL(c.endpoint ?? `https://s3.${c.region}.amazonaws.com`);
  const virtualHost = !c.forcePathStyle && (!c.bucket.includes('.') || endpoint.protocol === 'http:');
  return virtualHost ? `${endpoint.protocol}//${c.bucket}.${endpoint.host}` : endpoint.origin;
}
