/**
 * What this phone remembers about cases, in localStorage (no account): the tracking key a
 * notice's link carried (it lets "still a problem?" reopen the case from this phone), and the
 * follows confirmed here with the token that stops them. Nothing here is sent anywhere but
 * back to this server, for the same case.
 */
const KEYS = 'fieldfix-track-keys';
const FOLLOWS = 'fieldfix-follows';

type Follow = { email: string; unfollowToken: string };

function read<T>(name: string): Record<string, T> {
  try {
    const raw = localStorage.getItem(name);
    const v: unknown = raw ? JSON.parse(raw) : {};
    return v && typeof v === 'object' ? (v as Record<string, T>) : {};
  } catch {
    return {};
  }
}

function write<T>(name: string, value: Record<string, T>): void {
  try {
    localStorage.setItem(name, JSON.stringify(value));
  } catch {
    // Private browsing with no storage: the page still works, it just forgets.
  }
}

export function trackKey(caseId: string): string | null {
  return read<string>(KEYS)[caseId] ?? null;
}

export function rememberTrackKey(caseId: string, key: string): void {
  write(KEYS, { ...read<string>(KEYS), [caseId]: key });
}

export function follow(caseId: string): Follow | null {
  return read<Follow>(FOLLOWS)[caseId] ?? null;
}

export function rememberFollow(caseId: string, f: Follow | null): void {
  const all = read<Follow>(FOLLOWS);
  if (f) all[caseId] = f;
  else delete all[caseId];
  write(FOLLOWS, all);
}
