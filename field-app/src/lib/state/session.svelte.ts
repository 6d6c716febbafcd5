/** Who is signed in on this device, and signing in and out. */
import { requestPersistence } from './storage.svelte.ts';
import type { SessionResponse } from '@fieldfix/shared';
import { login, logout } from '#lib/api/index.ts';
import { clearSession, saveSession, sessionIsActive, watchSession } from '#lib/db/index.ts';
import { Live } from './live.svelte.ts';
import { syncState } from './sync.svelte.ts';

/** The stored session, live. Create it while a component initialises. */
export class SessionWatch {
  #live = new Live(() => watchSession());

  /** `undefined` while reading, `null` when nobody is signed in on this device. */
  current = $derived.by(() => this.#live.current);
  active = $derived.by(() => sessionIsActive(this.#live.current ?? undefined));
}

/** The sign-in form. */
export class LoginForm {
  email = $state('');
  password = $state('');
  submitting = $state(false);
  /** What went wrong, for the person; empty when nothing did. */
  error = $state('');

  /** Signs in and stores the session; true when it worked. */
  async submit(): Promise<boolean> {
    if (this.submitting) return false;
    this.error = '';
    if (typeof navigator !== 'undefined' && !navigator.onLine) {
      this.error = 'You are offline. Connect to the internet to sign in.';
      return false;
    }
    this.submitting = true;
    try {
      const res = await login(this.email.trim(), this.password);
      if (!res.ok) {
        this.error = res.error.message;
        return false;
      }
      await saveSession(res.data);
      // Prime (or catch up) at once; the day shows progress in the status bar.
      void syncState.syncNow();
      // Photos live only on the device until they upload: ask the browser to keep them.
      void requestPersistence();
      this.password = '';
      return true;
    } catch (err) {
      console.error('Sign-in failed', err);
      this.error = 'Could not save the sign-in on this device.';
      return false;
    } finally {
      this.submitting = false;
    }
  }
}

/**
 * Signs out: ends the session on the server when it can be reached, then forgets it on the
 * device either way. Cases, and changes waiting to sync, stay on the device.
 */
export async function signOut(): Promise<void> {
  if (typeof navigator === 'undefined' || navigator.onLine) await logout();
  await clearSession();
}

export type { SessionResponse };
