/**
 * GeoReport v2 on the wire: one document as data, two serialisers (XML, which the spec
 * requires, and JSON). A handler builds the data once; the suffix of the path picks the form,
 * so XML and JSON cannot carry different things.
 */
import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';

export const FORMATS = ['xml', 'json'] as const;
export type Format = (typeof FORMATS)[number];

export const CONTENT_TYPES: Record<Format, string> = {
  xml: 'text/xml; charset=utf-8',
  json: 'application/json; charset=utf-8',
};

type Scalar = string | number | boolean | null;
export type Value = Scalar | Value[] | { [key: string]: Value };

/**
 * A document: JSON sends `data` as it is; XML wraps it in `root` and names the elements of
 * every list by `items` (list key → element name; the top-level list's key is `root`).
 */
export type Doc = { root: string; data: Value; items: Record<string, string> };

/** The element names of the lists GeoReport v2 documents contain. */
export const LIST_ITEMS: Record<string, string> = {
  service_requests: 'request',
  services: 'service',
  attributes: 'attribute',
  values: 'value',
  endpoints: 'endpoint',
  formats: 'format',
  notes: 'note',
  errors: 'error',
  service_request_updates: 'request_update',
};

/** The format named by a path's suffix; XML when there is none (the spec's own default). */
export function formatOfPath(path: string): Format {
  return path.endsWith('.json') ? 'json' : 'xml';
}

const XML_NAME = /^[A-Za-z_][A-Za-z0-9_.-]*$/;

// Characters XML 1.0 cannot carry at all: they are dropped.
// eslint-disable-next-line no-control-regex -- the control characters are the point
const NOT_XML = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g;

function escapeXml(s: string): string {
  return s
    .replace(NOT_XML, '')
    .replace(/[<>&"']/g, (ch) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[ch]!);
}

function element(name: string, value: Value, items: Record<string, string>, indent: string): string {
  // Keys that are not XML names (an attribute code from a catalogue) are made into one.
  const tag = XML_NAME.test(name) ? name : `_${name.replace(/[^A-Za-z0-9_.-]/g, '_')}`;
  if (value === null) return `${indent}<${tag}/>`;
  if (Array.isArray(value)) {
    const item = items[name] ?? 'item';
    if (value.length === 0) return `${indent}<${tag}/>`;
    return `${indent}<${tag}>\n${value.map((v) => element(item, v, items, `${indent}  `)).join('\n')}\n${indent}</${tag}>`;
  }
  if (typeof value === 'object') {
    const entries = Object.entries(value);
    if (entries.length === 0) return `${indent}<${tag}/>`;
    return `${indent}<${tag}>\n${entries.map(([k, v]) => element(k, v, items, `${indent}  `)).join('\n')}\n${indent}</${tag}>`;
  }
  return `${indent}<${tag}>${escapeXml(String(value))}</${tag}>`;
}

/** The document as XML: the declaration, no namespace, one element per field. */
export function toXml(doc: Doc): string {
  return `<?xml version="1.0" encoding="utf-8"?>\n${element(doc.root, doc.data, doc.items, '')}\n`;
}

export function send(c: Context, format: Format, doc: Doc, status: ContentfulStatusCode = 200): Response {
  const body = format === 'xml' ? toXml(doc) : JSON.stringify(doc.data);
  return c.body(body, status, { 'content-type': CONTENT_TYPES[format] });
}

/** A list document (`<service_requests><request>…`). */
export function listDoc(root: keyof typeof LIST_ITEMS, data: Value[]): Doc {
  return { root, data, items: LIST_ITEMS };
}

/** An error as the spec states it: 404 unknown id or code, 403 bad key, 400 anything else. */
export class Open311Error extends Error {
  readonly status: 400 | 403 | 404 | 410 | 429;
  constructor(status: 400 | 403 | 404 | 410 | 429, description: string) {
    super(description);
    this.status = status;
  }
}

/** The spec's error list: `[{ code, description }]`, `<errors><error>…`. */
export function errorDoc(status: number, description: string): Doc {
  return listDoc('errors', [{ code: status, description }]);
}
