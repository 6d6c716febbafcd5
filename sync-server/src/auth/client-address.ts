import { isIP } from 'node:net';
import type { Context } from 'hono';
import { getConnInfo } from '@hono/node-server/conninfo';

/** What requests without a socket (in-process `app.request`, as in tests) count as. */
export const UNKNOWN_ADDRESS = 'unknown';

/**
 * The address a request came from, for limits per client. The socket's peer, unless
 * `trustProxyHops` proxies are configured in front (TRUST_PROXY): then the X-Forwarded-For
 * entry the outermost trusted proxy added. Entries further left are the client's own words
 * and never trusted. IPv6 addresses count by their /64, which one subscriber usually has whole.
 */
export function clientAddress(c: Context, trustProxyHops: number): string {
  if (trustProxyHops > 0) {
    const hops = (c.req.header('x-forwarded-for') ?? '')
      .split(',')
      .map((h) => h.trim())
      .filter(Boolean);
    const entry = hops.length > 0 ? hops[Math.max(0, hops.length - trustProxyHops)] : undefined;
    const forwarded = entry === undefined ? undefined : normaliseAddress(entry);
    if (forwarded) return forwarded;
  }
  return normaliseAddress(socketAddress(c) ?? '') ?? UNKNOWN_ADDRESS;
}

function socketAddress(c: Context): string | undefined {
  try {
    return getConnInfo(c).remote.address;
  } catch {
    return undefined; // no Node request behind this context
  }
}

/** An IPv4 address, or an IPv6 /64 as `2001:db8:1:2::/64`; undefined when it is neither. */
export function normaliseAddress(raw: string): string | undefined {
  let a = raw.trim();
  if (a.startsWith('[')) {
    const end = a.indexOf(']'); // [v6]:port
    a = end > 0 ? a.slice(1, end) : a.slice(1);
  } else if (/^\d{1,3}(\.\d{1,3}){3}:\d+$/.test(a)) a = a.slice(0, a.lastIndexOf(':')); // v4:port
  a = a.replace(/%.*$/, ''); // a zone index
  const version = isIP(a);
  if (version === 4) return a;
  if (version !== 6) return undefined;
  const groups = ipv6Groups(a);
  if (groups.slice(0, 5).every((g) => g === '0') && groups[5] === 'ffff') {
    // An IPv4 client on a dual-stack socket (::ffff:192.0.2.1).
    const [hi, lo] = [parseInt(groups[6]!, 16), parseInt(groups[7]!, 16)];
    return [hi >> 8, hi & 255, lo >> 8, lo & 255].join('.');
  }
  return `${groups.slice(0, 4).join(':')}::/64`;
}

/** The eight 16-bit groups of a valid IPv6 address, in lower-case hex without leading zeros. */
function ipv6Groups(a: string): string[] {
  const [head = '', tail] = a.split('::') as [string, string | undefined];
  const part = (s: string) =>
    s === ''
      ? []
      : s.split(':').flatMap((g) => {
          if (!g.includes('.')) return [g];
          const [b0, b1, b2, b3] = g.split('.').map(Number) as [number, number, number, number];
          return [((b0 << 8) | b1).toString(16), ((b2 << 8) | b3).toString(16)];
        });
  const h = part(head);
  const t = tail === undefined ? [] : part(tail);
  const groups = [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t];
  return groups.map((g) => parseInt(g, 16).toString(16));
}
