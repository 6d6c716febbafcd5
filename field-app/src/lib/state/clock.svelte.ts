/**
 * "Now", as reactive state that moves on every `intervalMs`, so ages and due badges stay
 * right on a page left open all day. Create it while a component initialises.
 */
export class Clock {
  now = $state.raw(new Date());

  constructor(intervalMs = 60_000) {
    $effect(() => {
      const timer = setInterval(() => (this.now = new Date()), intervalMs);
      return () => clearInterval(timer);
    });
  }
}
