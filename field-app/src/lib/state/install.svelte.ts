/**
 * "Install Fieldfix on this tablet": keeps the browser's install offer (`beforeinstallprompt`,
 * Chromium) until the person asks for it. Hidden once installed or when already running as
 * an installed app.
 */

/** Chromium's event; not in the DOM typings. */
interface BeforeInstallPromptEvent extends Event {
  prompt(): Promise<void>;
  userChoice: Promise<{ outcome: 'accepted' | 'dismissed' }>;
}

class InstallOffer {
  #event = $state.raw<BeforeInstallPromptEvent | null>(null);
  #standalone = $state(false);
  #started = false;

  /** True when pressing the button will show the browser's install dialog. */
  get available(): boolean {
    return this.#event !== null && !this.#standalone;
  }

  /** Listens for the offer; call once from the layout (browser only). */
  start(): void {
    if (this.#started || typeof window === 'undefined') return;
    this.#started = true;
    const standalone = window.matchMedia('(display-mode: standalone)');
    this.#standalone = standalone.matches;
    standalone.addEventListener('change', (e) => (this.#standalone = e.matches));
    window.addEventListener('beforeinstallprompt', (e) => {
      // Keep the offer for our own button instead of the browser's mini-infobar.
      e.preventDefault();
      this.#event = e as BeforeInstallPromptEvent;
    });
    window.addEventListener('appinstalled', () => (this.#event = null));
  }

  async install(): Promise<void> {
    const e = this.#event;
    if (!e) return;
    // An offer can be used once, whatever the answer.
    this.#event = null;
    await e.prompt();
    await e.userChoice.catch(() => undefined);
  }
}

export const installOffer = new InstallOffer();
