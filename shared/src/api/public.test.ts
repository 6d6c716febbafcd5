import { describe, expect, it } from 'vitest';
import { FollowRequest } from './public.ts';
import { PublicReportRequest } from './public-report.ts';

// What residents send: an email address PostgreSQL can store and a mail can carry, and
// answers keyed by attribute codes the Open311 form can name.

const report = {
  token: '3f0c6a43-3b0f-4f0e-9d0e-2a1a0f2d9c11',
  serviceCode: 'POTHOLE',
  lat: 42.35,
  long: -86.98,
  language: 'en',
  device: 'device-0123456789',
  proof: '1',
};

const UNSENDABLE = [
  'a\u0000@example.org',
  'a\u0001@example.org',
  'a\u001f@example.org',
  'a\u007f@example.org',
  'a@exa\u0085mple.org',
  'a\ud800@example.org',
  'a@example.org\udc00',
  'a@example\u0000.org',
];

describe('a resident’s email address', () => {
  it('refuses a NUL, a control character or half a surrogate pair, for following and for reports', () => {
    for (const email of UNSENDABLE) {
      const follow = FollowRequest.safeParse({ email, language: 'en' });
      expect(follow.success, JSON.stringify(email)).toBe(false);
      expect(follow.error?.issues[0]).toMatchObject({ path: ['email'], message: 'not an email address' });
      const sent = PublicReportRequest.safeParse({ ...report, email });
      expect(sent.success, JSON.stringify(email)).toBe(false);
      expect(sent.error?.issues[0]).toMatchObject({ path: ['email'], message: 'not an email address' });
    }
  });

  it('takes an address as people write one, in any script, trimmed', () => {
    for (const email of ['rosa@example.org', 'José.Núñez@ejemplo.es', '  a+b@mail.example.org ', '李@例子.中国']) {
      expect(FollowRequest.parse({ email, language: 'en' }).email).toBe(email.trim());
      expect(PublicReportRequest.parse({ ...report, email }).email).toBe(email.trim());
    }
    expect(PublicReportRequest.parse(report).email).toBeNull();
  });
});

describe('a report’s answers', () => {
  it('are keyed by attribute codes; another key is refused, named', () => {
    expect(
      PublicReportRequest.parse({ ...report, attributes: { size: 'large', 'pole.no-2_b': '7' } }).attributes,
    ).toEqual({ size: 'large', 'pole.no-2_b': '7' });
    for (const key of ['a]b', '', 'size][', 'a b', 'x'.repeat(65), 'ñ']) {
      const r = PublicReportRequest.safeParse({ ...report, attributes: { [key]: 'x' } });
      expect(r.success, JSON.stringify(key)).toBe(false);
      expect(r.error?.issues[0]?.path, JSON.stringify(key)).toEqual(['attributes', key]);
      expect(r.error?.issues[0]?.message, JSON.stringify(key)).toContain(
        `${JSON.stringify(key)} is not an attribute code`,
      );
    }
  });
});
