import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Config } from '../config.ts';

/**
 * Links in resident notices carry a token signed with the server's secret (HMAC-SHA256), so
 * nobody can make one for a case or an address that was not sent to them: unsubscribing,
 * "still a problem?" and the tracking page each check their own purpose.
 */
export type LinkClaims =
  | { p: 'unsubscribe'; caseId: string; email: string }
  | { p: 'track'; caseId: string }
  /** "Still a problem?": reopens the case until `exp` (seconds since the epoch). */
  | { p: 'still-a-problem'; caseId: string; exp: number }
  /** Confirms following a case by email (double opt-in), until `exp`. */
  | { p: 'follow'; caseId: string; email: string; language: 'en' | 'es'; exp: number };

const b64 = (b: Buffer | string) => Buffer.from(b).toString('base64url');

export function signLink(secret: string, claims: LinkClaims): string {
  const body = b64(JSON.stringify(claims));
  return `${body}.${mac(secret, body)}`;
}

/** The claims of a token made by `signLink` for `purpose`, or null: forged, altered, expired. */
export function verifyLink<P extends LinkClaims['p']>(
  secret: string,
  token: string,
  purpose: P,
  now: Date = new Date(),
): Extract<LinkClaims, { p: P }> | null {
  const [body, sig, extra] = token.split('.');
  if (!body || !sig || extra !== undefined) return null;
  const want = Buffer.from(mac(secret, body));
  const got = Buffer.from(sig);
  if (got.length !== want.length || !timingSafeEqual(got, want)) return null;
  let claims: LinkClaims;
  try {
    claims = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as LinkClaims;
  } catch {
    return null;
  }
  if (claims.p !== purpose) return null;
  if ((claims.p === 'still-a-problem' || claims.p === 'follow') && claims.exp * 1000 < now.getTime()) return null;
  return claims as Extract<LinkClaims, { p: P }>;
}

function mac(secret: string, body: string): string {
  return createHmac('sha256', secret).update(body).digest('base64url');
}

const generated = new Map<string, string>();

/**
 * The link-signing key: `LINK_SECRET`, or one generated on first use and kept in the data
 * folder (`link-secret`), so links sent before a restart keep working.
 */
export function linkSecret(config: Pick<Config, 'linkSecret' | 'dataDir'>): string {
  if (config.linkSecret) return config.linkSecret;
  const known = generated.get(config.dataDir);
  if (known) return known;
  const file = join(config.dataDir, 'link-secret');
  mkdirSync(config.dataDir, { recursive: true });
  try {
    writeFileSync(file, randomBytes(32).toString('base64url'), { flag: 'wx', mode: 0o600 });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  const secret = readFileSync(file, 'utf8').trim();
  generated.set(config.dataDir, secret);
  return secret;
}

/** A Message-ID that is the same every time one notice is sent to one address. */
export function stableMessageId(outboxId: string, email: string, domain: string): string {
  const who = createHash('sha256').update(email.toLowerCase()).digest('hex').slice(0, 16);
  return `<notice-${outboxId}-${who}@${domain}>`;
}
