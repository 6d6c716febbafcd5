/**
 * Test yardsticks for Open311: the Open311 project's published JSON Schemas, read from
 * `../shared/open311/schema/` beside the repository at test time (never copied into it), a
 * validator for the small part of JSON Schema they use, and a reader of this server's XML
 * that gives back the JSON shape, so a test can check that both formats carry the same data.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LIST_ITEMS } from './open311-format.ts';

export const SCHEMA_DIR = join(
  fileURLToPath(new URL('../../../', import.meta.url)),
  '..',
  'shared',
  'open311',
  'schema',
);

type Schema = Record<string, unknown>;

/** The published schemas by file name, or null when the folder is not there. */
export function loadPublishedSchemas(): Map<string, Schema> | null {
  if (!existsSync(join(SCHEMA_DIR, 'request.json'))) return null;
  const out = new Map<string, Schema>();
  for (const f of ['request.json', 'requests.json', 'service.json', 'services.json', 'service-definition.json']) {
    out.set(f, JSON.parse(readFileSync(join(SCHEMA_DIR, f), 'utf8')) as Schema);
  }
  return out;
}

const KNOWN = new Set([
  'type',
  'enum',
  'required',
  'properties',
  'anyOf',
  'items',
  '$ref',
  'maxLength',
  'format',
  'description',
  'minItems',
  'uniqueItems',
]);

function typeOk(type: string, v: unknown): boolean {
  switch (type) {
    case 'string':
      return typeof v === 'string';
    case 'number':
      return typeof v === 'number' && Number.isFinite(v);
    case 'integer':
      return Number.isInteger(v);
    case 'boolean':
      return typeof v === 'boolean';
    case 'null':
      return v === null;
    case 'array':
      return Array.isArray(v);
    case 'object':
      return typeof v === 'object' && v !== null && !Array.isArray(v);
    default:
      throw new Error(`unsupported JSON Schema type ${type}`);
  }
}

/**
 * The ways `value` breaks `schema` (empty when it conforms). Only the keywords the published
 * schemas use are known; any other throws, so a new schema cannot pass by being ignored.
 */
export function validateAgainst(schemas: Map<string, Schema>, schema: Schema, value: unknown, at = '$'): string[] {
  for (const k of Object.keys(schema)) if (!KNOWN.has(k)) throw new Error(`unsupported JSON Schema keyword ${k}`);
  if (typeof schema.$ref === 'string') {
    const target = schemas.get(schema.$ref);
    if (!target) throw new Error(`unknown $ref ${schema.$ref}`);
    return validateAgainst(schemas, target, value, at);
  }
  if (Array.isArray(schema.anyOf)) {
    const ok = (schema.anyOf as Schema[]).some((s) => validateAgainst(schemas, s, value, at).length === 0);
    if (!ok) return [`${at}: matches none of anyOf`];
  }
  const errors: string[] = [];
  if (typeof schema.type === 'string' && !typeOk(schema.type, value)) return [`${at}: not a ${schema.type}`];
  if (Array.isArray(schema.enum) && !schema.enum.includes(value))
    errors.push(`${at}: not one of ${schema.enum.join(', ')}`);
  if (typeof schema.maxLength === 'number' && typeof value === 'string' && value.length > schema.maxLength) {
    errors.push(`${at}: longer than ${schema.maxLength}`);
  }
  if (schema.format === 'date-time' && typeof value === 'string') {
    if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.test(value)) {
      errors.push(`${at}: not an RFC 3339 date-time`);
    }
  }
  if (schema.format === 'uri' && typeof value === 'string' && !URL.canParse(value)) errors.push(`${at}: not a URI`);
  if (Array.isArray(value) && schema.items) {
    value.forEach((v, i) => errors.push(...validateAgainst(schemas, schema.items as Schema, v, `${at}[${i}]`)));
  }
  if (typeOk('object', value)) {
    const obj = value as Record<string, unknown>;
    for (const r of (schema.required as string[] | undefined) ?? [])
      if (!(r in obj)) errors.push(`${at}.${r}: missing`);
    for (const [k, s] of Object.entries((schema.properties as Record<string, Schema> | undefined) ?? {})) {
      if (k in obj) errors.push(...validateAgainst(schemas, s, obj[k], `${at}.${k}`));
    }
  }
  return errors;
}

type Node = string | Node[] | { [k: string]: Node };

/**
 * Reads this server's XML (elements and text only) into the JSON shape, with every scalar as
 * its text: lists by their element names (`LIST_ITEMS`), empty elements as ''.
 */
export function readXml(xml: string): { root: string; value: Node } {
  const body = xml.replace(/^<\?xml[^>]*\?>\s*/, '');
  let i = 0;
  const unescape = (s: string) =>
    s.replace(/&(lt|gt|amp|quot|apos);/g, (_, e: string) => ({ lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" })[e]!);
  function element(): { name: string; value: Node } {
    const open = /^<([A-Za-z_][\w.-]*)(\/?)>/.exec(body.slice(i));
    if (!open) throw new Error(`XML: expected an element at ${i}: ${body.slice(i, i + 40)}`);
    i += open[0].length;
    const name = open[1]!;
    if (open[2] === '/') return { name, value: '' };
    const children: { name: string; value: Node }[] = [];
    let text = '';
    for (;;) {
      const close = `</${name}>`;
      if (body.startsWith(close, i)) {
        i += close.length;
        break;
      }
      const ws = /^\s+/.exec(body.slice(i));
      if (ws && body[i + ws[0].length] === '<') {
        if (body.startsWith(close, i + ws[0].length)) text += ws[0];
        i += ws[0].length;
        continue;
      }
      if (body[i] === '<') children.push(element());
      else {
        const end = body.indexOf('<', i);
        text += body.slice(i, end);
        i = end;
      }
    }
    if (children.length === 0) return { name, value: unescape(text) };
    // A list's elements are named by `LIST_ITEMS`, or `item` in a list the spec does not name.
    const item = LIST_ITEMS[name] ?? 'item';
    if (children.every((c) => c.name === item)) return { name, value: children.map((c) => c.value) };
    return { name, value: Object.fromEntries(children.map((c) => [c.name, c.value])) };
  }
  const { name, value } = element();
  return { root: name, value };
}

/** A JSON document as `readXml` gives its XML form back: scalars as text, empties as ''. */
export function asXmlText(v: unknown): Node {
  if (v === null) return '';
  if (Array.isArray(v)) return v.length === 0 ? '' : v.map(asXmlText);
  if (typeof v === 'object') {
    const entries = Object.entries(v as Record<string, unknown>);
    return entries.length === 0 ? '' : Object.fromEntries(entries.map(([k, x]) => [k, asXmlText(x)]));
  }
  return String(v);
}
