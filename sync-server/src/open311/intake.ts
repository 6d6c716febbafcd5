/**
 * `POST requests`: a GeoReport v2 form checked as the spec says (a known service code, one
 * location, the service definition's attributes, a description of at most 4,000
 * characters), routed, and created through the change log, or, on the test endpoint,
 * checked and answered without creating any work.
 */
import { createHmac, randomUUID, timingSafeEqual } from 'node:crypto';
import { isStorableText, PublicEmail, TEXT_MAX, type ServiceAttribute } from '@fieldfix/shared';
import { z } from 'zod';
import type { Queryable, Sql } from '../db/database.ts';
import { cityDate } from '../time.ts';
import { likelyDuplicates, routeRequest } from '../routing/routing.service.ts';
import { insertRequest } from './intake.repo.ts';
import { Open311Error } from './open311-format.ts';
import { nearestAddress, placeAddress } from '../public/address.repo.ts';
import type { Open311Service } from './open311.repo.ts';
import { serviceNotice } from './open311.documents.ts';

export type Form = Record<string, string | string[]>;

const DAY_MS = 86_400_000;
const SHORT_MAX = 200;

function one(form: Form, key: string): string | null {
  const v = form[key];
  const s = Array.isArray(v) ? v[v.length - 1] : v;
  if (s === undefined) return null;
  if (!isStorableText(s)) throw new Open311Error(400, `${key} contains a character that cannot be stored.`);
  const t = s.trim();
  return t === '' ? null : t;
}

function short(form: Form, key: string, max = SHORT_MAX): string | null {
  const v = one(form, key);
  if (v !== null && v.length > max) throw new Open311Error(400, `${key} is longer than ${max} characters.`);
  return v;
}

function coordinate(form: Form, key: 'lat' | 'long'): number | null {
  const v = one(form, key);
  if (v === null) return null;
  const n = Number(v);
  const limit = key === 'lat' ? 90 : 180;
  if (!/^-?\d+(\.\d+)?$/.test(v) || !Number.isFinite(n) || Math.abs(n) > limit) {
    throw new Open311Error(400, `${key} must be a number between -${limit} and ${limit} (WGS84 degrees).`);
  }
  return n;
}

/** `attribute[CODE]=v` and, for lists of several values, `attribute[CODE][]=v`. */
function attributesOf(form: Form): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const [key, raw] of Object.entries(form)) {
    const m = /^attribute\[([^\]]+)\](\[\])?$/.exec(key);
    if (!m) continue;
    const values = (Array.isArray(raw) ? raw : [raw]).map((v) => v.trim()).filter((v) => v !== '');
    out.set(m[1]!, [...(out.get(m[1]!) ?? []), ...values]);
  }
  return out;
}

/** A number as people write one: digits, a sign, a decimal point (not hex, not exponents). */
const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)$/;
/** GeoReport's date-times (W3C, ISO 8601) with a zone: a time without one is no time at all. */
const DATE_TIME = z.iso.datetime({ offset: true });

/** The form's attribute values checked against the service definition. */
export function checkAttributes(defs: ServiceAttribute[], form: Form): Record<string, string | string[]> {
  const given = attributesOf(form);
  const known = new Map(defs.map((d) => [d.code, d]));
  for (const code of given.keys()) {
    if (!known.has(code)) throw new Open311Error(400, `attribute[${code}] is not an attribute of this service.`);
  }
  const out: Record<string, string | string[]> = {};
  for (const d of defs) {
    const values = given.get(d.code) ?? [];
    if (values.length === 0) {
      if (d.required && d.variable) throw new Open311Error(400, `attribute[${d.code}] is required: ${d.description}`);
      continue;
    }
    for (const v of values) {
      if (v.length > TEXT_MAX)
        throw new Open311Error(400, `attribute[${d.code}] is longer than ${TEXT_MAX} characters.`);
      if (!isStorableText(v))
        throw new Open311Error(400, `attribute[${d.code}] contains a character that cannot be stored.`);
    }
    switch (d.datatype) {
      case 'singlevaluelist':
      case 'multivaluelist': {
        const keys = new Set(d.values.map((x) => x.key));
        const bad = values.find((v) => !keys.has(v));
        if (bad !== undefined) {
          throw new Open311Error(400, `attribute[${d.code}] must be one of ${[...keys].join(', ')}; "${bad}" is not.`);
        }
        if (d.datatype === 'singlevaluelist' && values.length > 1) {
          throw new Open311Error(400, `attribute[${d.code}] takes one value.`);
        }
        out[d.code] = d.datatype === 'multivaluelist' ? [...new Set(values)] : values[0]!;
        break;
      }
      case 'number':
        if (values.length > 1 || !DECIMAL.test(values[0]!)) {
          throw new Open311Error(400, `attribute[${d.code}] must be a number.`);
        }
        out[d.code] = values[0]!;
        break;
      case 'datetime':
        if (values.length > 1 || !DATE_TIME.safeParse(values[0]).success) {
          throw new Open311Error(
            400,
            `attribute[${d.code}] must be a date and time with its zone (ISO 8601, e.g. 2026-06-10T08:00:00-04:00).`,
          );
        }
        out[d.code] = values[0]!;
        break;
      default:
        out[d.code] = values.join('\n');
    }
  }
  return out;
}

/** The reporter's language: `language` or `locale` in the form, else the first of Accept-Language. */
export function languageOf(form: Form, acceptLanguage: string | undefined): string | null {
  const raw = one(form, 'language') ?? one(form, 'locale') ?? acceptLanguage?.split(',')[0]?.split(';')[0] ?? null;
  const primary = raw?.trim().toLowerCase().split(/[-_]/)[0];
  return primary && /^[a-z]{2,3}$/.test(primary) ? primary : null;
}

export type Created = {
  serviceRequestId: string;
  token: string;
  serviceNotice: string | null;
  accountId: string | null;
  /** True when `once` found the case this submission had already made (nothing new was created). */
  replayed: boolean;
};

/**
 * Makes a submission idempotent (the residents' form: the phone's token). Both run inside the
 * transaction that creates the case, so two sends of the same report make one case.
 */
export type Once = {
  /** The case this submission already made, if any (take a lock here). */
  existing(tx: Queryable): Promise<string | null>;
  /** Records that this submission made `caseId`. */
  record(tx: Queryable, caseId: string): Promise<void>;
};

export type IntakeDeps = { sql: Sql; timeZone: string; now?: () => Date };

/** What the sandbox's answer to a POST carries: the request as checked (nothing is stored). */
export type SandboxRequest = { serviceCode: string; lat: number; long: number; requestedAt: Date };

/** A sandbox request's id is its token after `test-`. */
export const SANDBOX_ID_PREFIX = 'test-';
const SANDBOX_SIGNATURE_CHARS = 22;

function sandboxSignature(secret: string, body: string): string {
  // Its own prefix: no signed link (`signLink`, the same key) is ever taken for a sandbox token.
  return createHmac('sha256', secret)
    .update(`open311-sandbox:${body}`)
    .digest('base64url')
    .slice(0, SANDBOX_SIGNATURE_CHARS);
}

/**
 * The sandbox stores nothing, so its token carries what its look-ups answer (the type, the
 * point, the time), signed with the server's link key: only a token it issued is found, on any
 * instance that shares the key.
 */
export function sandboxToken(secret: string, r: SandboxRequest): string {
  const claims = [r.serviceCode, r.lat, r.long, Math.floor(r.requestedAt.getTime() / 1000)];
  const body = Buffer.from(JSON.stringify(claims), 'utf8').toString('base64url');
  return `${body}${sandboxSignature(secret, body)}`;
}

/** The request a sandbox token stands for, or null: not one the sandbox issued. */
export function readSandboxToken(secret: string, token: string): SandboxRequest | null {
  if (!/^[\w-]+$/.test(token) || token.length <= SANDBOX_SIGNATURE_CHARS) return null;
  const body = token.slice(0, -SANDBOX_SIGNATURE_CHARS);
  const got = Buffer.from(token.slice(-SANDBOX_SIGNATURE_CHARS));
  const want = Buffer.from(sandboxSignature(secret, body));
  if (!timingSafeEqual(got, want)) return null;
  const claims = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as [string, number, number, number];
  const [serviceCode, lat, long, seconds] = claims;
  return { serviceCode, lat, long, requestedAt: new Date(seconds * 1000) };
}

/** The request a sandbox `service_request_id` stands for, or null. */
export function readSandboxRequestId(secret: string, id: string): SandboxRequest | null {
  return id.startsWith(SANDBOX_ID_PREFIX) ? readSandboxToken(secret, id.slice(SANDBOX_ID_PREFIX.length)) : null;
}

/**
 * Checks the form and, unless `sandbox`, creates the case. Throws `Open311Error`: 404 for an
 * unknown service code, 400 for anything else wrong (a point outside the city included).
 */
export async function submitRequest(
  deps: IntakeDeps,
  services: Map<string, Open311Service>,
  form: Form,
  opts: {
    /** The test endpoint: checked and answered, nothing created; its tokens are signed with `secret`. */
    sandbox: false | { secret: string };
    apiKeyId: string | null;
    acceptLanguage: string | undefined;
    /** How the report came in, for the history (`open311` by default; `web` for the residents' form). */
    channel?: 'open311' | 'web';
    once?: Once;
  },
): Promise<Created> {
  const code = short(form, 'service_code', 64);
  if (!code) throw new Open311Error(400, 'service_code is required.');
  const service = services.get(code);
  if (!service) throw new Open311Error(404, `No service has the code ${code}.`);

  const givenLat = coordinate(form, 'lat');
  const givenLong = coordinate(form, 'long');
  let addressString = short(form, 'address_string', 500);
  const addressId = short(form, 'address_id');
  if ((givenLat === null) !== (givenLong === null)) throw new Open311Error(400, 'Send lat and long together.');
  let lat: number;
  let long: number;
  if (givenLat !== null && givenLong !== null) {
    lat = givenLat;
    long = givenLong;
  } else if (addressString) {
    // One location of the three the spec allows: an address is placed on the city's streets.
    const placed = await placeAddress(deps.sql, addressString);
    const quoted = JSON.stringify(addressString);
    if (placed.kind === 'incomplete')
      throw new Open311Error(
        400,
        `address_string ${quoted} needs a house number and a street (for example "412 Beech Ave"), or send lat and long.`,
      );
    if (placed.kind === 'none')
      throw new Open311Error(
        400,
        `address_string ${quoted} is not an address in this city: check the number and the street, or send lat and long.`,
      );
    if (placed.kind === 'several')
      throw new Open311Error(
        400,
        `address_string ${quoted} could be ${placed.candidates.slice(0, 3).join(' or ')}: send the full address, or lat and long.`,
      );
    ({ lat, long } = placed.place);
    addressString = placed.place.address;
  } else {
    throw new Open311Error(
      400,
      addressId
        ? 'This city cannot place an address_id: send lat and long, or an address_string.'
        : 'A location is required: send lat and long, or an address_string.',
    );
  }
  const description = one(form, 'description') ?? '';
  if (description.length > TEXT_MAX) throw new Open311Error(400, `description is longer than ${TEXT_MAX} characters.`);
  const attributes = checkAttributes(service.attributes, form);
  const email = short(form, 'email', 254);
  if (email !== null && !PublicEmail.safeParse(email).success)
    throw new Open311Error(400, 'email is not an email address.');
  const mediaUrl = short(form, 'media_url', 2000);
  if (mediaUrl !== null && !/^https?:\/\/\S+$/.test(mediaUrl))
    throw new Open311Error(400, 'media_url must be an http(s) URL.');
  const reporter = {
    firstName: short(form, 'first_name'),
    lastName: short(form, 'last_name'),
    email,
    phone: short(form, 'phone', 64),
    deviceId: short(form, 'device_id'),
    accountId: short(form, 'account_id'),
    language: languageOf(form, opts.acceptLanguage),
  };

  // A point with no address is named by the nearest house number on the city's streets (none
  // farther than a block face away): crews and leads read a case by its address.
  // Its ZIP code is the nearest block face's (a request names none in GeoReport v2).
  const near = opts.sandbox ? null : await nearestAddress(deps.sql, { lat, long });
  if (!addressString) addressString = near?.address ?? null;

  const now = deps.now?.() ?? new Date();
  const created = await deps.sql.begin(async (tx) => {
    const route = await routeRequest(
      tx,
      { lat, long },
      {
        code: service.code,
        group: service.group,
        departmentId: service.departmentId,
      },
    );
    if (!route) {
      throw new Open311Error(
        400,
        `The point ${lat}, ${long} is outside the city: this city cannot take a request there.`,
      );
    }
    if (opts.sandbox) {
      const token = sandboxToken(opts.sandbox.secret, { serviceCode: service.code, lat, long, requestedAt: now });
      return { serviceRequestId: `${SANDBOX_ID_PREFIX}${token}`, token, replayed: false };
    }
    const token = randomUUID();
    const before = opts.once ? await opts.once.existing(tx) : null;
    if (before) return { serviceRequestId: before, token: '', replayed: true };
    // The lead merges duplicates (R6); the history names the likely ones so they need not search.
    const duplicates = ((await likelyDuplicates(tx, { serviceCode: service.code, lat, long })) ?? []).slice(0, 3);
    const duplicateWords =
      duplicates.length === 0
        ? ''
        : ` Likely a duplicate of ${duplicates.map((d) => `#${d.id} (${d.metres} m away)`).join(', ')}.`;
    const id = await insertRequest(tx, {
      serviceCode: service.code,
      description,
      lat,
      long,
      address: addressString ?? '',
      addressId,
      zipcode: near?.zipcode ?? null,
      districtId: route.districtId,
      attributes,
      mediaUrl,
      expectedAt: new Date(now.getTime() + service.slaDays * DAY_MS),
      crewId: route.crewId,
      day: route.crewId ? cityDate(now, deps.timeZone) : null,
      routedMessage: route.message + duplicateWords,
      likelyDuplicateIds: duplicates.map((d) => d.id),
      routedPublicMessage: route.publicMessage,
      routedDepartmentId: route.departmentId,
      reporter,
      apiKeyId: opts.apiKeyId,
      token,
      channel: opts.channel ?? 'open311',
      now,
    });
    await opts.once?.record(tx, id);
    return { serviceRequestId: id, token, replayed: false };
  });
  return { ...created, serviceNotice: serviceNotice(service), accountId: null };
}
