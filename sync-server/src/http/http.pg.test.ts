import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Hono } from 'hono';
import { onError } from './errors.ts';
import { createTestApp, quietLogger, type TestApp } from '../../test/test-app.ts';

describe('HTTP boundary', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t.close());

  it('reports health with the database kind and version', async () => {
    const res = await t.app.request('/healthz');
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ ok: true, db: t.db.kind, version: 'test' });
  });

  it('answers unknown API paths with a JSON 404, not the app page', async () => {
    const res = await t.app.request('/api/no/such/thing');
    expect(res.status).toBe(404);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('not-found');
  });

  it('answers malformed JSON with a 400 naming the problem', async () => {
    const res = await t.app.request('/api/auth/login', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"email":',
    });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe('bad-request');
    expect(body.error.message).toMatch(/JSON/);
  });

  it('refuses a JSON body sent as another type with a 415 that says so, not as an empty body', async () => {
    const worker = await t.login('worker@riverton.example');
    const send = (contentType: string | null) =>
      t.app.request('/api/cases/histories', {
        method: 'POST',
        headers: { ...worker, ...(contentType ? { 'content-type': contentType } : {}) },
        body: JSON.stringify({ ids: ['1'] }),
      });
    for (const type of ['text/plain', null, 'application/x-json-ish']) {
      const res = await send(type);
      expect(res.status, String(type)).toBe(415);
      const body = (await res.json()) as { error: { code: string; message: string } };
      expect(body.error).toEqual({
        code: 'invalid-body',
        message: 'Send the request body as JSON, with Content-Type: application/json.',
      });
    }
    for (const type of ['application/json', 'Application/JSON; charset=utf-8', 'application/merge-patch+json']) {
      expect((await send(type)).status, type).toBe(200);
    }
  });

  it('refuses a body over 2 MiB with 413', async () => {
    const res = await t.app.request('/api/auth/login', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'a@b.example', password: 'x'.repeat(2_200_000) }),
    });
    expect(res.status).toBe(413);
  });

  it('sets protective headers', async () => {
    const res = await t.app.request('/healthz');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('x-frame-options')).toBe('DENY');
    // The full policy is checked in security-headers.test.ts.
    expect(res.headers.get('content-security-policy')).toMatch(/frame-ancestors 'none'/);
  });

  it('turns an unexpected failure into a plain 500 with no stack trace, and logs it', async () => {
    const app = new Hono()
      .get('/boom', () => {
        throw new Error('secret internals at /srv/app.ts:42');
      })
      .onError(onError(quietLogger.error));
    const before = quietLogger.errors.length;
    const res = await app.request('/boom');
    expect(res.status).toBe(500);
    const text = await res.text();
    expect(text).not.toMatch(/secret internals|app\.ts|at /);
    expect(JSON.parse(text).error.code).toBe('internal');
    expect(quietLogger.errors.length).toBe(before + 1);
  });
});
