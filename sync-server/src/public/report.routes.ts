/**
 * The residents' report form's API, mounted at `/api/public` (before the API's 2 MiB body
 * limit: each route has its own). No account: the caller is the public (`PUBLIC_CALLER`).
 *
 * - `GET /services`, `GET /addresses?q=`, `GET /addresses/near`, `GET /nearby`: what the
 *   form shows (types, address suggestions from the city's streets, open cases of the same
 *   type nearby, through the access model's public fields).
 * - `POST /reports`: a report, created through the Open311 intake (`submitRequest`: checked,
 *   routed, likely duplicates named for the lead). The phone's token makes it idempotent;
 *   a honeypot field and a proof of work over the token keep robots out, and limits per
 *   client address, device and email keep people from flooding it. A refused report says why.
 * - `PUT /reports/:token/photos/:photoId`: a photo of the report, by whoever holds its token;
 *   the type is read from the bytes, and the picture is re-encoded (no EXIF: no place, device
 *   or owner) before it is stored.
 */
import { createHash } from 'node:crypto';
import { Hono, type Context } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { createMiddleware } from 'hono/factory';
import { z } from 'zod';
import {
  caseReadLevel,
  canSendPublicReport,
  leadingZeroBits,
  PUBLIC_CALLER,
  PublicReportRequest,
  REPORT_PHOTO_MAX_BYTES,
  REPORT_PHOTO_WINDOW_DAYS,
  REPORT_PHOTOS_MAX,
  REPORT_PROOF_BITS,
  reportPhotoRefusal,
  reportProofText,
  toPublicCase,
  type AddressSuggestionsResponse,
  type NearbyCasesResponse,
  type PublicReportResponse,
  type PublicServicesResponse,
  type ReportPhotoResponse,
} from '@fieldfix/shared';
import { clientAddress } from '../auth/client-address.ts';
import type { AppDeps } from '../http/deps.ts';
import { ApiError } from '../http/errors.ts';
import { validate } from '../http/validate.ts';
import { linkSecret, signLink } from '../notices-delivery/signed-links.ts';
import { submitRequest, type Form } from '../open311/intake.ts';
import { Open311Error } from '../open311/open311-format.ts';
import { findRequests, listServices } from '../open311/open311.repo.ts';
import { photoKeys, type PhotoStore } from '../photos/photo-store.ts';
import { photoStoreFor } from '../photos/photo-store-for.ts';
import { describeBytes, sniffPhotoType } from '../photos/photo-type.ts';
import { likelyDuplicates } from '../routing/routing.service.ts';
import { nearestAddress, suggestAddresses } from './address.repo.ts';
import { enforceLimits, refuseIfSpent } from './rate-limit.repo.ts';
import { reencodeReportPhoto } from './report-photo.ts';
import {
  insertReportPhoto,
  lockToken,
  publicServices,
  recordToken,
  reportByToken,
  reportPhotoFacts,
} from './report.repo.ts';

const NEARBY_MAX = 5;
const REPORT_BODY_MAX = 64 * 1024;
const HOUR = 3600;

/** Limits on new reports (replays of a report already made do not count). */
export const REPORT_LIMITS = { perAddressPerHour: 30, perDevicePerHour: 6, perEmailPerDay: 10, photosPerHour: 60 };

/**
 * A coordinate of the query string in decimal degrees (`42.35`, `-86.98`), read as it is
 * written: a blank, `0x2A` or `1e1` is not one (a number-coercion would read 0, 42 and 10).
 */
function degrees(name: 'lat' | 'long', limit: number) {
  const words = `${name} must be a number between -${limit} and ${limit} (decimal degrees)`;
  return z
    .string({ error: (issue) => (issue.input === undefined ? `${name} is required` : `${words}, given once`) })
    .regex(z.regexes.number, words)
    .transform(Number)
    .pipe(z.number().min(-limit, words).max(limit, words));
}
const Point = { lat: degrees('lat', 90), long: degrees('long', 180) };
const AddressQuery = z.object({ q: z.string().trim().min(1, 'type part of an address').max(100) });
const NearQuery = z.object(Point);
const NearbyQuery = z.object({ service: z.string().min(1).max(64), ...Point });
const PhotoParams = z.object({
  token: z.uuid('the report token is a UUID'),
  photoId: z.uuid('a photo id is a UUID'),
});

export type ReportRouteOptions = { now?: () => Date; store?: PhotoStore; proofBits?: number };

const hashOf = (s: string) => createHash('sha256').update(s).digest('hex').slice(0, 32);

export function reportRoutes({ sql, config, log }: AppDeps, opts: ReportRouteOptions = {}) {
  const clock = opts.now ?? (() => new Date());
  const store = opts.store ?? photoStoreFor(config, log);
  const proofBits = opts.proofBits ?? REPORT_PROOF_BITS;
  const addressOf = (c: Context) => clientAddress(c, config.trustProxyHops);
  const refuse = (message: string) => new ApiError(400, 'report-refused', message);
  // The phone went away before the whole body came (a tunnel, the app closed): the client's
  // doing, answered as such (no one reads it) and not taken for the database going away.
  const cutShort = (what: string) =>
    new ApiError(400, 'bad-request', `${what} was cut off before all of it arrived: send it again.`);
  const limitTo = (maxSize: number, what: string) => {
    const limit = bodyLimit({
      maxSize,
      onError: () => {
        throw new ApiError(413, 'payload-too-large', `${what} is larger than ${Math.round(maxSize / 1024)} KiB.`);
      },
    });
    // A body without a length (chunked) is read here, before the handler: a cut is the client's.
    return createMiddleware(async (c, next) => {
      let reached = false;
      try {
        await limit(c, () => {
          reached = true;
          return next();
        });
      } catch (err) {
        if (reached || err instanceof ApiError) throw err;
        throw cutShort(what);
      }
    });
  };

  return new Hono()
    .get('/services', async (c) => {
      c.header('cache-control', 'no-cache');
      return c.json({ services: await publicServices(sql) } satisfies PublicServicesResponse);
    })

    .get('/addresses', validate('query', AddressQuery), async (c) => {
      const suggestions = await suggestAddresses(sql, c.req.valid('query').q);
      return c.json({ suggestions } satisfies AddressSuggestionsResponse);
    })

    .get('/addresses/near', validate('query', NearQuery), async (c) => {
      const near = await nearestAddress(sql, c.req.valid('query'));
      const suggestions = near ? [{ address: near.address, lat: near.lat, long: near.long }] : [];
      return c.json({ suggestions } satisfies AddressSuggestionsResponse);
    })

    .get('/nearby', validate('query', NearbyQuery), async (c) => {
      const { service, lat, long } = c.req.valid('query');
      const near = await likelyDuplicates(sql, { serviceCode: service, lat, long });
      if (near === null) throw new ApiError(400, 'invalid-query', `No service has the code ${service}.`);
      const top = near.slice(0, NEARBY_MAX);
      const rows = top.length === 0 ? [] : await findRequests(sql, { kind: 'ids', ids: top.map((n) => n.id) });
      const byId = new Map(rows.map((r) => [r.record.id, r]));
      const cases: NearbyCasesResponse['cases'] = [];
      for (const n of top) {
        const row = byId.get(n.id);
        if (!row) continue;
        // Through the access model like every read: the public fields only.
        if (caseReadLevel(PUBLIC_CALLER, { crewId: row.record.crewId, departmentId: row.departmentId }) === 'none') {
          continue;
        }
        const p = toPublicCase(row.record);
        cases.push({
          id: p.id,
          address: p.address,
          description: p.description,
          state: p.state,
          requestedAt: p.requestedAt,
          metres: n.metres,
        });
      }
      return c.json({ cases, timeZone: config.cityTimeZone } satisfies NearbyCasesResponse);
    })

    .post('/reports', limitTo(REPORT_BODY_MAX, 'A report'), validate('json', PublicReportRequest), async (c) => {
      if (!canSendPublicReport(PUBLIC_CALLER)) throw new ApiError(403, 'forbidden', 'Reports are closed.');
      const r = c.req.valid('json');
      // A person never sees the hidden field; something that fills every field does.
      if (r.website.trim() !== '') {
        throw refuse('This report was refused: a field meant to stay empty was filled in (as robots do).');
      }
      const digest = createHash('sha256').update(reportProofText(r.token, r.proof)).digest();
      if (leadingZeroBits(digest) < proofBits) {
        throw refuse(
          'This report was refused: its proof of work does not check out. Reload the page and send it again.',
        );
      }
      const secret = linkSecret(config);
      const answer = (caseId: string, replayed: boolean) =>
        c.json(
          { caseId, trackKey: signLink(secret, { p: 'track', caseId }), replayed } satisfies PublicReportResponse,
          replayed ? 200 : 201,
        );
      const earlier = await reportByToken(sql, r.token);
      if (earlier) return answer(earlier.caseId, true);

      const now = clock();
      // Counted in the transaction that creates the case, once every check has passed: a refused
      // report uses up nothing, and a hit is kept only with the case it made.
      const limits = [
        { bucket: `report:ip:${addressOf(c)}`, max: REPORT_LIMITS.perAddressPerHour, windowSeconds: HOUR },
        { bucket: `report:device:${hashOf(r.device)}`, max: REPORT_LIMITS.perDevicePerHour, windowSeconds: HOUR },
      ];
      if (r.email) {
        limits.push({
          bucket: `report:email:${hashOf(r.email.toLowerCase())}`,
          max: REPORT_LIMITS.perEmailPerDay,
          windowSeconds: 24 * HOUR,
        });
      }

      // A spent limit is said before the report's work (types, address, routing) is done.
      await refuseIfSpent(sql, limits, now, 'reports');
      const services = new Map((await listServices(sql)).map((s) => [s.code, s]));
      if (!services.has(r.serviceCode)) {
        throw new ApiError(400, 'invalid-body', `No service has the code ${r.serviceCode}: pick a problem type again.`);
      }
      // With none given, the intake names the point by its nearest address.
      const address = r.address.trim();
      const form: Form = {
        service_code: r.serviceCode,
        lat: String(r.lat),
        long: String(r.long),
        description: r.description,
        language: r.language,
        device_id: r.device,
        ...(address ? { address_string: address } : {}),
        ...(r.email ? { email: r.email } : {}),
      };
      for (const [code, value] of Object.entries(r.attributes)) {
        if (value.trim() !== '') form[`attribute[${code}]`] = value;
      }
      let created;
      try {
        created = await submitRequest({ sql, timeZone: config.cityTimeZone, now: clock }, services, form, {
          sandbox: false,
          apiKeyId: null,
          acceptLanguage: undefined,
          channel: 'web',
          once: {
            existing: async (tx) => {
              await lockToken(tx, r.token);
              const made = (await reportByToken(tx, r.token))?.caseId ?? null;
              if (made === null) await enforceLimits(tx, limits, now, 'reports');
              return made;
            },
            record: (tx, caseId) => recordToken(tx, r.token, caseId, now),
          },
        });
      } catch (err) {
        // The intake's words name the field wrong (a point outside the city, a missing answer).
        if (err instanceof Open311Error && err.status < 500) throw new ApiError(400, 'invalid-body', err.message);
        throw err;
      }
      return answer(created.serviceRequestId, created.replayed);
    })

    .put(
      '/reports/:token/photos/:photoId',
      limitTo(REPORT_PHOTO_MAX_BYTES, 'A photo'),
      validate('param', PhotoParams),
      async (c) => {
        const { token, photoId } = c.req.valid('param');
        const now = clock();
        const report = await reportByToken(sql, token);
        if (!report) {
          throw new ApiError(404, 'not-found', 'No report was sent with this token: send the report first.');
        }
        const facts = await reportPhotoFacts(sql, report.caseId, photoId);
        if (facts.photoCase !== null && facts.photoCase !== report.caseId) {
          throw new ApiError(409, 'conflict', 'This photo id belongs to another report: make a new id.');
        }
        const refusal = reportPhotoRefusal(
          PUBLIC_CALLER,
          {
            holdsToken: true,
            reportedAt: report.createdAt,
            photos: facts.photos,
            alreadyThisPhoto: facts.photoCase === report.caseId,
          },
          { now, windowDays: REPORT_PHOTO_WINDOW_DAYS, max: REPORT_PHOTOS_MAX },
        );
        if (refusal === 'too-late') {
          throw new ApiError(
            409,
            'conflict',
            `Photos may be added within ${REPORT_PHOTO_WINDOW_DAYS} days of a report: report the problem again.`,
          );
        }
        if (refusal === 'too-many') {
          throw new ApiError(409, 'conflict', `A report takes at most ${REPORT_PHOTOS_MAX} photos.`);
        }
        if (refusal) throw new ApiError(403, 'forbidden', 'Only the phone that sent the report may add its photos.');
        const answer = { photoId, caseId: report.caseId } satisfies ReportPhotoResponse;
        if (facts.photoCase === report.caseId) return c.json(answer, 200);
        const limits = [
          { bucket: `report-photo:ip:${addressOf(c)}`, max: REPORT_LIMITS.photosPerHour, windowSeconds: HOUR },
        ];
        // A spent limit is said before the photo is read and re-encoded (the costly part).
        await refuseIfSpent(sql, limits, now, 'photos');

        let bytes: Uint8Array;
        try {
          bytes = new Uint8Array(await c.req.arrayBuffer());
        } catch {
          throw cutShort('The photo');
        }
        if (bytes.length === 0)
          throw new ApiError(400, 'bad-request', 'The photo is empty: send the picture as the body.');
        const type = sniffPhotoType(bytes);
        if (!type) {
          throw new ApiError(
            415,
            'unsupported-media-type',
            `The photo is ${describeBytes(bytes)}: send a JPEG or WebP picture.`,
          );
        }
        const photo = await reencodeReportPhoto(bytes, type);
        if (!photo) {
          throw new ApiError(400, 'bad-request', 'The picture could not be read: take the photo again and send it.');
        }
        // Counted once the photo is known good (a refused one uses up nothing), before it is kept.
        await enforceLimits(sql, limits, now, 'photos');
        const keys = photoKeys(photoId);
        // The bytes first: a row never points at a file that is not there.
        await store.put(keys.final, photo.bytes);
        if (photo.thumb) await store.put(keys.thumb, photo.thumb);
        await insertReportPhoto(sql, {
          id: photoId,
          caseId: report.caseId,
          contentType: photo.contentType,
          byteSize: photo.bytes.length,
          width: photo.width,
          height: photo.height,
          storageKey: keys.final,
          thumbKey: photo.thumb ? keys.thumb : null,
          sha256: createHash('sha256').update(photo.bytes).digest('hex'),
          now,
        });
        return c.json(answer, 201);
      },
    );
}
