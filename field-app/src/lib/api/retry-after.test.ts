import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { retryAfterMs, RETRY_AFTER_MAX_MS } from './retry-after.ts';

const NOW = Date.parse('2026-06-10T14:00:00.000Z');

describe('reading Retry-After', () => {
  it('reads delta-seconds', () => {
    expect(retryAfterMs('30', NOW)).toBe(30_000);
    expect(retryAfterMs(' 5 ', NOW)).toBe(5_000);
  });

  it('reads zero as "now"', () => {
    expect(retryAfterMs('0', NOW)).toBe(0);
  });

  it('ignores what is absent, negative, fractional or garbage', () => {
    for (const bad of [null, undefined, '', '   ', '-5', '1.5', '5s', 'soon', '0x10', 'Infinity', '1e3']) {
      expect(retryAfterMs(bad, NOW), String(bad)).toBeNull();
    }
  });

  it('reads an HTTP-date: the wait until then, or none when it has passed', () => {
    expect(retryAfterMs('Wed, 10 Jun 2026 14:00:45 GMT', NOW)).toBe(45_000);
    expect(retryAfterMs('Wed, 10 Jun 2026 13:59:00 GMT', NOW)).toBe(0);
    expect(retryAfterMs('Sun, 06 Nov 1994 08:49:37 GMT', NOW)).toBe(0);
    // The obsolete forms RFC 9110 asks a recipient to accept.
    expect(retryAfterMs('Wednesday, 10-Jun-26 14:01:00 GMT', NOW)).toBe(60_000);
    expect(retryAfterMs('Wed Jun 10 14:00:10 2026', NOW)).toBe(10_000);
    expect(retryAfterMs('Sat Jun  6 14:00:30 2026', NOW - 4 * 86_400_000)).toBe(30_000);
    expect(retryAfterMs('Thu Jul  2 00:00:00 2026', NOW, Infinity)).toBe((21 * 24 + 10) * 3_600_000);
    // Not an HTTP-date, though Date.parse would take it.
    expect(retryAfterMs('2026-06-10T14:01:00Z', NOW)).toBeNull();
  });

  it("reads an asctime date (it names no zone) as GMT, whatever the device's time zone", () => {
    // V8 reads its zone once per process, so a device far from GMT is a Node process of its own.
    const script = `
      const { retryAfterMs } = await import(${JSON.stringify(new URL('./retry-after.ts', import.meta.url).href)});
      console.log(JSON.stringify([new Date(2026, 5, 10).getTimezoneOffset(), retryAfterMs('Wed Jun 10 14:00:10 2026', ${NOW})]));`;
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
      env: { ...process.env, TZ: 'Pacific/Auckland' },
      encoding: 'utf8',
    });
    const [offsetMinutes, wait] = JSON.parse(out) as [number, number | null];
    expect(offsetMinutes).toBe(-12 * 60); // the child did run twelve hours from GMT (New Zealand's winter)
    expect(wait).toBe(10_000);
  });

  it('a date of the right form that names no day or no time is none', () => {
    expect(retryAfterMs('Wed, 32 Jun 2026 12:00:00 GMT', NOW)).toBeNull();
    for (const time of ['24:00:00', '29:00:00', '14:60:00', '14:70:00', '14:00:60', '14:00:99']) {
      expect(retryAfterMs(`Wed, 10 Jun 2026 ${time} GMT`, NOW), time).toBeNull();
      expect(retryAfterMs(`Wed Jun 10 ${time} 2026`, NOW), time).toBeNull();
    }
    expect(retryAfterMs('Wed, 10 Jun 2026 19:59:59 GMT', NOW, Infinity)).toBe(6 * 3_600_000 - 1_000);
  });

  it('caps what would keep the device waiting too long', () => {
    expect(retryAfterMs('86400', NOW)).toBe(RETRY_AFTER_MAX_MS);
    expect(retryAfterMs('99999999999999999999999', NOW)).toBe(RETRY_AFTER_MAX_MS);
    expect(retryAfterMs('Fri, 01 Jan 2027 00:00:00 GMT', NOW)).toBe(RETRY_AFTER_MAX_MS);
  });

  it("caps at what the caller allows: a resident's report may wait an hour", () => {
    expect(retryAfterMs('3600', NOW, 60 * 60_000)).toBe(3_600_000);
    expect(retryAfterMs('86400', NOW, 60 * 60_000)).toBe(3_600_000);
  });
});
