import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { PASSWORD_MIN } from '@fieldfix/shared';
import type { FirstAdmin } from './auth/first-admin.ts';
import { STREAM_TIMINGS, type StreamTimings } from './photos/upload-timings.ts';
import type { S3PhotoConfig } from './photos/s3-photo-store.ts';
import { QUIET_PULL_TIMES, type QuietPullTimes } from './sync/quiet-pull.ts';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

const Env = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  HOST: z.string().default('0.0.0.0'),
  /** A real PostgreSQL server. Without it the server runs on embedded PGlite under DATA_DIR. */
  DATABASE_URL: z.string().url().optional(),
  DATA_DIR: z.string().default(`${repoRoot}.data`),
  /** The built field-app, served on the same origin. */
  STATIC_DIR: z.string().default(`${repoRoot}field-app/build`),
  /** `auto` seeds the demo city into an empty database; `off` never does. */
  DEMO_DATA: z.enum(['auto', 'off']).default('auto'),
  /** The first administrator, made at start while the city has none (`auth/first-admin.ts`). */
  FIRST_ADMIN_EMAIL: z.email('an email address').optional(),
  FIRST_ADMIN_PASSWORD: z.string().min(PASSWORD_MIN, `at least ${PASSWORD_MIN} characters`).optional(),
  FIRST_ADMIN_NAME: z.string().trim().min(1).max(200).default('Administrator'),
  /** How long a staff session (and so offline work on a device) lasts: one shift. */
  SESSION_HOURS: z.coerce
    .number()
    .positive()
    .max(24 * 14)
    .default(12),
  /** The city's time zone decides what "today" is for a crew. */
  CITY_TIMEZONE: z.string().default('America/Detroit'),
  /** Public address of the app; an https one makes session cookies Secure. */
  PUBLIC_URL: z.string().url().optional(),
  /**
   * How many proxies in front of the server add the client's address to X-Forwarded-For:
   * `true` is one, `false` (the default) none; then the socket's address is the client's.
   * Never set it on a server people reach directly: anyone could then pick their address.
   */
  TRUST_PROXY: z
    .string()
    .regex(/^(true|false|\d)$/, 'true, false, or a number of proxies (0-9)')
    .default('false')
    .transform((v) => (v === 'true' ? 1 : v === 'false' ? 0 : Number(v))),
  LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error', 'silent']).default('info'),
  /** Where uploaded photo bytes and thumbnails are kept; `${DATA_DIR}/photos` unless set. */
  PHOTOS_DIR: z.string().optional(),
  /**
   * `s3://bucket/prefix`: photos in an S3-compatible bucket (see `S3_*` and the AWS key
   * pair) instead of files under PHOTOS_DIR.
   */
  PHOTO_STORE: z
    .string()
    .regex(/^s3:\/\/[^/\s]+(\/\S*)?$/, 'an s3://bucket/prefix URL (unset: files under PHOTOS_DIR)')
    .optional(),
  /** An S3-compatible server (MinIO, Ceph, R2, …); unset: AWS S3 itself. */
  S3_ENDPOINT: z
    .string()
    .regex(/^https?:\/\/[^\s/]+(\/\S*)?$/, 'an http(s) URL, e.g. http://127.0.0.1:9000')
    .optional(),
  /** The bucket's region; AWS_REGION when unset, else us-east-1. */
  S3_REGION: z
    .string()
    .regex(/^[a-z0-9-]+$/, 'a region name such as us-east-1')
    .optional(),
  AWS_REGION: z.string().optional(),
  /** `true`: the bucket in the path (most S3-compatible servers); default true with S3_ENDPOINT. */
  S3_FORCE_PATH_STYLE: z.enum(['true', 'false'], 'true or false').optional(),
  /** The key pair for the bucket; both or neither (then the SDK's own chain: instance role, …). */
  AWS_ACCESS_KEY_ID: z.string().optional(),
  AWS_SECRET_ACCESS_KEY: z.string().optional(),
  AWS_SESSION_TOKEN: z.string().optional(),
  /**
   * How a photo download is answered: `stream` (the default), the server sends the bytes;
   * `presigned`, after the same access check, a redirect to a short-lived signed URL of the
   * bucket, so the bytes do not pass through the server (PHOTO_STORE=s3://… only).
   */
  PHOTO_DOWNLOADS: z.enum(['stream', 'presigned'], 'stream or presigned').default('stream'),
  /** How long a presigned download URL stays valid, in seconds. */
  PHOTO_URL_SECONDS: z.coerce
    .number('a whole number of seconds')
    .int('a whole number of seconds')
    .min(10, 'at least 10 seconds')
    .max(3600, 'at most 3600 seconds (an hour): the URL is handed to a browser and works for anyone until then')
    .default(300),
  /**
   * Days after its case was closed (fixed, closed not fixed, cancelled) that a photo's bytes and
   * thumbnail are deleted; its row stays and says so. Unset: photos are kept forever.
   */
  PHOTO_RETENTION_DAYS: z.coerce
    .number('a whole number of days')
    .int('a whole number of days')
    .min(30, 'at least 30 days: a resident may reopen a fixed case for 14 days, and the crew then needs its photos')
    .max(36_500, 'at most 36500 days; unset it to keep photos forever')
    .optional(),
  /**
   * Hours the bytes of an unfinished upload may sit without growing before they are removed;
   * the device, which still holds the photo, then sends it again from byte 0.
   */
  UPLOAD_ABANDON_HOURS: z.coerce
    .number('a whole number of hours')
    .int('a whole number of hours')
    .min(1, 'at least 1 hour')
    .max(24 * 365, 'at most 8760 hours (a year)')
    .default(72),
  /** The largest photo accepted for upload, in bytes. */
  PHOTO_MAX_BYTES: z.coerce
    .number()
    .int()
    .positive()
    .default(10 * 1024 * 1024),
  /** A PMTiles vector basemap archive (path or http(s) URL); without it the demo city's map is generated. */
  TILES_PMTILES: z.string().optional(),
  /** Highest zoom of the generated demo basemap. */
  TILES_MAXZOOM: z.coerce.number().int().min(12).max(22).default(17),
  /** An external tile URL template (`{z}/{x}/{y}`, optional `{version}`) the style uses instead of /tiles. */
  TILES_URL: z
    .string()
    .refine(
      (u) => /^https?:\/\//.test(u) && ['{z}', '{x}', '{y}'].every((p) => u.includes(p)),
      'an http(s) URL with {z}, {x} and {y}',
    )
    .optional(),
  /**
   * Where resident notices are sent (`smtp://user:pass@host:587`, `smtps://…`). Without it
   * they are kept in `${DATA_DIR}/mailbox` and shown to admins in the app.
   */
  SMTP_URL: z
    .string()
    .regex(/^smtps?:\/\/[^\s]+$/, 'an smtp:// or smtps:// URL')
    .optional(),
  /** The sender of resident notices. */
  MAIL_FROM: z.string().default('Fieldfix <notices@fieldfix.invalid>'),
  /** The key that signs links in notices; unset: one generated once and kept in the database. */
  LINK_SECRET: z.string().min(32, 'at least 32 characters').optional(),
  /** `off` starts no notice worker in this instance (another instance sends). */
  NOTICE_WORKER: z.enum(['on', 'off']).default('on'),
  /** How long a worker's claim on a notice lasts; another instance sends it after that. */
  NOTICE_LEASE_SECONDS: z.coerce.number().int().min(1).max(3600).default(120),
  /** A token a monitoring system sends to read `/metrics` from anywhere; unset: this machine only. */
  METRICS_TOKEN: z.string().min(16, 'at least 16 characters').optional(),
});

/**
 * Failed sign-ins allowed before a key (an account, a client address) is locked for a while.
 * Counts start with a key's first failure and last `windowSeconds`; each lockout in a row is
 * twice as long as the last, up to `maxLockoutSeconds`, and a day without one forgets them.
 */
export type LoginThrottlePolicy = {
  windowSeconds: number;
  accountMaxFailures: number;
  addressMaxFailures: number;
  lockoutSeconds: number;
  maxLockoutSeconds: number;
  /** How long after a lockout ends a new one still counts as "in a row". */
  rememberLockoutsSeconds: number;
};

export const DEFAULT_LOGIN_THROTTLE: LoginThrottlePolicy = {
  windowSeconds: 15 * 60,
  accountMaxFailures: 5,
  // Higher: many crews may sign in from behind one address (a depot's network, a carrier's NAT).
  addressMaxFailures: 30,
  lockoutSeconds: 15 * 60,
  maxLockoutSeconds: 60 * 60,
  rememberLockoutsSeconds: 24 * 60 * 60,
};

export type Config = {
  port: number;
  host: string;
  databaseUrl: string | undefined;
  dataDir: string;
  staticDir: string;
  demoData: 'auto' | 'off';
  /** The first administrator to make while the city has none; unset: none is made. */
  firstAdmin?: FirstAdmin;
  sessionHours: number;
  cityTimeZone: string;
  secureCookies: boolean;
  /** Where people reach the server (`PUBLIC_URL`), when it sits behind a proxy; else unset. */
  publicUrl: string | undefined;
  /** Proxies trusted to append the client's address to X-Forwarded-For (`TRUST_PROXY`); 0: none. */
  trustProxyHops: number;
  /** Sign-in limits: `DEFAULT_LOGIN_THROTTLE`; tests shorten them. */
  loginThrottle: LoginThrottlePolicy;
  logLevel: 'debug' | 'info' | 'warn' | 'error' | 'silent';
  /** The file store's folder (`PHOTOS_DIR`); unused when `photoS3` is set. */
  photosDir: string;
  /** Photos in an S3-compatible bucket (`PHOTO_STORE=s3://…`); unset: files under `photosDir`. */
  photoS3: S3PhotoConfig | undefined;
  photoMaxBytes: number;
  /** `presigned`: downloads are redirects to signed bucket URLs (`PHOTO_DOWNLOADS`, needs `photoS3`). */
  photoDownloads: 'stream' | 'presigned';
  /** How long a presigned download URL is valid (`PHOTO_URL_SECONDS`). */
  photoUrlSeconds: number;
  /** Days after a case closed that its photos' bytes are deleted (`PHOTO_RETENTION_DAYS`); unset: never. */
  photoRetentionDays: number | undefined;
  /** Hours an unfinished upload's bytes may sit unmoved before they are swept (`UPLOAD_ABANDON_HOURS`). */
  uploadAbandonHours: number;
  /** Streamed photo uploads: lease and idle times (`STREAM_TIMINGS`); tests shorten them. */
  uploadTimings: StreamTimings;
  /** What an instance remembers to answer a device up to date (`QUIET_PULL_TIMES`); tests shorten them. */
  quietPull: QuietPullTimes;
  tilesPmtiles: string | undefined;
  tilesMaxZoom: number;
  tilesUrl: string | undefined;
  /** Where resident notices go; unset: the mailbox in the data folder. */
  smtpUrl: string | undefined;
  mailFrom: string;
  /** The link-signing key (`LINK_SECRET`); unset: generated under `dataDir` (`linkSecret()`). */
  linkSecret: string | undefined;
  noticeWorker: boolean;
  noticeLeaseSeconds: number;
  /** Who may read `/metrics` besides this machine (`METRICS_TOKEN`); unset: nobody else. */
  metricsToken: string | undefined;
};

/** Reads the configuration from the environment; a bad value stops the server with its name. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = Env.safeParse(Object.fromEntries(Object.entries(env).filter(([, v]) => v !== '')));
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new Error(`Invalid configuration:\n${lines.join('\n')}`);
  }
  const e = parsed.data;
  // Emails carry links (track, "still a problem?", unsubscribe) that must reach residents, not this machine.
  if (!e.FIRST_ADMIN_EMAIL !== !e.FIRST_ADMIN_PASSWORD) {
    throw new Error(
      'Invalid configuration:\n  FIRST_ADMIN_EMAIL and FIRST_ADMIN_PASSWORD: give both (the first administrator) or neither.',
    );
  }
  if (e.FIRST_ADMIN_EMAIL && e.DEMO_DATA !== 'off') {
    throw new Error(
      "Invalid configuration:\n  FIRST_ADMIN_EMAIL: set DEMO_DATA=off with it: the demo city's administrator (with its published password) would be made first, and the first administrator never.",
    );
  }
  if (e.SMTP_URL && !e.PUBLIC_URL) {
    throw new Error(
      "Invalid configuration:\n  PUBLIC_URL: needed with SMTP_URL, or every link in the residents' emails would point to this machine (http://localhost…). Set it to the address residents reach (docs/deploy.md).",
    );
  }
  try {
    new Intl.DateTimeFormat('en', { timeZone: e.CITY_TIMEZONE });
  } catch {
    throw new Error(`Invalid configuration:\n  CITY_TIMEZONE: unknown time zone "${e.CITY_TIMEZONE}"`);
  }
  const photoS3 = s3PhotoConfig(e);
  return {
    port: e.PORT,
    host: e.HOST,
    databaseUrl: e.DATABASE_URL,
    dataDir: e.DATA_DIR,
    staticDir: e.STATIC_DIR,
    demoData: e.DEMO_DATA,
    ...(e.FIRST_ADMIN_EMAIL && e.FIRST_ADMIN_PASSWORD
      ? { firstAdmin: { email: e.FIRST_ADMIN_EMAIL, password: e.FIRST_ADMIN_PASSWORD, name: e.FIRST_ADMIN_NAME } }
      : {}),
    sessionHours: e.SESSION_HOURS,
    cityTimeZone: e.CITY_TIMEZONE,
    secureCookies: e.PUBLIC_URL?.startsWith('https:') ?? false,
    publicUrl: e.PUBLIC_URL,
    trustProxyHops: e.TRUST_PROXY,
    loginThrottle: DEFAULT_LOGIN_THROTTLE,
    logLevel: e.LOG_LEVEL,
    photosDir: e.PHOTOS_DIR ?? `${e.DATA_DIR}/photos`,
    photoS3,
    photoMaxBytes: e.PHOTO_MAX_BYTES,
    photoDownloads: e.PHOTO_DOWNLOADS,
    photoUrlSeconds: e.PHOTO_URL_SECONDS,
    photoRetentionDays: e.PHOTO_RETENTION_DAYS,
    uploadAbandonHours: e.UPLOAD_ABANDON_HOURS,
    uploadTimings: STREAM_TIMINGS,
    quietPull: QUIET_PULL_TIMES,
    tilesPmtiles: e.TILES_PMTILES,
    tilesMaxZoom: e.TILES_MAXZOOM,
    tilesUrl: e.TILES_URL,
    smtpUrl: e.SMTP_URL,
    mailFrom: e.MAIL_FROM,
    linkSecret: e.LINK_SECRET,
    noticeWorker: e.NOTICE_WORKER === 'on',
    noticeLeaseSeconds: e.NOTICE_LEASE_SECONDS,
    metricsToken: e.METRICS_TOKEN,
  };
}

/** The bucket of `PHOTO_STORE=s3://bucket/prefix` and how to reach it; undefined without it. */
function s3PhotoConfig(e: z.infer<typeof Env>): S3PhotoConfig | undefined {
  const problems: string[] = [];
  if (!e.PHOTO_STORE) {
    for (const name of ['S3_ENDPOINT', 'S3_FORCE_PATH_STYLE'] as const) {
      if (e[name] !== undefined) problems.push(`${name}: set, but PHOTO_STORE is not an s3:// URL`);
    }
    if (e.PHOTO_DOWNLOADS === 'presigned') {
      problems.push(
        'PHOTO_DOWNLOADS: presigned needs PHOTO_STORE=s3://bucket/prefix (photos in files under PHOTOS_DIR are always streamed by the server)',
      );
    }
    if (problems.length) throw new Error(`Invalid configuration:\n  ${problems.join('\n  ')}`);
    return undefined;
  }
  const [bucket = '', ...rest] = e.PHOTO_STORE.slice('s3://'.length).split('/');
  // S3's rules for a bucket name (lower case, so it also works in a host name).
  if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket) || bucket.includes('..')) {
    problems.push(`PHOTO_STORE: "${bucket}" is not a bucket name (3-63 lower-case letters, digits, dots and hyphens)`);
  }
  const segments = rest.filter((s) => s !== '');
  if (segments.some((s) => s === '.' || s === '..')) problems.push('PHOTO_STORE: the prefix may not contain . or ..');
  if (Boolean(e.AWS_ACCESS_KEY_ID) !== Boolean(e.AWS_SECRET_ACCESS_KEY)) {
    problems.push(
      e.AWS_ACCESS_KEY_ID
        ? 'AWS_SECRET_ACCESS_KEY: missing (AWS_ACCESS_KEY_ID is set; give both or neither)'
        : 'AWS_ACCESS_KEY_ID: missing (AWS_SECRET_ACCESS_KEY is set; give both or neither)',
    );
  }
  if (problems.length) throw new Error(`Invalid configuration:\n  ${problems.join('\n  ')}`);
  return {
    bucket,
    prefix: segments.length ? `${segments.join('/')}/` : '',
    endpoint: e.S3_ENDPOINT,
    region: e.S3_REGION ?? e.AWS_REGION ?? 'us-east-1',
    forcePathStyle: e.S3_FORCE_PATH_STYLE ? e.S3_FORCE_PATH_STYLE === 'true' : e.S3_ENDPOINT !== undefined,
    credentials:
      e.AWS_ACCESS_KEY_ID && e.AWS_SECRET_ACCESS_KEY
        ? {
            accessKeyId: e.AWS_ACCESS_KEY_ID,
            secretAccessKey: e.AWS_SECRET_ACCESS_KEY,
            ...(e.AWS_SESSION_TOKEN ? { sessionToken: e.AWS_SESSION_TOKEN } : {}),
          }
        : undefined,
  };
}
