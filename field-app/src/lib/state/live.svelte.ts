/** Anything with `subscribe(next, error)` (Dexie's `liveQuery` observables fit). */
export interface Subscribable<T> {
  subscribe(next: (value: T) => void, error: (error: unknown) => void): { unsubscribe(): void };
}

/**
 * The latest value of a live query, as reactive state. Create it while a component
 * initialises: it subscribes when the component mounts, re-subscribes when reactive values
 * read by `source` change, and unsubscribes when the component goes.
 */
export class Live<T> {
  /** `undefined` until the first value arrives. */
  current = $state.raw<T | undefined>(undefined);
  error = $state.raw<unknown>(undefined);

  constructor(source: () => Subscribable<T>) {
    $effect(() => {
      const sub = source().subscribe(
        (value) => {
          this.current = value;
          this.error = undefined;
        },
        (error) => {
          console.error('Reading from the device failed', error);
          this.error = error;
        },
      );
      return () => sub.unsubscribe();
    });
  }
}
