/**
 * What to tell someone signing out with work not yet on the server (null when there is
 * none): it is kept, but goes only when they sign in on this device again.
 */
export function signOutWarning(left: { changes: number; photos: number }, name: string): string | null {
  const parts = [
    left.changes > 0 ? `${left.changes} ${left.changes === 1 ? 'change' : 'changes'}` : null,
    left.photos > 0 ? `${left.photos} ${left.photos === 1 ? 'photo' : 'photos'}` : null,
  ].filter((p) => p !== null);
  if (parts.length === 0) return null;
  const what = parts.join(' and ');
  const one = left.changes + left.photos === 1;
  return one
    ? `${what} has not reached the server yet. It stays on this device, and goes only when ` +
        `${name} signs in here again. To send it now, stay signed in until there is signal.`
    : `${what} have not reached the server yet. They stay on this device, and go only when ` +
        `${name} signs in here again. To send them now, stay signed in until there is signal.`;
}
