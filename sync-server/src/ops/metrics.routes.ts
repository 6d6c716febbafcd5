import { Hono } from 'hono';
import { metricsDenial } from '@fieldfix/shared';
import { metricsScraperOf } from '../access/metrics-scraper.ts';
import type { Config } from '../config.ts';
import { errorBody } from '../http/errors.ts';
import type { Metrics } from './metrics.ts';

/**
 * `GET /metrics`, in the Prometheus text format, for whom the access model lets read them
 * (`metricsDenial`): this machine, or a monitoring system with `METRICS_TOKEN`.
 */
export function metricsRoutes(config: Config, metrics: Metrics) {
  return new Hono().get('/', async (c) => {
    const denial = metricsDenial(metricsScraperOf(c, config));
    if (denial === 'token-required') {
      return c.json(
        errorBody(
          'not-authenticated',
          'The metrics need the metrics token: send Authorization: Bearer <METRICS_TOKEN>.',
        ),
        401,
        { 'www-authenticate': 'Bearer realm="metrics"' },
      );
    }
    if (denial === 'loopback-only') {
      return c.json(
        errorBody(
          'forbidden',
          'The metrics are served to this machine only. Set METRICS_TOKEN on the server to read them from elsewhere.',
        ),
        403,
      );
    }
    const { contentType, body } = await metrics.render();
    return c.body(body, 200, { 'content-type': contentType, 'cache-control': 'no-store' });
  });
}
