/**
 * Keeping the keyboard's place when what it was on goes away or changes (a card redrawn after a
 * move, a notice marked as read): without this the focus falls back to the page's start and a
 * keyboard or screen-reader user has to find their way back.
 */

/** True when the keyboard is nowhere in particular: on the page itself, or on something removed. */
export function focusLost(): boolean {
  const active = document.activeElement;
  return !active || active === document.body || active === document.documentElement || !active.isConnected;
}

/**
 * After the item at `index` of a list went, the keyboard goes to the one that took its place,
 * else to the one before it, else to `fallback` (a heading or a message with tabindex="-1").
 */
export function focusInList(items: ArrayLike<HTMLElement>, index: number, fallback?: HTMLElement | null): void {
  const next = items[Math.min(index, items.length - 1)];
  (next ?? fallback)?.focus();
}
