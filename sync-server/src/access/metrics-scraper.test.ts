import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { metricsScraperOf } from './metrics-scraper.ts';

// The facts `/metrics` is judged by: the caller's address (here through one trusted proxy hop,
// so the test names it) and the bearer token.

const TOKEN = 'a-long-metrics-token-1234';

async function facts(headers: Record<string, string>, configured: string | null = TOKEN) {
  const metricsToken = configured ?? undefined;
  const app = new Hono().get('/', (c) => c.json(metricsScraperOf(c, { metricsToken, trustProxyHops: 1 })));
  return (await app.request('/', { headers })).json() as Promise<Record<string, boolean>>;
}

describe('metricsScraperOf', () => {
  it('takes 127.0.0.0/8 and ::1 as this machine, and nothing that only looks like it', async () => {
    for (const a of ['127.0.0.1', '127.255.3.9', '::1']) {
      expect((await facts({ 'x-forwarded-for': a })).fromLoopback, a).toBe(true);
    }
    for (const a of ['10.127.0.1', '127.0.0', '1127.0.0.1', '128.0.0.1', '192.168.1.127']) {
      expect((await facts({ 'x-forwarded-for': a })).fromLoopback, a).toBe(false);
    }
  });

  it('matches the token only as "Bearer <token>"', async () => {
    const at = { 'x-forwarded-for': '10.0.0.5' };
    expect(await facts({ ...at, authorization: `Bearer ${TOKEN}` })).toMatchObject({
      tokenConfigured: true,
      tokenMatches: true,
    });
    for (const authorization of [`Basic ${TOKEN}`, `bearer ${TOKEN}`, `Bearer ${TOKEN}x`, TOKEN, 'Bearer ', 'Bearer']) {
      expect((await facts({ ...at, authorization })).tokenMatches, authorization).toBe(false);
    }
  });

  it('without a configured token, nothing matches', async () => {
    expect(await facts({ 'x-forwarded-for': '10.0.0.5', authorization: 'Bearer anything' }, null)).toMatchObject({
      tokenConfigured: false,
      tokenMatches: false,
    });
  });
});
