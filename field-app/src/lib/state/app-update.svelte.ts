/**
 * The service worker, seen from the page: registers it (workbox-window) and tells a person
 * when a new version of the app is waiting. One instance for the app.
 */
import { Workbox } from 'workbox-window';
import { dev } from '$app/env';

/** How long the first install may take before the person is told the app is not saved yet. */
const SAVE_WAIT_MS = 20_000;

class AppUpdate {
  /** A new version is installed and waits for the person to reload. */
  waiting = $state(false);
  /**
   * Whether the app itself is saved on the device, so it opens with no signal: null while the
   * first install is under way, false when it failed or is taking long (the page says so).
   */
  offlineReady = $state<boolean | null>(null);

  #wb: Workbox | null = null;
  #reloading = false;

  /** The browser cannot keep the app at all (no service workers: plain http, some private windows). */
  unsupported = $state(false);

  /** Call once, in the browser. */
  start(): void {
    // In `vite dev` there is no build to precache.
    if (dev || this.#wb || typeof navigator === 'undefined') return;
    if (!('serviceWorker' in navigator)) {
      this.unsupported = true;
      this.offlineReady = false;
      return;
    }
    const wb = new Workbox('/service-worker.js', { type: 'module' });
    this.#wb = wb;

    wb.addEventListener('waiting', () => (this.waiting = true));
    // Reload only when this page asked the new version to take over; the first install
    // also takes control (clients.claim) and must not reload the page.
    wb.addEventListener('controlling', () => {
      if (this.#reloading) window.location.reload();
    });

    void navigator.serviceWorker.ready.then(() => (this.offlineReady = true));
    setTimeout(() => (this.offlineReady ??= false), SAVE_WAIT_MS);
    wb.register().catch((err: unknown) => {
      console.error('Service worker registration failed', err);
      this.offlineReady = false;
    });
  }

  /**
   * Resolves once a service worker is active, i.e. the app shell is cached and the app will
   * open without a network; `false` if that takes longer than `timeoutMs` or cannot happen.
   */
  whenOfflineReady(timeoutMs: number): Promise<boolean> {
    if (!this.#wb) return Promise.resolve(false);
    return Promise.race([
      navigator.serviceWorker.ready.then(() => true),
      new Promise<boolean>((resolve) => setTimeout(() => resolve(false), timeoutMs)),
    ]);
  }

  /** Asks the server for a newer version now (e.g. when the sync server says this one is too old). */
  checkForUpdate(): void {
    this.#wb?.update().catch((err: unknown) => console.error('Checking for a new version failed', err));
  }

  /** Loads the newest version: the waiting one if there is one, else whatever the server has. */
  reloadToUpdate(): void {
    if (this.waiting) this.applyUpdate();
    else window.location.reload();
  }

  /** Lets the waiting version take over; the page reloads once it controls it. */
  applyUpdate(): void {
    if (!this.#wb) return;
    this.#reloading = true;
    this.waiting = false;
    this.#wb.messageSkipWaiting();
  }
}

export const appUpdate = new AppUpdate();
