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

describe('photo downloads, retention and the upload sweep', () => {
  const bucket = { PHOTO_STORE: 's3://city-photos/riverton' };

  it('defaults: streamed downloads, URLs for 5 minutes, photos kept forever, uploads swept after 72 hours', () => {
    const c = loadConfig({});
    expect(c.photoDownloads).toBe('stream');
    expect(c.photoUrlSeconds).toBe(300);
    expect(c.photoRetentionDays).toBeUndefined();
    expect(c.uploadAbandonHours).toBe(72);
  });

  it('presigned downloads from a bucket, with their expiry; a retention period; another sweep age', () => {
    const c = loadConfig({
      ...bucket,
      PHOTO_DOWNLOADS: 'presigned',
      PHOTO_URL_SECONDS: '120',
      PHOTO_RETENTION_DAYS: '365',
      UPLOAD_ABANDON_HOURS: '24',
    });
    expect(c).toMatchObject({
      photoDownloads: 'presigned',
      photoUrlSeconds: 120,
      photoRetentionDays: 365,
      uploadAbandonHours: 24,
    });
    // Retention and the sweep work on the file store too.
    expect(loadConfig({ PHOTO_RETENTION_DAYS: '90' }).photoRetentionDays).toBe(90);
  });

  it.each([
    [{ PHOTO_DOWNLOADS: 'presigned' }, /PHOTO_DOWNLOADS: presigned needs PHOTO_STORE=s3:\/\/bucket\/prefix/],
    [{ ...bucket, PHOTO_DOWNLOADS: 'redirect' }, /PHOTO_DOWNLOADS: stream or presigned/],
    [{ ...bucket, PHOTO_URL_SECONDS: '5' }, /PHOTO_URL_SECONDS: at least 10 seconds/],
    [{ ...bucket, PHOTO_URL_SECONDS: '86400' }, /PHOTO_URL_SECONDS: at most 3600 seconds/],
    [{ PHOTO_RETENTION_DAYS: 'forever' }, /PHOTO_RETENTION_DAYS: a whole number of days/],
    [{ PHOTO_RETENTION_DAYS: '7' }, /PHOTO_RETENTION_DAYS: at least 30 days/],
    [{ PHOTO_RETENTION_DAYS: '90.5' }, /PHOTO_RETENTION_DAYS: a whole number of days/],
    [{ UPLOAD_ABANDON_HOURS: '0' }, /UPLOAD_ABANDON_HOURS: at least 1 hour/],
    [{ UPLOAD_ABANDON_HOURS: 'soon' }, /UPLOAD_ABANDON_HOURS: a whole number of hours/],
  ])('%o is refused, naming the problem', (env, message) => {
    expect(() => loadConfig(env)).toThrow(message);
  });
});

describe('mail', () => {
  it("needs PUBLIC_URL with SMTP_URL: the emails' links must reach residents", () => {
    expect(() => loadConfig({ SMTP_URL: 'smtp://mail.internal:587' })).toThrow(
      /PUBLIC_URL: needed with SMTP_URL, or every link in the residents' emails would point to this machine/,
    );
    const c = loadConfig({ SMTP_URL: 'smtp://mail.internal:587', PUBLIC_URL: 'https://311.city.example' });
    expect(c).toMatchObject({ smtpUrl: 'smtp://mail.internal:587', publicUrl: 'https://311.city.example' });
    expect(loadConfig({}).smtpUrl).toBeUndefined(); // the embedded mailbox needs neither
  });
});

describe('the first administrator', () => {
  it('is read from FIRST_ADMIN_EMAIL and FIRST_ADMIN_PASSWORD (and a name), or not at all', () => {
    expect(loadConfig({}).firstAdmin).toBeUndefined();
    const c = loadConfig({
      FIRST_ADMIN_EMAIL: 'it@city.example',
      FIRST_ADMIN_PASSWORD: 'long-enough-pw',
      DEMO_DATA: 'off',
    });
    expect(c.firstAdmin).toEqual({ email: 'it@city.example', password: 'long-enough-pw', name: 'Administrator' });
    expect(
      loadConfig({
        FIRST_ADMIN_EMAIL: 'it@city.example',
        FIRST_ADMIN_PASSWORD: 'long-enough-pw',
        FIRST_ADMIN_NAME: 'IT',
        DEMO_DATA: 'off',
      }).firstAdmin?.name,
    ).toBe('IT');
  });

  it.each([
    [{ FIRST_ADMIN_EMAIL: 'it@city.example' }, /FIRST_ADMIN_EMAIL and FIRST_ADMIN_PASSWORD: give both/],
    [{ FIRST_ADMIN_PASSWORD: 'long-enough-pw' }, /FIRST_ADMIN_EMAIL and FIRST_ADMIN_PASSWORD: give both/],
    [
      { FIRST_ADMIN_EMAIL: 'not an email', FIRST_ADMIN_PASSWORD: 'long-enough-pw' },
      /FIRST_ADMIN_EMAIL: an email address/,
    ],
    [
      { FIRST_ADMIN_EMAIL: 'it@city.example', FIRST_ADMIN_PASSWORD: 'short', DEMO_DATA: 'off' },
      /FIRST_ADMIN_PASSWORD: at least 10 characters/,
    ],
    [
      { FIRST_ADMIN_EMAIL: 'it@city.example', FIRST_ADMIN_PASSWORD: 'long-enough-pw' },
      /FIRST_ADMIN_EMAIL: set DEMO_DATA=off with it/,
    ],
  ])('%o is refused, naming the problem', (env, message) => {
    expect(() => loadConfig(env)).toThrow(message);
  });
});
