import { describe, expect, it } from 'vitest';
import { loginHref, safeNext } from './next-path.ts';

describe('safeNext', () => {
  it('follows paths of this app, with their query and hash', () => {
    expect(safeNext('/cases/123')).toBe('/cases/123');
    expect(safeNext('/day?view=map#top')).toBe('/day?view=map#top');
    expect(safeNext('/cases/../inbox')).toBe('/inbox');
  });

  it.each([
    null,
    '',
    'cases/123',
    '//evil.example/x',
    '/\\evil.example',
    '/\t/evil.example',
    'https://evil.example/cases/1',
    'http:evil.example',
    'javascript:alert(1)',
    ' /cases/1',
    '/login',
    '/login?next=/day',
  ])('refuses %j', (raw) => {
    expect(safeNext(raw)).toBeNull();
  });
});

describe('loginHref', () => {
  it('names the page to come back to', () => {
    expect(loginHref('/cases/123')).toBe('/login?next=%2Fcases%2F123');
    expect(loginHref('/')).toBe('/login');
    expect(loginHref('//evil.example')).toBe('/login');
  });
});
