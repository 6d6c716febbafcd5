import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createApp } from '../app.ts';
import { loadConfig } from '../config.ts';
import { quietLogger } from '../../test/test-app.ts';

// Every request is matched to its routes first; a device's poll is the busiest request there
// is. Hono's RegExpRouter matches all the app's routes with one regular expression and makes
// no garbage; a single route it cannot take (a literal path beside a parameter at the same
// place, as /tiles/meta.json was beside /tiles/:version/…) sends the whole app to its
// TrieRouter, which searched its tree on every request: a few µs and about 5 KB each.
describe("the app's router", () => {
  const build = mkdtempSync(join(tmpdir(), 'ff-router-'));
  writeFileSync(join(build, '200.html'), '<!doctype html><html><head></head><body></body></html>');
  afterAll(() => rmSync(build, { recursive: true, force: true }));

  for (const staticDir of [undefined, build]) {
    it(`matches every route with Hono's RegExpRouter${staticDir ? ', the field-app mounted' : ''}`, async () => {
      const app = createApp(
        { sql: undefined as never, config: loadConfig({}), dbKind: 'postgres', version: 'test', log: quietLogger },
        staticDir ? { staticDir } : {},
      );
      // SmartRouter settles on its router at the first request.
      expect((await app.request('/tiles/nothing/here')).status).toBe(404);
      expect(app.router.name).toBe('SmartRouter + RegExpRouter');
    });
  }
});
