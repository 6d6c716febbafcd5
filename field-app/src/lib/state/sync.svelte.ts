/**
 * Refreshing the device's copy of the crew's day from the server. One instance for the app:
 * the status bar shows it, the day page starts it.
 */
import { fetchDay, isSignedOut } from '#lib/api/index.ts';
import { getSession, replaceDay } from '#lib/db/index.ts';

/** Shown when the signed-in person has no crew (leads, admins): there is no "my day". */
export const NO_CREW_MESSAGE = 'Your account is not on a crew, so there is no day to show here.';

export type SyncOutcome =
  /** Nothing tried yet in this tab. */
  | 'idle'
  | 'ok'
  /** No network (or no answer): the device shows what it has. Not an error. */
  | 'offline'
  /** The server no longer knows the session (401). Data on the device stays. */
  | 'signed-out'
  /** The signed-in person has no crew, so no day to fetch (the day page says so). */
  | 'no-crew'
  | 'error';

class DaySync {
  running = $state(false);
  outcome = $state<SyncOutcome>('idle');
  /** A sentence for a person when `outcome` is `error`. */
  message = $state('');

  #inFlight: Promise<void> | null = null;

  /** Fetches the day and stores it. Concurrent calls share one request. */
  syncNow(): Promise<void> {
    this.#inFlight ??= this.#run().finally(() => (this.#inFlight = null));
    return this.#inFlight;
  }

  async #run(): Promise<void> {
    if (typeof navigator !== 'undefined' && !navigator.onLine) {
      this.outcome = 'offline';
      return;
    }
    this.running = true;
    try {
      const session = await getSession();
      if (!session) {
        this.outcome = 'signed-out';
        return;
      }
      if (!session.crew) {
        this.outcome = 'no-crew';
        return;
      }
      const res = await fetchDay();
      if (res.ok) {
        await replaceDay(res.data);
        this.outcome = 'ok';
        this.message = '';
      } else if (res.error.kind === 'network') {
        this.outcome = 'offline';
      } else if (isSignedOut(res.error)) {
        this.outcome = 'signed-out';
      } else {
        this.outcome = 'error';
        this.message = res.error.message;
      }
    } catch (err) {
      console.error('Sync failed', err);
      this.outcome = 'error';
      this.message = 'Could not save the day on this device.';
    } finally {
      this.running = false;
    }
  }

  /** After signing in again: the old outcome no longer applies. */
  reset(): void {
    this.outcome = 'idle';
    this.message = '';
  }
}

export const daySync = new DaySync();
