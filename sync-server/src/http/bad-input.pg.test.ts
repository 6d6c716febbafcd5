import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROTOCOL_HEADER, PROTOCOL_VERSION } from '@fieldfix/shared';
import { createTestApp, quietLogger, type TestApp } from '../../test/test-app.ts';
import { proofFor } from '../../test/report-proof.ts';
import { DEMO_ROUTING } from '../demo/demo-open311.ts';
import { insertApiKey } from '../api-keys/api-key.repo.ts';
import { linkSecret, signLink } from '../notices-delivery/signed-links.ts';

// Bad input, every route at once. The project's rule: bad input gets a clear 4xx naming the
// problem and changes nothing; never a 500 for something a client sent, never a stack trace
// or the database's words to a client.
//
// The routes come from the app itself (`app.routes`, as the authorization matrix lists them):
// a new route without a row in SWEEP fails the first test. Each route is called by a caller
// allowed to use it (so the request gets past the access check and reaches validation), with
// its path parameters, query strings, sync and upload headers and body replaced, one at a
// time, by garbage. Every answer must be under 500; a refusal must have the route's error
// shape (the API's `{ error: { code, message } }`, Open311's error list, or a page for a
// person); no answer may carry a stack trace or SQL error text; and no refusal (4xx) may
// write a row of the domain's tables (rows a trigger notes, below). Bookkeeping that a refusal
// legitimately writes is not watched: sessions, the sign-in throttle, the public rate limits,
// an API key's use count, a photo's upload lease, the generated link secret. Input that a
// route legitimately accepts is answered 2xx and may write: an unknown query key is ignored,
// a push's malformed change is answered by its own `rejected` outcome (R9), a short chunk of a
// photo's bytes is kept until the photo is whole. Every route with a body refuses `{}`; the
// POSTs without one (logout, acknowledging, retrying, revoking, the signed links) read none,
// so they get no body garbage.
//
// Nothing is skipped. The live feeds (`GET /api/sync/live`, `GET /api/dispatch/live`) are
// hung up as soon as their headers arrive (their refusals come before the stream starts);
// tiles are cheap in-process; the field-app's static files are not mounted by createTestApp;
// `GET /metrics` refuses in-process callers (no address) before reading anything, so it only
// shows that garbage does not change that.

type Who = 'anonymous' | 'worker' | 'lead' | 'admin';
const LOGINS: Record<Exclude<Who, 'anonymous'>, string> = {
  worker: 'worker@riverton.example', // Streets Crew A
  lead: 'lead@riverton.example', // Streets
  admin: 'admin@riverton.example',
};

type Fixture = {
  caseId: string;
  /** A photo of the worker's crew waiting for its bytes. */
  pendingPhotoId: string;
  /** Photos waiting for bytes, each as long as one of WHOLE_GARBAGE (by label): it completes them. */
  wholePhotos: Record<string, string>;
  /** A resident's report (its token and proof of work). */
  reportToken: string;
  reportProof: string;
  unsubscribeToken: string;
  stillAProblemToken: string;
  followToken: string;
  trackKey: string;
  apiKey: string;
  tileVersion: string;
};

type Body =
  | { kind: 'json'; sample: (f: Fixture) => unknown }
  | { kind: 'form'; sample: (f: Fixture) => Record<string, string> }
  | { kind: 'bytes'; contentType: string };

type Row = {
  who: Who;
  /** Valid path parameters: the others stay valid while one is replaced. */
  params?: (f: Fixture) => Record<string, string>;
  /** What a path parameter must end with for the route to match it (its pattern's extension). */
  suffix?: Record<string, string>;
  /** A valid query string: each key in turn gets garbage. */
  query?: (f: Fixture) => Record<string, string>;
  headers?: Record<string, string>;
  /** Headers that also get garbage, each on its own (and are left out once). */
  garble?: string[];
  body?: Body;
  /** How the route refuses: the API's JSON error (default), Open311's error list, a page. */
  errors?: 'api' | 'open311' | 'html';
  /** A session of its own for each request (logging out ends it). */
  ownSession?: boolean;
  /** Inputs of this route's own. */
  more?: (f: Fixture) => Input[];
  /** Refuses every caller of this test before reading anything (so no answer gets past access). */
  refusesAll?: boolean;
};

type Input = {
  label: string;
  params?: Record<string, string>;
  /** Raw `key=value` pairs, sent as they are (garbage is not encoded: `%00` is meant). */
  query?: string[];
  headers?: Record<string, string | null>;
  body?: string | Uint8Array | null;
  contentType?: string | null;
};

const sync = { [PROTOCOL_HEADER]: String(PROTOCOL_VERSION) };
const DAY = '2026-06-10';
const POINT = { lat: '42.35595', long: '-86.9808' };
const BBOX = '-87.1,42.2,-86.8,42.5';
const v7 = () => crypto.randomUUID().replace(/^(.{14})./, '$17');

// --- Garbage ----------------------------------------------------------------------------

const LONG = 'x'.repeat(300);
/** Path parameters and query values, sent raw: `%00` is a NUL once decoded, `%ZZ` is no escape at all. */
const GARBAGE = [
  'abc',
  '-1',
  '0',
  '1.5',
  '1e308',
  'NaN',
  '99999999999999999999',
  LONG,
  '%00',
  'a%00b',
  '%ZZ',
  '%ED%A0%80', // a lone surrogate, UTF-8 encoded
  '%27%3B--', // ';--
  '00000000-0000-4000-8000-000000000000', // a UUID where a number is expected
  '123e4567-e89b-12d3-a456-42661417400', // nearly a UUID
];
/** Well-formed dates PostgreSQL cannot store (year 0, and year 1 at +14:00 is year 0 in UTC) or that do not exist. */
const DATE_GARBAGE = ['0000-01-01', '0000-01-01T00:00:00Z', '0001-01-01T00:00:00+14:00', '2026-02-30'];
const QUERY_GARBAGE = [
  ...GARBAGE.filter((g) => g !== '0'),
  '',
  '%5B%5D',
  '%7B%22a%22%3A1%7D',
  ...DATE_GARBAGE.map(encodeURIComponent),
];
/** Header values (a header cannot carry a NUL or a line break at all). */
const HEADER_GARBAGE = ['', 'abc', '-1', '1.5', '99999999999999999999', '999999999999999', LONG];

/** Query keys the app reads somewhere: every route gets all of them at once, as garbage. */
const KNOWN_QUERY_KEYS = [
  'id',
  'token',
  'cursor',
  'limit',
  'offset',
  'page',
  'page_size',
  'date',
  'q',
  'format',
  'table',
  'bbox',
  'zoom',
  'status',
  'type',
  'district',
  'department',
  'crew',
  'caseId',
  'clientId',
  'behind',
  'all',
  'lat',
  'long',
  'service',
  'service_code',
  'service_request_id',
  'start_date',
  'end_date',
  'extensions',
  'api_key',
  'bearer',
];

/** Stands for a JSON value JSON.stringify cannot write; replaced in the text sent. */
const DEPTH = 5000;
const RAW: Record<string, string> = {
  '@@huge@@': '1e400', // parses as Infinity
  '@@big@@': '99999999999999999999',
  '@@deep@@': `${'{"a":'.repeat(DEPTH)}1${'}'.repeat(DEPTH)}`,
};
const toText = (value: unknown) =>
  JSON.stringify(value).replace(/"(@@\w+@@)"/g, (_, marker: string) => RAW[marker] ?? marker);

/** A value of another type than `v`. */
function wrongType(v: unknown): unknown {
  if (typeof v === 'string') return 12345;
  if (v === null) return [12345];
  if (typeof v === 'number' || typeof v === 'boolean') return 'abc';
  if (Array.isArray(v)) return { not: 'a list' };
  return 'abc';
}

/** What each field of a JSON body gets in turn (`undefined`: left out). */
const FIELD_GARBAGE: [string, (v: unknown) => unknown][] = [
  ['wrong type', wrongType],
  ['null', () => null],
  ['left out', () => undefined],
  ['1e400', () => '@@huge@@'],
  ['99999999999999999999', () => '@@big@@'],
  ['-1', () => -1],
  ['a NUL', () => 'a\u0000b'],
  ['a lone surrogate', () => '\uD800x'],
  ...DATE_GARBAGE.map((d): [string, () => string] => [d, () => d]),
  ['100,000 chars', () => 'x'.repeat(100_000)],
  [`${DEPTH} levels deep`, () => '@@deep@@'],
];

/** Each field of a form in turn (`undefined`: left out). */
const FORM_GARBAGE: (string | undefined)[] = [
  undefined,
  '',
  'abc',
  '-1',
  '1e400',
  'NaN',
  '99999999999999999999',
  LONG,
  'x'.repeat(20_000),
  'a\u0000b',
  '\uD800x',
];

/** The paths of a JSON value's fields, three levels down (a list: its first item). */
function fieldPaths(v: unknown, at: (string | number)[] = []): (string | number)[][] {
  const here = at.length > 0 ? [at] : [];
  if (at.length >= 3 || v === null || typeof v !== 'object') return here;
  if (Array.isArray(v)) return v.length > 0 ? [...here, ...fieldPaths(v[0], [...at, 0])] : here;
  return [...here, ...Object.entries(v).flatMap(([k, x]) => fieldPaths(x, [...at, k]))];
}

function withField(value: unknown, path: (string | number)[], make: (v: unknown) => unknown): unknown {
  const copy = structuredClone(value) as Record<string | number, unknown>;
  let node = copy;
  for (const key of path.slice(0, -1)) node = node[key] as Record<string | number, unknown>;
  const last = path[path.length - 1]!;
  const next = make(node[last]);
  if (next === undefined) {
    if (Array.isArray(node)) node.splice(last as number, 1);
    else delete node[last];
  } else node[last] = next;
  return copy;
}

const show = (g: string) => JSON.stringify(g.length > 40 ? `${g.slice(0, 12)}…(${g.length} chars)` : g);
const bytes = (...parts: (number[] | string)[]) =>
  new Uint8Array(parts.flatMap((p) => (typeof p === 'string' ? [...Buffer.from(p)] : p)));
const JPEG_START = [0xff, 0xd8, 0xff, 0xe0];
/** A JPEG whose frame says 65,500 × 65,500 pixels, and nothing after it that decodes. */
const JPEG_HUGE = bytes(
  [0xff, 0xd8, 0xff, 0xc0, 0x00, 0x11, 0x08, 0xff, 0xdc, 0xff, 0xdc, 0x03],
  [1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1],
  'x'.repeat(100),
);
/** Bodies of a route that takes bytes; `contentType` undefined: the route's own. */
const BYTES_GARBAGE: { label: string; data: Uint8Array | string | null; contentType?: string | null }[] = [
  { label: 'no body', data: null },
  { label: 'an empty body', data: new Uint8Array(0) },
  { label: 'not json', data: 'not json' },
  { label: 'random bytes', data: crypto.getRandomValues(new Uint8Array(5000)) },
  { label: 'a broken JPEG', data: bytes(JPEG_START, 'garbage'.repeat(200)) },
  { label: 'a JPEG frame of 65,500 px a side', data: JPEG_HUGE },
  { label: 'a broken WebP', data: bytes('RIFF', [0x40, 0, 0, 0], 'WEBPVP8 ', 'garbage'.repeat(200)) },
  { label: 'a PNG', data: bytes([0x89], 'PNG\r\n\x1a\n', 'garbage'.repeat(50)) },
  { label: '{} as JSON', data: '{}', contentType: 'application/json' },
  { label: 'a broken JPEG as text/plain', data: bytes(JPEG_START, 'garbage'), contentType: 'text/plain' },
  { label: 'a broken JPEG without a content-type', data: bytes(JPEG_START, 'garbage'), contentType: null },
  { label: '5 MiB of zeros', data: new Uint8Array(5 * 1024 * 1024) },
];

/** The malformed requests of a route, each changing one thing of its valid request. */
function inputsOf(pattern: string, row: Row, f: Fixture): Input[] {
  const out: Input[] = [];
  const query = row.query?.(f) ?? {};
  const queryKeys = Object.keys(query);
  const encoded = (q: Record<string, string>) => Object.entries(q).map(([k, v]) => `${k}=${encodeURIComponent(v)}`);

  for (const name of paramNames(pattern)) {
    for (const g of GARBAGE) {
      out.push({ label: `path :${name}=${show(g)}`, params: { [name]: g + (row.suffix?.[name] ?? '') } });
    }
  }
  for (const key of queryKeys) {
    const others = encoded(Object.fromEntries(Object.entries(query).filter(([k]) => k !== key)));
    for (const g of QUERY_GARBAGE) out.push({ label: `query ${key}=${show(g)}`, query: [...others, `${key}=${g}`] });
    out.push({ label: `query ${key} twice`, query: [...encoded(query), `${key}=${encodeURIComponent(query[key]!)}`] });
    out.push({ label: `query ${key} without a value`, query: [...others, key] });
  }
  for (const g of QUERY_GARBAGE) {
    const keys = [...new Set([...queryKeys, ...KNOWN_QUERY_KEYS])];
    out.push({ label: `query every known key=${show(g)}`, query: keys.map((k) => `${k}=${g}`) });
  }
  for (const header of row.garble ?? []) {
    out.push({ label: `header ${header} left out`, headers: { [header]: null } });
    for (const g of HEADER_GARBAGE) out.push({ label: `header ${header}: ${show(g)}`, headers: { [header]: g } });
  }

  const body = row.body;
  if (body?.kind === 'json') {
    const json = 'application/json';
    const raw: [string, string | Uint8Array | null, string | null][] = [
      ['no body', null, json],
      ['no body, no content-type', null, null],
      ['not json', 'not json', json],
      ['[]', '[]', json],
      ['{}', '{}', json],
      ['null', 'null', json],
      ['"text"', '"text"', json],
      ['123', '123', json],
      ['truncated JSON', toText(body.sample(f)).slice(0, 10), json],
      ['bytes that are not UTF-8', bytes('{"', [0xff, 0xfe], '": 1}'), json],
      [`${DEPTH * 20} levels of lists`, `${'['.repeat(DEPTH * 20)}${']'.repeat(DEPTH * 20)}`, json],
      [`an object ${DEPTH} levels deep`, RAW['@@deep@@']!, json],
      ['3 MiB', `{"x":"${'x'.repeat(3 * 1024 * 1024)}"}`, json],
      ['the valid body as text/plain', toText(body.sample(f)), 'text/plain'],
      ['a form', 'a=1&b=2', 'application/x-www-form-urlencoded'],
      ['a broken multipart form', 'not multipart', 'multipart/form-data; boundary=x'],
      ['a multipart form without a boundary', 'not multipart', 'multipart/form-data'],
      ['the valid body as application/json; charset=utf-16', toText(body.sample(f)), `${json}; charset=utf-16`],
    ];
    for (const [label, text, contentType] of raw) out.push({ label: `body: ${label}`, body: text, contentType });
    const sample = body.sample(f);
    if (sample && typeof sample === 'object' && !Array.isArray(sample)) {
      const allWrong = Object.fromEntries(Object.entries(sample).map(([k, v]) => [k, wrongType(v)]));
      out.push({ label: 'body: every field of a wrong type', body: toText(allWrong), contentType: json });
    }
    for (const path of fieldPaths(sample)) {
      for (const [what, make] of FIELD_GARBAGE) {
        out.push({
          label: `body ${path.join('.')}: ${what}`,
          body: toText(withField(body.sample(f), path, make)),
          contentType: json,
        });
      }
    }
  } else if (body?.kind === 'form') {
    const form = 'application/x-www-form-urlencoded';
    const raw: [string, string | null, string | null][] = [
      ['no body', null, form],
      ['no body, no content-type', null, null],
      ['an empty form', '', form],
      ['not a form', 'not json', form],
      ['%ZZ=%ZZ', '%ZZ=%ZZ&a=%', form],
      ['JSON', JSON.stringify(body.sample(f)), 'application/json'],
      ['the valid form as text/plain', new URLSearchParams(body.sample(f)).toString(), 'text/plain'],
      ['a broken multipart form', 'not multipart', 'multipart/form-data; boundary=x'],
      ['a multipart form without a boundary', 'not multipart', 'multipart/form-data'],
      ['100 KiB', `a=${'x'.repeat(100 * 1024)}`, form],
    ];
    for (const [label, text, contentType] of raw) out.push({ label: `body: ${label}`, body: text, contentType });
    for (const field of Object.keys(body.sample(f))) {
      for (const g of FORM_GARBAGE) {
        const fields = new URLSearchParams(body.sample(f));
        if (g === undefined) fields.delete(field);
        else fields.set(field, g);
        out.push({ label: `form ${field}=${g === undefined ? '(left out)' : show(g)}`, body: fields.toString() });
      }
      const twice = new URLSearchParams(body.sample(f));
      twice.append(field, body.sample(f)[field]!);
      out.push({ label: `form ${field} twice`, body: twice.toString() });
    }
    const nested = new URLSearchParams(body.sample(f));
    nested.set(`attribute${'[a]'.repeat(200)}`, 'x');
    out.push({ label: 'form: a key 200 brackets deep', body: nested.toString() });
  } else if (body?.kind === 'bytes') {
    for (const { label, data, contentType } of BYTES_GARBAGE) {
      out.push({
        label: `body: ${label}`,
        body: data,
        contentType: contentType === undefined ? body.contentType : contentType,
      });
    }
  }
  return [...out, ...(row.more?.(f) ?? [])];
}

const PARAM = /:(\w+)(?:\{(?:[^{}]|\{[^{}]*\})*\})?/g;
const paramNames = (pattern: string) => [...pattern.matchAll(PARAM)].map((m) => m[1]!);
const fill = (pattern: string, values: Record<string, string>) =>
  pattern.replace(PARAM, (_, name: string) => values[name] ?? `:${name}`);

// --- The routes -----------------------------------------------------------------------------

const OPEN311: Record<string, Row> = Object.fromEntries(
  (['/open311/v2', '/open311/v2-test'] as const).flatMap((root) => [
    ...(['xml', 'json'] as const).flatMap((fmt): [string, Row][] => [
      [`GET ${root}/discovery.${fmt}`, { who: 'anonymous', errors: 'open311' }],
      [`GET ${root}/services.${fmt}`, { who: 'anonymous', errors: 'open311' }],
      [
        `GET ${root}/requests.${fmt}`,
        {
          who: 'anonymous',
          errors: 'open311',
          // The id list overrides every other filter: it gets garbage with every known key.
          query: (f) => ({
            status: 'open',
            page_size: '10',
            page: '1',
            start_date: '2026-06-01T00:00:00Z',
            end_date: '2026-06-10T00:00:00Z',
            service_code: 'POTHOLE',
            extensions: 'true',
            api_key: f.apiKey,
          }),
        },
      ],
      [
        `POST ${root}/requests.${fmt}`,
        {
          who: 'anonymous',
          errors: 'open311',
          body: {
            kind: 'form',
            sample: (f) => ({
              api_key: f.apiKey,
              service_code: 'SIDEWALK',
              lat: '42.3555',
              long: '-86.975',
              description: 'Sweep',
              'attribute[hazard]': 'yes',
            }),
          },
        },
      ],
      [
        `GET ${root}/servicerequestupdates.${fmt}`,
        {
          who: 'anonymous',
          errors: 'open311',
          query: (f) => ({
            page_size: '10',
            page: '1',
            start_date: '2026-06-01T00:00:00Z',
            end_date: '2026-06-10T00:00:00Z',
            api_key: f.apiKey,
          }),
        },
      ],
      [
        `GET ${root}/duplicates.${fmt}`,
        {
          who: 'anonymous',
          errors: 'open311',
          query: (f) => ({ service_code: 'SIDEWALK', lat: '42.3555', long: '-86.975', api_key: f.apiKey }),
        },
      ],
    ]),
    [
      `GET ${root}/services/:file{[^/]+\\.(?:xml|json)}`,
      { who: 'anonymous', errors: 'open311', params: () => ({ file: 'POTHOLE.json' }), suffix: { file: '.json' } },
    ],
    [
      `GET ${root}/requests/:file{[^/]+\\.(?:xml|json)}`,
      {
        who: 'anonymous',
        errors: 'open311',
        params: (f) => ({ file: `${f.caseId}.json` }),
        suffix: { file: '.json' },
        query: (f) => ({ extensions: 'true', api_key: f.apiKey }),
      },
    ],
    [
      `GET ${root}/tokens/:file{[^/]+\\.(?:xml|json)}`,
      { who: 'anonymous', errors: 'open311', params: () => ({ file: 'abc.json' }), suffix: { file: '.json' } },
    ],
    [
      `GET ${root}/media/:file{[0-9a-fA-F-]{36}\\.jpg}`,
      {
        who: 'anonymous',
        errors: 'open311',
        params: () => ({ file: `${crypto.randomUUID()}.jpg` }),
        suffix: { file: '.jpg' },
        more: () =>
          ['f'.repeat(36), '-'.repeat(36), '0'.repeat(36)].map((g) => ({
            label: `path :file=${show(g)}.jpg`,
            params: { file: `${g}.jpg` },
          })),
      },
    ],
  ]),
);

const SWEEP: Record<string, Row> = {
  ...OPEN311,
  'GET /healthz': { who: 'anonymous' },
  'GET /metrics': { who: 'anonymous', refusesAll: true },
  'GET /tiles/:document': { who: 'anonymous', params: () => ({ document: 'style.json' }) },
  'GET /tiles/:version/:z/:x/:file': {
    who: 'anonymous',
    params: (f) => ({ version: f.tileVersion, z: '14', x: '4233', file: '6060.pbf' }),
    suffix: { file: '.pbf' },
  },
  'POST /api/auth/login': {
    who: 'anonymous',
    query: () => ({ bearer: '1' }),
    // Nobody's account, a new one each time: the sign-in throttle locks no demo user out, and
    // does not answer 429 in place of the checks.
    body: { kind: 'json', sample: () => ({ email: `sweep-${crypto.randomUUID()}@example.org`, password: 'fieldfix' }) },
  },
  'GET /api/auth/session': { who: 'worker' },
  'POST /api/auth/logout': { who: 'worker', ownSession: true },
  'POST /api/auth/users/:id/revoke-sessions': { who: 'admin', params: () => ({ id: 'u-nobody' }) },
  'GET /api/day': { who: 'worker', query: () => ({ crew: 'streets-a', date: DAY }) },
  'GET /api/service-types': { who: 'worker' },
  'GET /api/cases/:id': { who: 'worker', params: (f) => ({ id: f.caseId }) },
  'POST /api/cases/histories': { who: 'worker', body: { kind: 'json', sample: (f) => ({ ids: [f.caseId] }) } },
  'POST /api/sync/push': {
    who: 'worker',
    headers: sync,
    garble: [PROTOCOL_HEADER],
    body: {
      kind: 'json',
      sample: (f) => ({
        clientId: 'sweep',
        sentAt: new Date().toISOString(),
        mutations: [
          {
            id: v7(),
            clientId: 'sweep',
            seq: 1,
            caseId: f.caseId,
            baseVersion: 0,
            deviceTime: new Date().toISOString(),
            kind: 'add_note',
            payload: { text: 'sweep' },
          },
        ],
      }),
    },
  },
  'GET /api/sync/pull': {
    who: 'worker',
    headers: sync,
    garble: [PROTOCOL_HEADER],
    query: () => ({ cursor: '0', limit: '1', clientId: 'sweep', behind: '1' }),
  },
  'GET /api/sync/live': { who: 'worker' },
  'POST /api/sync/position': {
    who: 'worker',
    body: { kind: 'json', sample: () => ({ lat: 42.35, long: -86.97, at: new Date().toISOString() }) },
  },
  // An admin names the department: garbage reaches the lookup (a lead's own is not asked).
  'GET /api/dispatch/board': { who: 'admin', query: () => ({ date: DAY, department: 'streets' }) },
  'GET /api/dispatch/live': { who: 'admin', query: () => ({ department: 'streets' }) },
  'POST /api/dispatch/balance': {
    who: 'admin',
    body: {
      kind: 'json',
      sample: () => ({ date: DAY, department: 'streets', crewIds: ['streets-a'], mode: 'balance', timeLimitMs: 50 }),
    },
  },
  'GET /api/notices': { who: 'lead', query: () => ({ all: '1' }) },
  'POST /api/notices/:id/ack': { who: 'lead', params: () => ({ id: '999999' }) },
  'GET /api/admin/outbox': { who: 'admin', query: (f) => ({ caseId: f.caseId }) },
  'GET /api/admin/outbox/status': { who: 'admin', query: () => ({ status: 'pending' }) },
  'POST /api/admin/outbox/:id/retry': { who: 'admin', params: () => ({ id: '999999' }) },
  'GET /api/admin/mailbox': { who: 'admin' },
  'GET /api/admin/routing': { who: 'admin' },
  'GET /api/admin/routing/names': { who: 'admin' },
  'PUT /api/admin/routing': {
    who: 'admin',
    body: { kind: 'json', sample: () => ({ rules: DEMO_ROUTING, duplicateRadiusM: { POTHOLE: 50 } }) },
  },
  'GET /api/admin/api-keys': { who: 'admin' },
  'POST /api/admin/api-keys': {
    who: 'admin',
    body: { kind: 'json', sample: () => ({ name: 'Sweep', rateLimitPerMinute: 60 }) },
  },
  'POST /api/admin/api-keys/:id/revoke': { who: 'admin', params: () => ({ id: 'k_nobody' }) },
  'GET /api/admin/people': { who: 'admin' },
  'POST /api/admin/people': {
    who: 'admin',
    body: {
      kind: 'json',
      sample: () => ({
        name: 'Sweep',
        email: `sweep-${crypto.randomUUID()}@riverton.example`,
        password: 'sweep-password-1',
        placement: { role: 'worker', crewId: 'streets-b' },
      }),
    },
  },
  // Its own name again: the sample itself changes nothing.
  'PUT /api/admin/people/:id': {
    who: 'admin',
    params: () => ({ id: 'u-w01' }),
    body: { kind: 'json', sample: () => ({ name: 'Sam Ortega' }) },
  },
  'GET /api/public/unsubscribe': { who: 'anonymous', errors: 'html', query: (f) => ({ token: f.unsubscribeToken }) },
  'POST /api/public/unsubscribe': { who: 'anonymous', errors: 'html', query: (f) => ({ token: f.unsubscribeToken }) },
  'GET /still-a-problem': { who: 'anonymous', errors: 'html', query: (f) => ({ token: f.stillAProblemToken }) },
  'POST /still-a-problem': { who: 'anonymous', errors: 'html', query: (f) => ({ token: f.stillAProblemToken }) },
  'GET /api/public/cases/:id': { who: 'anonymous', params: (f) => ({ id: f.caseId }) },
  'POST /api/public/cases/:id/follow': {
    who: 'anonymous',
    params: (f) => ({ id: f.caseId }),
    body: { kind: 'json', sample: () => ({ email: `sweep-${crypto.randomUUID()}@example.org`, language: 'en' }) },
  },
  'POST /api/public/follows/confirm': {
    who: 'anonymous',
    body: { kind: 'json', sample: (f) => ({ token: f.followToken }) },
  },
  'POST /api/public/cases/:id/unfollow': {
    who: 'anonymous',
    params: (f) => ({ id: f.caseId }),
    body: { kind: 'json', sample: (f) => ({ token: f.unsubscribeToken }) },
  },
  'POST /api/public/cases/:id/reopen': {
    who: 'anonymous',
    params: (f) => ({ id: f.caseId }),
    body: { kind: 'json', sample: (f) => ({ key: f.trackKey }) },
  },
  'GET /api/public/map': {
    who: 'anonymous',
    query: () => ({
      bbox: BBOX,
      zoom: '12',
      status: 'open',
      type: 'POTHOLE',
      district: 'northside',
      department: 'streets',
    }),
  },
  'GET /api/public/map/cases': {
    who: 'anonymous',
    query: () => ({
      bbox: BBOX,
      status: 'open',
      type: 'POTHOLE',
      district: 'northside',
      department: 'streets',
      limit: '10',
      offset: '0',
    }),
  },
  'GET /api/public/map/filters': { who: 'anonymous' },
  'GET /api/public/stats': { who: 'anonymous', query: () => ({ format: 'csv', table: 'types' }) },
  'GET /api/public/services': { who: 'anonymous' },
  'GET /api/public/addresses': { who: 'anonymous', query: () => ({ q: '100 ced' }) },
  'GET /api/public/addresses/near': { who: 'anonymous', query: () => POINT },
  'GET /api/public/nearby': { who: 'anonymous', query: () => ({ service: 'POTHOLE', ...POINT }) },
  // The fixture report's own token: a valid body is a replay (200), and makes no case.
  'POST /api/public/reports': {
    who: 'anonymous',
    body: {
      kind: 'json',
      sample: (f) => ({
        token: f.reportToken,
        serviceCode: 'POTHOLE',
        lat: 42.35595,
        long: -86.9808,
        address: '',
        description: 'Sweep',
        attributes: { size: 'small' },
        email: null,
        language: 'en',
        device: 'sweep-device',
        proof: f.reportProof,
        website: '',
      }),
    },
  },
  'PUT /api/public/reports/:token/photos/:photoId': {
    who: 'anonymous',
    params: (f) => ({ token: f.reportToken, photoId: crypto.randomUUID() }),
    body: { kind: 'bytes', contentType: 'image/jpeg' },
  },
  'GET /api/photos/:id': { who: 'worker', params: (f) => ({ id: f.pendingPhotoId }) },
  'GET /api/photos/:id/thumb': { who: 'worker', params: (f) => ({ id: f.pendingPhotoId }) },
  'GET /api/photos/:id/upload': { who: 'worker', params: (f) => ({ id: f.pendingPhotoId }) },
  // The bytes of a photo the worker took. Bytes are bytes until the last one is in: a short
  // chunk of garbage is kept (204) like any other, and the photo is then checked when whole.
  'PATCH /api/photos/:id/upload': {
    who: 'worker',
    params: (f) => ({ id: f.pendingPhotoId }),
    headers: { 'upload-offset': '0' },
    garble: ['upload-offset', 'content-type'],
    body: { kind: 'bytes', contentType: 'application/offset+octet-stream' },
    // Each garbage body also as the whole of a photo of its length, which it completes: the
    // finished bytes are then checked (type, decoding).
    more: (f) =>
      WHOLE_GARBAGE.map((g) => ({
        label: `body: ${g.label}, as a whole photo`,
        params: { id: f.wholePhotos[g.label]! },
        body: g.data,
      })),
  },
};

const PHOTO_BYTES = 1000;
const sizeOf = (data: Uint8Array | string) => (typeof data === 'string' ? Buffer.byteLength(data) : data.length);
/** The garbage bodies that can be a whole photo (not empty, not over one upload's 4 MiB). */
const WHOLE_GARBAGE = BYTES_GARBAGE.filter(
  (g): g is typeof g & { data: Uint8Array | string } =>
    g.data !== null && sizeOf(g.data) > 0 && sizeOf(g.data) <= 4 * 1024 * 1024,
);

// --- Checks ---------------------------------------------------------------------------------

const STACK = /at .*\.(ts|js):\d+/;
const SQL = /syntax error|violates|relation "|column "/i;

/** The domain's tables a refusal must not write. */
const WATCHED = [
  'api_keys',
  'cases',
  'case_events',
  'mutations',
  'photos',
  'case_followers',
  'case_reporters',
  'case_departures',
  'lead_notices',
  'notification_outbox',
  'notice_deliveries',
  'notice_unsubscribes',
  'routing_rules',
  'open311_tokens',
  'public_reports',
  'crew_positions',
  'device_syncs',
  'users',
  'crews',
  'departments',
  'districts',
  'service_types',
  'address_ranges',
];

/** What is wrong with an answer to bad input: nothing, or the reasons. */
function problemsOf(row: Row, res: Response, text: string): string[] {
  const problems: string[] = [];
  if (res.status >= 500) problems.push(`status ${res.status}`);
  if (STACK.test(text)) problems.push('a stack trace');
  if (SQL.test(text)) problems.push('SQL error text');
  if (res.status < 400) return problems;
  const type = res.headers.get('content-type') ?? '';
  const errors = row.errors ?? 'api';
  let json: unknown;
  try {
    json = type.includes('json') ? JSON.parse(text) : undefined;
  } catch {
    problems.push('a JSON content-type with a body that is not JSON');
  }
  if (errors === 'api') {
    const e = (json as { error?: { code?: unknown; message?: unknown } } | undefined)?.error;
    if (!type.includes('json')) problems.push(`a ${type || 'bodiless'} refusal, not JSON`);
    else if (typeof e?.code !== 'string' || !e.code || typeof e.message !== 'string' || !e.message.trim()) {
      problems.push('not { error: { code, message } }');
    }
  } else if (errors === 'open311') {
    const first = Array.isArray(json) ? (json[0] as { code?: unknown; description?: unknown }) : undefined;
    if (type.includes('json')) {
      if (typeof first?.code !== 'number' || typeof first.description !== 'string' || !first.description.trim()) {
        problems.push("not Open311's [{ code, description }]");
      }
    } else if (!/<description>[^<]+<\/description>/.test(text)) problems.push("not Open311's <errors> document");
  } else if (!text.trim()) problems.push('an empty page');
  return problems;
}

// --- The sweep ------------------------------------------------------------------------------

let t: TestApp;
let dataDir: string;
const sessions = new Map<Who, Record<string, string>>();
const fixture = {} as Fixture;
let addresses = 0;

async function push(mutations: unknown[]): Promise<void> {
  const res = await t.app.request('/api/sync/push', {
    method: 'POST',
    headers: { ...sessions.get('worker')!, ...sync, 'content-type': 'application/json' },
    body: JSON.stringify({ clientId: 'sweep-fixture', mutations }),
  });
  const body = await res.text();
  if (res.status !== 200 || !body.includes('"applied"')) throw new Error(`fixture push: ${res.status} ${body}`);
}

const attachPhoto = (caseId: string, seq: number, photoId: string, byteSize: number, webp = false) => ({
  id: v7(),
  clientId: 'sweep-fixture',
  seq,
  caseId,
  baseVersion: 0,
  deviceTime: new Date().toISOString(),
  kind: 'attach_photo',
  payload: {
    photoId,
    tag: 'after',
    contentType: webp ? 'image/webp' : 'image/jpeg',
    byteSize,
    width: 64,
    height: 48,
    takenAt: null,
    lat: null,
    long: null,
  },
});

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'fieldfix-bad-input-'));
  // One proxy trusted: each request comes from an address of its own, so the per-address
  // limits (reports, photos, sign-in) do not answer 429 in place of the route's own checks.
  t = await createTestApp({ photosDir: dataDir, dataDir, trustProxyHops: 1 });
  sessions.set('anonymous', {});
  for (const [who, email] of Object.entries(LOGINS)) sessions.set(who as Who, await t.login(email));

  const [open] = await t.db.sql<{ id: string }[]>`
    select id::text from cases where assigned_crew_id = 'streets-a' and state in ('assigned', 'in_progress')
    order by id limit 1`;
  fixture.caseId = open!.id;
  fixture.pendingPhotoId = crypto.randomUUID();
  fixture.wholePhotos = Object.fromEntries(WHOLE_GARBAGE.map((g) => [g.label, crypto.randomUUID()]));
  await push([
    attachPhoto(fixture.caseId, 1, fixture.pendingPhotoId, PHOTO_BYTES),
    ...WHOLE_GARBAGE.map((g, i) =>
      attachPhoto(fixture.caseId, i + 2, fixture.wholePhotos[g.label]!, sizeOf(g.data), g.label.includes('WebP')),
    ),
  ]);

  fixture.reportToken = crypto.randomUUID();
  fixture.reportProof = proofFor(fixture.reportToken);
  const report = (SWEEP['POST /api/public/reports']!.body as { sample: (f: Fixture) => unknown }).sample(fixture);
  const sent = await t.app.request('/api/public/reports', {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: 'http://localhost' },
    body: JSON.stringify(report),
  });
  expect(sent.status, await sent.clone().text()).toBe(201);

  const secret = linkSecret(t.config);
  const exp = Math.floor(Date.now() / 1000) + 86_400;
  const caseId = fixture.caseId;
  fixture.unsubscribeToken = signLink(secret, { p: 'unsubscribe', caseId, email: 'resident@example.org' });
  fixture.stillAProblemToken = signLink(secret, { p: 'still-a-problem', caseId, exp });
  fixture.trackKey = signLink(secret, { p: 'track', caseId });
  fixture.followToken = signLink(secret, { p: 'follow', caseId, email: 'f@example.org', language: 'es', exp });
  fixture.apiKey = 'sweep-key';
  await insertApiKey(t.db.sql, {
    id: 'k_sweep',
    name: 'Sweep',
    token: fixture.apiKey,
    createdBy: null,
    rateLimitPerMinute: 100_000,
  });
  fixture.tileVersion = ((await (await t.app.request('/tiles/meta.json')).json()) as { version: string }).version;

  // Every row written to a watched table is noted, so a refusal that wrote one is caught. An
  // update of bookkeeping columns only is not a change: a photo's upload lease (taken and
  // given back by a refused chunk too), an API key's use count.
  await t.db.sql`create table sweep_writes (id bigserial primary key, tbl text not null)`;
  await t.db.sql`
    create function sweep_note_write() returns trigger language plpgsql as $$
    declare
      bookkeeping text[] := case tg_table_name
        when 'photos' then array['upload_lease', 'upload_lease_until']
        when 'api_keys' then array['last_used_at', 'window_start', 'window_count']
        else array[]::text[]
      end;
    begin
      if tg_op = 'UPDATE' and (to_jsonb(old) - bookkeeping) = (to_jsonb(new) - bookkeeping) then
        return null;
      end if;
      insert into sweep_writes (tbl) values (tg_table_name || ' ' || lower(tg_op));
      return null;
    end $$`;
  for (const table of WATCHED) {
    await t.db.sql`
      create trigger sweep_note_write after insert or update or delete on ${t.db.sql(table)}
      for each row execute function sweep_note_write()`;
  }
}, 120_000);

afterAll(async () => {
  await t?.close();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

async function lastWrite(): Promise<number> {
  const [row] = await t.db.sql<{ id: string }[]>`select coalesce(max(id), 0)::text as id from sweep_writes`;
  return Number(row!.id);
}

describe('bad input', () => {
  it('has a row for every route of the app, with every path parameter, and none for a route that is gone', () => {
    // `use()` middleware and the /api/* not-found handler are listed as ALL: not routes.
    const routes = new Set(t.app.routes.filter((r) => r.method !== 'ALL').map((r) => `${r.method} ${r.path}`));
    expect(
      [...routes].filter((r) => !(r in SWEEP)),
      'routes without a row in SWEEP',
    ).toEqual([]);
    expect(
      Object.keys(SWEEP).filter((r) => !routes.has(r)),
      'rows for routes that do not exist',
    ).toEqual([]);
    const missing = Object.entries(SWEEP).flatMap(([route, row]) => {
      const given = Object.keys(row.params?.(fixture) ?? {});
      return paramNames(route)
        .filter((p) => !given.includes(p))
        .map((p) => `${route}: :${p}`);
    });
    expect(missing, 'path parameters without a valid value').toEqual([]);
  });

  it('every route answers garbage with a 4xx that says what is wrong, and changes nothing', async () => {
    const violations: string[] = [];
    let sent = 0;
    const loggedBefore = quietLogger.errors.length;
    for (const [route, row] of Object.entries(SWEEP)) {
      const space = route.indexOf(' ');
      const method = route.slice(0, space);
      const pattern = route.slice(space + 1);
      let reached = false;
      for (const input of inputsOf(pattern, row, fixture)) {
        const params = { ...row.params?.(fixture), ...input.params };
        const valid = Object.entries(row.query?.(fixture) ?? {}).map(([k, v]) => `${k}=${encodeURIComponent(v)}`);
        const query = input.query ?? valid;
        const path = fill(pattern, params) + (query.length > 0 ? `?${query.join('&')}` : '');
        const session = row.ownSession ? await t.login(LOGINS.worker) : sessions.get(row.who)!;
        const n = addresses++;
        const headers: Record<string, string | null> = {
          origin: 'http://localhost', // as the app's own pages send it
          'x-forwarded-for': `10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`,
          ...session,
          ...row.headers,
        };
        const body = row.body;
        let data: string | Uint8Array | null | undefined;
        if (body?.kind === 'json') data = toText(body.sample(fixture));
        else if (body?.kind === 'form') data = new URLSearchParams(body.sample(fixture)).toString();
        else if (body?.kind === 'bytes') data = 'not a photo';
        if (body) {
          const type = { json: 'application/json', form: 'application/x-www-form-urlencoded' }[body.kind as string];
          headers['content-type'] = body.kind === 'bytes' ? body.contentType : type!;
        }
        if ('body' in input) data = input.body;
        if ('contentType' in input) headers['content-type'] = input.contentType ?? null;
        Object.assign(headers, input.headers);
        const sentHeaders = Object.fromEntries(
          Object.entries(headers).filter((e): e is [string, string] => e[1] !== null),
        );

        const before = await lastWrite();
        const res = await t.app.request(path, {
          method,
          headers: sentHeaders,
          ...(data === null || data === undefined ? {} : { body: data as BodyInit }),
        });
        sent++;
        let text = '';
        // A live feed never ends on its own: hang up once its headers are in.
        if (res.headers.get('content-type')?.includes('text/event-stream')) await res.body?.cancel();
        else text = await res.text();
        reached ||= res.status !== 401 && res.status !== 403;
        const problems = problemsOf(row, res, text);
        if (res.status >= 400) {
          const written = await t.db.sql<{ tbl: string }[]>`
            select distinct tbl from sweep_writes where id > ${before} order by tbl`;
          if (written.length > 0) problems.push(`refused, yet wrote ${written.map((w) => w.tbl).join(', ')}`);
        }
        if (problems.length > 0) {
          violations.push(
            `${route} ← ${input.label}: ${res.status} (${problems.join('; ')}) ${text.slice(0, 200).replace(/\s+/g, ' ')}`,
          );
        }
      }
      // Every answer a 401 or 403: the caller is not allowed, and nothing reached validation.
      if (!reached && !row.refusesAll)
        violations.push(`${route}: every answer was 401 or 403 (not swept: the wrong caller?)`);
    }
    const logged = quietLogger.errors.slice(loggedBefore).map((e) => `  logged: ${String(e).slice(0, 200)}`);
    expect(
      violations,
      `${violations.length} of ${sent} answers to bad input broke the rule\n${logged.slice(0, 20).join('\n')}`,
    ).toEqual([]);
  }, 600_000);
});
