import { describe, expect, it } from 'vitest';
import { loadConfig } from './config.ts';

describe('PHOTO_STORE and the S3 settings', () => {
  it('unset: files under PHOTOS_DIR (or DATA_DIR/photos)', () => {
    const c = loadConfig({ DATA_DIR: '/srv/fieldfix' });
    expect(c.photoS3).toBeUndefined();
    expect(c.photosDir).toBe('/srv/fieldfix/photos');
  });

  it('s3://bucket/prefix with an endpoint and a key pair', () => {
    const c = loadConfig({
      PHOTO_STORE: 's3://city-photos/riverton/prod',
      S3_ENDPOINT: 'http://127.0.0.1:9000',
      S3_REGION: 'eu-west-1',
      AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE',
      AWS_SECRET_ACCESS_KEY: 'secret',
    });
    expect(c.photoS3).toEqual({
      bucket: 'city-photos',
      prefix: 'riverton/prod/',
      endpoint: 'http://127.0.0.1:9000',
      region: 'eu-west-1',
      forcePathStyle: true, // the usual for an S3-compatible server
      credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' },
    });
  });

  it('AWS itself: no prefix, AWS_REGION, virtual-host style, the SDK’s own credentials', () => {
    const c = loadConfig({ PHOTO_STORE: 's3://city-photos', AWS_REGION: 'us-west-2' });
    expect(c.photoS3).toEqual({
      bucket: 'city-photos',
      prefix: '',
      endpoint: undefined,
      region: 'us-west-2',
      forcePathStyle: false,
      credentials: undefined,
    });
    expect(loadConfig({ PHOTO_STORE: 's3://b-1/', S3_FORCE_PATH_STYLE: 'true' }).photoS3).toMatchObject({
      prefix: '',
      forcePathStyle: true,
      region: 'us-east-1',
    });
  });

  it.each([
    [{ PHOTO_STORE: '/var/photos' }, /PHOTO_STORE: an s3:\/\/bucket\/prefix URL/],
    [{ PHOTO_STORE: 's3://Bad_Bucket/x' }, /PHOTO_STORE: "Bad_Bucket" is not a bucket name/],
    [{ PHOTO_STORE: 's3://ok-bucket/a/../b' }, /PHOTO_STORE: the prefix may not contain/],
    [{ PHOTO_STORE: 's3://ok-bucket', S3_ENDPOINT: 'minio:9000' }, /S3_ENDPOINT: an http\(s\) URL/],
    [{ PHOTO_STORE: 's3://ok-bucket', S3_FORCE_PATH_STYLE: 'yes' }, /S3_FORCE_PATH_STYLE: true or false/],
    [{ PHOTO_STORE: 's3://ok-bucket', AWS_ACCESS_KEY_ID: 'AKID' }, /AWS_SECRET_ACCESS_KEY: missing/],
    [{ PHOTO_STORE: 's3://ok-bucket', AWS_SECRET_ACCESS_KEY: 's' }, /AWS_ACCESS_KEY_ID: missing/],
    [{ S3_ENDPOINT: 'http://127.0.0.1:9000' }, /S3_ENDPOINT: set, but PHOTO_STORE is not an s3:\/\/ URL/],
  ])('%o is refused, naming the problem', (env, message) => {
    expect(() => loadConfig(env)).toThrow(message);
  });
});
