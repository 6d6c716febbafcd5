/**
 * Where to go after signing in: the page a signed-out person asked for (`/login?next=…`),
 * e.g. a case link opened from a bookmark or a notice. Only paths of this app are followed,
 * never another site (no open redirect).
 */

/** Pages that make no sense to come back to after signing in. */
const NOT_AFTER_SIGN_IN = ['/login'];

/**
 * `raw` when it is a path of this app (`/cases/123`, with its query and hash), else null:
 * refused are absolute and protocol-relative URLs (`https://evil`, `//evil`, `/\evil`),
 * schemes (`javascript:`), control characters, and anything that resolves off this origin.
 */
export function safeNext(raw: string | null | undefined, origin = 'https://app.invalid'): string | null {
  if (!raw || raw.length > 2000) return null;
  // One leading slash, then not a second slash or a backslash (browsers read `/\x` as `//x`).
  if (!raw.startsWith('/') || raw.startsWith('//') || raw.startsWith('/\\')) return null;
  // Backslashes, control characters and whitespace tricks (`/\t/evil` is `//evil` once the
  // tab is dropped).
  for (const ch of raw) {
    const code = ch.charCodeAt(0);
    if (ch === '\\' || code < 0x20 || code === 0x7f) return null;
  }
  let url: URL;
  try {
    url = new URL(raw, origin);
  } catch {
    return null;
  }
  if (url.origin !== new URL(origin).origin) return null;
  if (NOT_AFTER_SIGN_IN.includes(url.pathname)) return null;
  return `${url.pathname}${url.search}${url.hash}`;
}

/** The sign-in page, coming back to `path` (this app's path, with its query) afterwards. */
export function loginHref(path: string): string {
  const next = safeNext(path);
  return next && next !== '/' ? `/login?${new URLSearchParams({ next })}` : '/login';
}
