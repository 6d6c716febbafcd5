import { describe, expect, it } from 'vitest';
import { answerBase, linkBase, signLink, stableMessageId, verifyLink } from './signed-links.ts';

const SECRET = 'a-test-secret-of-more-than-32-characters';

describe('signed links in notices', () => {
  it('a token verifies for its own purpose only', () => {
    const token = signLink(SECRET, { p: 'unsubscribe', caseId: '12', email: 'a@example.org' });
    expect(verifyLink(SECRET, token, 'unsubscribe')).toEqual({
      p: 'unsubscribe',
      caseId: '12',
      email: 'a@example.org',
    });
    expect(verifyLink(SECRET, token, 'track')).toBeNull();
  });

  it('a token changed anywhere, or signed with another secret, is refused', () => {
    const token = signLink(SECRET, { p: 'track', caseId: '12' });
    const [body, sig] = token.split('.') as [string, string];
    const otherCase = Buffer.from(JSON.stringify({ p: 'track', caseId: '13' })).toString('base64url');
    expect(verifyLink(SECRET, `${otherCase}.${sig}`, 'track')).toBeNull();
    expect(verifyLink(SECRET, `${body}.${sig.slice(0, -1)}x`, 'track')).toBeNull();
    expect(verifyLink(SECRET, `${body}.${sig}.extra`, 'track')).toBeNull();
    expect(verifyLink('another-secret-of-more-than-32-characters', token, 'track')).toBeNull();
    expect(verifyLink(SECRET, 'not-a-token', 'track')).toBeNull();
  });

  it('"still a problem?" expires', () => {
    const exp = Date.parse('2026-06-24T14:00:00Z') / 1000;
    const token = signLink(SECRET, { p: 'still-a-problem', caseId: '12', exp });
    expect(verifyLink(SECRET, token, 'still-a-problem', new Date('2026-06-24T13:59:59Z'))?.caseId).toBe('12');
    expect(verifyLink(SECRET, token, 'still-a-problem', new Date('2026-06-24T14:00:01Z'))).toBeNull();
  });

  it('a Message-ID is the same for one notice and address, whatever the address’s case', () => {
    const a = stableMessageId('7', 'Ann@Example.org', 'city.example');
    expect(a).toBe(stableMessageId('7', 'ann@example.org', 'city.example'));
    expect(a).not.toBe(stableMessageId('8', 'ann@example.org', 'city.example'));
    expect(a).toMatch(/^<notice-7-[0-9a-f]{16}@city\.example>$/);
  });
});

describe('where links point', () => {
  it('in emails: PUBLIC_URL without its trailing slash, else this server on localhost, never a Host', () => {
    expect(linkBase({ publicUrl: 'https://311.riverton.example/', port: 8080 })).toBe('https://311.riverton.example');
    expect(linkBase({ publicUrl: undefined, port: 8123 })).toBe('http://localhost:8123');
  });

  it('in answers: PUBLIC_URL whatever the request names, else the origin the request came to', () => {
    const proxied = { publicUrl: 'https://311.riverton.example//' };
    expect(answerBase(proxied, 'http://10.0.0.7:8080/open311/v2/requests.json')).toBe('https://311.riverton.example');
    expect(answerBase(proxied, 'http://evil.example/api/public/cases/1')).toBe('https://311.riverton.example');
    // The embedded default on a local network: a tablet gets links it can follow.
    expect(answerBase({ publicUrl: undefined }, 'http://192.168.1.20:5173/tiles/style.json?x=1')).toBe(
      'http://192.168.1.20:5173',
    );
  });
});
