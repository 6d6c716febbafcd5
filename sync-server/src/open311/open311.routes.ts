/**
 * Open311 GeoReport v2, mounted at `/open311/v2` (production) and `/open311/v2-test` (a
 * sandbox: the same reads, and POSTs that are checked and answered but create no work).
 * Every endpoint answers in XML (`.xml`) and JSON (`.json`) from one document; errors are
 * the spec's list with its status codes. Reads are public; `api_key` is needed to POST.
 */
import { Hono, type Context } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { announceCaseChanges } from '../dispatch/live-publish.ts';
import { cors } from 'hono/cors';
import { createMiddleware } from 'hono/factory';
import { z } from 'zod';
import { caseReadLevel, isStorableText, PUBLIC_CALLER, type Caller } from '@fieldfix/shared';
import { answerBase, linkSecret } from '../notices-delivery/signed-links.ts';
import type { AppDeps } from '../http/deps.ts';
import { HTTPException } from 'hono/http-exception';
import { ApiError, routeOf } from '../http/errors.ts';
import { DATABASE_RETRY_AFTER_S, DATABASE_UNAVAILABLE_MESSAGE, databaseUnavailable } from '../db/unavailable.ts';
import type { PhotoStore } from '../photos/photo-store.ts';
import { photoStoreFor } from '../photos/photo-store-for.ts';
import { useApiKey } from '../api-keys/api-key.repo.ts';
import { likelyDuplicates } from '../routing/routing.service.ts';
import { readSandboxRequestId, readSandboxToken, SANDBOX_ID_PREFIX, submitRequest, type Form } from './intake.ts';
import {
  discoveryDoc,
  requestDoc,
  sandboxRequestDoc,
  serviceDefinitionDoc,
  serviceDoc,
  updateDoc,
  type RequestContext,
} from './open311.documents.ts';
import {
  errorDoc,
  formatOfPath,
  FORMATS,
  listDoc,
  LIST_ITEMS,
  Open311Error,
  send,
  type Format,
  type Value,
} from './open311-format.ts';
import {
  findPublicPhotoThumb,
  findRequests,
  findTimelines,
  findToken,
  findUpdates,
  listServices,
  type Open311CaseRow,
  type RequestFilter,
} from './open311.repo.ts';

const DAY_MS = 86_400_000;
/** The spec's longest window, and its default: the last 90 days or 1,000 requests. */
const MAX_WINDOW_DAYS = 90;
const MAX_PAGE_SIZE = 1000;
const ID = /^\d{1,18}$/;
const FILE = '[^/]+\\.(?:xml|json)';

/** The instants a date parameter may name: no request is older than 1970, and years have four digits. */
const EARLIEST = Date.UTC(1970, 0, 1);
const LATEST = Date.UTC(9999, 11, 31, 23, 59, 59, 999);
/**
 * A W3C date-time with a zone (`Z` or `±hh:mm`, seconds and their fraction optional), or a bare
 * day, taken as that day in UTC. Zod checks the calendar (no 30 February) and the clock.
 */
const W3CDate = z.union([
  z.iso.datetime({ offset: true }),
  z.iso.datetime({ offset: true, precision: -1 }),
  z.iso.date(),
]);

function isoParam(c: Context, key: string): Date | null {
  const v = c.req.query(key);
  if (v === undefined || v === '') return null;
  if (!W3CDate.safeParse(v).success) {
    throw new Open311Error(
      400,
      `${key} must be a real day and time, as a W3C date-time with a zone (2026-06-01T00:00:00Z) or a day (2026-06-01).`,
    );
  }
  // A bare day is read as UTC midnight (ECMAScript's rule for a date alone).
  const at = Date.parse(v);
  if (at < EARLIEST || at > LATEST) {
    throw new Open311Error(
      400,
      `${key} must lie between ${new Date(EARLIEST).toISOString()} and ${new Date(LATEST).toISOString()}.`,
    );
  }
  return new Date(at);
}

function intParam(c: Context, key: string, min: number, max: number, fallback: number): number {
  const v = c.req.query(key);
  if (v === undefined || v === '') return fallback;
  if (!/^\d{1,7}$/.test(v) || Number(v) < min || Number(v) > max) {
    throw new Open311Error(400, `${key} must be a whole number from ${min} to ${max}.`);
  }
  return Number(v);
}

function listParam(c: Context, key: string): string[] | null {
  const v = c.req.query(key);
  if (v === undefined || v.trim() === '') return null;
  return [
    ...new Set(
      v
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean),
    ),
  ];
}

/** A window of at most 90 days: both ends given, one end (the other 90 days off), or the last 90 days. */
function windowOf(c: Context, now: Date, defaultDays = MAX_WINDOW_DAYS): { from: Date; to: Date } {
  const start = isoParam(c, 'start_date');
  const end = isoParam(c, 'end_date');
  if (start && !end && start > now) {
    throw new Open311Error(
      400,
      'start_date is in the future: without an end_date the window ends now, so give a start_date before now.',
    );
  }
  const to = end ?? (start ? new Date(Math.min(now.getTime(), start.getTime() + MAX_WINDOW_DAYS * DAY_MS)) : now);
  // A window reckoned back from an early end_date starts no earlier than any date may.
  const from = start ?? new Date(Math.max(EARLIEST, to.getTime() - (end ? MAX_WINDOW_DAYS : defaultDays) * DAY_MS));
  if (from > to) throw new Open311Error(400, 'start_date must be before end_date.');
  if (to.getTime() - from.getTime() > MAX_WINDOW_DAYS * DAY_MS) {
    throw new Open311Error(400, `start_date and end_date may be at most ${MAX_WINDOW_DAYS} days apart.`);
  }
  return { from, to };
}

/**
 * A path or query value with a NUL (`%00` decoded) is refused before anything reads it: codes,
 * ids and tokens are looked up in the database, whose text cannot hold one.
 */
const storableUrl = createMiddleware(async (c, next) => {
  const key = Object.entries(c.req.queries()).find(([, vs]) => vs.some((v) => !isStorableText(v)))?.[0];
  if (key !== undefined || !isStorableText(c.req.path)) {
    throw new Open311Error(
      400,
      `${key ?? 'The path'} contains a character that cannot be stored (a NUL or a broken surrogate pair).`,
    );
  }
  await next();
});

/** A form field's name or value: `+` is a space, and %-escapes must spell UTF-8. */
function formPart(raw: string, name: string): string {
  try {
    return decodeURIComponent(raw.replaceAll('+', ' '));
  } catch {
    throw new Open311Error(
      400,
      `${name} is not valid UTF-8: each %-escape must be two hex digits, and together they must spell UTF-8 (é is %C3%A9).`,
    );
  }
}

/**
 * The POST's form. GeoReport v2 form bodies are UTF-8: a body declared in another charset, or
 * whose bytes or %-escapes are not UTF-8, is refused, never stored with replacement characters.
 */
async function formOf(c: Context): Promise<Form> {
  const type = c.req.header('content-type') ?? '';
  const mediaType = type.split(';')[0]!.trim().toLowerCase();
  if (mediaType !== 'application/x-www-form-urlencoded' && mediaType !== 'multipart/form-data') {
    throw new Open311Error(400, 'Send the request as application/x-www-form-urlencoded (UTF-8).');
  }
  const charset = /;\s*charset\s*=\s*"?([^";\s]*)/i.exec(type)?.[1];
  if (charset !== undefined && !/^utf-?8$/i.test(charset)) {
    throw new Open311Error(
      400,
      `The request body is declared charset=${charset}: GeoReport v2 forms are UTF-8, so send it as UTF-8 (charset=utf-8).`,
    );
  }
  const bytes = new Uint8Array(await c.req.arrayBuffer());
  const entries: [string, string][] = [];
  if (mediaType === 'application/x-www-form-urlencoded') {
    let text: string;
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    } catch {
      throw new Open311Error(400, 'The request body is not valid UTF-8: GeoReport v2 forms are UTF-8.');
    }
    for (const pair of text.split('&')) {
      if (pair === '') continue;
      const eq = pair.indexOf('=');
      const key = formPart(eq < 0 ? pair : pair.slice(0, eq), 'A field name');
      entries.push([key, formPart(eq < 0 ? '' : pair.slice(eq + 1), key)]);
    }
  } else {
    const body = await c.req.parseBody({ all: true }).catch(() => {
      throw new Open311Error(
        400,
        'The request body is not a well-formed form: send it as application/x-www-form-urlencoded (UTF-8).',
      );
    });
    for (const [k, v] of Object.entries(body)) {
      for (const x of Array.isArray(v) ? v : [v]) if (typeof x === 'string') entries.push([k, x]);
    }
    // The platform reads a part that is not UTF-8 with replacement characters (U+FFFD): a name
    // or value with one whose UTF-8 is not in the body was not UTF-8 as sent.
    const raw = Buffer.from(bytes);
    const broken = entries.flat().find((s) => s.includes('\uFFFD') && !raw.includes(Buffer.from(s, 'utf8')));
    if (broken !== undefined) {
      const field = entries.find(([k, v]) => k === broken || v === broken)![0];
      throw new Open311Error(
        400,
        `${field === broken ? 'A field name' : field} is not valid UTF-8: GeoReport v2 forms are UTF-8.`,
      );
    }
  }
  const values = new Map<string, string[]>();
  for (const [k, v] of entries) values.set(k, [...(values.get(k) ?? []), v]);
  const form: Form = Object.create(null) as Form;
  for (const [k, vs] of values) form[k] = vs.length === 1 ? vs[0]! : vs;
  return form;
}

/** `name.xml` → [`name`, `xml`]. */
function splitFile(file: string): [string, Format] {
  const dot = file.lastIndexOf('.');
  return [file.slice(0, dot), file.slice(dot + 1) as Format];
}

export type Open311Options = { sandbox: boolean; store?: PhotoStore; now?: () => Date };

export function open311Routes(deps: AppDeps, opts: Open311Options) {
  const { sql, config } = deps;
  const store = opts.store ?? photoStoreFor(config, deps.log);
  const clock = opts.now ?? (() => new Date());
  // Any site may call Open311 from a browser: it is public, and it reads no cookie or session
  // (POSTs carry their api_key), so there is nothing for another site to ride on.
  // A 429's Retry-After is exposed, so a script in a browser can wait as long as it says.
  const app = new Hono()
    .use(cors({ origin: '*', allowMethods: ['GET', 'POST'], exposeHeaders: ['Retry-After'], maxAge: 86_400 }))
    .use(storableUrl);

  const baseOf = (c: Context) => answerBase(config, c.req.url);
  const services = async () => new Map((await listServices(sql)).map((s) => [s.code, s]));
  // A request is read with its type even once the type has left the catalogue.
  const servicesReadingRequests = async () =>
    new Map((await listServices(sql, { retired: true })).map((s) => [s.code, s]));

  /**
   * The caller of a POST: the Open311 client its api_key names, each use counted against the
   * key's limit. Reads are public: an api_key sent with a GET (FixMyStreet sends one with every
   * poll) is neither checked nor counted.
   */
  async function callerOf(key: string | undefined | null): Promise<Caller> {
    if (!key) throw new Open311Error(403, 'An api_key is required to submit a request.');
    const use = await useApiKey(sql, key, clock());
    if (use.status === 'unknown') throw new Open311Error(403, 'The api_key is not valid (unknown or revoked).');
    if (use.status === 'limited') {
      throw new Open311Error(429, `Too many requests with this api_key: try again in ${use.retryAfter} s.`);
    }
    return { kind: 'open311', keyId: use.keyId };
  }

  async function requestsDoc(c: Context, rows: Open311CaseRow[], extensions: boolean) {
    const ctx: RequestContext = { caller: PUBLIC_CALLER, base: baseOf(c), services: await servicesReadingRequests() };
    if (extensions && rows.length > 0)
      ctx.timelines = await findTimelines(
        sql,
        rows.map((r) => r.record.id),
      );
    return listDoc(
      'service_requests',
      rows.map((r) => requestDoc(r, ctx)).filter((d): d is Value => d !== null),
    );
  }

  /** The sandbox's answers for the ids among `ids` it issued: it stores nothing, each id carries its request. */
  async function sandboxDocs(c: Context, ids: string[], extensions: boolean): Promise<Value[]> {
    const issued = ids.flatMap((id) => {
      const r = id.startsWith(SANDBOX_ID_PREFIX) ? readSandboxRequestId(linkSecret(config), id) : null;
      return r ? [{ id, r }] : [];
    });
    if (issued.length === 0) return [];
    const ctx: RequestContext = { caller: PUBLIC_CALLER, base: baseOf(c), services: await services() };
    return issued.map(({ id, r }) => sandboxRequestDoc(id, r, ctx, extensions));
  }

  const extensionsOn = (c: Context) => c.req.query('extensions') === 'true';

  for (const fmt of FORMATS) {
    app.get(`/discovery.${fmt}`, (c) =>
      send(c, fmt, { root: 'discovery', data: discoveryDoc(baseOf(c)), items: LIST_ITEMS }),
    );

    app.get(`/services.${fmt}`, async (c) =>
      send(c, fmt, listDoc('services', [...(await services()).values()].map(serviceDoc))),
    );

    app.get(`/requests.${fmt}`, async (c) => {
      const ids = listParam(c, 'service_request_id');
      let filter: RequestFilter;
      let tested: Value[] = [];
      if (ids) {
        // The id list overrides every other filter (the spec).
        filter = { kind: 'ids', ids: ids.filter((id) => ID.test(id)).slice(0, MAX_PAGE_SIZE) };
        if (opts.sandbox) tested = await sandboxDocs(c, ids, extensionsOn(c));
      } else {
        const status = listParam(c, 'status');
        if (status?.some((s) => s !== 'open' && s !== 'closed')) {
          throw new Open311Error(400, 'status must be open, closed, or both separated by a comma.');
        }
        const states =
          status && status.length === 1
            ? status[0] === 'open'
              ? ['new', 'assigned', 'in_progress', 'on_hold']
              : ['fixed', 'closed_not_fixed']
            : null;
        const pageSize = intParam(c, 'page_size', 1, MAX_PAGE_SIZE, MAX_PAGE_SIZE);
        const page = intParam(c, 'page', 1, 1_000_000, 1);
        filter = {
          kind: 'window',
          ...windowOf(c, clock()),
          serviceCodes: listParam(c, 'service_code'),
          states,
          limit: pageSize,
          offset: (page - 1) * pageSize,
        };
      }
      const rows = filter.kind === 'ids' && filter.ids.length === 0 ? [] : await findRequests(sql, filter);
      const doc = await requestsDoc(c, rows, extensionsOn(c));
      return send(
        c,
        fmt,
        tested.length === 0 ? doc : listDoc('service_requests', [...tested, ...(doc.data as Value[])]),
      );
    });

    app.post(
      `/requests.${fmt}`,
      bodyLimit({
        maxSize: 64 * 1024,
        onError: () => {
          throw new Open311Error(400, 'The request body is larger than 64 KiB.');
        },
      }),
      async (c) => {
        const form = await formOf(c);
        const key = typeof form.api_key === 'string' ? form.api_key : (c.req.query('api_key') ?? null);
        const caller = await callerOf(key);
        const created = await submitRequest(
          { sql, timeZone: config.cityTimeZone, now: clock },
          await services(),
          form,
          {
            sandbox: opts.sandbox ? { secret: linkSecret(config) } : false,
            apiKeyId: caller.kind === 'open311' ? caller.keyId : null,
            acceptLanguage: c.req.header('accept-language'),
          },
        );
        if (!opts.sandbox) announceCaseChanges(deps, [created.serviceRequestId]);
        return send(
          c,
          fmt,
          listDoc('service_requests', [
            {
              service_request_id: created.serviceRequestId,
              token: created.token,
              service_notice: created.serviceNotice,
              account_id: created.accountId,
            },
          ]),
        );
      },
    );

    // FixMyStreet's updates feed: each public change of a case in the window, oldest first.
    app.get(`/servicerequestupdates.${fmt}`, async (c) => {
      const pageSize = intParam(c, 'page_size', 1, MAX_PAGE_SIZE, MAX_PAGE_SIZE);
      const page = intParam(c, 'page', 1, 1_000_000, 1);
      const base = baseOf(c);
      const rows = await findUpdates(sql, {
        ...windowOf(c, clock(), 1),
        limit: pageSize,
        offset: (page - 1) * pageSize,
      });
      // Through the access model like every read (public callers see every case's timeline).
      const updates = rows.filter(
        (e) => caseReadLevel(PUBLIC_CALLER, { crewId: e.crewId, departmentId: e.departmentId }) !== 'none',
      );
      return send(
        c,
        fmt,
        listDoc(
          'service_request_updates',
          updates.map((e) => updateDoc(e, base)),
        ),
      );
    });

    // Extension: open requests of the same type near a point, before a report is sent.
    app.get(`/duplicates.${fmt}`, async (c) => {
      const code = c.req.query('service_code');
      const lat = Number(c.req.query('lat'));
      const long = Number(c.req.query('long'));
      if (!code) throw new Open311Error(400, 'service_code is required.');
      if (!c.req.query('lat') || !c.req.query('long') || !Number.isFinite(lat) || !Number.isFinite(long)) {
        throw new Open311Error(400, 'lat and long are required (WGS84 degrees).');
      }
      if (Math.abs(lat) > 90 || Math.abs(long) > 180) throw new Open311Error(400, 'lat or long is out of range.');
      const near = await likelyDuplicates(sql, { serviceCode: code, lat, long });
      if (near === null) throw new Open311Error(404, `No service has the code ${code}.`);
      const rows = near.length === 0 ? [] : await findRequests(sql, { kind: 'ids', ids: near.map((n) => n.id) });
      const order = new Map(near.map((n, i) => [n.id, i]));
      rows.sort((a, b) => order.get(a.record.id)! - order.get(b.record.id)!);
      return send(c, fmt, await requestsDoc(c, rows, false));
    });
  }

  app.get(`/services/:file{${FILE}}`, async (c) => {
    const [code, fmt] = splitFile(c.req.param('file'));
    const service = (await services()).get(code);
    if (!service) throw new Open311Error(404, `No service has the code ${code}.`);
    return send(c, fmt, { root: 'service_definition', data: serviceDefinitionDoc(service), items: LIST_ITEMS });
  });

  app.get(`/requests/:file{${FILE}}`, async (c) => {
    const [id, fmt] = splitFile(c.req.param('file'));
    const tested = opts.sandbox ? await sandboxDocs(c, [id], extensionsOn(c)) : [];
    if (tested.length > 0) return send(c, fmt, listDoc('service_requests', tested));
    const rows = ID.test(id) ? await findRequests(sql, { kind: 'ids', ids: [id] }) : [];
    const doc = await requestsDoc(c, rows, extensionsOn(c));
    if ((doc.data as Value[]).length === 0) throw new Open311Error(404, `No request has the id ${id}.`);
    return send(c, fmt, doc);
  });

  app.get(`/tokens/:file{${FILE}}`, async (c) => {
    const [token, fmt] = splitFile(c.req.param('file'));
    // The sandbox's own tokens stand for what it answered, and only on the sandbox.
    if (opts.sandbox && readSandboxToken(linkSecret(config), token)) {
      return send(c, fmt, listDoc('service_requests', [{ service_request_id: `${SANDBOX_ID_PREFIX}${token}`, token }]));
    }
    const caseId = token.length <= 64 ? await findToken(sql, token) : null;
    if (!caseId) throw new Open311Error(404, `No request has the token ${token}.`);
    return send(c, fmt, listDoc('service_requests', [{ service_request_id: caseId, token }]));
  });

  // A request's photo: its thumbnail, which the server re-encoded (no EXIF, so no place,
  // device or owner). Photos are immutable: cache for a year.
  app.get('/media/:file{[0-9a-fA-F-]{36}\\.jpg}', async (c) => {
    const id = c.req.param('file').slice(0, -4);
    const photo = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id)
      ? await findPublicPhotoThumb(sql, id)
      : null;
    if (photo?.removed) throw new Open311Error(410, `The photo ${id} was deleted under the city's photo retention.`);
    const bytes = photo?.thumbKey ? await store.read(photo.thumbKey) : null;
    if (!bytes) throw new Open311Error(404, `No public photo has the id ${id}.`);
    return c.body(bytes as Uint8Array<ArrayBuffer>, 200, {
      'content-type': 'image/jpeg',
      'content-length': String(bytes.length),
      'cache-control': 'public, max-age=31536000, immutable',
    });
  });

  app.all('*', (c) => {
    throw new Open311Error(404, `No such Open311 endpoint: ${c.req.method} ${c.req.path.replace(/\.(xml|json)$/, '')}`);
  });

  app.onError((err, c) => {
    const fmt = formatOfPath(c.req.path);
    if (err instanceof Open311Error) {
      if (err.status === 429) c.header('retry-after', /in (\d+) s/.exec(err.message)?.[1] ?? '60');
      return send(c, fmt, errorDoc(err.status, err.message), err.status);
    }
    if (err instanceof ApiError && err.status < 500) {
      const status = err.status === 404 || err.status === 403 ? err.status : 400;
      return send(c, fmt, errorDoc(status, err.message), status);
    }
    if (err instanceof HTTPException && err.status < 500) {
      return send(c, fmt, errorDoc(err.status, err.message || 'Bad request.'), err.status);
    }
    // The database restarting or failing over: the client tries again (as on every other route).
    if (databaseUnavailable(err)) {
      deps.log.error(`database unavailable on ${c.req.method} ${routeOf(c)}`, err);
      c.header('retry-after', String(DATABASE_RETRY_AFTER_S));
      return send(c, fmt, errorDoc(503, DATABASE_UNAVAILABLE_MESSAGE), 503);
    }
    deps.log.error(`unhandled error on ${c.req.method} ${routeOf(c)}`, err);
    return send(c, fmt, errorDoc(500, 'Something went wrong on the server. Try again later.'), 500);
  });
  return app;
}
