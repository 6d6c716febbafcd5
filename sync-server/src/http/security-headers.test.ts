import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Hono } from 'hono';
import { afterAll, describe, expect, it } from 'vitest';
import { createApp } from '../app.ts';
import { loadConfig, type Config } from '../config.ts';
import { quietLogger } from '../../test/test-app.ts';
import { createMetrics } from '../ops/metrics.ts';
import { observeRequests } from '../ops/observe.ts';
import { resourcePolicy } from './security-headers.ts';
import { inlineScripts } from './static.ts';

const page = (script: string) =>
  `<!doctype html><html><head><script src="/_app/x.js"></script></head>` +
  `<body><div style="display: contents"><script>${script}</script></div></body></html>`;

const sha256 = (text: string) => `'sha256-${createHash('sha256').update(text).digest('base64')}'`;

function makeApp(staticDir: string | undefined, overrides: Partial<Config> = {}) {
  const config = { ...loadConfig({}), ...overrides };
  // None of the requests below reach the database.
  return createApp(
    { sql: undefined as never, config, dbKind: 'postgres', version: 'test', log: quietLogger },
    { staticDir },
  );
}

/** The policy as directive → sources. */
function csp(res: Response): Map<string, string[]> {
  const header = res.headers.get('content-security-policy');
  expect(header, `no CSP on ${res.url}`).toBeTruthy();
  return new Map(
    header!
      .split(';')
      .map((d) => d.trim().split(/\s+/))
      .filter((parts) => parts[0])
      .map(([name, ...sources]) => [name!, sources]),
  );
}

describe('security headers', () => {
  const dir = mkdtempSync(join(tmpdir(), 'fieldfix-csp-'));
  const bootstrap = '\n\t\t\t\t{ __sveltekit_x = { base: "" }; import("/_app/immutable/entry/start.js"); }\n\t\t\t';
  writeFileSync(join(dir, '200.html'), page(bootstrap));
  writeFileSync(join(dir, 'robots.txt'), 'User-agent: *\n');
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const app = makeApp(dir);

  it("give the app's pages a strict policy that allows only the build's own inline script", async () => {
    for (const path of ['/', '/cases/12', '/robots.txt']) {
      const res = await app.request(path);
      expect(res.status, path).toBe(200);
      const p = csp(res);
      expect(p.get('default-src')).toEqual(["'self'"]);
      expect(p.get('script-src')).toEqual(["'self'", sha256(bootstrap)]);
      expect(p.get('style-src')).toEqual(["'self'", "'unsafe-inline'"]);
      expect(p.get('img-src')).toEqual(["'self'", 'blob:', 'data:']);
      expect(p.get('font-src')).toEqual(["'self'", 'data:']);
      expect(p.get('connect-src')).toEqual(["'self'"]);
      expect(p.get('worker-src')).toEqual(["'self'", 'blob:']);
      expect(p.get('object-src')).toEqual(["'none'"]);
      expect(p.get('base-uri')).toEqual(["'self'"]);
      expect(p.get('form-action')).toEqual(["'self'"]);
      expect(p.get('frame-ancestors')).toEqual(["'none'"]);
      expect(res.headers.get('x-frame-options')).toBe('DENY');
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    }
  });

  it('are on API answers, errors included, and on tiles', async () => {
    for (const path of ['/api/no-such-thing', '/api/day', '/tiles/meta.json', '/tiles/nothing']) {
      const p = csp(await app.request(path));
      expect(p.get('script-src')?.[0], path).toBe("'self'");
      expect(p.get('frame-ancestors'), path).toEqual(["'none'"]);
      expect(p.get('object-src'), path).toEqual(["'none'"]);
    }
    const noApp = csp(await makeApp(undefined).request('/api/no-such-thing'));
    expect(noApp.get('script-src')).toEqual(["'self'"]);
  });

  it("are a JSON API's on the sync API: it loads nothing, is framed by no one, and is not sniffed", async () => {
    const res = await app.request('/api/sync/pull?cursor=0&clientId=x'); // 401: nobody signed in
    expect(res.status).toBe(401);
    expect(res.headers.get('content-security-policy')).toBe("default-src 'none'; frame-ancestors 'none'");
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('x-frame-options')).toBe('DENY');
    expect(res.headers.get('referrer-policy')).toBe('no-referrer');
    expect(res.headers.get('strict-transport-security')).toMatch(/max-age=\d+/);
    expect(res.headers.get('cross-origin-resource-policy')).toBe('same-origin');
    for (const only of ['cross-origin-opener-policy', 'origin-agent-cluster', 'x-xss-protection', 'x-download-options'])
      expect(res.headers.get(only), only).toBeNull();
    // The rest of the API keeps the page's policy.
    expect(csp(await app.request('/api/day')).get('script-src')?.[0]).toBe("'self'");
  });

  it('allow a new build dropped in place from its first request, and no longer the old one', async () => {
    const next = '{ __sveltekit_y = { base: "" }; }';
    writeFileSync(join(dir, '200.html'), page(next));
    const later = new Date(Date.now() + 5_000);
    utimesSync(join(dir, '200.html'), later, later);
    const res = await app.request('/');
    expect(await res.text()).toContain(next);
    expect(csp(res).get('script-src')).toEqual(["'self'", sha256(next)]);
  });

  it('let the map reach an external tile server (TILES_URL), and nothing else', async () => {
    const p = csp(
      await makeApp(dir, { tilesUrl: 'https://tiles.example.org/riverton/{version}/{z}/{x}/{y}.pbf' }).request('/'),
    );
    expect(p.get('connect-src')).toEqual(["'self'", 'https://tiles.example.org']);
  });

  it('hash inline scripts as a browser does: no src, line breaks as \\n', () => {
    expect(
      inlineScripts('<script type="module">a\r\nb\rc</script><SCRIPT src="/x.js"></SCRIPT><script\n>d</script >'),
    ).toEqual(['a\nb\nc', 'd']);
  });
});

describe('cross-origin resource policy', () => {
  it('keeps the app and its API to this origin, and lets other sites load Open311 answers and media', async () => {
    const app = makeApp(undefined);
    // Neither request reaches the database: an unknown API path, an unknown Open311 file.
    const api = await app.request('/api/nothing-here');
    expect(api.headers.get('cross-origin-resource-policy')).toBe('same-origin');
    const open311 = await app.request('/open311/v2/nothing-here.json');
    expect(open311.headers.get('cross-origin-resource-policy')).toBe('cross-origin');
  });
});

describe('headers added after a handler has answered', () => {
  it('go onto the answer the handler made, not a copy of it', async () => {
    // A copy is a new Response whose body is a stream: on Node the whole answer is built again
    // as a web Response and sent through a stream reader, for every poll of every device.
    const made: Response[] = [];
    const metrics = createMetrics({ sql: undefined as never, dbKind: 'postgres', log: quietLogger });
    const app = new Hono()
      .use(observeRequests(metrics, quietLogger))
      .use(resourcePolicy)
      .get('/answer', (c) => {
        const res = c.json({ ok: true });
        made.push(res);
        return res;
      });
    const res = await app.request('/answer', { headers: { 'x-request-id': 'answer-1' } });
    expect(res).toBe(made[0]);
    expect(res.headers.get('x-request-id')).toBe('answer-1');
    expect(res.headers.get('cross-origin-resource-policy')).toBe('same-origin');
    expect(await res.json()).toEqual({ ok: true });
  });
});
