import { createHash, timingSafeEqual } from 'node:crypto';
import type { Context } from 'hono';
import type { MetricsScraper } from '@fieldfix/shared';
import { clientAddress } from '../auth/client-address.ts';

/**
 * The facts the access model (`metricsDenial` in `@fieldfix/shared`) judges a request for
 * the metrics by: whether it comes from this machine, and whether it carries the metrics token.
 */
export function metricsScraperOf(
  c: Context,
  config: { metricsToken: string | undefined; trustProxyHops: number },
): MetricsScraper {
  const presented = bearerOf(c.req.header('authorization'));
  return {
    fromLoopback: isLoopback(clientAddress(c, config.trustProxyHops)),
    tokenConfigured: config.metricsToken !== undefined,
    tokenMatches: config.metricsToken !== undefined && presented !== undefined && same(presented, config.metricsToken),
  };
}

function bearerOf(authorization: string | undefined): string | undefined {
  return authorization?.startsWith('Bearer ') ? authorization.slice(7).trim() || undefined : undefined;
}

/** Compares digests in constant time: the token's length and content do not show in timing. */
function same(a: string, b: string): boolean {
  const digest = (s: string) => createHash('sha256').update(s).digest();
  return timingSafeEqual(digest(a), digest(b));
}

/**
 * 127.0.0.0/8, or ::1. `clientAddress` counts IPv6 by its /64, and ::1's is `0:0:0:0::/64`,
 * which holds no other address a peer has (:: is unspecified, and IPv4-mapped addresses
 * come back as IPv4). Requests without a socket (in-process tests) are not local.
 */
function isLoopback(address: string): boolean {
  return /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(address) || address === '0:0:0:0::/64';
}
